package main

// Power operations and reconfiguration with vCenter-like durations. vcsim
// does the state change itself; the lab adds the timing, the Tools service
// lifecycle and when disk.EnableUUID takes effect in the guest.

import (
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// passThrough runs vcsim's own method under the VM's lock (VMs the scenario did not create).
func passThrough(ref types.ManagedObjectReference, call func(*simulator.VirtualMachine) soap.HasFault) soap.HasFault {
	vm := vcsimVM(ref)
	if vm == nil {
		return fault("", &types.ManagedObjectNotFound{Obj: ref})
	}
	var res soap.HasFault
	simulator.Map.WithLock(vm, func() { res = call(vm) })
	return res
}

func (l *Lab) PowerOn(req interface{}) soap.HasFault {
	r := req.(*types.PowerOnVM_Task)
	v := l.vm(r.This)
	if v == nil {
		return passThrough(r.This, func(vm *simulator.VirtualMachine) soap.HasFault { return vm.PowerOnVMTask(l.ctx(&vm.Self), r) })
	}
	vm := vcsimVM(r.This)
	task := l.startTask(r.This, v.Name, "powerOnTask", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		if state := vm.Runtime.PowerState; state == types.VirtualMachinePowerStatePoweredOn {
			return nil, &types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOn, ExistingState: state}
		}
		l.after(l.sc.Timing.PowerOn)
		var res soap.HasFault
		var seq int
		var already types.BaseMethodFault
		simulator.Map.WithLock(vm, func() {
			// A second PowerOn that waited beside the first is refused here, before it
			// touches the guest: restarting the boot sequence would orphan the first
			// power-on's Tools start (L1: Tools "not running" for good).
			if state := vm.Runtime.PowerState; state == types.VirtualMachinePowerStatePoweredOn {
				already = &types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOn, ExistingState: state}
				return
			}
			res = vm.PowerOnVMTask(l.ctx(&vm.Self), r)
			boot := time.Now()
			simulator.Map.Update(vm, []types.PropertyChange{{Name: "runtime.bootTime", Val: &boot},
				{Name: "summary.runtime.bootTime", Val: &boot}})
			// A fresh VMX process reads disk.EnableUUID; guest services restart, writers with them.
			v.mu.Lock()
			v.uuidEffective = strings.EqualFold(extraConfig(vm, "disk.EnableUUID"), "TRUE")
			v.bootSeq++
			seq = v.bootSeq
			v.toolsRunning = false
			v.restartWriters("")
			v.vssRunning = v.vssStart == "auto"
			for _, s := range v.services {
				s.running = !s.disabled // a disabled service does not start at boot
			}
			v.mu.Unlock()
		})
		if already != nil {
			return nil, already
		}
		if _, f := innerTask(res); f != nil {
			return nil, f
		}
		l.publishTools(v)
		go l.toolsStart(v, seq)
		return nil, nil
	})
	return &methods.PowerOnVM_TaskBody{Res: &types.PowerOnVM_TaskResponse{Returnval: task}}
}

// toolsStart brings the Tools service up tools_start after boot, unless the VM changed power since.
func (l *Lab) toolsStart(v *LabVM, seq int) {
	l.after(l.sc.Timing.ToolsStart)
	v.mu.Lock()
	up := v.bootSeq == seq && v.toolsInstalled && v.toolsEnabled
	if up {
		v.toolsRunning = true
	}
	v.mu.Unlock()
	if up {
		l.publishTools(v)
	}
}

// stopped records that the guest is down (power off, shutdown, suspend).
func (l *Lab) stopped(v *LabVM, vm *simulator.VirtualMachine) {
	v.mu.Lock()
	v.bootSeq++
	v.toolsRunning = false
	v.mu.Unlock()
	simulator.Map.Update(vm, []types.PropertyChange{{Name: "runtime.bootTime", Val: nil},
		{Name: "summary.runtime.bootTime", Val: nil}})
	v.mu.Lock()
	changes := v.toolsFacts(false)
	v.mu.Unlock()
	simulator.Map.Update(vm, changes)
}

