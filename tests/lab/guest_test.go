package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/guest"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const probeCommand = `echo ::quiescent:: sc query vmvss & sc query vmvss & echo ::quiescent:: sc qc vmvss & sc qc vmvss & ` +
	`echo ::quiescent:: sc query LGTO_Sync & sc query LGTO_Sync & echo ::quiescent:: sc qc LGTO_Sync & sc qc LGTO_Sync & ` +
	`echo ::quiescent:: sc query VSS & sc query VSS & echo ::quiescent:: sc qc VSS & sc qc VSS & ` +
	`echo ::quiescent:: vssadmin list writers & vssadmin list writers & ` +
	`echo ::quiescent:: tools.conf & type "C:\ProgramData\VMware\VMware Tools\tools.conf" & ` +
	`echo ::quiescent:: diskpart & echo list disk | diskpart & ` +
	`echo ::quiescent:: storagepool & powershell -NoProfile -NonInteractive -Command "Get-StoragePool -IsPrimordial $false | Format-Table -AutoSize FriendlyName,OperationalStatus,HealthStatus"`

// sections splits probe output at the ::quiescent:: markers.
func sections(out string) map[string]string {
	m := map[string]string{}
	parts := strings.Split(out, "::quiescent:: ")
	for _, p := range parts[1:] {
		i := strings.Index(p, "\r\n")
		m[p[:i]] = p[i+2:]
	}
	return m
}

