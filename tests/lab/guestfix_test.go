package main

// The guest side of quiescent's guided fixes (core/fix): the Tools setup in
// modify mode, restarting a writer's service with net, and the tools.conf
// edit in PowerShell, each with the exact command line the client sends.

import (
	"context"
	"strings"
	"testing"

	"github.com/vmware/govmomi/guest"
	"github.com/vmware/govmomi/vim25/types"
)

// setupCommand is the command core/fix/fix_plan.c builds for a modify through the guest.
func setupCommand(opts string) string {
	return `(for %d in (D E F G H I J K L M N O P Q R S T U V W X Y Z) do @if exist %d:\setup64.exe ` +
		`(start "" /wait %d:\setup64.exe ` + opts + ` & exit /b)) & echo setup64.exe was not found on any drive of the guest: ` +
		`the VMware Tools installer is not mounted & exit /b 2`
}

const confEdit = `powershell -NoProfile -NonInteractive -Command "$p='C:\ProgramData\VMware\VMware Tools\tools.conf'; ` +
	`(Get-Content $p) | Where-Object { $_ -notmatch '^\s*(vss\.disableAppQuiescing\s*=\s*(true|1|yes)|enableVSS\s*=\s*(false|0|no))\s*$' } ` +
	`| Set-Content $p"`

func TestGuestToolsSetup(t *testing.T) {
	sc := scenario(
		win2019("modify", map[string]interface{}{"tools": map[string]interface{}{"vss_component": false, "lgto_sync": true}}),
		win2019("busy", map[string]interface{}{"tools": map[string]interface{}{"vss_component": false},
			"guest": map[string]interface{}{"installer_busy": true}}),
	)
	sc["timing_ms"] = map[string]interface{}{"tools_upgrade": 1000000} // setup: 0.5 s at --speed 1000
	p := startLab(t, sc)
	p.c(t)
	ctx := context.Background()
	vm := p.vm(t, "modify")

	// Not mounted: no setup64.exe anywhere, the command fails with its own sentence.
	out, code := p.guestRun(t, vm, setupCommand(`/S /v"/qn REBOOT=R ADDLOCAL=VSS REMOVE=Sync"`))
	if code != 2 || out != "setup64.exe was not found on any drive of the guest: the VMware Tools installer is not mounted\r\n" {
		t.Errorf("not mounted: %d %q", code, out)
	}
	if err := vm.MountToolsInstaller(ctx); err != nil {
		t.Fatal(err)
	}
	// The CD is the first drive after C: and D: (two disks): E:.
	if out, code := p.guestRun(t, vm, `if exist E:\setup64.exe echo yes & if not exist D:\setup64.exe echo no`); code != 0 || out != "yes\r\nno\r\n" {
		t.Errorf("if exist: %d %q", code, out)
	}

	// The modify runs for a while; Tools (and Guest Operations) stay up meanwhile.
	pm, _ := guest.NewOperationsManager(p.client.Client, vm.Reference()).ProcessManager(ctx)
	pid, err := pm.StartProgram(ctx, guestAuth, &types.GuestProgramSpec{ProgramPath: `C:\Windows\System32\cmd.exe`,
		Arguments: "/c (" + setupCommand(`/S /v"/qn REBOOT=R ADDLOCAL=VSS REMOVE=Sync"`) + `) > "C:\Windows\Temp\s.txt" 2>&1`})
	if err != nil {
		t.Fatal(err)
	}
	procs, err := pm.ListProcesses(ctx, guestAuth, []int64{pid})
	if err != nil || len(procs) != 1 || procs[0].EndTime != nil {
		t.Errorf("setup should still run: %v %+v", err, procs)
	}
	if out, _ := p.guestRun(t, vm, "sc query vmvss"); !strings.Contains(out, "FAILED 1060") {
		t.Errorf("vmvss before the setup ended: %q", out)
	}
	var exit int32
	waitFor(t, "setup end", func() bool {
		procs, err := pm.ListProcesses(ctx, guestAuth, []int64{pid})
		if err == nil && len(procs) == 1 && procs[0].EndTime != nil {
			exit = procs[0].ExitCode
			return true
		}
		return false
	})
	if exit != 3010 { // the sync driver went: done, a reboot finishes it
		t.Errorf("setup exit %d, want 3010", exit)
	}
	if out, _ := p.guestRun(t, vm, `type "C:\Windows\Temp\s.txt"`); out != "" {
		t.Errorf("setup printed %q", out)
	}
	if out, _ := p.guestRun(t, vm, "sc query vmvss"); !strings.Contains(out, "SERVICE_NAME: vmvss") {
		t.Errorf("vmvss after the modify: %q", out)
	}
	if out, code := p.guestRun(t, vm, "sc query LGTO_Sync"); code != 1060 {
		t.Errorf("LGTO_Sync after the modify: %d %q", code, out)
	}
	// Adding what is there: exit 0, nothing else changes.
	if _, code := p.guestRun(t, vm, setupCommand(`/S /v"/qn REBOOT=R ADDLOCAL=VSS"`)); code != 0 {
		t.Errorf("second modify exit %d", code)
	}
	if props := p.props(t, vm, "guest.toolsRunningStatus"); props.Guest.ToolsRunningStatus != "guestToolsRunning" {
		t.Errorf("tools after setup: %s", props.Guest.ToolsRunningStatus)
	}

	// Another installation in progress: msiexec's 1618, features unchanged.
	busy := p.vm(t, "busy")
	if err := busy.MountToolsInstaller(ctx); err != nil {
		t.Fatal(err)
	}
	if _, code := p.guestRun(t, busy, setupCommand(`/S /v"/qn REBOOT=R ADDLOCAL=VSS"`)); code != 1618 {
		t.Errorf("busy installer exit %d", code)
	}
	if _, code := p.guestRun(t, busy, "sc query vmvss"); code != 1060 {
		t.Errorf("busy: vmvss installed anyway")
	}
	// Unknown commands still fail as cmd.exe says.
	if out, code := p.guestRun(t, busy, "frobnicate --all"); code != 9009 || !strings.HasPrefix(out, "'frobnicate' is not recognized") {
		t.Errorf("unknown command: %d %q", code, out)
	}
}

