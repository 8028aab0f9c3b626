package main

// The emulated cmd.exe: `/c <command> > file 2>&1` with ` & ` chains and the
// commands of docs/guest-probe.md, printing Windows' own texts with CRLF.

import (
	"fmt"
	"strings"
)

// runCmd runs cmd.exe arguments and returns the exit code (v.mu held).
func (v *LabVM) runCmd(args string) int {
	a := strings.TrimSpace(args)
	if len(a) < 2 || !strings.EqualFold(a[:2], "/c") {
		return 1 // an interactive cmd.exe: nothing the lab runs
	}
	a = strings.TrimSpace(a[2:])
	// cmd.exe /c "...": the first and the last quote go, the rest is the command line.
	if strings.HasPrefix(a, `"`) {
		if i := strings.LastIndex(a, `"`); i > 0 {
			a = a[1:i] + a[i+1:]
		}
	}
	a = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(a), "2>&1"))
	cmd, target, appendTo := splitRedirect(a)
	var out strings.Builder
	exit := 0
	for _, part := range splitOutside(cmd, '&') {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		text, code := v.runOne(part)
		out.WriteString(text)
		exit = code
	}
	if target != "" {
		k := guestKey(target)
		if appendTo {
			old, _ := v.readFile(k)
			v.files[k] = append(append([]byte(nil), old...), out.String()...)
		} else if k == toolsConfPath {
			s := out.String()
			v.toolsConf = &s
		} else {
			v.files[k] = []byte(out.String())
		}
	}
	return exit
}

// splitRedirect separates "cmd > file" (or >>) at the last > outside quotes.
func splitRedirect(s string) (cmd, target string, appendTo bool) {
	inQ := false
	last := -1
	for i, c := range s {
		switch {
		case c == '"':
			inQ = !inQ
		case c == '>' && !inQ:
			last = i
		}
	}
	if last < 0 {
		return s, "", false
	}
	cmd = s[:last]
	if strings.HasSuffix(cmd, ">") {
		cmd, appendTo = cmd[:len(cmd)-1], true
	}
	return strings.TrimSpace(cmd), strings.TrimSpace(s[last+1:]), appendTo
}

