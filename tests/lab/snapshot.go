package main

// Snapshot methods: CreateSnapshot_Task and CreateSnapshotEx_Task quiesce as
// decided in quiesce.go, with progress, events and the manifest zip;
// removal deletes manifests with their snapshots. vcsim keeps the tree.

import (
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const maxSnapshots = 32

// CreateSnapshot_Task(quiesce=true) is VSS_BT_COPY with fixed settings.
func (l *Lab) CreateSnapshot(req interface{}) soap.HasFault {
	r := req.(*types.CreateSnapshot_Task)
	if l.vm(r.This) == nil {
		return passThrough(r.This, func(vm *simulator.VirtualMachine) soap.HasFault { return vm.CreateSnapshotTask(r) })
	}
	var q *QuiesceSpec
	if r.Quiesce && !r.Memory {
		q = &QuiesceSpec{BackupType: 5, Bootable: true, Context: "ctx_auto", TimeoutMinutes: 15}
	}
	task := l.snapshotTask(r.This, "createSnapshotTask", r.Name, r.Description, q)
	return &methods.CreateSnapshot_TaskBody{Res: &types.CreateSnapshot_TaskResponse{Returnval: task}}
}

// CreateSnapshotEx_Task honours the Windows quiesce spec; it needs Tools >= 10.1.0 on Windows.
func (l *Lab) CreateSnapshotEx(req interface{}) soap.HasFault {
	r := req.(*types.CreateSnapshotEx_Task)
	v := l.vm(r.This)
	if v == nil {
		return fault("", &types.ManagedObjectNotFound{Obj: r.This})
	}
	v.mu.Lock()
	tv, _ := EncodeToolsVersion(v.toolsVersion)
	old := v.Family.IsWindows() && v.toolsInstalled && tv < toolsExMin
	v.mu.Unlock()
	if old {
		return fault("CreateSnapshotEx_Task requires VMware Tools 10.1.0 or later in the guest.", &types.NotSupported{})
	}
	var q *QuiesceSpec
	if r.QuiesceSpec != nil && !r.Memory {
		q = &QuiesceSpec{BackupType: 5, Bootable: true, Context: "ctx_auto", TimeoutMinutes: 15}
		if t := r.QuiesceSpec.GetVirtualMachineGuestQuiesceSpec().Timeout; t != 0 {
			if t < 5 || t > 240 {
				return fault("The quiesce timeout must be from 5 to 240 minutes.", &types.InvalidArgument{InvalidProperty: "quiesceSpec.timeout"})
			}
			q.TimeoutMinutes = t
		}
		if w, ok := r.QuiesceSpec.(*types.VirtualMachineWindowsQuiesceSpec); ok {
			if w.VssBackupType != 0 {
				if w.VssBackupType < 1 || w.VssBackupType > 5 {
					return fault("", &types.InvalidArgument{InvalidProperty: "quiesceSpec.vssBackupType"})
				}
				q.BackupType = w.VssBackupType
			}
			if w.VssBootableSystemState != nil {
				q.Bootable = *w.VssBootableSystemState
			}
			if w.VssPartialFileSupport != nil {
				q.PartialFile = *w.VssPartialFileSupport
			}
			switch w.VssBackupContext {
			case "":
			case "ctx_auto", "ctx_backup", "ctx_file_share_backup":
				q.Context = w.VssBackupContext
			default:
				return fault("", &types.InvalidArgument{InvalidProperty: "quiesceSpec.vssBackupContext"})
			}
		}
	}
	task := l.snapshotTask(r.This, "createSnapshotExTask", r.Name, r.Description, q)
	return &methods.CreateSnapshotEx_TaskBody{Res: &types.CreateSnapshotEx_TaskResponse{Returnval: task}}
}

func countSnapshots(tree []types.VirtualMachineSnapshotTree) int {
	n := len(tree)
	for _, t := range tree {
		n += countSnapshots(t.ChildSnapshotList)
	}
	return n
}

func findNode(tree []types.VirtualMachineSnapshotTree, ref types.ManagedObjectReference) *types.VirtualMachineSnapshotTree {
	for i := range tree {
		if tree[i].Snapshot == ref {
			return &tree[i]
		}
		if n := findNode(tree[i].ChildSnapshotList, ref); n != nil {
			return n
		}
	}
	return nil
}

// snapshotTask runs a snapshot creation: quiesce (q != nil), then the snapshot itself.
func (l *Lab) snapshotTask(ref types.ManagedObjectReference, name, snapName, desc string, q *QuiesceSpec) types.ManagedObjectReference {
	v := l.vm(ref)
	vm := vcsimVM(ref)
	task := l.startTask(ref, v.Name, name, func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		l.postEvent(&types.TaskEvent{Event: l.vmEvent(v, "Task: Create virtual machine snapshot").Event, Info: t.Info})
		if vm.Snapshot != nil && countSnapshots(vm.Snapshot.RootSnapshotList) >= maxSnapshots {
			return nil, l.snapshotFailed(v, "Exceeded the maximum number of permitted snapshots.", &types.TooManySnapshotLevels{})
		}
		o := Outcome{Level: LevelNone}
		if q != nil {
			powered := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
			extraUUID := strings.EqualFold(extraConfig(vm, "disk.EnableUUID"), "TRUE")
			v.mu.Lock()
			o = decide(v, powered, extraUUID, *q)
			v.mu.Unlock()
			log.Printf("%s: quiesce %s (%s)", v.Name, o.Level, strings.Join(o.Reasons, "; "))
			if f := l.quiesce(t, v, o); f != nil {
				return nil, f
			}
		}
		l.after(l.sc.Timing.Snapshot)
		return l.takeSnapshot(v, vm, snapName, desc, q, o)
	})
	return task
}