func writerLine(out, name string) string {
	i := strings.Index(out, "Writer name: '"+name+"'")
	if i < 0 {
		return ""
	}
	j := strings.Index(out[i:], "\r\n\r\n")
	return out[i : i+j]
}

func TestGuestNetRestart(t *testing.T) {
	failed := func(name string, extra map[string]interface{}) map[string]interface{} {
		g := map[string]interface{}{"writers": []interface{}{
			map[string]interface{}{"name": "Registry Writer", "state": "failed", "last_error": "timeout"},
			map[string]interface{}{"name": "SqlServerWriter", "state": "failed", "last_error": "non_retryable"}}}
		for k, v := range extra {
			g[k] = v
		}
		return win2019(name, map[string]interface{}{"guest": g})
	}
	p := startLab(t, scenario(
		failed("sql", nil),
		failed("sql-disabled", map[string]interface{}{"services": map[string]interface{}{"SQLWriter": "disabled"}}),
		failed("sql-stuck", map[string]interface{}{"services": map[string]interface{}{"SQLWriter": "stop_pending"}}),
	))
	p.c(t)
	vm := p.vm(t, "sql")
	out, code := p.guestRun(t, vm, `net stop "SQLWriter" /y & net start "SQLWriter"`)
	want := "The SQL Server VSS Writer service is stopping.\r\nThe SQL Server VSS Writer service was stopped successfully.\r\n\r\n" +
		"The SQL Server VSS Writer service is starting.\r\nThe SQL Server VSS Writer service was started successfully.\r\n\r\n"
	if code != 0 || out != want {
		t.Errorf("restart: %d\ngot  %q\nwant %q", code, out, want)
	}
	out, _ = p.guestRun(t, vm, "vssadmin list writers")
	if w := writerLine(out, "SqlServerWriter"); !strings.Contains(w, "State: [1] Stable\r\n   Last error: No error") {
		t.Errorf("SqlServerWriter after its restart: %q", w)
	}
	if w := writerLine(out, "Registry Writer"); !strings.Contains(w, "[9] Failed") { // not SQLWriter's
		t.Errorf("Registry Writer changed by a SQLWriter restart: %q", w)
	}
	// A stopped service's writer is not listed; stopping it twice is net's 3521.
	if _, code := p.guestRun(t, vm, "net stop SQLWriter"); code != 0 {
		t.Errorf("net stop: %d", code)
	}
	if out, _ := p.guestRun(t, vm, "vssadmin list writers"); writerLine(out, "SqlServerWriter") != "" {
		t.Errorf("writer of a stopped service listed")
	}
	if out, _ := p.guestRun(t, vm, "sc query SQLWriter"); !strings.Contains(out, "STATE              : 1  STOPPED") {
		t.Errorf("sc query SQLWriter: %q", out)
	}
	out, code = p.guestRun(t, vm, `net stop "SQL Server VSS Writer"`)
	if code != 2 || out != "The SQL Server VSS Writer service is not started.\r\n\r\nMore help is available by typing NET HELPMSG 3521.\r\n\r\n" {
		t.Errorf("stop twice: %d %q", code, out)
	}
	p.guestRun(t, vm, "net start SQLWriter")
	out, code = p.guestRun(t, vm, "net start SQLWriter")
	if code != 2 || out != "The requested service has already been started.\r\n\r\nMore help is available by typing NET HELPMSG 2182.\r\n\r\n" {
		t.Errorf("start twice: %d %q", code, out)
	}
	// VSS on demand is not running: the stop says so, the start restarts its writers.
	out, code = p.guestRun(t, vm, `net stop "VSS" /y & net start "VSS"`)
	if code != 0 || !strings.HasPrefix(out, "The Volume Shadow Copy service is not started.\r\n") ||
		!strings.HasSuffix(out, "The Volume Shadow Copy service was started successfully.\r\n\r\n") {
		t.Errorf("VSS restart: %d %q", code, out)
	}
	if out, _ := p.guestRun(t, vm, "vssadmin list writers"); !strings.Contains(writerLine(out, "Registry Writer"), "[1] Stable") {
		t.Errorf("Registry Writer after VSS restart: %q", writerLine(out, "Registry Writer"))
	}
	if out, _ := p.guestRun(t, vm, "sc query VSS"); !strings.Contains(out, "4  RUNNING") {
		t.Errorf("VSS after net start: %q", out)
	}
	if out, code := p.guestRun(t, vm, "net stop Nope"); code != 2 || !strings.HasPrefix(out, "The service name is invalid.\r\n") {
		t.Errorf("unknown service: %d %q", code, out)
	}
	if _, code := p.guestRun(t, vm, "net"); code != 1 {
		t.Errorf("bare net: %d", code)
	}

	// Disabled: stops, then cannot start (1058); the writer is gone with its service.
	dis := p.vm(t, "sql-disabled")
	out, code = p.guestRun(t, dis, `net stop "SQLWriter" /y & net start "SQLWriter"`)
	if code != 2 || !strings.HasSuffix(out, "System error 1058 has occurred.\r\n\r\nThe service cannot be started, either because it is "+
		"disabled or because it has no enabled devices associated with it.\r\n\r\n") {
		t.Errorf("disabled: %d %q", code, out)
	}
	if out, _ := p.guestRun(t, dis, "sc qc SQLWriter"); !strings.Contains(out, "START_TYPE         : 4   DISABLED") {
		t.Errorf("sc qc disabled: %q", out)
	}
	// Stuck in STOP_PENDING: net gives up, the writer stays failed.
	stuck := p.vm(t, "sql-stuck")
	out, code = p.guestRun(t, stuck, `net stop "SQLWriter" /y & net start "SQLWriter"`)
	if code != 2 || !strings.Contains(out, "The SQL Server VSS Writer service could not be stopped.\r\n") ||
		!strings.Contains(out, "The requested service has already been started.") {
		t.Errorf("stuck: %d %q", code, out)
	}
	if out, _ := p.guestRun(t, stuck, "vssadmin list writers"); !strings.Contains(writerLine(out, "SqlServerWriter"), "[9] Failed") {
		t.Errorf("stuck writer: %q", writerLine(out, "SqlServerWriter"))
	}
	// A power cycle starts services again, except a disabled one.
	for _, v := range []string{"sql-disabled"} {
		vmo := p.vm(t, v)
		task, _ := vmo.PowerOff(context.Background())
		_ = task.Wait(context.Background())
		task, _ = vmo.PowerOn(context.Background())
		_ = task.Wait(context.Background())
		waitFor(t, "tools", func() bool {
			return p.props(t, vmo, "guest.toolsRunningStatus").Guest.ToolsRunningStatus == "guestToolsRunning"
		})
		if out, _ := p.guestRun(t, vmo, "sc query SQLWriter"); !strings.Contains(out, "1  STOPPED") {
			t.Errorf("disabled service after boot: %q", out)
		}
	}
}