// splitOutside splits s at sep when not inside double quotes.
func splitOutside(s string, sep rune) []string {
	var parts []string
	inQ := false
	start := 0
	for i, c := range s {
		switch {
		case c == '"':
			inQ = !inQ
		case c == sep && !inQ:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func notRecognized(name string) (string, int) {
	return fmt.Sprintf("'%s' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n", name), 9009
}

// runOne runs one command of a chain.
func (v *LabVM) runOne(c string) (string, int) {
	if pipe := splitOutside(c, '|'); len(pipe) == 2 {
		left, right := strings.TrimSpace(pipe[0]), strings.TrimSpace(pipe[1])
		if strings.EqualFold(right, "diskpart") {
			if !strings.EqualFold(left, "echo list disk") {
				return "\r\nDISKPART> \r\n", 0
			}
			return v.diskpart(), 0
		}
		c = left // other pipes: the left side's output stands
	}
	fields := strings.Fields(c)
	name := strings.ToLower(fields[0])
	switch {
	case name == "echo" || strings.HasPrefix(name, "echo."):
		if len(fields) == 1 {
			return "ECHO is on.\r\n", 0
		}
		return strings.TrimSpace(c[4:]) + "\r\n", 0
	case name == "sc" || name == "sc.exe":
		return v.sc(fields[1:])
	case name == "vssadmin" || name == "vssadmin.exe":
		return v.vssadmin(fields[1:])
	case name == "type":
		p := strings.TrimSpace(c[4:])
		data, ok := v.readFile(p)
		if !ok {
			return "The system cannot find the path specified.\r\n", 1
		}
		return string(data), 0
	case name == "powershell" || name == "powershell.exe":
		return v.powershell(c)
	}
	return notRecognized(fields[0])
}

// service is what sc shows for an installed service.
type service struct {
	name, kind, binary, display, deps, startName string
	start                                        int // 0 boot .. 4 disabled
	running                                      bool
}

var startTypes = []string{"0   BOOT_START", "1   SYSTEM_START", "2   AUTO_START", "3   DEMAND_START", "4   DISABLED"}

func (v *LabVM) service(name string) *service {
	switch strings.ToLower(name) {
	case "vmvss":
		if v.toolsInstalled && v.vss {
			return &service{name: "vmvss", kind: "10  WIN32_OWN_PROCESS", start: 3,
				binary:  `C:\Windows\system32\dllhost.exe /Processid:{5A4F6F56-7C63-4D2E-8A0C-8E7F0C6E3B21}`,
				display: "VMware Snapshot Provider", deps: "RPCSS", startName: "LocalSystem"}
		}
	case "lgto_sync":
		if v.toolsInstalled && v.sync {
			return &service{name: "LGTO_Sync", kind: "1  KERNEL_DRIVER", start: 1, running: true,
				binary: `\SystemRoot\system32\DRIVERS\LGTOSync.sys`, display: "LGTO_Sync"}
		}
	case "vss":
		if v.Family.VSSFamily() {
			start := map[string]int{"auto": 2, "demand": 3, "disabled": 4}[v.vssStart]
			return &service{name: "VSS", kind: "10  WIN32_OWN_PROCESS", start: start, running: start == 2,
				binary: `C:\Windows\system32\vssvc.exe`, display: "Volume Shadow Copy", deps: "RPCSS", startName: "LocalSystem"}
		}
	case "vmtools":
		if v.toolsInstalled {
			return &service{name: "VMTools", kind: "10  WIN32_OWN_PROCESS", start: 2, running: v.toolsRunning,
				binary: `"C:\Program Files\VMware\VMware Tools\vmtoolsd.exe"`, display: "VMware Tools", startName: "LocalSystem"}
		}
	}
	return nil
}

const noService = "The specified service does not exist as an installed service.\r\n\r\n"

func (v *LabVM) sc(args []string) (string, int) {
	if len(args) < 2 {
		return "DESCRIPTION:\r\n        SC is a command line program used for communicating with the\r\n        Service Control Manager and services.\r\n", 0
	}
	verb, name := strings.ToLower(args[0]), args[1]
	s := v.service(name)
	switch verb {
	case "query":
		if s == nil {
			return "[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\r\n\r\n" + noService, 1060
		}
		state := "1  STOPPED"
		flags := ""
		if s.running {
			state = "4  RUNNING"
			flags = "                                (STOPPABLE, NOT_PAUSABLE, ACCEPTS_SHUTDOWN)\r\n"
			if strings.HasPrefix(s.kind, "1 ") {
				flags = "                                (STOPPABLE, NOT_PAUSABLE, IGNORES_SHUTDOWN)\r\n"
			}
		}
		return "\r\nSERVICE_NAME: " + s.name + "\r\n" +
			"        TYPE               : " + s.kind + "\r\n" +
			"        STATE              : " + state + "\r\n" + flags +
			"        WIN32_EXIT_CODE    : 0  (0x0)\r\n" +
			"        SERVICE_EXIT_CODE  : 0  (0x0)\r\n" +
			"        CHECKPOINT         : 0x0\r\n" +
			"        WAIT_HINT          : 0x0\r\n\r\n", 0
	case "qc":
		if s == nil {
			return "[SC] OpenService FAILED 1060:\r\n\r\n" + noService, 1060
		}
		return "[SC] QueryServiceConfig SUCCESS\r\n\r\n" +
			"SERVICE_NAME: " + s.name + "\r\n" +
			"        TYPE               : " + s.kind + "\r\n" +
			"        START_TYPE         : " + startTypes[s.start] + "\r\n" +
			"        ERROR_CONTROL      : 1   NORMAL\r\n" +
			"        BINARY_PATH_NAME   : " + s.binary + "\r\n" +
			"        LOAD_ORDER_GROUP   :\r\n" +
			"        TAG                : 0\r\n" +
			"        DISPLAY_NAME       : " + s.display + "\r\n" +
			"        DEPENDENCIES       :" + prefixSpace(s.deps) + "\r\n" +
			"        SERVICE_START_NAME :" + prefixSpace(s.startName) + "\r\n\r\n", 0
	case "config":
		if s == nil {
			return "[SC] OpenService FAILED 1060:\r\n\r\n" + noService, 1060
		}
		if len(args) != 4 || !strings.EqualFold(args[2], "start=") {
			return "[SC] ChangeServiceConfig FAILED 87:\r\n\r\nThe parameter is incorrect.\r\n\r\n", 87
		}
		val := strings.ToLower(args[3])
		if val != "auto" && val != "demand" && val != "disabled" && val != "boot" && val != "system" {
			return "[SC] ChangeServiceConfig FAILED 87:\r\n\r\nThe parameter is incorrect.\r\n\r\n", 87
		}
		switch strings.ToLower(s.name) {
		case "vss":
			if val == "auto" || val == "demand" || val == "disabled" {
				v.vssStart = val
			}
		case "lgto_sync":
			if val == "disabled" {
				v.sync = false // a disabled sync driver no longer counts (R05)
			}
		}
		return "[SC] ChangeServiceConfig SUCCESS\r\n", 0
	}
	return "[SC] Unrecognized command: " + args[0] + "\r\n", 1
}

func prefixSpace(s string) string {
	if s == "" {
		return ""
	}
	return " " + s
}

func (v *LabVM) vssadmin(args []string) (string, int) {
	if v.Build < 2600 { // Windows 2000 has no vssadmin
		return notRecognized("vssadmin")
	}
	head := "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n" +
		"(C) Copyright 2001-2013 Microsoft Corp.\r\n\r\n"
	if len(args) != 2 || !strings.EqualFold(args[0], "list") || !strings.EqualFold(args[1], "writers") {
		return head + "Error: Invalid command.\r\n\r\n", 1
	}
	if v.vssStart == "disabled" {
		return head + "Error: A Volume Shadow Copy Service component encountered an unexpected error.\r\n" +
			"Check the Application event log for more information.\r\n\r\n", 2
	}
	var b strings.Builder
	b.WriteString(head)
	for _, w := range v.writers {
		fmt.Fprintf(&b, "Writer name: '%s'\r\n   Writer Id: %s\r\n   Writer Instance Id: %s\r\n   State: %s\r\n   Last error: %s\r\n\r\n",
			w.Name, w.ID, w.InstanceID, w.StateText(), w.LastErrorText())
	}
	return b.String(), 0
}

// diskpart lists the VM's disks in controller order, as `echo list disk | diskpart` shows them.
func (v *LabVM) diskpart() string {
	host := strings.ToUpper(v.Name)
	if len(host) > 15 {
		host = host[:15]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\r\nMicrosoft DiskPart version %s\r\n\r\nCopyright (C) Microsoft Corporation.\r\nOn computer: %s\r\n\r\nDISKPART> \r\n",
		DiskpartVersion(v.Build), host)
	b.WriteString("  Disk ###  Status         Size     Free     Dyn  Gpt\r\n")
	b.WriteString("  --------  -------------  -------  -------  ---  ---\r\n")
	for i, d := range v.disks {
		dyn := "   "
		if v.Spec.Guest.DynamicDisks && (i > 0 || len(v.disks) == 1) {
			dyn = " * "
		}
		line := fmt.Sprintf("  Disk %-3d  %-13s  %7s  %7s  %s  %s", i, "Online", sizeText(d.GB), "0 B", dyn, " * ")
		b.WriteString(strings.TrimRight(line, " ") + "\r\n")
	}
	b.WriteString("\r\nDISKPART> \r\n")
	return b.String()
}

func sizeText(gb float64) string {
	switch {
	case gb >= 10240:
		return fmt.Sprintf("%d TB", int(gb/1024))
	case gb >= 1:
		return fmt.Sprintf("%d GB", int(gb))
	}
	return fmt.Sprintf("%d MB", int(gb*1024))
}

const noStoragePool = "Get-StoragePool : The term 'Get-StoragePool' is not recognized as the name of a cmdlet, function, " +
	"script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path " +
	"is correct and try again.\r\nAt line:1 char:1\r\n+ Get-StoragePool -IsPrimordial $false | Format-Table -AutoSize FriendlyName,Op ...\r\n" +
	"+ ~~~~~~~~~~~~~~~\r\n    + CategoryInfo          : ObjectNotFound: (Get-StoragePool:String) [], CommandNotFoundException\r\n" +
	"    + FullyQualifiedErrorId : CommandNotFoundException\r\n\r\n"

// powershell knows the Storage Spaces probe; other scripts print nothing.
func (v *LabVM) powershell(c string) (string, int) {
	switch v.Family {
	case Win2000XP, Win2003:
		return notRecognized("powershell")
	}
	if !strings.Contains(strings.ToLower(c), "get-storagepool") {
		return "", 0
	}
	if !v.Family.HasStorageCmdlets(v.Spec.GuestID) {
		return noStoragePool, 1
	}
	if !v.Spec.Guest.StorageSpaces {
		return "", 0
	}
	return "\r\nFriendlyName OperationalStatus HealthStatus\r\n" +
		"------------ ----------------- ------------\r\n" +
		"DataPool     OK                Healthy\r\n\r\n\r\n", 0
}
