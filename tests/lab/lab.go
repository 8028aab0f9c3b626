package main

// The lab's own state beside vcsim's objects: what only the guest knows
// (Tools components, VSS service, writers, files) and helpers shared by the
// method implementations (timing, tasks, events, property updates).

import (
	"context"
	"fmt"
	"log"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// Lab holds the scenario, the inventory and per-VM guest state.
type Lab struct {
	sc    *Scenario
	speed float64
	model *simulator.Model

	dcRef, hostRef, poolRef types.ManagedObjectReference
	hostRefs                []types.ManagedObjectReference // every host, by name; VMs in turn
	dsName                  string
	dsDir                   string // local directory behind the datastore
	port                    string // the HTTPS port, for guest file transfer URLs
	esxTransferURLs         bool   // transfer URLs name the ESXi host (--esx-transfer-urls)

	mu  sync.Mutex
	vms map[types.ManagedObjectReference]*LabVM

	transfers *transferStore

	opsMu       sync.Mutex
	opsInFlight map[string]int // Guest Operations being answered, by host name
	opsMost     map[string]int // the most at once so far, by host name
	opsAll      int            // Guest Operations being answered on every host
	opsAllMost  int            // the most at once so far on every host
}

// LabVM is the guest side of one VM. mu guards every field below it.
type LabVM struct {
	Ref    types.ManagedObjectReference
	Name   string
	Family Family
	Build  int
	Spec   *VMSpec
	Timing *TimingSpec // the scenario's durations (programs in the guest take time too)
	Host   string      // the name of the ESXi host it runs on

	mu             sync.Mutex
	toolsInstalled bool
	toolsEnabled   bool // the Tools service starts at boot (scenario status "running")
	toolsRunning   bool // the Tools service is up right now
	toolsVersion   string
	vss, sync      bool
	toolsConf      *string                  // nil: no tools.conf file
	vssStart       string                   // auto | demand | disabled
	vssRunning     bool                     // VSS started (auto at boot, or net start)
	services       map[string]*guestService // writer-owning services, by lower-case name (services.go)
	cdrom          string                   // drive letter of the mounted Tools installer for the command being run, "" none
	writers        []*Writer
	disks          []DiskSpec
	uuidEffective  bool // disk.EnableUUID as the running guest sees it
	bootSeq        int  // bumps at each power change; stale timers check it
	upgrading      bool // an UpgradeTools_Task is running
	files          map[string][]byte
	procs          []*types.GuestProcessInfo
	nextPid        int64
	manifests      map[types.ManagedObjectReference]string // snapshot -> manifest datastore path
	manifestSeq    int
}

func (l *Lab) vm(ref types.ManagedObjectReference) *LabVM {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.vms[ref]
}

// after waits a scenario duration (ms) divided by --speed.
func (l *Lab) after(ms float64) {
	if ms <= 0 {
		return
	}
	time.Sleep(time.Duration(ms / l.speed * float64(time.Millisecond)))
}

// guestOp is one Guest Operations round trip: it takes timing_ms.guest_op (vCenter hands it
// to hostd, hostd to the guest's Tools). The requests in flight are counted per host, and
// every new maximum is logged ("guest ops in flight on HOST: N"), so tests can prove a
// client never had more than its bound running on one host; so is the total ("guest ops in
// flight in all: N"), against the client's bound for every host together.
func (l *Lab) guestOp(v *LabVM) {
	l.opsMu.Lock()
	if l.opsInFlight == nil {
		l.opsInFlight, l.opsMost = map[string]int{}, map[string]int{}
	}
	l.opsInFlight[v.Host]++
	if n := l.opsInFlight[v.Host]; n > l.opsMost[v.Host] {
		l.opsMost[v.Host] = n
		log.Printf("guest ops in flight on %s: %d", v.Host, n)
	}
	l.opsAll++
	if l.opsAll > l.opsAllMost {
		l.opsAllMost = l.opsAll
		log.Printf("guest ops in flight in all: %d", l.opsAll)
	}
	l.opsMu.Unlock()
	l.after(l.sc.Timing.GuestOp)
	l.opsMu.Lock()
	l.opsInFlight[v.Host]--
	l.opsAll--
	l.opsMu.Unlock()
}

// ctx is an internal request context for calling vcsim's methods in-process.
func (l *Lab) ctx(caller *types.ManagedObjectReference) *simulator.Context {
	return &simulator.Context{
		Context: context.Background(),
		Map:     simulator.Map,
		Caller:  caller,
		Session: &simulator.Session{
			UserSession: types.UserSession{Key: "quiescent-lab", UserName: l.sc.VCenter.User},
			Registry:    simulator.NewRegistry(),
		},
	}
}

// vcsimVM returns vcsim's object for a VM reference.
func vcsimVM(ref types.ManagedObjectReference) *simulator.VirtualMachine {
	vm, _ := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	return vm
}

// startTask creates a task on obj and runs it in the background, like vCenter.
// (vcsim's Task.Run updates the task without its lock: fine for vcsim's
// synchronous tasks, racy for background ones, hence this runner.)
func (l *Lab) startTask(obj types.ManagedObjectReference, entityName, name string,
	run func(t *simulator.Task) (types.AnyType, types.BaseMethodFault)) types.ManagedObjectReference {
	task := simulator.CreateTask(obj, name, run)
	task.Info.EntityName = entityName
	task.Info.Reason = &types.TaskReasonUser{UserName: l.sc.VCenter.User}
	go func() {
		updateTask(task, types.PropertyChange{Name: "info.startTime", Val: time.Now()},
			types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateRunning})
		res, err := run(task)
		state := types.TaskInfoStateSuccess
		var fault interface{}
		if err != nil {
			state = types.TaskInfoStateError
			msg := fmt.Sprintf("%T", err)
			if m := err.GetMethodFault().FaultMessage; len(m) > 0 {
				msg = m[0].Message
			}
			fault = types.LocalizedMethodFault{Fault: err, LocalizedMessage: msg}
		} else {
			updateTask(task, types.PropertyChange{Name: "info.progress", Val: int32(100)})
		}
		updateTask(task, types.PropertyChange{Name: "info.completeTime", Val: time.Now()},
			types.PropertyChange{Name: "info.state", Val: state},
			types.PropertyChange{Name: "info.result", Val: res},
			types.PropertyChange{Name: "info.error", Val: fault})
	}()
	return task.Self
}

