package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// disk.EnableUUID set while running takes effect only after a power cycle;
// ShutdownGuest returns at once and the VM is off guest_shutdown later.
func TestEnableUUIDPowerCycle(t *testing.T) {
	sc := scenario(win2019("db", map[string]interface{}{"extra_config": map[string]interface{}{"disk.EnableUUID": "FALSE"}}),
		win2019("off", map[string]interface{}{"power": "poweredOff"}))
	sc["timing_ms"] = map[string]interface{}{"guest_shutdown": 500000, "power_on": 100, "tools_start": 100}
	p := startLab(t, sc) // speed 1000: shutdown takes 0.5 s
	ctx := context.Background()
	vm := p.vm(t, "db")
	task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{ExtraConfig: []types.BaseOptionValue{
		&types.OptionValue{Key: "disk.EnableUUID", Value: "TRUE"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, f := p.waitTask(t, task.Reference()); f != nil {
		t.Fatalf("reconfig: %T", f)
	}
	m := p.props(t, vm, "config.extraConfig")
	n := 0
	for _, o := range m.Config.ExtraConfig {
		if o.GetOptionValue().Key == "disk.EnableUUID" {
			n++
		}
	}
	if n != 1 || extra(m.Config.ExtraConfig, "disk.EnableUUID") != "TRUE" {
		t.Errorf("extraConfig after reconfigure: %v", m.Config.ExtraConfig)
	}
	if got := p.outcome(t, "db"); got != "filesystem" {
		t.Errorf("before power cycle: %s", got)
	}
	if err := vm.ShutdownGuest(ctx); err != nil {
		t.Fatal(err)
	}
	if s := p.props(t, vm, "runtime").Runtime.PowerState; s != types.VirtualMachinePowerStatePoweredOn {
		t.Errorf("right after ShutdownGuest: %s", s)
	}
	waitFor(t, "powered off", func() bool {
		return p.props(t, vm, "runtime").Runtime.PowerState == types.VirtualMachinePowerStatePoweredOff
	})
	if g := p.props(t, vm, "guest").Guest; g.ToolsRunningStatus != "guestToolsNotRunning" {
		t.Errorf("tools after shutdown: %s", g.ToolsRunningStatus)
	}
	if err := vm.ShutdownGuest(ctx); err == nil {
		t.Errorf("ShutdownGuest of a powered-off VM accepted")
	}
	task, err = vm.PowerOn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, f := p.waitTask(t, task.Reference()); f != nil {
		t.Fatalf("power on: %T", f)
	}
	waitFor(t, "tools running", func() bool {
		return p.props(t, vm, "guest").Guest.ToolsRunningStatus == "guestToolsRunning"
	})
	if got := p.outcome(t, "db"); got != "application" {
		t.Errorf("after power cycle: %s", got)
	}

	// Power on sets bootTime; power off clears Tools; ShutdownGuest then refuses.
	off := p.vm(t, "off")
	task, _ = off.PowerOn(ctx)
	p.waitTask(t, task.Reference())
	if m := p.props(t, off, "runtime"); m.Runtime.BootTime == nil {
		t.Errorf("no bootTime after power on")
	}
	task, _ = off.PowerOff(ctx)
	if _, f := p.waitTask(t, task.Reference()); f != nil {
		t.Fatalf("power off: %T", f)
	}
	if err := off.ShutdownGuest(ctx); err == nil {
		t.Errorf("shutdown of off VM accepted")
	}
}

func TestToolsUpgrade(t *testing.T) {
	sc := scenario(win2019("old", map[string]interface{}{"tools": map[string]interface{}{"version": "10.0.12", "vss_component": false, "lgto_sync": true}}),
		win2019("none", map[string]interface{}{"tools": map[string]interface{}{"status": "notInstalled"}}))
	p := startLab(t, sc)
	ctx := context.Background()
	vm := p.vm(t, "old")
	if g := p.props(t, vm, "guest").Guest; g.ToolsVersion != "10252" || g.ToolsVersionStatus2 != "guestToolsSupportedOld" {
		t.Errorf("before: %s %s", g.ToolsVersion, g.ToolsVersionStatus2)
	}
	if got := p.outcome(t, "old"); got != "FilesystemQuiesceFault" {
		t.Errorf("before upgrade: %s", got)
	}
	res, err := methods.UpgradeTools_Task(ctx, p.c(t).Client, &types.UpgradeTools_Task{This: vm.Reference(),
		InstallerOptions: `/S /v"/qn REBOOT=R ADDLOCAL=VSS REMOVE=Sync"`})
	if err != nil {
		t.Fatal(err)
	}
	if _, f := p.waitTask(t, res.Returnval); f != nil {
		t.Fatalf("upgrade: %T", f)
	}
	g := p.props(t, vm, "guest").Guest
	if g.ToolsVersion != "12325" || g.ToolsVersionStatus2 != "guestToolsCurrent" || g.ToolsRunningStatus != "guestToolsRunning" {
		t.Errorf("after: %+v", g)
	}
	if out, code := p.guestRun(t, vm, "sc query vmvss & sc query LGTO_Sync"); !strings.Contains(out, "SERVICE_NAME: vmvss") || code != 1060 {
		t.Errorf("services after upgrade: %q", out)
	}
	if got := p.outcome(t, "old"); got != "application" {
		t.Errorf("after upgrade: %s", got)
	}
	// And back: ADDLOCAL=Sync REMOVE=VSS.
	res, _ = methods.UpgradeTools_Task(ctx, p.c(t).Client, &types.UpgradeTools_Task{This: vm.Reference(), InstallerOptions: "ADDLOCAL=Sync REMOVE=VSS"})
	p.waitTask(t, res.Returnval)
	if got := p.outcome(t, "old"); got != "filesystem" {
		t.Errorf("sync only: %s", got)
	}
	if _, err := methods.UpgradeTools_Task(ctx, p.c(t).Client, &types.UpgradeTools_Task{This: p.vm(t, "none").Reference()}); err == nil {
		t.Errorf("upgrade without Tools accepted")
	}
}

func TestRemoveSnapshotRemovesManifest(t *testing.T) {
	p := startLab(t, scenario(win2019("db", map[string]interface{}{"snapshots": 1})))
	ctx := context.Background()
	vm := p.vm(t, "db")
	manifestFiles := func() []string {
		var out []string
		for _, f := range p.props(t, vm, "layoutEx").LayoutEx.File {
			if strings.Contains(f.Name, "vss_manifests") {
				out = append(out, f.Name)
			}
		}
		return out
	}
	p.snapshot(t, vm, true)
	res2, _ := p.snapshot(t, vm, true)
	files := manifestFiles()
	if len(files) != 2 {
		t.Fatalf("manifests listed: %v", files)
	}
	task, err := methods.RemoveSnapshot_Task(ctx, p.c(t).Client, &types.RemoveSnapshot_Task{This: res2.(types.ManagedObjectReference)})
	if err != nil {
		t.Fatal(err)
	}
	if _, f := p.waitTask(t, task.Returnval); f != nil {
		t.Fatalf("remove: %T", f)
	}
	if got := manifestFiles(); len(got) != 1 || got[0] != files[0] {
		t.Errorf("after remove: %v", got)
	}
	if !fileOnDatastore(p, files[0]) || fileOnDatastore(p, files[1]) {
		t.Errorf("datastore files wrong after remove")
	}
	rt, err := vm.RemoveAllSnapshot(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := manifestFiles(); len(got) != 0 || fileOnDatastore(p, files[0]) {
		t.Errorf("after remove all: %v", got)
	}
	if m := p.props(t, vm, "snapshot"); m.Snapshot != nil {
		t.Errorf("snapshots left: %+v", m.Snapshot)
	}
}

// fileOnDatastore checks "[LocalDS_0] dir/file" under the state dir.
func fileOnDatastore(p *labProc, dsPath string) bool {
	rel := strings.TrimSpace(strings.TrimPrefix(dsPath, "[LocalDS_0]"))
	matches, _ := globAll(p.stateDir, rel)
	return matches
}

func globAll(root, rel string) (bool, error) {
	dirs, err := os.ReadDir(root)
	if err != nil {
		return false, err
	}
	for _, d := range dirs {
		if _, err := os.Stat(root + "/" + d.Name() + "/" + rel); err == nil {
			return true, nil
		}
	}
	return false, nil
}

// L1: a second PowerOnVM_Task sent while the first runs is refused with InvalidPowerState
// and leaves the boot alone: Tools comes up tools_start after the first power-on, as it
// does for one power-on (it stayed "not running" for good when the refused one restarted the
// boot sequence).
func TestSecondPowerOnRefusedKeepsTools(t *testing.T) {
	sc := scenario(win2019("db", map[string]interface{}{"power": "poweredOff"}))
	sc["timing_ms"] = map[string]interface{}{"power_on": 300000, "tools_start": 300000}
	p := startLab(t, sc) // speed 1000: power on 0.3 s, Tools 0.3 s after it
	ctx := context.Background()
	vm := p.vm(t, "db")
	first, err := vm.PowerOn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := vm.PowerOn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, f1 := p.waitTask(t, first.Reference())
	_, f2 := p.waitTask(t, second.Reference())
	// Both wait out power_on side by side; whichever ends first wins, the other is refused.
	if f1 != nil {
		f1, f2 = f2, f1
	}
	if f1 != nil {
		t.Fatalf("neither power on succeeded: %T, %T", f1, f2)
	}
	if _, ok := f2.(*types.InvalidPowerState); !ok {
		t.Fatalf("the other power on: %T, want InvalidPowerState", f2)
	}
	waitFor(t, "tools running after the refused second power-on", func() bool {
		return p.props(t, vm, "guest").Guest.ToolsRunningStatus == "guestToolsRunning"
	})
	if m := p.props(t, vm, "runtime"); m.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
		t.Errorf("power state: %s", m.Runtime.PowerState)
	}
}