func TestGuestCommands(t *testing.T) {
	noLogin := win2019("nologin", nil)
	delete(noLogin, "guest")
	conf := "[vmbackup]\nvss.disableAppQuiescing = true\n"
	p := startLab(t, scenario(
		win2019("sql-prod-01", map[string]interface{}{
			"tools": map[string]interface{}{"tools_conf": conf},
			"guest": map[string]interface{}{"dynamic_disks": true, "storage_spaces": true,
				"writers": []interface{}{
					map[string]interface{}{"name": "Task Scheduler Writer"},
					map[string]interface{}{"name": "SqlServerWriter", "state": "failed", "last_error": "non_retryable"}}}}),
		win2019("plain", map[string]interface{}{"guest_id": "windows7Server64Guest", "guest_build": 7601,
			"guest": map[string]interface{}{"vss_service_start": "disabled"}, "tools": map[string]interface{}{"lgto_sync": true, "vss_component": false}}),
		noLogin,
		win2019("down", map[string]interface{}{"tools": map[string]interface{}{"status": "notRunning"}}),
		map[string]interface{}{"name": "linux", "guest_id": "rhel8_64Guest"},
	))
	p.c(t)
	vm := p.vm(t, "sql-prod-01")
	out, code := p.guestRun(t, vm, probeCommand)
	if code != 0 {
		t.Errorf("probe exit %d", code)
	}
	s := sections(out)
	want := map[string]string{
		"sc query vmvss": "\r\nSERVICE_NAME: vmvss\r\n        TYPE               : 10  WIN32_OWN_PROCESS\r\n" +
			"        STATE              : 1  STOPPED\r\n        WIN32_EXIT_CODE    : 0  (0x0)\r\n" +
			"        SERVICE_EXIT_CODE  : 0  (0x0)\r\n        CHECKPOINT         : 0x0\r\n        WAIT_HINT          : 0x0\r\n\r\n",
		"sc query LGTO_Sync": "[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n\r\n" +
			"The specified service does not exist as an installed service.\r\n\r\n",
		"sc qc LGTO_Sync": "[SC] OpenService FAILED 1060:\r\n\r\nThe specified service does not exist as an installed service.\r\n\r\n",
		"sc qc VSS": "[SC] QueryServiceConfig SUCCESS\r\n\r\nSERVICE_NAME: VSS\r\n        TYPE               : 10  WIN32_OWN_PROCESS\r\n" +
			"        START_TYPE         : 3   DEMAND_START\r\n        ERROR_CONTROL      : 1   NORMAL\r\n" +
			"        BINARY_PATH_NAME   : C:\\Windows\\system32\\vssvc.exe\r\n        LOAD_ORDER_GROUP   :\r\n" +
			"        TAG                : 0\r\n        DISPLAY_NAME       : Volume Shadow Copy\r\n" +
			"        DEPENDENCIES       : RPCSS\r\n        SERVICE_START_NAME : LocalSystem\r\n\r\n",
		"vssadmin list writers": "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n" +
			"(C) Copyright 2001-2013 Microsoft Corp.\r\n\r\n" +
			"Waiting for responses.\r\nThese may be delayed if a shadow copy is being prepared.\r\n\r\n" +
			"Writer name: 'Task Scheduler Writer'\r\n   Writer Id: {d61d61c8-d73a-4eee-8cdd-f6f9786b7124}\r\n" +
			"   Writer Instance Id: " + stableGUID("instance", "sql-prod-01", "Task Scheduler Writer") + "\r\n" +
			"   State: [1] Stable\r\n   Last error: No error\r\n\r\n" +
			"Writer name: 'SqlServerWriter'\r\n   Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\r\n" +
			"   Writer Instance Id: " + stableGUID("instance", "sql-prod-01", "SqlServerWriter") + "\r\n" +
			"   State: [9] Failed\r\n   Last error: Non-retryable error\r\n\r\n",
		"tools.conf": "[vmbackup]\r\nvss.disableAppQuiescing = true\r\n",
		"diskpart": "\r\nMicrosoft DiskPart version 10.0.17763.1\r\n\r\nCopyright (C) Microsoft Corporation.\r\nOn computer: SQL-PROD-01\r\n\r\n" +
			"DISKPART> \r\n  Disk ###  Status         Size     Free     Dyn  Gpt\r\n  --------  -------------  -------  -------  ---  ---\r\n" +
			"  Disk 0    Online           60 GB      0 B        *\r\n  Disk 1    Online          100 GB      0 B   *    *\r\n\r\nDISKPART> \r\n",
		"storagepool": "\r\nFriendlyName OperationalStatus HealthStatus\r\n------------ ----------------- ------------\r\n" +
			"DataPool     OK                Healthy\r\n\r\n\r\n",
	}
	for k, w := range want {
		if s[k] != w {
			t.Errorf("%s:\ngot  %q\nwant %q", k, s[k], w)
		}
	}
	if !strings.Contains(s["sc qc vmvss"], "DISPLAY_NAME       : VMware Snapshot Provider") {
		t.Errorf("sc qc vmvss: %q", s["sc qc vmvss"])
	}
	if _, code := p.guestRun(t, vm, "sc query Nope"); code != 1060 {
		t.Errorf("missing service exit %d", code)
	}
	out, code = p.guestRun(t, vm, `type "C:\nope.txt"`)
	if out != "The system cannot find the path specified.\r\n" || code != 1 {
		t.Errorf("type missing: %q %d", out, code)
	}

	// Older Windows, sync driver, VSS disabled, then fixed with sc config.
	old := p.vm(t, "plain")
	out, _ = p.guestRun(t, old, "sc query LGTO_Sync")
	if !strings.Contains(out, "TYPE               : 1  KERNEL_DRIVER\r\n        STATE              : 4  RUNNING\r\n") {
		t.Errorf("LGTO_Sync: %q", out)
	}
	out, code = p.guestRun(t, old, "vssadmin list writers")
	if code != 2 || !strings.HasSuffix(out, "Error: A Volume Shadow Copy Service component encountered an unexpected error.\r\n"+
		"Check the Application event log for more information.\r\n\r\n") {
		t.Errorf("vssadmin with VSS disabled: %d %q", code, out)
	}
	out, _ = p.guestRun(t, old, `powershell -NoProfile -NonInteractive -Command "Get-StoragePool -IsPrimordial $false | Format-Table"`)
	if !strings.HasPrefix(out, "Get-StoragePool : The term 'Get-StoragePool' is not recognized as the name of a cmdlet") {
		t.Errorf("2008 R2 storage pool: %q", out)
	}
	out, code = p.guestRun(t, old, "sc config VSS start= demand")
	if out != "[SC] ChangeServiceConfig SUCCESS\r\n" || code != 0 {
		t.Errorf("sc config: %q %d", out, code)
	}
	out, _ = p.guestRun(t, old, "sc qc VSS")
	if !strings.Contains(out, "START_TYPE         : 3   DEMAND_START") {
		t.Errorf("after sc config: %q", out)
	}
	if out, _ := p.guestRun(t, old, "vssadmin list writers"); !strings.Contains(out, "Writer name: 'ASR Writer'") {
		t.Errorf("2008 R2 writers: %q", out)
	}
	out, _ = p.guestRun(t, old, "echo list disk | diskpart")
	if !strings.Contains(out, "Microsoft DiskPart version 6.1.7601") {
		t.Errorf("diskpart 2008 R2: %q", out)
	}

	// Faults: wrong password, no guest login, Tools down, non-Windows.
	fault := func(vmName string, auth types.BaseGuestAuthentication) string {
		_, _, err := p.guestRunErr(p.vm(t, vmName), auth, "echo hi")
		if err == nil {
			return "no error"
		}
		if !soap.IsSoapFault(err) {
			return err.Error()
		}
		return strings.TrimPrefix(fmt.Sprintf("%T", soap.ToSoapFault(err).VimFault()), "types.")
	}
	bad := &types.NamePasswordAuthentication{Username: "Administrator", Password: "nope"}
	if f := fault("sql-prod-01", bad); f != "InvalidGuestLogin" {
		t.Errorf("wrong password: %s", f)
	}
	if f := fault("nologin", guestAuth); f != "InvalidGuestLogin" {
		t.Errorf("no guest login: %s", f)
	}
	if f := fault("down", guestAuth); f != "GuestOperationsUnavailable" {
		t.Errorf("tools down: %s", f)
	}
	if f := fault("linux", guestAuth); f != "InvalidGuestLogin" {
		t.Errorf("linux without login: %s", f)
	}
	// ListProcessesInGuest reports exit codes; DeleteFileInGuest removed the output file.
	ops := guest.NewOperationsManager(p.client.Client, vm.Reference())
	fm, _ := ops.FileManager(context.Background())
	if _, err := fm.InitiateFileTransferFromGuest(context.Background(), guestAuth, `C:\Windows\Temp\quiescent-1234.txt`); err == nil {
		t.Errorf("output file not deleted")
	}
}