// updateTask changes task info under the task's lock (collectors read it concurrently).
func updateTask(t *simulator.Task, changes ...types.PropertyChange) {
	simulator.Map.WithLock(t, func() { simulator.Map.Update(t, changes) })
}

func progress(t *simulator.Task, pct int32) {
	updateTask(t, types.PropertyChange{Name: "info.progress", Val: pct})
}

// innerTask takes the task a vcsim method ran synchronously out of the
// inventory (the lab's own task is the one clients see) and returns its fault.
func innerTask(res soap.HasFault) (types.AnyType, types.BaseMethodFault) {
	if f := res.Fault(); f != nil {
		return nil, f.Detail.Fault.(types.BaseMethodFault)
	}
	ret := reflect.ValueOf(res).Elem().FieldByName("Res").Elem().FieldByName("Returnval")
	ref, ok := ret.Interface().(types.ManagedObjectReference)
	if !ok || ref.Type != "Task" {
		return nil, nil
	}
	task := simulator.Map.Get(ref).(*simulator.Task)
	dropTask(ref)
	if task.Info.Error != nil {
		return nil, task.Info.Error.Fault
	}
	return task.Info.Result, nil
}

// dropTask removes a task from the registry and from TaskManager.recentTask.
func dropTask(ref types.ManagedObjectReference) {
	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	tm := simulator.Map.Get(*si.Content.TaskManager).(*simulator.TaskManager)
	tm.Lock()
	var keep []types.ManagedObjectReference
	for _, r := range tm.RecentTask {
		if r != ref {
			keep = append(keep, r)
		}
	}
	simulator.Map.Update(tm, []types.PropertyChange{{Name: "recentTask", Val: keep}})
	tm.Unlock()
	simulator.Map.Remove(ref)
}

// vmEvent fills the entity arguments vCenter puts in a VM event.
func (l *Lab) vmEvent(v *LabVM, msg string) types.VmEvent {
	return types.VmEvent{Event: types.Event{
		FullFormattedMessage: msg,
		Datacenter:           &types.DatacenterEventArgument{Datacenter: l.dcRef, EntityEventArgument: types.EntityEventArgument{Name: "DC0"}},
		Host:                 &types.HostEventArgument{Host: l.hostRef},
		Vm:                   &types.VmEventArgument{Vm: v.Ref, EntityEventArgument: types.EntityEventArgument{Name: v.Name}},
	}}
}

func (l *Lab) postEvent(events ...types.BaseEvent) {
	ctx := l.ctx(nil)
	em := simulator.Map.EventManager()
	simulator.Map.WithLock(em, func() {
		for _, e := range events {
			em.PostEvent(ctx, &types.PostEvent{EventToPost: e})
		}
	})
}

// updateVM applies property changes to a VM under its lock, notifying collectors.
func updateVM(ref types.ManagedObjectReference, changes ...types.PropertyChange) {
	vm := vcsimVM(ref)
	simulator.Map.WithLock(vm, func() { simulator.Map.Update(vm, changes) })
}

