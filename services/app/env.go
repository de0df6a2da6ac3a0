package app

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// TaskEnv returns the environment of one instance's task, as Marathon builds it
// (mesosphere/mesos/TaskBuilder.scala and EnvironmentHelper.scala), for a task with id
// taskID on agent host, holding hostPorts (one per port definition, in order) and
// numbered index among the app's instances:
//
//   - MESOS_TASK_ID, MARATHON_APP_ID, MARATHON_APP_VERSION,
//     MARATHON_APP_RESOURCE_CPUS/_MEM/_DISK/_GPUS (printed as Marathon prints them: "1.0");
//   - MARATHON_APP_LABELS (the label names, upper-cased, other characters as '_') and
//     MARATHON_APP_LABEL_<NAME> for each label;
//   - PORT0..PORTn (the host ports), PORT (the first), PORTS (all, comma-separated),
//     PORT_<port> for each port definition (its non-zero port, else the host port) and
//     PORT_<NAME> for each named one; HOST;
//   - AGORA_INSTANCE_INDEX (agora's: the instance's number, from 0);
//   - then the app's env, which wins over all of these.
func TaskEnv(a *App, taskID, host string, hostPorts []int, index int) map[string]string {
	env := map[string]string{
		"MESOS_TASK_ID":              taskID,
		"MARATHON_APP_ID":            a.ID,
		"MARATHON_APP_VERSION":       a.Version,
		"MARATHON_APP_RESOURCE_CPUS": number(a.CPUs),
		"MARATHON_APP_RESOURCE_MEM":  number(a.Mem),
		"MARATHON_APP_RESOURCE_DISK": number(a.Disk),
		"MARATHON_APP_RESOURCE_GPUS": strconv.Itoa(a.GPUs),
		"AGORA_INSTANCE_INDEX":       strconv.Itoa(index),
	}
	var names []string
	for k, v := range a.Labels {
		// Marathon drops labels too long for an environment variable.
		if len(k) >= maxLabelNameLength || len(v) >= maxEnvValueLength {
			continue
		}
		name := strings.ToUpper(notEnvName.ReplaceAllString(k, "_"))
		names = append(names, name)
		env[labelPrefix+name] = v
	}
	if len(a.Labels) > 0 {
		slices.Sort(names)
		env["MARATHON_APP_LABELS"] = strings.Join(names, " ")
	}
	if len(hostPorts) > 0 {
		all := make([]string, len(hostPorts))
		for i, p := range hostPorts {
			s := strconv.Itoa(p)
			all[i] = s
			env["PORT"+strconv.Itoa(i)] = s
			if i < len(a.PortDefinitions) {
				d := a.PortDefinitions[i]
				if d.Port != 0 {
					env["PORT_"+strconv.Itoa(d.Port)] = s
				} else {
					env["PORT_"+s] = s
				}
				if d.Name != "" {
					env["PORT_"+strings.ToUpper(d.Name)] = s
				}
			}
		}
		env["PORT"] = all[0]
		env["PORTS"] = strings.Join(all, ",")
	}
	if host != "" {
		env["HOST"] = host
	}
	for k, v := range a.Env {
		env[k] = v
	}
	return env
}

const (
	labelPrefix        = "MARATHON_APP_LABEL_"
	maxEnvValueLength  = 512
	maxLabelNameLength = maxEnvValueLength - len(labelPrefix)
)

var notEnvName = regexp.MustCompile(`[^a-zA-Z0-9_]+`)