// cmd.exe binds a redirect to the last command of an & chain; a ( ) group
// sends all of it. The lab must be as strict, or a client that forgets the
// group passes here and reads one section on a real guest.
// timing_ms.guest_program: a command runs at least that long (scenario ms / --speed), so
// ListProcessesInGuest shows it running first; without it, it ends at once.
func TestGuestProgramTakesItsTime(t *testing.T) {
	sc := scenario(win2019("slow", nil))
	sc["timing_ms"] = map[string]interface{}{"guest_program": 500000} // 0.5 s at --speed 1000
	p := startLab(t, sc)
	p.c(t)
	vm := p.vm(t, "slow")
	start := time.Now()
	out, code := p.guestRun(t, vm, "echo done")
	if took := time.Since(start); code != 0 || out != "done\r\n" || took < 500*time.Millisecond {
		t.Errorf("exit %d, output %q after %v; want 0, done, at least 0.5 s", code, out, took)
	}
}

func TestRedirectBindsToTheLastCommand(t *testing.T) {
	v := &LabVM{files: map[string][]byte{}}
	for _, c := range []struct{ args, want string }{
		{`/c echo one & echo two > "C:\Windows\Temp\r.txt" 2>&1`, "two\r\n"},
		{`/c (echo one & echo two) > "C:\Windows\Temp\r.txt" 2>&1`, "one\r\ntwo\r\n"},
	} {
		r := v.runCmd(c.args)
		for _, f := range r.atEnd {
			f()
		}
		got, _ := v.readFile(guestKey(`C:\Windows\Temp\r.txt`))
		if string(got) != c.want {
			t.Errorf("%s: the file holds %q, want %q", c.args, got, c.want)
		}
	}
}
