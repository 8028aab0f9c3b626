package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/vim25/types"
)

// Each VM isolates one rule; the expected outcome follows quiescing-rules.md.
func TestQuiesceOutcomes(t *testing.T) {
	type tc struct {
		vm   map[string]interface{}
		want string // application | filesystem | crash | fault type name
	}
	g := func(kv ...interface{}) map[string]interface{} {
		m := map[string]interface{}{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	disk := func(ctl string) []interface{} { return []interface{}{g("controller", ctl, "gb", 40)} }
	cases := map[string]tc{
		"app":            {win2019("app", nil), "application"},
		"no-uuid":        {win2019("no-uuid", g("extra_config", g())), "filesystem"},
		"ide":            {win2019("ide", g("disks", disk("ide"))), "filesystem"},
		"sata":           {win2019("sata", g("disks", disk("sata"))), "filesystem"},
		"nvme":           {win2019("nvme", g("disks", disk("nvme"))), "filesystem"},
		"dynamic":        {win2019("dynamic", g("guest", g("dynamic_disks", true))), "filesystem"},
		"spaces":         {win2019("spaces", g("guest", g("storage_spaces", true))), "filesystem"},
		"lgto":           {win2019("lgto", g("tools", g("lgto_sync", true))), "filesystem"},
		"no-vmvss":       {win2019("no-vmvss", g("tools", g("vss_component", false))), "FilesystemQuiesceFault"},
		"vmvss-sync":     {win2019("vmvss-sync", g("tools", g("vss_component", false, "lgto_sync", true))), "filesystem"},
		"vss-disabled":   {win2019("vss-disabled", g("guest", g("vss_service_start", "disabled"))), "FilesystemQuiesceFault"},
		"writer-failed":  {win2019("writer-failed", g("guest", g("writers", []interface{}{g("name", "SqlServerWriter", "state", "failed", "last_error", "non_retryable")}))), "ApplicationQuiesceFault"},
		"writer-retry":   {win2019("writer-retry", g("guest", g("writers", []interface{}{g("name", "SqlServerWriter", "last_error", "retryable")}))), "application"},
		"no-app":         {win2019("no-app", g("tools", g("tools_conf", "[vmbackup]\nvss.disableAppQuiescing = true\n"))), "filesystem"},
		"vss-off":        {win2019("vss-off", g("tools", g("tools_conf", "[vmbackup]\nenableVSS = false\n"))), "FilesystemQuiesceFault"},
		"vss-off-sync":   {win2019("vss-off-sync", g("tools", g("lgto_sync", true, "tools_conf", "[vmbackup]\nenableVSS = false\n"))), "filesystem"},
		"desktop":        {win2019("desktop", g("guest_id", "windows9_64Guest")), "filesystem"},
		"xp-sync":        {win2019("xp-sync", g("guest_id", "winXPProGuest", "tools", g("lgto_sync", true))), "filesystem"},
		"xp":             {win2019("xp", g("guest_id", "winXPProGuest")), "crash"},
		"linux":          {g("name", "linux", "guest_id", "rhel8_64Guest"), "crash"},
		"tools-down":     {win2019("tools-down", g("tools", g("status", "notRunning"))), "ToolsUnavailable"},
		"no-tools":       {win2019("no-tools", g("tools", g("status", "notInstalled"))), "ToolsUnavailable"},
		"old-tools-2016": {win2019("old-tools-2016", g("tools", g("version", "10.0.12"))), "FilesystemQuiesceFault"},
		"old-tools-2012": {win2019("old-tools-2012", g("guest_id", "windows8Server64Guest", "guest_build", 9600, "tools", g("version", "10.0.12"))), "application"},
		"too-old":        {win2019("too-old", g("guest_id", "windows8Server64Guest", "guest_build", 9600, "tools", g("version", "8.6.0"))), "FilesystemQuiesceFault"},
		"slots":          {win2019("slots", g("disks", []interface{}{g("controller", "pvscsi", "unit", 0), g("controller", "pvscsi", "unit", 1)}, "guest", g("volumes", []interface{}{g("path", `C:\`, "gb", 40)}))), "application"},
		"max-snapshots":  {win2019("max-snapshots", g("snapshots", 32)), "TooManySnapshotLevels"},
		"off":            {win2019("off", g("power", "poweredOff")), "none"},
		"fail-freeze":    {win2019("fail-freeze", g("guest", g("writers", []interface{}{g("name", "SqlServerWriter", "fail_on", "freeze")}))), "ApplicationQuiesceFault"},
		"fail-timeout":   {win2019("fail-timeout", g("guest", g("writers", []interface{}{g("name", "SqlServerWriter", "fail_on", "timeout")}))), "Timedout"},
	}
	var vms []map[string]interface{}
	for _, c := range cases {
		vms = append(vms, c.vm)
	}
	p := startLab(t, scenario(vms...))
	var wg sync.WaitGroup
	var mu sync.Mutex
	for name, c := range cases {
		name, c := name, c
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := p.outcome(t, name)
			mu.Lock()
			defer mu.Unlock()
			if got != c.want {
				t.Errorf("%s: got %s, want %s", name, got, c.want)
			}
		}()
	}
	wg.Wait()

	// Application consistency: the manifest holds backup.xml and one document per writer.
	vm := p.vm(t, "app")
	res, f := p.snapshot(t, vm, true)
	if f != nil {
		t.Fatalf("app: %T", f)
	}
	files := p.manifest(t, vm, res.(types.ManagedObjectReference))
	bcd := files["backup.xml"]
	for _, want := range []string{`<BACKUP_COMPONENTS`, `backupType="copy"`, `selectComponents="yes"`, `bootableSystemStateBackup="yes"`,
		`partialFileSupport="no"`, `snapshotSetId="{`, `<WRITER_COMPONENTS writerId="{e8132975-6f93-4464-a53e-1050253ae220}"`,
		`<COMPONENT logicalPath="" componentName="System Files" componentType="filegroup"`} {
		if !strings.Contains(bcd, want) {
			t.Errorf("backup.xml lacks %s:\n%s", want, bcd)
		}
	}
	if len(files) != 1+len(StandardWriters(Win2019)) {
		t.Errorf("manifest files: %d", len(files))
	}
	md := files["e8132975-6f93-4464-a53e-1050253ae220.xml"]
	if !strings.Contains(md, `<WRITER_METADATA`) || !strings.Contains(md, `<IDENTIFICATION writerId="{e8132975-6f93-4464-a53e-1050253ae220}"`) ||
		!strings.Contains(md, `friendlyName="System Writer" usage="BOOTABLE_SYSTEM_STATE" dataSource="OTHER"`) {
		t.Errorf("writer metadata:\n%s", md)
	}

	// CreateSnapshotEx_Task honours the Windows spec.
	yes := true
	res, f, err := p.snapshotEx(t, vm, &types.VirtualMachineWindowsQuiesceSpec{VssBackupType: 1, VssPartialFileSupport: &yes,
		VssBackupContext: "ctx_backup", VirtualMachineGuestQuiesceSpec: types.VirtualMachineGuestQuiesceSpec{Timeout: 10}})
	if err != nil || f != nil {
		t.Fatalf("ex: %v %T", err, f)
	}
	bcd = p.manifest(t, vm, res.(types.ManagedObjectReference))["backup.xml"]
	if !strings.Contains(bcd, `backupType="full"`) || !strings.Contains(bcd, `partialFileSupport="yes"`) {
		t.Errorf("ex backup.xml:\n%s", bcd)
	}
	// File-share context: backup.xml only.
	res, f, err = p.snapshotEx(t, vm, &types.VirtualMachineWindowsQuiesceSpec{VssBackupContext: "ctx_file_share_backup"})
	if err != nil || f != nil {
		t.Fatalf("ex fs: %v %T", err, f)
	}
	if files := p.manifest(t, vm, res.(types.ManagedObjectReference)); len(files) != 1 || strings.Contains(files["backup.xml"], "WRITER_COMPONENTS") {
		t.Errorf("file-system manifest: %v", files)
	}
	if _, _, err := p.snapshotEx(t, vm, &types.VirtualMachineWindowsQuiesceSpec{VirtualMachineGuestQuiesceSpec: types.VirtualMachineGuestQuiesceSpec{Timeout: 1}}); err == nil {
		t.Errorf("timeout 1 minute accepted")
	}
	// Tools < 10.1.0: CreateSnapshotEx_Task is not available.
	if _, _, err := p.snapshotEx(t, p.vm(t, "old-tools-2012"), &types.VirtualMachineWindowsQuiesceSpec{}); err == nil || !strings.Contains(err.Error(), "10.1.0") {
		t.Errorf("old tools ex: %v", err)
	}

	// A writer that failed at freeze stays failed (vssadmin shows it) and fails the next quiesce too.
	ff := p.vm(t, "fail-freeze")
	out, _ := p.guestRun(t, ff, "vssadmin list writers")
	if !strings.Contains(out, "Writer name: 'SqlServerWriter'\r\n   Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\r\n") ||
		!strings.Contains(out, "   State: [9] Failed\r\n   Last error: Non-retryable error\r\n") {
		t.Errorf("vssadmin after failure:\n%s", out)
	}
	if got := p.outcome(t, "fail-freeze"); got != "ApplicationQuiesceFault" {
		t.Errorf("second quiesce: %s", got)
	}
	// The failure is in the VM's events with vCenter's message, after the task event.
	events, err := event.NewManager(p.c(t).Client).QueryEvents(context.Background(), types.EventFilterSpec{
		Entity: &types.EventFilterSpecByEntity{Entity: ff.Reference(), Recursion: types.EventFilterSpecRecursionOptionSelf}})
	if err != nil {
		t.Fatal(err)
	}
	var sawTask, sawError bool
	for _, e := range events {
		switch x := e.(type) {
		case *types.TaskEvent:
			sawTask = true
		case *types.VmMessageErrorEvent:
			sawError = sawError || x.Message == quiesceFailMsg
		}
	}
	if !sawTask || !sawError {
		t.Errorf("events: task %v, error %v (%d events)", sawTask, sawError, len(events))
	}
	out, _ = p.guestRun(t, p.vm(t, "fail-timeout"), "vssadmin list writers")
	if !strings.Contains(out, "Last error: Timed out") {
		t.Errorf("timeout writer:\n%s", out)
	}
}

// outcome takes a quiesced snapshot and names the result: level or fault type.
func (p *labProc) outcome(t *testing.T, name string) string {
	vm := p.vm(t, name)
	res, f := p.snapshot(t, vm, true)
	if f != nil {
		return strings.TrimPrefix(fmt.Sprintf("%T", f), "*types.")
	}
	snap := res.(types.ManagedObjectReference)
	m := p.props(t, vm, "snapshot")
	node := findNode(m.Snapshot.RootSnapshotList, snap)
	if node.BackupManifest == "" {
		if node.Quiesced {
			return "crash"
		}
		return "none"
	}
	files := p.manifest(t, vm, snap)
	if len(files) == 1 {
		return "filesystem"
	}
	return "application"
}
