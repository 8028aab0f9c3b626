package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func TestFaultScenarioErrors(t *testing.T) {
	cases := []struct{ json, want string }{
		{`{"faults":[{"kind":"http_500","methd":"X"}]}`, "faults[0].methd: unknown key"},
		{`{"faults":[{"method":"X"}]}`, "faults[0].kind: required"},
		{`{"faults":[{"kind":"explode"}]}`, "faults[0].kind: must be one of"},
		{`{"faults":[{"kind":"task_fail","method":"ShutdownGuest"}]}`, "faults[0].method: kind task_fail needs a method ending in _Task"},
		{`{"faults":[{"kind":"task_fail","method":"ReconfigVM_Task","fault":"NoSuchFault"}]}`, "faults[0].fault: \"NoSuchFault\" is not a vSphere fault type"},
		{`{"faults":[{"kind":"http_503","fault":"SystemError"}]}`, "faults[0].fault: only for kinds"},
		{`{"faults":[{"kind":"vm_inaccessible"}]}`, "faults[0].vm: required"},
		{`{"faults":[{"kind":"vm_inaccessible","vm":"a","state":"gone"}]}`, "faults[0].state: must be one of"},
		{`{"faults":[{"kind":"http_500","phase":"after"}]}`, "faults[0].phase: only for kind drop_connection"},
		{`{"faults":[{"kind":"delay_ms","after":-1}]}`, "faults[0].after: must be an integer"},
		{`{"faults":[{"kind":"delay_ms","method":"[x"}]}`, "faults[0].method: bad glob"},
		{`{"faults":{"kind":"delay_ms"}}`, "faults: must be an array"},
		{`{"faults":[{"kind":"session_expire","method":"GET /folder"}]}`, "faults[0].kind: method \"GET /folder\" (a datastore file download) takes"},
		{`{"faults":[{"kind":"drop_connection","method":"GET /folder","phase":"after"}]}`, "faults[0]: method \"GET /folder\" (a datastore file download, not SOAP) has no"},
	}
	for _, c := range cases {
		_, err := ParseScenario([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.json, err, c.want)
		}
	}
	sc, err := ParseScenario([]byte(`{"faults":[{"kind":"guest_timeout"},{"kind":"task_hang","method":"*_Task","vm":"db-*","after":2,"times":0}]}`))
	if err != nil {
		t.Fatal(err)
	}
	g, h := sc.Faults[0], sc.Faults[1]
	if g.Method != "*Guest" || g.Fault != "GuestOperationsUnavailable" || g.DelayMS != 2000 || g.Times != 1 {
		t.Errorf("guest_timeout defaults: %+v", g)
	}
	if h.After != 2 || h.Times != 0 || h.VM != "db-*" {
		t.Errorf("task_hang: %+v", h)
	}
}

func vimFault(err error) types.BaseMethodFault {
	if err != nil && soap.IsSoapFault(err) {
		f := reflect.ValueOf(soap.ToSoapFault(err).VimFault())
		if f.Kind() != reflect.Ptr {
			p := reflect.New(f.Type())
			p.Elem().Set(f)
			f = p
		}
		m, _ := f.Interface().(types.BaseMethodFault)
		return m
	}
	return nil
}

// taskInfo reads a task's info.
func (p *labProc) taskInfo(t *testing.T, task *object.Task) types.TaskInfo {
	t.Helper()
	var m mo.Task
	if err := task.Properties(context.Background(), task.Reference(), []string{"info"}, &m); err != nil {
		t.Fatal(err)
	}
	return m.Info
}