// toolsFacts computes the guest.* Tools properties from the lab state (v.mu held).
func (v *LabVM) toolsFacts(powered bool) []types.PropertyChange {
	running := v.toolsInstalled && v.toolsRunning && powered
	ver, status2, status, runStatus := "0", "guestToolsNotInstalled", types.VirtualMachineToolsStatusToolsNotInstalled, "guestToolsNotRunning"
	if v.toolsInstalled {
		n, _ := EncodeToolsVersion(v.toolsVersion)
		cur, _ := EncodeToolsVersion(CurrentToolsVersion)
		ver = fmt.Sprint(n)
		switch {
		case n < tooOldToolsVersion:
			status2 = "guestToolsTooOld"
		case n < cur:
			status2 = "guestToolsSupportedOld"
		case n == cur:
			status2 = "guestToolsCurrent"
		default:
			status2 = "guestToolsSupportedNew"
		}
		status = types.VirtualMachineToolsStatusToolsNotRunning
		if running {
			status = types.VirtualMachineToolsStatusToolsOk
			if n < cur {
				status = types.VirtualMachineToolsStatusToolsOld
			}
			runStatus = "guestToolsRunning"
		}
	}
	status1 := "guestToolsNotInstalled"
	if v.toolsInstalled {
		status1 = "guestToolsCurrent"
		if status2 != "guestToolsCurrent" && status2 != "guestToolsSupportedNew" {
			status1 = "guestToolsNeedUpgrade"
		}
	}
	guestID, fullName, state, host := "", "", "notRunning", ""
	var disks []types.GuestDiskInfo
	if running {
		guestID, fullName, state, host = v.Spec.GuestID, v.Spec.GuestFullName, "running", strings.ToLower(v.Name)
		disks = v.guestDisks()
	}
	return []types.PropertyChange{
		{Name: "guest.toolsVersion", Val: ver},
		{Name: "guest.toolsVersionStatus", Val: status1},
		{Name: "guest.toolsVersionStatus2", Val: status2},
		{Name: "guest.toolsStatus", Val: status},
		{Name: "guest.toolsRunningStatus", Val: runStatus},
		{Name: "guest.guestId", Val: guestID},
		{Name: "guest.guestFullName", Val: fullName},
		{Name: "guest.guestState", Val: state},
		{Name: "guest.hostName", Val: host},
		{Name: "guest.disk", Val: disks},
		{Name: "summary.guest.toolsStatus", Val: status},
		{Name: "summary.guest.toolsVersionStatus2", Val: status2},
		{Name: "summary.guest.toolsRunningStatus", Val: runStatus},
		{Name: "summary.guest.guestId", Val: guestID},
		{Name: "summary.guest.guestFullName", Val: fullName},
		{Name: "summary.guest.hostName", Val: host},
	}
}

// publishTools pushes the Tools facts to the VM's properties.
func (l *Lab) publishTools(v *LabVM) {
	vm := vcsimVM(v.Ref)
	simulator.Map.WithLock(vm, func() {
		powered := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
		v.mu.Lock()
		changes := v.toolsFacts(powered)
		v.mu.Unlock()
		simulator.Map.Update(vm, changes)
	})
}

// guestDisks: guest.disk from the scenario's volumes, else one volume per disk.
func (v *LabVM) guestDisks() []types.GuestDiskInfo {
	const gib = 1 << 30
	var out []types.GuestDiskInfo
	for _, vol := range v.volumes() {
		out = append(out, types.GuestDiskInfo{DiskPath: vol.Path, Capacity: int64(vol.GB * gib),
			FreeSpace: int64(vol.FreeGB * gib)}) // no filesystemType: a 7.0 field that 6.x clients reject
	}
	return out
}

func (v *LabVM) volumes() []VolumeSpec {
	if v.Spec.Guest.Volumes != nil {
		return v.Spec.Guest.Volumes
	}
	var out []VolumeSpec
	for i, d := range v.disks {
		if i > 23 {
			break
		}
		out = append(out, VolumeSpec{Path: string(rune('C'+i)) + ":\\", GB: d.GB, FreeGB: d.GB / 2})
	}
	return out
}

// extraConfig reads a key from the VM's config.extraConfig (caller holds the VM lock or accepts a racy read).
func extraConfig(vm *simulator.VirtualMachine, key string) string {
	for _, o := range vm.Config.ExtraConfig {
		ov := o.GetOptionValue()
		if strings.EqualFold(ov.Key, key) {
			s, _ := ov.Value.(string)
			return s
		}
	}
	return ""
}
