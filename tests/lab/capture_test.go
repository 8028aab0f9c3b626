package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The client's probe command (core/probe/probe.c): chcp first, tools.conf read only when it exists.
const clientProbeCommand = `echo ::quiescent:: chcp & chcp & ` +
	`echo ::quiescent:: sc query vmvss & sc query vmvss & echo ::quiescent:: sc qc vmvss & sc qc vmvss & ` +
	`echo ::quiescent:: sc query LGTO_Sync & sc query LGTO_Sync & echo ::quiescent:: sc qc LGTO_Sync & sc qc LGTO_Sync & ` +
	`echo ::quiescent:: sc query VSS & sc query VSS & echo ::quiescent:: sc qc VSS & sc qc VSS & ` +
	`echo ::quiescent:: vssadmin list writers & vssadmin list writers & ` +
	`echo ::quiescent:: tools.conf & (if not exist "C:\ProgramData\VMware\VMware Tools\tools.conf" echo ::quiescent-absent::) & ` +
	`(if exist "C:\ProgramData\VMware\VMware Tools\tools.conf" type "C:\ProgramData\VMware\VMware Tools\tools.conf") & ` +
	`echo ::quiescent:: diskpart & echo list disk | diskpart & ` +
	`echo ::quiescent:: storagepool & powershell -NoProfile -NonInteractive -Command "Get-StoragePool -IsPrimordial $false | Format-Table -AutoSize FriendlyName,OperationalStatus,HealthStatus"`

// TestWriteProbeCaptures writes, for every shipped locale, the client's
// probe output and vssadmin's two refusals as the guest prints them (bytes in
// the OEM code page): the C unit tests' data (tests/unit/data/probe/locale/).
// Runs only with LAB_CAPTURE_DIR set; the files are committed.
func TestWriteProbeCaptures(t *testing.T) {
	dir := os.Getenv("LAB_CAPTURE_DIR")
	if dir == "" {
		t.Skip("LAB_CAPTURE_DIR not set")
	}
	var vms []map[string]interface{}
	for _, name := range localeNames() {
		vms = append(vms, win2019("cap-"+name, map[string]interface{}{
			"tools": map[string]interface{}{"lgto_sync": false},
			"guest": map[string]interface{}{"locale": name, "dynamic_disks": true, "writers": []interface{}{
				map[string]interface{}{"name": "Task Scheduler Writer"},
				map[string]interface{}{"name": "SqlServerWriter", "state": "failed", "last_error": "non_retryable"},
				map[string]interface{}{"name": "WMI Writer", "state": "waiting_for_completion", "last_error": "retryable"},
				map[string]interface{}{"name": "Registry Writer", "state": "failed", "last_error": "timeout"}}}}))
		vms[len(vms)-1]["tools"].(map[string]interface{})["tools_conf"] = "[vmbackup]\r\nvss.disableAppQuiescing = true\r\n"
	}
	p := startLab(t, scenario(vms...))
	p.c(t)
	for _, name := range localeNames() {
		out, _ := p.guestRun(t, p.vm(t, "cap-"+name), clientProbeCommand)
		lc := locales[name]
		head := lc.vssBanner + "\r\n(C) Copyright 2001-2013 Microsoft Corp.\r\n\r\n"
		files := map[string][]byte{
			name + ".txt":          []byte(out),
			name + "-denied.txt":   encodeCP(head+lc.vssError(lc.vssNoPermission), lc.oem),
			name + "-disabled.txt": encodeCP(head+lc.vssError(lc.vssUnexpected), lc.oem),
		}
		for f, data := range files {
			if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