func TestFaultKinds(t *testing.T) {
	var vms []interface{}
	for _, n := range []string{"f-drop", "f-dropafter", "f-delay", "f-500", "f-500soap", "f-noauth",
		"f-expire", "f-fail", "f-hang", "f-cancel", "f-gone", "f-orphan", "f-guest", "f-count"} {
		vms = append(vms, win2019(n, nil))
	}
	sc := scenario()
	sc["vms"] = vms
	sc["faults"] = []interface{}{
		map[string]interface{}{"method": "ReconfigVM_Task", "vm": "f-drop", "kind": "drop_connection"},
		map[string]interface{}{"method": "ReconfigVM_Task", "vm": "f-dropafter", "kind": "drop_connection", "phase": "after"},
		map[string]interface{}{"method": "PowerOffVM_Task", "vm": "f-delay", "kind": "delay_ms", "delay_ms": 400},
		map[string]interface{}{"method": "ShutdownGuest", "vm": "f-500", "kind": "http_500"},
		map[string]interface{}{"method": "ReconfigVM_Task", "vm": "f-500soap", "kind": "http_500", "fault": "InvalidDeviceSpec", "message": "bad spec"},
		map[string]interface{}{"method": "CurrentTime", "kind": "http_503", "after": 1},
		map[string]interface{}{"method": "PowerOffVM_Task", "vm": "f-noauth", "kind": "not_authenticated"},
		map[string]interface{}{"method": "MountToolsInstaller", "vm": "f-expire", "kind": "session_expire"},
		map[string]interface{}{"method": "ReconfigVM_Task", "vm": "f-fail", "kind": "task_fail", "fault": "InvalidDeviceSpec", "message": "Invalid configuration for device '0'."},
		map[string]interface{}{"method": "CreateSnapshot_Task", "vm": "f-hang", "kind": "task_hang"},
		map[string]interface{}{"method": "PowerOffVM_Task", "vm": "f-cancel", "kind": "task_cancelled"},
		map[string]interface{}{"vm": "f-gone", "kind": "vm_inaccessible"},
		map[string]interface{}{"method": "PowerOffVM_Task", "vm": "f-orphan", "kind": "vm_inaccessible", "state": "orphaned"},
		map[string]interface{}{"vm": "f-guest", "kind": "guest_timeout", "delay_ms": 300},
		map[string]interface{}{"method": "ReconfigVM_Task", "vm": "f-count", "kind": "http_503", "after": 1, "times": 1},
	}
	logFile := filepath.Join(t.TempDir(), "requests.jsonl")
	p := startLab(t, sc, "--request-log", logFile)
	ctx := context.Background()
	c := p.c(t)
	uuid := func(v string) types.VirtualMachineConfigSpec {
		return types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{&types.OptionValue{Key: "disk.EnableUUID", Value: v}}}
	}
	power := func(name string) types.VirtualMachinePowerState {
		return p.props(t, p.vm(t, name), "runtime.powerState").Runtime.PowerState
	}

	t.Run("drop_connection", func(t *testing.T) {
		vm := p.vm(t, "f-drop")
		if _, err := vm.Reconfigure(ctx, uuid("FALSE")); err == nil || vimFault(err) != nil {
			t.Fatalf("want a transport error, got %v", err)
		}
		if got := extra(p.props(t, vm, "config.extraConfig").Config.ExtraConfig, "disk.EnableUUID"); got != "TRUE" {
			t.Errorf("dropped before the method: extraConfig changed to %q", got)
		}
		task, err := vm.Reconfigure(ctx, uuid("FALSE")) // times 1: the next one passes
		if err != nil {
			t.Fatal(err)
		}
		if _, f := p.waitTask(t, task.Reference()); f != nil {
			t.Fatal(f)
		}
	})
	t.Run("drop_connection_after", func(t *testing.T) {
		vm := p.vm(t, "f-dropafter")
		if _, err := vm.Reconfigure(ctx, uuid("FALSE")); err == nil {
			t.Fatal("want a transport error")
		}
		waitFor(t, "the reconfigure done behind the dropped connection", func() bool {
			return extra(p.props(t, vm, "config.extraConfig").Config.ExtraConfig, "disk.EnableUUID") == "FALSE"
		})
	})
	t.Run("delay_ms", func(t *testing.T) {
		start := time.Now()
		task, err := p.vm(t, "f-delay").PowerOff(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 400*time.Millisecond {
			t.Errorf("answered after %s", d)
		}
		p.waitTask(t, task.Reference())
	})
	t.Run("http_500_html", func(t *testing.T) {
		err := p.vm(t, "f-500").ShutdownGuest(ctx)
		if err == nil || vimFault(err) != nil || !strings.Contains(err.Error(), "html") {
			t.Errorf("want a plain HTTP 500, got %v", err)
		}
		if power("f-500") != types.VirtualMachinePowerStatePoweredOn {
			t.Error("the shutdown ran")
		}
	})
	t.Run("http_500_soap_fault", func(t *testing.T) {
		_, err := p.vm(t, "f-500soap").Reconfigure(ctx, uuid("FALSE"))
		if _, ok := vimFault(err).(*types.InvalidDeviceSpec); !ok || !strings.Contains(err.Error(), "bad spec") {
			t.Errorf("want InvalidDeviceSpec 'bad spec', got %v", err)
		}
	})
	t.Run("http_503_after_times", func(t *testing.T) {
		if _, err := methods.GetCurrentTime(ctx, c.Client); err != nil { // after 1: the first passes
			t.Fatalf("first CurrentTime: %v", err)
		}
		_, err := methods.GetCurrentTime(ctx, c.Client)
		if err == nil || !strings.Contains(err.Error(), "503") {
			t.Errorf("want 503, got %v", err)
		}
		if _, err := methods.GetCurrentTime(ctx, c.Client); err != nil { // times 1
			t.Errorf("third CurrentTime: %v", err)
		}
		vm := p.vm(t, "f-count")
		for i, want503 := range []bool{false, true, false} {
			task, err := vm.Reconfigure(ctx, uuid("FALSE"))
			if got := err != nil && strings.Contains(err.Error(), "503"); got != want503 {
				t.Fatalf("reconfigure %d: %v", i, err)
			}
			if err == nil {
				p.waitTask(t, task.Reference())
			}
		}
	})
	t.Run("not_authenticated", func(t *testing.T) {
		_, err := p.vm(t, "f-noauth").PowerOff(ctx)
		if _, ok := vimFault(err).(*types.NotAuthenticated); !ok {
			t.Fatalf("want NotAuthenticated, got %v", err)
		}
		if _, err := methods.GetCurrentTime(ctx, c.Client); err != nil {
			t.Errorf("the session should live on: %v", err)
		}
		if power("f-noauth") != types.VirtualMachinePowerStatePoweredOn {
			t.Error("the power-off ran")
		}
	})
	t.Run("session_expire", func(t *testing.T) {
		c2, err := p.login(ctx, testUser, testPass)
		if err != nil {
			t.Fatal(err)
		}
		vm := object.NewVirtualMachine(c2.Client, p.vm(t, "f-expire").Reference())
		if _, ok := vimFault(vm.MountToolsInstaller(ctx)).(*types.NotAuthenticated); !ok {
			t.Fatal("want NotAuthenticated")
		}
		_, err = vm.PowerState(ctx)
		if err == nil || !strings.Contains(err.Error(), "NotAuthenticated") {
			t.Errorf("the session should be over: %v", err)
		}
		if _, err := methods.GetCurrentTime(ctx, c.Client); err != nil {
			t.Errorf("another session must not end: %v", err)
		}
	})
	t.Run("task_fail", func(t *testing.T) {
		vm := p.vm(t, "f-fail")
		task, err := vm.Reconfigure(ctx, uuid("FALSE"))
		if err != nil {
			t.Fatal(err)
		}
		_, f := p.waitTask(t, task.Reference())
		if _, ok := f.(*types.InvalidDeviceSpec); !ok {
			t.Fatalf("want InvalidDeviceSpec, got %#v", f)
		}
		if m := f.GetMethodFault().FaultMessage; len(m) == 0 || m[0].Message != "Invalid configuration for device '0'." {
			t.Errorf("message: %+v", m)
		}
		if got := extra(p.props(t, vm, "config.extraConfig").Config.ExtraConfig, "disk.EnableUUID"); got != "TRUE" {
			t.Errorf("a failed task changed extraConfig to %q", got)
		}
	})
	t.Run("task_hang_then_cancel", func(t *testing.T) {
		vm := p.vm(t, "f-hang")
		task, err := vm.CreateSnapshot(ctx, "t", "", false, true)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		if st := p.taskInfo(t, task).State; st != types.TaskInfoStateRunning {
			t.Fatalf("task state %s, want running", st)
		}
		if err := task.Cancel(ctx); err != nil {
			t.Fatal(err)
		}
		_, f := p.waitTask(t, task.Reference())
		if _, ok := f.(*types.RequestCanceled); !ok {
			t.Fatalf("want RequestCanceled, got %#v", f)
		}
		if s := p.props(t, vm, "snapshot").Snapshot; s != nil {
			t.Error("a hung task made a snapshot")
		}
	})
	t.Run("task_cancelled", func(t *testing.T) {
		task, err := p.vm(t, "f-cancel").PowerOff(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_, f := p.waitTask(t, task.Reference())
		if _, ok := f.(*types.RequestCanceled); !ok {
			t.Fatalf("want RequestCanceled, got %#v", f)
		}
		if power("f-cancel") != types.VirtualMachinePowerStatePoweredOn {
			t.Error("a cancelled power-off ran")
		}
	})
	t.Run("vm_inaccessible", func(t *testing.T) {
		vm := p.vm(t, "f-gone")
		if st := p.props(t, vm, "runtime.connectionState").Runtime.ConnectionState; st != "inaccessible" {
			t.Errorf("connectionState %q", st)
		}
		_, err := vm.PowerOff(ctx)
		if _, ok := vimFault(err).(*types.InvalidState); !ok {
			t.Errorf("want InvalidState, got %v", err)
		}
		vm = p.vm(t, "f-orphan")
		_, err = vm.PowerOff(ctx)
		if _, ok := vimFault(err).(*types.InvalidState); !ok {
			t.Errorf("want InvalidState on the request that made it orphaned, got %v", err)
		}
		if st := p.props(t, vm, "runtime.connectionState").Runtime.ConnectionState; st != "orphaned" {
			t.Errorf("connectionState %q", st)
		}
	})
	t.Run("guest_timeout", func(t *testing.T) {
		start := time.Now()
		_, _, err := p.guestRunErr(p.vm(t, "f-guest"), guestAuth, "sc query vmvss")
		if _, ok := vimFault(err).(*types.GuestOperationsUnavailable); !ok {
			t.Fatalf("want GuestOperationsUnavailable, got %v", err)
		}
		if time.Since(start) < 300*time.Millisecond {
			t.Error("no delay")
		}
		if out, code, err := p.guestRunErr(p.vm(t, "f-guest"), guestAuth, "sc query vmvss"); err != nil || code != 0 || out == "" {
			t.Errorf("times 1: the next run must pass: %v %d", err, code)
		}
	})
	t.Run("request_log", func(t *testing.T) {
		f, err := os.Open(logFile)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var drop, faulted int
		s := bufio.NewScanner(f)
		for s.Scan() {
			var e requestEntry
			if err := json.Unmarshal(s.Bytes(), &e); err != nil {
				t.Fatalf("%q: %v", s.Text(), err)
			}
			if e.T <= 0 || e.Method == "" {
				t.Errorf("entry %+v", e)
			}
			if e.Method == "ReconfigVM_Task" && e.VM == "f-drop" {
				drop++
				if e.Fault == "drop_connection" && e.Rule == "faults[0]" && strings.HasPrefix(e.Moref, "vm-") {
					faulted++
				}
			}
		}
		if drop != 2 || faulted != 1 {
			t.Errorf("f-drop reconfigures logged %d, with the fault %d; want 2 and 1", drop, faulted)
		}
	})
}
