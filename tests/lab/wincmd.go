package main

// The emulated cmd.exe: `/c (<command>) > file 2>&1` with ` & ` chains and the
// commands of docs/guest-probe.md, printing Windows' own texts with CRLF.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// cmdRun is one cmd.exe process: what it printed, its exit code, and for a
// program that takes time (the Tools setup) how long it runs and what
// changes when it ends.
type cmdRun struct {
	out    strings.Builder
	exit   int
	exited bool     // exit ran: nothing after it runs
	busyMs float64  // scenario milliseconds it runs (0: at once, <0: never ends)
	atEnd  []func() // effects when it ends (v.mu held)
	cp     int      // the console's code page: output is written in it (chcp changes it)
	bytes  bool     // the last command printed bytes (type, a recorded output), not text
}

// runCmd runs cmd.exe arguments (v.mu held). The redirect's file is written
// when the process ends, as the client can only read it after that.
func (v *LabVM) runCmd(args string) *cmdRun {
	r := &cmdRun{cp: v.loc().oem}
	a := strings.TrimSpace(args)
	if len(a) < 2 || !strings.EqualFold(a[:2], "/c") {
		r.exit = 1 // an interactive cmd.exe: nothing the lab runs
		return r
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
	// Like cmd.exe, a redirect belongs to the last command of an & chain: what
	// the others print goes to the process's console, which nobody reads. Only
	// a ( ) group sends all of it to the file.
	parts := splitOutside(cmd, '&')
	fileFrom := 0
	if target != "" && len(parts) > 1 {
		v.runLine(r, strings.Join(parts[:len(parts)-1], "&"))
		fileFrom = r.out.Len()
		if !r.exited {
			v.runLine(r, parts[len(parts)-1])
		}
	} else {
		v.runLine(r, cmd)
	}
	if target != "" {
		r.atEnd = append(r.atEnd, func() {
			k := guestKey(target)
			out := r.out.String()[fileFrom:]
			if appendTo {
				old, _ := v.readFile(k)
				v.writeFile(k, append(append([]byte(nil), old...), out...))
			} else {
				v.writeFile(k, []byte(out))
			}
		})
	}
	return r
}

// writeFile stores a guest file (v.mu held); tools.conf lives in the Tools state.
func (v *LabVM) writeFile(k string, data []byte) {
	if k == toolsConfPath {
		s := string(data)
		v.toolsConf = &s
		return
	}
	v.files[k] = data
}

// runLine runs a command line: ` & ` chains, ( ) groups, @, and the for /
// if exist / exit /b forms; the exit code is the last command's.
func (v *LabVM) runLine(r *cmdRun, line string) {
	parts := splitOutside(line, '&')
	for i := 0; i < len(parts) && !r.exited; i++ {
		part := strings.TrimLeft(strings.TrimSpace(parts[i]), "@")
		if part == "" {
			continue
		}
		if strings.HasPrefix(part, "(") && strings.HasSuffix(part, ")") {
			v.runLine(r, part[1:len(part)-1])
			continue
		}
		word := strings.ToLower(strings.Fields(part)[0])
		if word == "for" || word == "if" {
			// Without parentheses, for's and if's command is the rest of the line.
			v.compound(r, strings.Join(append([]string{part}, parts[i+1:]...), "&"))
			return
		}
		if word == "exit" {
			f := strings.Fields(part)
			if len(f) > 1 && strings.EqualFold(f[1], "/b") {
				f = f[1:]
			}
			if len(f) > 1 {
				if n, err := strconv.Atoi(f[1]); err == nil {
					r.exit = n
				}
			}
			r.exited = true
			return
		}
		r.bytes = false
		text, code := v.runOne(r, part)
		if !r.bytes {
			text = string(encodeCP(text, r.cp))
		}
		r.out.WriteString(text)
		r.exit = code
	}
}

var (
	forForm = regexp.MustCompile(`(?is)^for\s+(%[a-z])\s+in\s*\(([^)]*)\)\s*do\s+(.*)$`)
	ifForm  = regexp.MustCompile(`(?is)^if\s+(not\s+)?exist\s+("[^"]*"|\S+)\s+(.*)$`)
)

// compound runs `for %x in (set) do cmd` and `if [not] exist path cmd`
// (no else: nothing the client sends uses it).
func (v *LabVM) compound(r *cmdRun, c string) {
	if m := forForm.FindStringSubmatch(c); m != nil {
		for _, item := range strings.Fields(m[2]) {
			if r.exited {
				return
			}
			v.runLine(r, strings.ReplaceAll(m[3], m[1], item))
		}
		return
	}
	if m := ifForm.FindStringSubmatch(c); m != nil {
		if v.exists(m[2]) != (m[1] != "") {
			v.runLine(r, m[3])
		}
		return
	}
	r.out.WriteString("The syntax of the command is incorrect.\r\n") // not reached by the client's commands
	r.exit = 1
}

// exists: guest files, and setup64.exe on the mounted Tools installer.
func (v *LabVM) exists(p string) bool {
	k := guestKey(p)
	if v.cdrom != "" && (k == v.cdrom+`:\setup64.exe` || k == v.cdrom+`:\setup.exe`) {
		return true
	}
	// A recorded guest whose `type PATH` failed has no such file, whatever the lab's state.
	if raw, ok := v.rawOutput("type " + p); ok {
		return raw.ExitCode == 0
	}
	_, ok := v.readFile(k)
	return ok
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

// splitOutside splits s at sep when not inside double quotes or parentheses.
func splitOutside(s string, sep rune) []string {
	var parts []string
	inQ := false
	depth, start := 0, 0
	for i, c := range s {
		switch {
		case c == '"':
			inQ = !inQ
		case c == '(' && !inQ:
			depth++
		case c == ')' && !inQ && depth > 0:
			depth--
		case c == sep && !inQ && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func (v *LabVM) notRecognized(name string) (string, int) {
	return fmt.Sprintf(v.loc().notCommand, name) + "\r\n", 9009
}

// loc is the guest's display language.
func (v *LabVM) loc() *locale {
	if v.Spec == nil {
		return locales["en-US"]
	}
	if lc := locales[v.Spec.Guest.Locale]; lc != nil {
		return lc
	}
	return locales["en-US"]
}

// normaliseCommand is the form in which guest.raw_outputs keys and command
// lines are compared: lower case, blanks folded, the program without its
// path and ".exe".
func normaliseCommand(c string) string {
	f := strings.Fields(strings.ToLower(c))
	if len(f) == 0 {
		return ""
	}
	if i := strings.LastIndexAny(f[0], `\/`); i >= 0 {
		f[0] = f[0][i+1:]
	}
	f[0] = strings.TrimSuffix(f[0], ".exe")
	return strings.Join(f, " ")
}

// rawOutput is the recorded output for a command line, if the scenario has one.
func (v *LabVM) rawOutput(c string) (RawOutput, bool) {
	if v.Spec == nil || len(v.Spec.Guest.RawOutputs) == 0 {
		return RawOutput{}, false
	}
	raw, ok := v.Spec.Guest.RawOutputs[normaliseCommand(c)]
	return raw, ok
}

// runOne runs one command of a chain.
func (v *LabVM) runOne(r *cmdRun, c string) (string, int) {
	if raw, ok := v.rawOutput(c); ok {
		// A capture from a real guest, in its OEM code page, shown in the console's.
		r.bytes = true
		return string(transcodeCP(raw.Bytes, v.loc().oem, r.cp)), raw.ExitCode
	}
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
		return v.sc(splitArgs(c)[1:]) // a quoted name is one argument, quotes gone
	case name == "vssadmin" || name == "vssadmin.exe":
		return v.vssadmin(fields[1:])
	case name == "type":
		p := strings.TrimSpace(c[4:])
		data, ok := v.readFile(p)
		if !ok {
			return v.loc().notFound + "\r\n", 1
		}
		r.bytes = true // a file is printed as it is
		return string(data), 0
	case name == "chcp" || name == "chcp.com":
		return v.chcp(r, fields[1:])
	case name == "powershell" || name == "powershell.exe":
		return v.powershell(c)
	case name == "net" || name == "net.exe":
		return v.net(splitArgs(c)[1:])
	case name == "start":
		return v.start(r, c)
	case strings.HasSuffix(name, `\setup64.exe`) || strings.HasSuffix(name, `\setup.exe`):
		if !v.exists(fields[0]) {
			return v.notRecognized(fields[0])
		}
		return v.toolsSetup(r, strings.TrimSpace(c[len(fields[0]):]))
	}
	return v.notRecognized(fields[0])
}

// chcp [N]: shows or sets the console's code page for the rest of the command line.
func (v *LabVM) chcp(r *cmdRun, args []string) (string, int) {
	lc := v.loc()
	if len(args) == 0 {
		return fmt.Sprintf(lc.activeCP, r.cp) + "\r\n", 0
	}
	n, err := strconv.Atoi(args[0])
	if _, ok := codePages[n]; err != nil || !ok || len(args) > 1 {
		return lc.invalidCP + "\r\n", 1
	}
	r.cp = n
	return fmt.Sprintf(lc.activeCP, n) + "\r\n", 0
}

// start ["title"] [/wait] [/b] program args: with /wait, cmd.exe waits for the
// program and takes its exit code; without, it goes on at once with 0 (what
// a GUI program such as setup64.exe gets when run straight from cmd /c).
func (v *LabVM) start(r *cmdRun, c string) (string, int) {
	rest := strings.TrimSpace(c[len("start"):])
	if strings.HasPrefix(rest, `"`) { // the window title
		if i := strings.Index(rest[1:], `"`); i >= 0 {
			rest = strings.TrimSpace(rest[i+2:])
		}
	}
	wait := false
	for strings.HasPrefix(rest, "/") {
		f := strings.Fields(rest)[0]
		wait = wait || strings.EqualFold(f, "/wait")
		rest = strings.TrimSpace(rest[len(f):])
	}
	if rest == "" {
		return "", 0 // a new console window: nothing the lab shows
	}
	text, code := v.runOne(r, rest)
	if !wait {
		r.busyMs = 0
		return "", 0
	}
	return text, code
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
			return &service{name: "VSS", kind: "10  WIN32_OWN_PROCESS", start: start, running: v.vssRunning,
				binary: `C:\Windows\system32\vssvc.exe`, display: "Volume Shadow Copy", deps: "RPCSS", startName: "LocalSystem"}
		}
	case "vmtools":
		if v.toolsInstalled {
			return &service{name: "VMTools", kind: "10  WIN32_OWN_PROCESS", start: 2, running: v.toolsRunning,
				binary: `"C:\Program Files\VMware\VMware Tools\vmtoolsd.exe"`, display: "VMware Tools", startName: "LocalSystem"}
		}
	default:
		if gs := v.services[strings.ToLower(name)]; gs != nil {
			start := 2
			if gs.disabled {
				start = 4
			}
			return &service{name: gs.name, kind: "10  WIN32_OWN_PROCESS", start: start, running: gs.running,
				display: gs.display, startName: "LocalSystem"}
		}
	}
	return nil
}

// scKeys: sc's own field names are localised too (SERVICE_NAME, STATE,
// START_TYPE), as captures from German, French and Portuguese Windows show;
// the constants after the numbers (4  RUNNING, 2   AUTO_START) are not.
// Languages without a known capture keep the English names.
var scKeys = map[string][3]string{
	"de-DE": {"DIENSTNAME", "STATUS", "STARTTYP"},
	"fr-FR": {"SERVICE_NAME", "ÉTAT", "START_TYPE"},
	"pt-BR": {"SERVICE_NAME", "ESTADO", "START_TYPE"},
}

func scKeysOf(locale string) [3]string {
	if k, ok := scKeys[locale]; ok {
		return k
	}
	return [3]string{"SERVICE_NAME", "STATE", "START_TYPE"}
}

func (v *LabVM) sc(args []string) (string, int) {
	if len(args) < 2 {
		return "DESCRIPTION:\r\n        SC is a command line program used for communicating with the\r\n        Service Control Manager and services.\r\n", 0
	}
	lc := v.loc()
	verb, name := strings.ToLower(args[0]), args[1]
	s := v.service(name)
	switch verb {
	case "query":
		if s == nil {
			return lc.scFail("EnumQueryServicesStatus:OpenService", 1060, lc.sc1060), 1060
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
		keys := scKeysOf(lc.name)
		return "\r\n" + keys[0] + ": " + s.name + "\r\n" +
			"        TYPE               : " + s.kind + "\r\n" +
			fmt.Sprintf("        %-19s: ", keys[1]) + state + "\r\n" + flags +
			"        WIN32_EXIT_CODE    : 0  (0x0)\r\n" +
			"        SERVICE_EXIT_CODE  : 0  (0x0)\r\n" +
			"        CHECKPOINT         : 0x0\r\n" +
			"        WAIT_HINT          : 0x0\r\n\r\n", 0
	case "qc":
		if s == nil {
			return lc.scFail("OpenService", 1060, lc.sc1060), 1060
		}
		keys := scKeysOf(lc.name)
		return lc.scOK("QueryServiceConfig") + "\r\n" +
			keys[0] + ": " + s.name + "\r\n" +
			"        TYPE               : " + s.kind + "\r\n" +
			fmt.Sprintf("        %-19s: ", keys[2]) + startTypes[s.start] + "\r\n" +
			"        ERROR_CONTROL      : 1   NORMAL\r\n" +
			"        BINARY_PATH_NAME   : " + s.binary + "\r\n" +
			"        LOAD_ORDER_GROUP   :\r\n" +
			"        TAG                : 0\r\n" +
			"        DISPLAY_NAME       : " + s.display + "\r\n" +
			"        DEPENDENCIES       :" + prefixSpace(s.deps) + "\r\n" +
			"        SERVICE_START_NAME :" + prefixSpace(s.startName) + "\r\n\r\n", 0
	case "config":
		if s == nil {
			return lc.scFail("OpenService", 1060, lc.sc1060), 1060
		}
		if len(args) != 4 || !strings.EqualFold(args[2], "start=") {
			return lc.scFail("ChangeServiceConfig", 87, lc.sc87), 87
		}
		val := strings.ToLower(args[3])
		if val != "auto" && val != "demand" && val != "disabled" && val != "boot" && val != "system" {
			return lc.scFail("ChangeServiceConfig", 87, lc.sc87), 87
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
		return lc.scOK("ChangeServiceConfig"), 0
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
		return v.notRecognized("vssadmin")
	}
	lc := v.loc()
	head := lc.vssBanner + "\r\n(C) Copyright 2001-2013 Microsoft Corp.\r\n\r\n"
	if len(args) != 2 || !strings.EqualFold(args[0], "list") || !strings.EqualFold(args[1], "writers") {
		return head + lc.vssError(lc.vssInvalid), 1
	}
	if v.vssStart == "disabled" {
		return head + lc.vssError(lc.vssUnexpected), 2
	}
	var b strings.Builder
	b.WriteString(head + lc.vssWaiting + "\r\n\r\n")
	l, c := lc.vssLabels, lc.vssColon
	for _, w := range v.writers {
		if !v.writerListed(w) {
			continue
		}
		fmt.Fprintf(&b, "%s%s%s%s%s\r\n   %s%s%s\r\n   %s%s%s\r\n   %s%s%s\r\n   %s%s%s\r\n\r\n",
			l[0], c, lc.vssQuote[0], w.Name, lc.vssQuote[1], l[1], c, w.ID, l[2], c, w.InstanceID,
			l[3], c, lc.vssState(w.StateNum), l[4], c, lc.lastErrors[w.LastError])
	}
	return b.String(), 0
}

// diskpart lists the VM's disks in controller order, as `echo list disk |
// diskpart` shows them in the guest's language, under titles underlined with
// dashes.
func (v *LabVM) diskpart() string {
	host := strings.ToUpper(v.Name)
	if len(host) > 15 {
		host = host[:15]
	}
	dp, ok := diskparts[v.loc().name]
	if !ok {
		dp = diskparts["en-US"]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\r\n"+dp.version+"\r\n\r\nCopyright (C) Microsoft Corporation.\r\n"+dp.computer+"\r\n\r\nDISKPART> \r\n",
		DiskpartVersion(v.Build), host)
	rows := make([][6]string, len(v.disks))
	units := diskUnits[v.loc().name]
	if units == [4]string{} {
		units = diskUnits["en-US"]
	}
	for i, d := range v.disks {
		dyn := ""
		if v.Spec.Guest.DynamicDisks && (i > 0 || len(v.disks) == 1) {
			dyn = "*"
		}
		rows[i] = [6]string{fmt.Sprintf("%s %d", dp.disk, i), dp.online, sizeText(d.GB, units), "0 " + units[3], dyn, "*"}
	}
	// The title and dash line are as wide as diskpart's English columns (8, 13, 7, 7, 3, 3)
	// or the language's title. Past the disk's name, rows are padded as Windows' diskpart pads
	// them: by characters, not console columns, and a longer cell is not cut. So a wide status
	// word (CJK) or a long unit ("Gбайт") pushes the rest of the row right of its dashes, as
	// real captures show (tests/lab/testdata/real).
	widths := [6]int{8, 13, 7, 7, 3, 3}
	for c := range widths {
		if w := displayWidth(dp.cols[c]); w > widths[c] {
			widths[c] = w
		}
	}
	runes := func(s string) int { return len([]rune(s)) }
	pad := func(s string, w int) string {
		if d := w - runes(s); d > 0 {
			return s + strings.Repeat(" ", d)
		}
		return s
	}
	line := func(cells [6]string, row bool) string {
		out := " "
		for c, cell := range cells {
			switch {
			case !row || c == 0: // titles and the disk's name: by console columns
				cell = padTo(cell, widths[c])
			case (c == 4 || c == 5) && cell != "": // diskpart centres the stars
				cell = pad(strings.Repeat(" ", (widths[c]-1)/2)+cell, widths[c])
			case c == 2 || c == 3: // sizes are right-aligned
				if d := widths[c] - runes(cell); d > 0 {
					cell = strings.Repeat(" ", d) + cell
				}
			default:
				cell = pad(cell, widths[c])
			}
			out += " " + cell
			if c < 5 {
				out += " "
			}
		}
		return strings.TrimRight(out, " ") + "\r\n"
	}
	b.WriteString(line(dp.cols, false))
	var dashes [6]string
	for c := range dashes {
		dashes[c] = strings.Repeat("-", widths[c])
	}
	b.WriteString(line(dashes, false))
	for _, r := range rows {
		b.WriteString(line(r, true))
	}
	b.WriteString("\r\nDISKPART> \r\n")
	return b.String()
}

// diskUnits: diskpart's size units (TB, GB, MB, bytes); Russian Windows writes
// "232 Gбайт", "1024 Kбайт", "0 байт".
var diskUnits = map[string][4]string{
	"en-US": {"TB", "GB", "MB", "B"},
	"ru-RU": {"Tбайт", "Gбайт", "Mбайт", "байт"},
}

func sizeText(gb float64, units [4]string) string {
	switch {
	case gb >= 10240:
		return fmt.Sprintf("%d %s", int(gb/1024), units[0])
	case gb >= 1:
		return fmt.Sprintf("%d %s", int(gb), units[1])
	}
	return fmt.Sprintf("%d %s", int(gb*1024), units[2])
}

// noStoragePool is PowerShell's error record for a cmdlet that does not exist
// (Get-StoragePool before Windows 2012): its sentence and position line are in
// the guest's language, the CategoryInfo and FullyQualifiedErrorId lines are not.
func (v *LabVM) noStoragePool() string {
	sentence, at := psNotRecognized[v.loc().name][0], psNotRecognized[v.loc().name][1]
	if sentence == "" {
		sentence, at = psNotRecognized["en-US"][0], psNotRecognized["en-US"][1]
	}
	return "Get-StoragePool : " + fmt.Sprintf(sentence, "Get-StoragePool") + "\r\n" + at + "\r\n" +
		"+ Get-StoragePool -IsPrimordial $false | Format-Table -AutoSize FriendlyName,Op ...\r\n" +
		"+ ~~~~~~~~~~~~~~~\r\n    + CategoryInfo          : ObjectNotFound: (Get-StoragePool:String) [], CommandNotFoundException\r\n" +
		"    + FullyQualifiedErrorId : CommandNotFoundException\r\n\r\n"
}

// psNotRecognized: "the term is not recognized" and "At line:1 char:1" in each language.
var psNotRecognized = map[string][2]string{
	"en-US": {"The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program. " +
		"Check the spelling of the name, or if a path was included, verify that the path is correct and try again.", "At line:1 char:1"},
	"de-DE": {"Die Benennung \"%s\" wurde nicht als Name eines Cmdlet, einer Funktion, einer Skriptdatei oder eines ausführbaren " +
		"Programms erkannt. Überprüfen Sie die Schreibweise des Namens, oder ob der Pfad korrekt ist (sofern enthalten), und " +
		"wiederholen Sie den Vorgang.", "In Zeile:1 Zeichen:1"},
	"fr-FR": {"Le terme «%s» n'est pas reconnu comme nom d'applet de commande, fonction, fichier de script ou programme " +
		"exécutable. Vérifiez l'orthographe du nom, ou si un chemin d'accès existe, vérifiez que le chemin d'accès est correct et " +
		"réessayez.", "Au caractère Ligne:1 : 1"},
	"es-ES": {"El término '%s' no se reconoce como nombre de un cmdlet, función, archivo de script o programa ejecutable. " +
		"Compruebe si escribió correctamente el nombre o, si incluyó una ruta de acceso, compruebe que dicha ruta es correcta e " +
		"inténtelo de nuevo.", "En línea: 1 Carácter: 1"},
	"it-IT": {"Termine '%s' non riconosciuto come nome di cmdlet, funzione, programma eseguibile o file script. Controllare " +
		"l'ortografia del nome o verificare che il percorso sia incluso e corretto, quindi riprovare.", "In riga:1 car:1"},
	"pt-BR": {"O termo '%s' não é reconhecido como nome de cmdlet, função, arquivo de script ou programa operável. Verifique " +
		"a grafia do nome ou, se um caminho tiver sido incluído, veja se o caminho está correto e tente novamente.", "No linha:1 caractere:1"},
	"nl-NL": {"De term %s wordt niet herkend als de naam van een cmdlet, functie, scriptbestand of uitvoerbaar programma. " +
		"Controleer de spelling van de naam of, als er een pad is opgegeven, controleer of het pad juist is en probeer het opnieuw.",
		"Op regel:1 teken:1"},
	"pl-PL": {"Termin „%s” nie jest rozpoznawany jako nazwa polecenia cmdlet, funkcji, pliku skryptu lub programu wykonywalnego. " +
		"Sprawdź pisownię nazwy, a jeżeli została dołączona ścieżka, sprawdź, czy jest poprawna, i spróbuj ponownie.", "W wierszu:1 znak:1"},
	"ru-RU": {"Имя \"%s\" не распознано как имя командлета, функции, файла сценария или выполняемой программы. Проверьте " +
		"правильность написания имени, а также наличие и правильность пути, после чего повторите попытку.", "строка:1 знак:1"},
	"ja-JP": {"用語 '%s' は、コマンドレット、関数、スクリプト ファイル、または操作可能なプログラムの名前として認識されません。名前が正しく" +
		"記述されていることを確認し、パスが含まれている場合はそのパスが正しいことを確認してから、再試行してください。", "発生場所 行:1 文字:1"},
	"zh-CN": {"无法将“%s”项识别为 cmdlet、函数、脚本文件或可运行程序的名称。请检查名称的拼写，如果包括路径，请确保路径正确，然后再试一次。",
		"所在位置 行:1 字符: 1"},
	"ko-KR": {"'%s' 용어가 cmdlet, 함수, 스크립트 파일 또는 실행할 수 있는 프로그램 이름으로 인식되지 않습니다. 이름이 정확한지 확인하고 " +
		"경로가 포함된 경우 경로가 올바른지 검증한 다음 다시 시도하십시오.", "위치 줄:1 문자:1"},
}

// powershell knows the Storage Spaces probe and the file edit of R18's fix;
// other scripts print nothing.
func (v *LabVM) powershell(c string) (string, int) {
	switch v.Family {
	case Win2000XP, Win2003:
		return v.notRecognized("powershell")
	}
	lc := strings.ToLower(c)
	if strings.Contains(lc, "get-content") && strings.Contains(lc, "set-content") {
		return v.psEditFile(psCommand(c))
	}
	if !strings.Contains(lc, "get-storagepool") {
		return "", 0
	}
	if !v.Family.HasStorageCmdlets(v.Spec.GuestID) {
		return v.noStoragePool(), 1
	}
	if !v.Spec.Guest.StorageSpaces {
		return "", 0
	}
	return "\r\nFriendlyName OperationalStatus HealthStatus\r\n" +
		"------------ ----------------- ------------\r\n" +
		"DataPool     OK                Healthy\r\n\r\n\r\n", 0
}

// splitArgs splits a command line at spaces outside quotes, dropping the quotes.
func splitArgs(c string) []string {
	var out []string
	var cur strings.Builder
	inQ, any := false, false
	for _, ch := range c {
		switch {
		case ch == '"':
			inQ, any = !inQ, true
		case (ch == ' ' || ch == '\t') && !inQ:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(ch)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

var msiArgs = regexp.MustCompile(`(?i)(?:^|\s)/v"([^"]*)"`)

// toolsSetup runs the VMware Tools installer on a VM that has Tools: a
// modify of the installed product (ADDLOCAL/REMOVE inside /v"...", handed
// to msiexec). It prints nothing (a GUI program) and takes half of
// tools_upgrade; the VMware Tools service keeps running, as a feature
// change does not replace vmtoolsd (the Guest Operations that started it
// stay up). Exit codes are msiexec's: 0, 3010 when a driver removal waits
// for a reboot (REBOOT=R), 1618 when another installation is in progress.
func (v *LabVM) toolsSetup(r *cmdRun, args string) (string, int) {
	silent := false
	for _, a := range strings.Fields(args) {
		silent = silent || strings.EqualFold(a, "/s")
	}
	if !silent {
		r.busyMs = -1 // the wizard waits for a click nobody makes
		return "", 0
	}
	m := msiArgs.FindStringSubmatch(args)
	if v.Spec.Guest.InstallerBusy {
		r.busyMs = v.Timing.ToolsUpgrade / 20
		return "", 1618
	}
	r.busyMs = v.Timing.ToolsUpgrade / 2
	code := 0
	if m != nil && v.wouldRemoveSync(m[1]) {
		code = 3010
	}
	opts := ""
	if m != nil {
		opts = m[1]
	}
	r.atEnd = append(r.atEnd, func() { v.applyFeatures(opts) })
	return "", code
}

// wouldRemoveSync: the options remove the sync driver that is installed now.
func (v *LabVM) wouldRemoveSync(opts string) bool {
	_, remove := features(opts)
	return v.sync && (remove["sync"] || remove["all"])
}

// psCommand is the script after -Command, without its outer quotes.
func psCommand(c string) string {
	i := strings.Index(strings.ToLower(c), "-command")
	if i < 0 {
		return ""
	}
	s := strings.TrimSpace(c[i+len("-command"):])
	if strings.HasPrefix(s, `"`) {
		if j := strings.LastIndex(s, `"`); j > 0 {
			s = s[1:j]
		}
	}
	return s
}

// splitPS splits a script at sep outside quotes, braces and parentheses.
func splitPS(s string, sep rune) []string {
	var parts []string
	var q rune
	depth, start := 0, 0
	for i, c := range s {
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == '{' || c == '(':
			depth++
		case c == '}' || c == ')':
			depth--
		case c == sep && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

var (
	psAssign  = regexp.MustCompile(`^\$(\w+)\s*=\s*(?:'([^']*)'|"([^"]*)")$`)
	psGet     = regexp.MustCompile(`(?i)^\(?\s*Get-Content\s+([^\s)]+)\s*\)?$`)
	psWhere   = regexp.MustCompile(`(?i)^(?:Where-Object|where|\?)\s*\{\s*\$_\s+-(not)?match\s+'([^']*)'\s*\}$`)
	psSet     = regexp.MustCompile(`(?i)^Set-Content\s+(\S+)$`)
	psErrTail = "\r\n    + FullyQualifiedErrorId : "
)

// psEditFile runs `$p='file'; (Get-Content $p) | Where-Object { $_ -notmatch 're' } | Set-Content $p`:
// the lines of a guest file filtered by a .NET regular expression
// (case-insensitive, as -match is) and written back with CRLF, as Windows
// PowerShell 5.1 does. A read-only tools.conf is refused with PowerShell's
// error record; powershell.exe then exits 1.
func (v *LabVM) psEditFile(script string) (string, int) {
	vars := map[string]string{}
	value := func(tok string) string {
		if strings.HasPrefix(tok, "$") {
			return vars[strings.ToLower(tok[1:])]
		}
		return strings.Trim(tok, `'"`)
	}
	for _, stmt := range splitPS(script, ';') {
		stmt = strings.TrimSpace(stmt)
		if m := psAssign.FindStringSubmatch(stmt); m != nil {
			vars[strings.ToLower(m[1])] = m[2] + m[3]
			continue
		}
		stages := splitPS(stmt, '|')
		g := psGet.FindStringSubmatch(strings.TrimSpace(stages[0]))
		if g == nil || len(stages) < 2 {
			return "", 0 // a script the lab does not know: prints nothing
		}
		path := value(g[1])
		data, ok := v.readFile(path)
		if !ok {
			return "Get-Content : " + fmt.Sprintf(v.psText(1), path) + "\r\n" +
				v.psPosition(script, "Get-Content") +
				fmt.Sprintf("    + CategoryInfo          : ObjectNotFound: (%s:String) [Get-Content], ItemNotFoundException", path) +
				psErrTail + "PathNotFound,Microsoft.PowerShell.Commands.GetContentCommand\r\n \r\n", 1
		}
		lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
		if len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		for _, st := range stages[1 : len(stages)-1] {
			w := psWhere.FindStringSubmatch(strings.TrimSpace(st))
			if w == nil {
				return "", 0
			}
			re, err := regexp.Compile("(?i)" + w[2])
			if err != nil {
				return "", 0
			}
			var keep []string
			for _, l := range lines {
				if re.MatchString(l) != (w[1] != "") {
					keep = append(keep, l)
				}
			}
			lines = keep
		}
		sc := psSet.FindStringSubmatch(strings.TrimSpace(stages[len(stages)-1]))
		if sc == nil {
			return "", 0
		}
		target := value(sc[1])
		if guestKey(target) == toolsConfPath && v.Spec.Tools.ConfReadOnly {
			return "Set-Content : " + fmt.Sprintf(v.psText(2), target) + "\r\n" +
				v.psPosition(script, "Set-Content") +
				fmt.Sprintf("    + CategoryInfo          : PermissionDenied: (%s:String) [Set-Content], UnauthorizedAccessException", target) +
				psErrTail + "GetContentWriterUnauthorizedAccessError,Microsoft.PowerShell.Commands.SetContentCommand\r\n \r\n", 1
		}
		out := ""
		for _, l := range lines {
			out += l + "\r\n"
		}
		v.writeFile(guestKey(target), []byte(out))
	}
	return "", 0
}

// psPathErrors: Get-Content's "cannot find path" and Set-Content's "access
// denied" sentences in each language (the record's CategoryInfo and
// FullyQualifiedErrorId lines stay English on every Windows).
var psPathErrors = map[string][2]string{
	"en-US": {"Cannot find path '%s' because it does not exist.", "Access to the path '%s' is denied."},
	"de-DE": {"Der Pfad \"%s\" kann nicht gefunden werden, da er nicht vorhanden ist.", "Der Zugriff auf den Pfad \"%s\" wurde verweigert."},
	"fr-FR": {"Impossible de trouver le chemin d'accès « %s », car il n'existe pas.", "L'accès au chemin d'accès « %s » est refusé."},
	"es-ES": {"No se encuentra la ruta de acceso '%s' porque no existe.", "Acceso denegado a la ruta de acceso '%s'."},
	"it-IT": {"Impossibile trovare il percorso '%s' perché non esiste.", "Accesso al percorso '%s' negato."},
	"pt-BR": {"Não é possível localizar o caminho '%s' porque ele não existe.", "O acesso ao caminho '%s' foi negado."},
	"nl-NL": {"Kan pad %s niet vinden omdat dit niet bestaat.", "De toegang tot het pad %s is geweigerd."},
	"pl-PL": {"Nie można odnaleźć ścieżki „%s”, ponieważ nie istnieje.", "Odmowa dostępu do ścieżki „%s”."},
	"ru-RU": {"Не удается найти путь \"%s\", так как он не существует.", "Отказано в доступе по пути \"%s\"."},
	"ja-JP": {"パス '%s' が存在しないため検出できません。", "パス '%s' へのアクセスが拒否されました。"},
	"zh-CN": {"找不到路径“%s”，因为该路径不存在。", "对路径“%s”的访问被拒绝。"},
	"ko-KR": {"'%s' 경로는 존재하지 않으므로 찾을 수 없습니다.", "'%s' 경로에 대한 액세스가 거부되었습니다."},
}

// psText is a PowerShell sentence in the guest's language: 0 the position
// ("At line:1 char:1"), 1 path not found, 2 access denied.
func (v *LabVM) psText(i int) string {
	name := v.loc().name
	if i == 0 {
		if t, ok := psNotRecognized[name]; ok {
			return t[1]
		}
		return psNotRecognized["en-US"][1]
	}
	if t, ok := psPathErrors[name]; ok {
		return t[i-1]
	}
	return psPathErrors["en-US"][i-1]
}

// psPosition is the "At line:1 char:N" part of a PowerShell error record, in
// the guest's language: every language's form ends with the column.
func (v *LabVM) psPosition(script, cmdlet string) string {
	i := strings.Index(script, cmdlet)
	if i < 0 {
		i = 0
	}
	excerpt := script[i:]
	if len(excerpt) > 60 {
		excerpt = excerpt[:60] + " ..."
	}
	at := v.psText(0)
	at = strings.TrimSuffix(at, "1") + strconv.Itoa(i+1)
	return fmt.Sprintf("%s\r\n+ %s\r\n+ %s\r\n", at, excerpt, strings.Repeat("~", len(cmdlet)+3))
}