func TestGuestToolsConfEdit(t *testing.T) {
	conf := "[logging]\nlog = true\n[vmbackup]\nvss.disableAppQuiescing = true\n  enableVSS = 0\n# keep me\n"
	p := startLab(t, scenario(
		win2019("conf", map[string]interface{}{"tools": map[string]interface{}{"tools_conf": conf}}),
		win2019("conf-ro", map[string]interface{}{"tools": map[string]interface{}{"tools_conf": conf, "tools_conf_readonly": true}}),
	))
	p.c(t)
	vm := p.vm(t, "conf")
	if out, code := p.guestRun(t, vm, confEdit); code != 0 || out != "" {
		t.Errorf("edit: %d %q", code, out)
	}
	out, _ := p.guestRun(t, vm, `type "C:\ProgramData\VMware\VMware Tools\tools.conf"`)
	if out != "[logging]\r\nlog = true\r\n[vmbackup]\r\n# keep me\r\n" {
		t.Errorf("tools.conf after the edit: %q", out)
	}
	if dis, off := toolsConfFlags(&out); dis || off {
		t.Errorf("quiescing still disabled after the edit")
	}

	ro := p.vm(t, "conf-ro")
	out, code := p.guestRun(t, ro, confEdit)
	if code != 1 || !strings.HasPrefix(out, "Set-Content : Access to the path 'C:\\ProgramData\\VMware\\VMware Tools\\tools.conf' is denied.\r\nAt line:1 char:") ||
		!strings.Contains(out, "UnauthorizedAccessException") {
		t.Errorf("read-only: %d %q", code, out)
	}
	if out, _ := p.guestRun(t, ro, `type "C:\ProgramData\VMware\VMware Tools\tools.conf"`); out != toCRLF(conf) {
		t.Errorf("read-only file changed: %q", out)
	}
	// Scripts the lab does not know still print nothing.
	if out, code := p.guestRun(t, vm, `powershell -NoProfile -Command "Get-Date"`); code != 0 || out != "" {
		t.Errorf("other script: %d %q", code, out)
	}
}

