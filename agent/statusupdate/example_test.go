package statusupdate_test

import (
	"fmt"

	"google.golang.org/protobuf/proto"

	"agora/agent/statusupdate"
	mesospb "agora/api/mesos/v1"
)

// The agent's loop hands every update to the Manager and sends what comes
// back; acknowledgements from the master release the next update.
func Example() {
	m := statusupdate.New(statusupdate.Config{})
	m.Resume() // registered with a master

	framework := &mesospb.FrameworkID{Value: proto.String("fw-1")}
	status := func(state mesospb.TaskState, uuid byte) *mesospb.TaskStatus {
		return &mesospb.TaskStatus{
			TaskId: &mesospb.TaskID{Value: proto.String("web-1")},
			State:  state.Enum(),
			Uuid:   []byte{15: uuid},
		}
	}

	send, _ := m.Update(statusupdate.Update{FrameworkID: framework, Status: status(mesospb.TaskState_TASK_RUNNING, 1)})
	fmt.Println("send:", send[0].Status.GetState())
	send, _ = m.Update(statusupdate.Update{FrameworkID: framework, Status: status(mesospb.TaskState_TASK_FINISHED, 2)})
	fmt.Println("queued behind RUNNING:", len(send) == 0)

	ack, _ := m.Acknowledge("fw-1", "web-1", []byte{15: 1})
	fmt.Println("send:", ack.Forward[0].Status.GetState())
	ack, _ = m.Acknowledge("fw-1", "web-1", []byte{15: 2})
	fmt.Println("stream closed:", ack.Terminal)
	// Output:
	// send: TASK_RUNNING
	// queued behind RUNNING: true
	// send: TASK_FINISHED
	// stream closed: true
}
