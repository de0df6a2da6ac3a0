package marathon

import (
	"fmt"
	"net/http"
	"slices"
)

// queue serves GET /v2/queue; lastUnusedOffers only with ?embed=lastUnusedOffers.
func (h *handler) queue(w http.ResponseWriter, r *http.Request) {
	items, err := h.b.Queue(r.Context())
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	withOffers := slices.Contains(r.URL.Query()["embed"], "lastUnusedOffers")
	out := make([]QueueItem, 0, len(items))
	for _, it := range items {
		if !withOffers {
			it.LastUnusedOffers = nil
		} else if it.LastUnusedOffers == nil {
			it.LastUnusedOffers = []UnusedOffer{}
		}
		out = append(out, it)
	}
	writeJSON(w, http.StatusOK, struct {
		Queue []QueueItem `json:"queue"`
	}{out})
}

// resetDelay serves DELETE /v2/queue/{app}/delay: 204.
func (h *handler) resetDelay(w http.ResponseWriter, r *http.Request, raw string) {
	id := pathID(raw)
	if err := h.b.ResetDelay(r.Context(), id); err != nil {
		h.writeError(w, r, err, func() string { return fmt.Sprintf("Application %s not found in tasks queue.", id) })
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// info serves GET /v2/info.
func (h *handler) info(w http.ResponseWriter, r *http.Request) {
	info, err := h.b.Info(r.Context())
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	if info.MarathonConfig == nil {
		info.MarathonConfig = map[string]any{}
	}
	if info.ZookeeperConfig == nil {
		info.ZookeeperConfig = map[string]any{}
	}
	writeJSON(w, http.StatusOK, info)
}

// leader serves GET /v2/leader: {"leader": "host:port"}, 404 without one.
func (h *handler) leader(w http.ResponseWriter, r *http.Request) {
	info, err := h.b.Info(r.Context())
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	if info.Leader == "" {
		writeMessage(w, http.StatusNotFound, "There is no leader")
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Leader string `json:"leader"`
	}{info.Leader})
}