// TestGuestToolsConfEditLocalised: R18's PowerShell errors come in the guest's
// language and code page (the sentence and the position line; CategoryInfo and
// FullyQualifiedErrorId stay English), also after the chcp quiescent's fix
// executor puts in front of every guest command.
func TestGuestToolsConfEditLocalised(t *testing.T) {
	conf := "[vmbackup]\nenableVSS = 0\n"
	locale := func(name, loc string, tools map[string]interface{}) map[string]interface{} {
		return win2019(name, map[string]interface{}{"tools": tools, "guest": map[string]interface{}{"locale": loc}})
	}
	p := startLab(t, scenario(
		locale("ja-ro", "ja-JP", map[string]interface{}{"tools_conf": conf, "tools_conf_readonly": true}),
		locale("de-none", "de-DE", map[string]interface{}{"tools_conf": conf}),
		locale("ru-ro", "ru-RU", map[string]interface{}{"tools_conf": conf, "tools_conf_readonly": true}),
	))
	p.c(t)
	const path = `C:\ProgramData\VMware\VMware Tools\tools.conf`
	cases := []struct {
		vm, chcp, head, at, tail string
		cp                       int
		script                   string
	}{
		{"ja-ro", "現在のコード ページ: 932", "Set-Content : パス '" + path + "' へのアクセスが拒否されました。",
			"発生場所 行:1 文字:", "UnauthorizedAccessException", 932, confEdit},
		{"de-none", "Aktive Codepage: 850.", `Get-Content : Der Pfad "C:\Temp\none.conf" kann nicht gefunden werden, da er nicht vorhanden ist.`,
			"In Zeile:1 Zeichen:", "FullyQualifiedErrorId : PathNotFound,", 850, strings.Replace(confEdit, path, `C:\Temp\none.conf`, 1)},
		{"ru-ro", "Текущая кодовая страница: 866", "Set-Content : Отказано в доступе по пути \"" + path + "\".",
			"строка:1 знак:", "GetContentWriterUnauthorizedAccessError", 866, confEdit},
	}
	for _, c := range cases {
		vm := p.vm(t, c.vm)
		raw, code := p.guestRun(t, vm, c.script)
		out := decodeCP([]byte(raw), c.cp)
		if code != 1 || !strings.HasPrefix(out, c.head+"\r\n"+c.at) || !strings.Contains(out, c.tail) {
			t.Errorf("%s: %d %q", c.vm, code, out)
		}
		// As the fix executor sends it: chcp first, the code page's line, the marker, the record.
		raw, code = p.guestRun(t, vm, "echo ::quiescent:: chcp & chcp & echo ::quiescent:: output & ("+c.script+")")
		out = strings.ReplaceAll(decodeCP([]byte(raw), c.cp), " \r\n", "\r\n") // echo's blank before & is optional here
		want := "::quiescent:: chcp\r\n" + c.chcp + "\r\n::quiescent:: output\r\n" + c.head + "\r\n"
		if code != 1 || !strings.HasPrefix(out, want) {
			t.Errorf("%s with chcp: %d %q", c.vm, code, out)
		}
	}
}
