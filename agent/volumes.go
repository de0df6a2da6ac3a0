package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	mesospb "agora/api/mesos/v1"
	"agora/resources"
)

// This file is persistent volumes on the agent, as Mesos's agent keeps them
// (Slave::syncCheckpointedResources, paths::getPersistentVolumePath and the
// filesystem/posix isolator):
//
//   - a volume lives in <work_dir>/volumes/roles/<role>/<persistence id>,
//     with the '/' of a hierarchical role written as ' ' so that a subrole
//     is never a subdirectory of its parent's volumes;
//   - the master sends the agent every reservation and volume it keeps for
//     it (CHECKPOINT_RESOURCES, after REGISTERED and on every change); the
//     agent creates the directories of volumes new to it and deletes those
//     of volumes it was told about before and that are no longer listed
//     (DESTROY). What it was last told is kept in
//     <work_dir>/meta/resources/volumes.json, so a volume is deleted only by
//     a master that once listed it;
//   - an executor run whose executor or tasks use a volume sees it in its
//     sandbox at the volume's container_path. agora has no mount namespaces:
//     like Mesos's filesystem/posix isolator it makes a symlink, and only for
//     a container_path without '/'. The volume outlives the task and the
//     sandbox (garbage collection removes the link, not what it points to).

// ErrInvalidVolume is returned for a volume whose role, persistence id or
// container path could make a path outside where volumes live.
var ErrInvalidVolume = errors.New("agent: invalid persistent volume")

// volumeRecord is one volume the master listed, as kept in volumes.json.
type volumeRecord struct {
	Role string `json:"role"`
	ID   string `json:"persistence_id"`
}

// volumesRoot is where persistent volumes live.
func volumesRoot(workDir string) string {
	return filepath.Join(workDir, "volumes", "roles")
}

// volumesRecordPath is where the agent keeps the volumes it was last told
// about.
func volumesRecordPath(workDir string) string {
	return filepath.Join(workDir, "meta", "resources", "volumes.json")
}

// VolumePath returns the directory of the persistent volume with the given
// reservation role and persistence id under an agent's work directory:
// <workDir>/volumes/roles/<role with '/' as ' '>/<id>.
func VolumePath(workDir, role, persistenceID string) (string, error) {
	if err := resources.ValidateRole(role); err != nil || role == "*" {
		return "", fmt.Errorf("%w: role %q", ErrInvalidVolume, role)
	}
	if err := validateVolumeID(persistenceID); err != nil {
		return "", fmt.Errorf("%w: persistence id %q: %v", ErrInvalidVolume, persistenceID, err)
	}
	return filepath.Join(volumesRoot(workDir), strings.ReplaceAll(role, "/", " "), persistenceID), nil
}

