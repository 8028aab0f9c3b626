package main

// VMware Tools management: UpgradeTools_Task (with the installer's
// ADDLOCAL/REMOVE feature options) and the Tools installer CD.

import (
	"regexp"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var featureOption = regexp.MustCompile(`(?i)\b(ADDLOCAL|REMOVE)=("?)([A-Za-z0-9_,]+)`)

// features parses ADDLOCAL=a,b / REMOVE=c from installer options (msiexec style).
func features(opts string) (add, remove map[string]bool) {
	add, remove = map[string]bool{}, map[string]bool{}
	for _, m := range featureOption.FindAllStringSubmatch(opts, -1) {
		set := add
		if strings.EqualFold(m[1], "REMOVE") {
			set = remove
		}
		for _, f := range strings.Split(m[3], ",") {
			set[strings.ToLower(strings.TrimSpace(f))] = true
		}
	}
	return add, remove
}

// applyFeatures adds and removes the Tools features an installer command
// line names (v.mu held); both UpgradeTools_Task and setup64.exe run in the
// guest use it. It reports whether a driver went, which needs a reboot.
func (v *LabVM) applyFeatures(opts string) (rebootNeeded bool) {
	add, remove := features(opts)
	if add["vss"] || add["all"] {
		v.vss = true
	}
	if add["sync"] || add["all"] {
		v.sync = true
	}
	if remove["vss"] || remove["all"] {
		v.vss = false
	}
	if (remove["sync"] || remove["all"]) && v.sync {
		v.sync = false
		rebootNeeded = true // a loaded kernel driver stays until the next boot
	}
	return rebootNeeded
}

func (l *Lab) UpgradeTools(req interface{}) soap.HasFault {
	r := req.(*types.UpgradeTools_Task)
	v := l.vm(r.This)
	vm := vcsimVM(r.This)
	if v == nil {
		return fault("", &types.NotSupported{})
	}
	if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		return fault("", &types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOn, ExistingState: vm.Runtime.PowerState})
	}
	v.mu.Lock()
	installed, running, busy := v.toolsInstalled, v.toolsRunning, v.upgrading
	if installed && running && !busy {
		v.upgrading = true
	}
	v.mu.Unlock()
	switch {
	case !installed:
		return fault("VMware Tools is not installed in this virtual machine.", &types.ToolsUnavailable{})
	case !running:
		return fault("Cannot complete operation because VMware Tools is not running in this virtual machine.", &types.ToolsUnavailable{})
	case busy:
		return fault("Another task is already in progress.", &types.TaskInProgress{Task: r.This})
	}
	opts := r.InstallerOptions
	task := l.startTask(r.This, v.Name, "upgradeToolsTask", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		defer func() {
			v.mu.Lock()
			v.upgrading = false
			v.mu.Unlock()
		}()
		for i := 1; i <= 9; i++ {
			l.after(l.sc.Timing.ToolsUpgrade / 10)
			progress(t, int32(i*10))
		}
		// The installer stops the Tools service, changes the features, starts it again.
		v.mu.Lock()
		seq := v.bootSeq
		v.toolsRunning = false
		v.toolsVersion = CurrentToolsVersion
		v.toolsEnabled = true
		v.applyFeatures(opts)
		v.mu.Unlock()
		l.publishTools(v)
		l.after(l.sc.Timing.ToolsUpgrade / 10)
		v.mu.Lock()
		up := v.bootSeq == seq
		if up {
			v.toolsRunning = true
		}
		v.mu.Unlock()
		l.publishTools(v)
		if !up {
			return nil, &types.ToolsUnavailable{}
		}
		return nil, nil
	})
	return &methods.UpgradeTools_TaskBody{Res: &types.UpgradeTools_TaskResponse{Returnval: task}}
}

func (l *Lab) MountToolsInstaller(req interface{}) soap.HasFault {
	r := req.(*types.MountToolsInstaller)
	vm := vcsimVM(r.This)
	if vm == nil {
		return fault("", &types.ManagedObjectNotFound{Obj: r.This})
	}
	if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		return fault("", &types.InvalidPowerState{RequestedState: types.VirtualMachinePowerStatePoweredOn, ExistingState: vm.Runtime.PowerState})
	}
	if vm.Runtime.ToolsInstallerMounted {
		return fault("The VMware Tools installer is already mounted.", &types.InvalidState{})
	}
	updateVM(r.This, types.PropertyChange{Name: "runtime.toolsInstallerMounted", Val: true},
		types.PropertyChange{Name: "summary.runtime.toolsInstallerMounted", Val: true})
	return &methods.MountToolsInstallerBody{Res: &types.MountToolsInstallerResponse{}}
}

func (l *Lab) UnmountToolsInstaller(req interface{}) soap.HasFault {
	r := req.(*types.UnmountToolsInstaller)
	vm := vcsimVM(r.This)
	if vm == nil {
		return fault("", &types.ManagedObjectNotFound{Obj: r.This})
	}
	if !vm.Runtime.ToolsInstallerMounted {
		return fault("The VMware Tools installer is not mounted.", &types.InvalidState{})
	}
	updateVM(r.This, types.PropertyChange{Name: "runtime.toolsInstallerMounted", Val: false},
		types.PropertyChange{Name: "summary.runtime.toolsInstallerMounted", Val: false})
	return &methods.UnmountToolsInstallerBody{Res: &types.UnmountToolsInstallerResponse{}}
}