// quiesce spends the quiesce time with progress updates; a failing outcome fails part-way.
func (l *Lab) quiesce(t *simulator.Task, v *LabVM, o Outcome) types.BaseMethodFault {
	steps := 8
	if o.Level == LevelFail && o.Failing == nil {
		steps = 3 // no provider, Tools down...: fails early
	}
	if _, ok := o.Fault.(*types.ToolsUnavailable); ok {
		steps = 1
	}
	for i := 1; i <= steps; i++ {
		l.after(l.sc.Timing.Quiesce / 8)
		progress(t, int32(i*10))
	}
	if o.Level != LevelFail {
		return nil
	}
	if o.Failing != nil {
		v.mu.Lock()
		applyWriterFailure(o.Failing)
		v.mu.Unlock()
	}
	return l.snapshotFailed(v, o.Message, o.Fault)
}

// snapshotFailed posts vCenter's error event and returns the fault for the task.
func (l *Lab) snapshotFailed(v *LabVM, msg string, f types.BaseMethodFault) types.BaseMethodFault {
	l.postEvent(&types.VmMessageErrorEvent{VmEvent: l.vmEvent(v, msg), Message: msg})
	if mf, ok := f.(interface{ GetMethodFault() *types.MethodFault }); ok {
		mf.GetMethodFault().FaultMessage = []types.LocalizableMessage{{Key: "msg.snapshot.error-QUIESCINGERROR", Message: msg}}
	}
	return f
}

// takeSnapshot lets vcsim add the snapshot, then attaches the manifest.
func (l *Lab) takeSnapshot(v *LabVM, vm *simulator.VirtualMachine, name, desc string, q *QuiesceSpec, o Outcome) (types.AnyType, types.BaseMethodFault) {
	quiesced := q != nil && o.Level != LevelNone
	var snap types.ManagedObjectReference
	var fault types.BaseMethodFault
	simulator.Map.WithLock(vm, func() {
		var res types.AnyType
		res, fault = innerTask(vm.CreateSnapshotTask(&types.CreateSnapshot_Task{This: vm.Self, Name: name, Description: desc, Quiesce: quiesced}))
		if fault != nil {
			return
		}
		snap = res.(types.ManagedObjectReference)
		if o.Level != LevelApplication && o.Level != LevelFilesystem {
			return
		}
		var writers []*Writer
		v.mu.Lock()
		if o.Level == LevelApplication {
			for _, w := range v.writers {
				if v.writerListed(w) { // a stopped service's writer is not in the backup
					writers = append(writers, w)
				}
			}
		}
		v.manifestSeq++
		file := fmt.Sprintf("%s-vss_manifests%d.zip", v.Name, v.manifestSeq)
		dsPath := vm.Config.Files.SnapshotDirectory + "/" + file
		v.manifests[snap] = dsPath
		v.mu.Unlock()
		data, err := BuildManifest(v.Name, *q, writers)
		if err == nil {
			err = l.writeDatastoreFile(dsPath, data)
		}
		if err != nil {
			fault = &types.FileFault{File: dsPath}
			return
		}
		if node := findNode(vm.Snapshot.RootSnapshotList, snap); node != nil {
			node.BackupManifest = file
		}
		l.refreshLayout(v, vm)
		simulator.Map.Update(vm, []types.PropertyChange{{Name: "snapshot.rootSnapshotList", Val: vm.Snapshot.RootSnapshotList}})
	})
	if fault != nil {
		return nil, fault
	}
	msg := fmt.Sprintf("Snapshot %s of %s created (quiescing: %s)", name, v.Name, o.Level)
	l.postEvent(&types.VmMessageEvent{VmEvent: l.vmEvent(v, msg), Message: msg})
	return snap, nil
}