// validateVolumeID applies Mesos's rules for ids that name directories
// (common/validation.cpp validateID).
func validateVolumeID(id string) error {
	switch {
	case id == "":
		return errors.New("must not be empty")
	case len(id) > 255:
		return errors.New("must not be longer than 255 characters")
	case id == "." || id == "..":
		return errors.New("'.' and '..' are disallowed")
	case strings.ContainsAny(id, `/\`):
		return errors.New("slashes are disallowed")
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return errors.New("control characters are disallowed")
		}
	}
	return nil
}

// volumeRecords lists the persistent volumes on the agent's own disk among
// resources (volumes on PATH or MOUNT disks are not supported and are
// skipped with a warning).
func (a *Agent) volumeRecords(rs resources.Resources) []volumeRecord {
	var out []volumeRecord
	for r := range rs.PersistentVolumes().All() {
		if r.Disk.Source != nil {
			a.log.Warn("persistent volumes on PATH or MOUNT disks are not supported; ignoring", "volume", r.String())
			continue
		}
		rec := volumeRecord{Role: r.ReservationRole(), ID: r.Disk.Persistence.ID}
		if !slices.Contains(out, rec) {
			out = append(out, rec)
		}
	}
	return out
}

// checkpointResources takes the master's CHECKPOINT_RESOURCES: volumes new
// to the agent get their directory, volumes it listed before and lists no
// more are deleted. Directories are created on the loop (a task about to
// use one must find it); deletion renames the directory out of the way on
// the loop and removes its content on a worker.
func (a *Agent) checkpointResources(list []*mesospb.Resource) {
	rs, err := resources.FromProto(list)
	if err != nil {
		a.log.Error("master sent invalid checkpointed resources; ignoring them", "error", err)
		return
	}
	workDir := a.cfg.WorkDir
	next := a.volumeRecords(rs)
	old, err := loadVolumeRecords(workDir)
	if err != nil {
		a.log.Error("cannot read the volumes the agent was told about; creating new ones only", "error", err)
	}
	for _, v := range next {
		path, err := VolumePath(workDir, v.Role, v.ID)
		if err != nil {
			a.log.Error("not creating persistent volume", "role", v.Role, "persistence_id", v.ID, "error", err)
			continue
		}
		if _, err := os.Stat(path); err == nil {
			continue // created earlier, or data from before: kept as Mesos keeps it
		}
		if err := os.MkdirAll(path, 0o755); err != nil {
			a.log.Error("cannot create persistent volume", "path", path, "error", err)
			continue
		}
		a.log.Info("created persistent volume", "role", v.Role, "persistence_id", v.ID, "path", path)
	}
	var trash []string
	for _, v := range old {
		if slices.Contains(next, v) {
			continue
		}
		path, err := VolumePath(workDir, v.Role, v.ID)
		if err != nil {
			continue
		}
		doomed := filepath.Join(filepath.Dir(volumesRoot(workDir)), ".deleting-"+formatUUID(newUUID()))
		if err := os.Rename(path, doomed); err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				a.log.Error("cannot delete persistent volume", "path", path, "error", err)
			}
			continue
		}
		a.log.Info("deleting destroyed persistent volume", "role", v.Role, "persistence_id", v.ID, "path", path)
		trash = append(trash, doomed)
	}
	if err := saveVolumeRecords(workDir, next); err != nil {
		a.log.Error("cannot record the agent's volumes", "error", err)
	}
	// Leftovers of a deletion a crash interrupted go too.
	if earlier, _ := filepath.Glob(filepath.Join(filepath.Dir(volumesRoot(workDir)), ".deleting-*")); len(earlier) > 0 {
		trash = append(trash, earlier...)
		slices.Sort(trash)
		trash = slices.Compact(trash)
	}
	if len(trash) > 0 {
		log := a.log
		a.goWorker(func() {
			for _, p := range trash {
				if err := os.RemoveAll(p); err != nil {
					log.Error("cannot remove a destroyed persistent volume", "path", p, "error", err)
				}
			}
		})
	}
}

func loadVolumeRecords(workDir string) ([]volumeRecord, error) {
	b, err := os.ReadFile(volumesRecordPath(workDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []volumeRecord
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", volumesRecordPath(workDir), err)
	}
	return out, nil
}

// saveVolumeRecords replaces volumes.json atomically.
func saveVolumeRecords(workDir string, records []volumeRecord) error {
	path := volumesRecordPath(workDir)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if records == nil {
		records = []volumeRecord{}
	}
	b, err := json.Marshal(records)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// runVolumes lists the persistent volumes an executor run's executor and
// tasks use.
func (a *Agent) runVolumes(ex *executor) resources.Resources {
	used := slices.Clone(ex.info.GetResources())
	for _, t := range ex.tasks {
		used = append(used, t.info.GetResources()...)
	}
	// Most runs have none: spare the launch path the conversion then.
	if !slices.ContainsFunc(used, func(r *mesospb.Resource) bool { return r.GetDisk().GetPersistence() != nil }) {
		return resources.Resources{}
	}
	rs, err := resources.FromProto(used)
	if err != nil {
		return resources.Resources{} // the master validated them; nothing of ours to link
	}
	return rs.PersistentVolumes()
}

// linkVolumes makes persistent volumes appear in a sandbox at their
// container_path (a symlink, as Mesos's filesystem/posix isolator does). The
// preparing worker calls it once the sandbox exists, before the run's
// process can start. A link that exists already must point at the same
// volume.
func linkVolumes(workDir, sandbox string, volumes resources.Resources, log *slog.Logger) {
	if volumes.IsEmpty() {
		return
	}
	log = log.With("sandbox", sandbox)
	for r := range volumes.All() {
		if err := linkVolume(workDir, sandbox, r); err != nil {
			log.Error("persistent volume not linked into the sandbox", "volume", r.String(), "error", err)
			continue
		}
		log.Info("persistent volume linked into the sandbox", "persistence_id", r.Disk.Persistence.ID,
			"container_path", r.Disk.Volume.ContainerPath)
	}
}

// linkVolume links one volume into a sandbox.
func linkVolume(workDir, sandbox string, r resources.Resource) error {
	if r.Disk.Source != nil {
		return errors.New("volumes on PATH or MOUNT disks are not supported")
	}
	if r.Disk.Volume == nil {
		return errors.New("the volume has no container_path")
	}
	containerPath := r.Disk.Volume.ContainerPath
	// Mesos's posix isolator links only non-nested relative paths; the
	// rest would need a mount namespace.
	if err := validateVolumeID(containerPath); err != nil {
		return fmt.Errorf("%w: container path %q: only a name without '/' is supported without mount namespaces", ErrInvalidVolume, containerPath)
	}
	volume, err := VolumePath(workDir, r.ReservationRole(), r.Disk.Persistence.ID)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(volume, 0o755); err != nil {
		return err
	}
	link := filepath.Join(sandbox, containerPath)
	if target, err := os.Readlink(link); err == nil {
		if target != volume {
			return fmt.Errorf("%s already links to %s", link, target)
		}
		return nil
	}
	// A task running as a user other than root must be able to write to
	// its volume: give it the sandbox's owner, as Mesos does.
	var st syscall.Stat_t
	if err := syscall.Stat(sandbox, &st); err == nil && st.Uid != 0 && os.Geteuid() == 0 {
		if err := os.Chown(volume, int(st.Uid), int(st.Gid)); err != nil {
			return fmt.Errorf("give the volume to the sandbox's owner: %w", err)
		}
	}
	return os.Symlink(volume, link)
}
