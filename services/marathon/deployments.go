package marathon

import (
	"fmt"
	"net/http"

	"agora/services/events"
)

func deploymentNotFound(id string) notFound {
	return func() string { return fmt.Sprintf("DeploymentPlan %s does not exist", id) }
}

// listDeployments serves GET /v2/deployments.
func (h *handler) listDeployments(w http.ResponseWriter, r *http.Request) {
	ds, err := h.b.Deployments(r.Context())
	if err != nil {
		h.writeError(w, r, err, nil)
		return
	}
	for i := range ds {
		fillDeployment(&ds[i])
	}
	if ds == nil {
		ds = []Deployment{}
	}
	writeJSON(w, http.StatusOK, ds)
}

// fillDeployment replaces nil lists by empty ones: Marathon prints [] for them.
func fillDeployment(d *Deployment) {
	if d.AffectedApps == nil {
		d.AffectedApps = []string{}
	}
	if d.AffectedPods == nil {
		d.AffectedPods = []string{}
	}
	if d.Steps == nil {
		d.Steps = []events.DeploymentStep{}
	}
	for i := range d.Steps {
		if d.Steps[i].Actions == nil {
			d.Steps[i].Actions = []events.DeploymentAction{}
		}
	}
	if d.CurrentActions == nil {
		d.CurrentActions = []events.DeploymentAction{}
	}
}

// cancelDeployment serves DELETE /v2/deployments/{id}: with ?force=true the deployment
// just stops (202, no body); otherwise a rollback deployment starts (200 with its id).
func (h *handler) cancelDeployment(w http.ResponseWriter, r *http.Request, id string) {
	force := boolParam(r, "force", false)
	d, err := h.b.CancelDeployment(r.Context(), id, force)
	if err != nil {
		h.writeError(w, r, err, deploymentNotFound(id))
		return
	}
	if force || d == nil {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	deploymentResult(w, http.StatusOK, *d)
}