func (l *Lab) PowerOff(req interface{}) soap.HasFault {
	r := req.(*types.PowerOffVM_Task)
	v := l.vm(r.This)
	if v == nil {
		return passThrough(r.This, func(vm *simulator.VirtualMachine) soap.HasFault { return vm.PowerOffVMTask(l.ctx(&vm.Self), r) })
	}
	vm := vcsimVM(r.This)
	task := l.startTask(r.This, v.Name, "powerOffTask", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		var res soap.HasFault
		simulator.Map.WithLock(vm, func() {
			res = vm.PowerOffVMTask(l.ctx(&vm.Self), r)
			if res.Fault() == nil {
				l.stopped(v, vm)
			}
		})
		_, f := innerTask(res)
		return nil, f
	})
	return &methods.PowerOffVM_TaskBody{Res: &types.PowerOffVM_TaskResponse{Returnval: task}}
}

// ShutdownGuest returns at once, like vCenter; the VM is off guest_shutdown later.
func (l *Lab) ShutdownGuest(req interface{}) soap.HasFault {
	r := req.(*types.ShutdownGuest)
	v := l.vm(r.This)
	if v == nil {
		return passThrough(r.This, func(vm *simulator.VirtualMachine) soap.HasFault { return vm.ShutdownGuest(l.ctx(&vm.Self), r) })
	}
	vm := vcsimVM(r.This)
	if state := vm.Runtime.PowerState; state != types.VirtualMachinePowerStatePoweredOn {
		return fault("", &types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOn, ExistingState: state})
	}
	v.mu.Lock()
	running, seq := v.toolsRunning, v.bootSeq
	v.mu.Unlock()
	if !running {
		return fault("Cannot complete operation because VMware Tools is not running in this virtual machine.", &types.ToolsUnavailable{})
	}
	go func() {
		l.after(l.sc.Timing.GuestShutdown)
		simulator.Map.WithLock(vm, func() {
			v.mu.Lock()
			same := v.bootSeq == seq
			v.mu.Unlock()
			if same && vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
				vm.ShutdownGuest(l.ctx(&vm.Self), r)
				l.stopped(v, vm)
			}
		})
	}()
	return &methods.ShutdownGuestBody{Res: &types.ShutdownGuestResponse{}}
}

// Reconfigure saves extraConfig at once (replacing keys, an empty value
// deleting one, as vCenter does); the guest sees disk.EnableUUID at next power-on.
func (l *Lab) Reconfigure(req interface{}) soap.HasFault {
	r := req.(*types.ReconfigVM_Task)
	vm := vcsimVM(r.This)
	if vm == nil {
		return fault("", &types.ManagedObjectNotFound{Obj: r.This})
	}
	task := l.startTask(r.This, vm.Name, "reconfigVmTask", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		l.after(l.sc.Timing.Reconfig)
		var res soap.HasFault
		simulator.Map.WithLock(vm, func() {
			merged := mergeExtraConfig(vm.Config.ExtraConfig, r.Spec.ExtraConfig)
			res = vm.ReconfigVMTask(l.ctx(&vm.Self), r)
			simulator.Map.Update(vm, []types.PropertyChange{{Name: "config.extraConfig", Val: merged}})
		})
		_, f := innerTask(res)
		return nil, f
	})
	return &methods.ReconfigVM_TaskBody{Res: &types.ReconfigVM_TaskResponse{Returnval: task}}
}

func mergeExtraConfig(cur, change []types.BaseOptionValue) []types.BaseOptionValue {
	out := append([]types.BaseOptionValue(nil), cur...)
	for _, c := range change {
		ov := c.GetOptionValue()
		val, _ := ov.Value.(string)
		idx := -1
		for i, o := range out {
			if strings.EqualFold(o.GetOptionValue().Key, ov.Key) {
				idx = i
			}
		}
		switch {
		case val == "" && idx >= 0:
			out = append(out[:idx], out[idx+1:]...)
		case val == "":
		case idx >= 0:
			out[idx] = &types.OptionValue{Key: ov.Key, Value: val}
		default:
			out = append(out, &types.OptionValue{Key: ov.Key, Value: val})
		}
	}
	return out
}