// refreshLayout makes layoutEx.file match the VM's files and lists its
// manifests; the VM lock is held. vcsim 0.24's RefreshStorageInfo (run when
// vcsim removes snapshots) drops the directory from the names it adds, so
// those are put back under the VM directory here.
func (l *Lab) refreshLayout(v *LabVM, vm *simulator.VirtualMachine) {
	dir := vm.Config.Files.SnapshotDirectory
	prefix := "[" + l.dsName + "] "
	var files []types.VirtualMachineFileLayoutExFileInfo
	seen := map[string]bool{}
	var maxKey int32
	// Correct names first (disk chains refer to their keys), then the repaired ones.
	for pass := 0; pass < 2; pass++ {
		for _, f := range vm.LayoutEx.File {
			broken := strings.HasPrefix(f.Name, prefix) && !strings.Contains(f.Name[len(prefix):], "/")
			if f.Key > maxKey {
				maxKey = f.Key
			}
			if broken != (pass == 1) {
				continue
			}
			if broken {
				f.Name = dir + "/" + f.Name[len(prefix):]
			}
			if _, err := os.Stat(l.localPath(f.Name)); err != nil || seen[f.Name] {
				continue
			}
			seen[f.Name] = true
			files = append(files, f)
		}
	}
	v.mu.Lock()
	for _, p := range v.manifests {
		if st, err := os.Stat(l.localPath(p)); err == nil && !seen[p] {
			maxKey++
			files = append(files, types.VirtualMachineFileLayoutExFileInfo{Key: maxKey, Name: p, Size: st.Size(), UniqueSize: st.Size(),
				Type: string(types.VirtualMachineFileLayoutExFileTypeSnapshotManifestList), Accessible: types.NewBool(true)})
		}
	}
	v.mu.Unlock()
	vm.LayoutEx.File = files
	vm.LayoutEx.Timestamp = time.Now()
	simulator.Map.Update(vm, []types.PropertyChange{{Name: "layoutEx", Val: vm.LayoutEx}})
}

// dropManifests deletes the manifest files of the given snapshots.
func (l *Lab) dropManifests(v *LabVM, snaps []types.ManagedObjectReference) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, s := range snaps {
		if p, ok := v.manifests[s]; ok {
			_ = os.Remove(l.localPath(p))
			delete(v.manifests, s)
		}
	}
}

func subtree(n *types.VirtualMachineSnapshotTree, withChildren bool) []types.ManagedObjectReference {
	out := []types.ManagedObjectReference{n.Snapshot}
	if withChildren {
		for i := range n.ChildSnapshotList {
			out = append(out, subtree(&n.ChildSnapshotList[i], true)...)
		}
	}
	return out
}

func (l *Lab) RemoveSnapshot(req interface{}) soap.HasFault {
	r := req.(*types.RemoveSnapshot_Task)
	snap, ok := simulator.Map.Get(r.This).(*simulator.VirtualMachineSnapshot)
	if !ok {
		return fault("", &types.ManagedObjectNotFound{Obj: r.This})
	}
	vm := vcsimVM(snap.Vm)
	v := l.vm(snap.Vm)
	if v == nil || vm == nil {
		return passThrough(snap.Vm, func(*simulator.VirtualMachine) soap.HasFault { return snap.RemoveSnapshotTask(l.ctx(&snap.Self), r) })
	}
	task := l.startTask(snap.Vm, v.Name, "removeSnapshotTask", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		l.after(l.sc.Timing.SnapshotRemove)
		var refs []types.ManagedObjectReference
		simulator.Map.WithLock(vm, func() {
			if vm.Snapshot != nil {
				if n := findNode(vm.Snapshot.RootSnapshotList, r.This); n != nil {
					refs = subtree(n, r.RemoveChildren)
				}
			}
		})
		if refs == nil {
			return nil, &types.ManagedObjectNotFound{Obj: r.This}
		}
		l.dropManifests(v, refs)
		var res soap.HasFault
		simulator.Map.WithLock(snap, func() { res = snap.RemoveSnapshotTask(l.ctx(&snap.Self), r) })
		if _, f := innerTask(res); f != nil {
			return nil, f
		}
		if r.RemoveChildren {
			for _, c := range refs[1:] { // vcsim drops the tree nodes; drop the objects too
				simulator.Map.Remove(c)
			}
		}
		simulator.Map.WithLock(vm, func() { l.refreshLayout(v, vm) })
		return nil, nil
	})
	return &methods.RemoveSnapshot_TaskBody{Res: &types.RemoveSnapshot_TaskResponse{Returnval: task}}
}

func (l *Lab) RemoveAllSnapshots(req interface{}) soap.HasFault {
	r := req.(*types.RemoveAllSnapshots_Task)
	v := l.vm(r.This)
	if v == nil {
		return passThrough(r.This, func(vm *simulator.VirtualMachine) soap.HasFault { return vm.RemoveAllSnapshotsTask(l.ctx(&vm.Self), r) })
	}
	vm := vcsimVM(r.This)
	task := l.startTask(r.This, v.Name, "removeAllSnapshotsTask", func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		l.after(l.sc.Timing.SnapshotRemove)
		var res soap.HasFault
		simulator.Map.WithLock(vm, func() {
			var refs []types.ManagedObjectReference
			if vm.Snapshot != nil {
				for i := range vm.Snapshot.RootSnapshotList {
					refs = append(refs, subtree(&vm.Snapshot.RootSnapshotList[i], true)...)
				}
			}
			l.dropManifests(v, refs)
			res = vm.RemoveAllSnapshotsTask(l.ctx(&vm.Self), r)
			l.refreshLayout(v, vm)
		})
		_, f := innerTask(res)
		return nil, f
	})
	return &methods.RemoveAllSnapshots_TaskBody{Res: &types.RemoveAllSnapshots_TaskResponse{Returnval: task}}
}
