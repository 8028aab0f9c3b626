package main

// Windows services beside the ones sc knows from the Tools state: the
// services that own VSS writers, which `net stop` / `net start` restart
// (rule R16's guided fix). A writer lives in its service's process: it is
// listed by vssadmin only while that service runs, and comes back stable
// when the service starts again.

import (
	"fmt"
	"strings"
)

// writerOwners maps in-box and common application writers to the service
// hosting them (service name, display name). Writers hosted by VSS itself
// are listed whenever vssadmin runs, since vssadmin starts VSS on demand.
var writerOwners = map[string][2]string{
	"SqlServerWriter":                   {"SQLWriter", "SQL Server VSS Writer"},
	"Task Scheduler Writer":             {"Schedule", "Task Scheduler"},
	"WMI Writer":                        {"Winmgmt", "Windows Management Instrumentation"},
	"System Writer":                     {"CryptSvc", "Cryptographic Services"},
	"BITS Writer":                       {"BITS", "Background Intelligent Transfer Service"},
	"Event Log Writer":                  {"EventLog", "Windows Event Log"},
	"IIS Config Writer":                 {"AppHostSvc", "Application Host Helper Service"},
	"NTDS":                              {"NTDS", "Active Directory Domain Services"},
	"Microsoft Exchange Writer":         {"MSExchangeIS", "Microsoft Exchange Information Store"},
	"Microsoft Exchange Replica Writer": {"MSExchangeRepl", "Microsoft Exchange Replication"},
	"Dhcp Jet Writer":                   {"DHCPServer", "DHCP Server"},
	"MSSearch Service Writer":           {"WSearch", "Windows Search"},
	"Cluster Database":                  {"ClusSvc", "Cluster Service"},
	"Microsoft Hyper-V VSS Writer":      {"vmms", "Hyper-V Virtual Machine Management"},
	"ASR Writer":                        {"VSS", "Volume Shadow Copy"},
	"Registry Writer":                   {"VSS", "Volume Shadow Copy"},
	"COM+ REGDB Writer":                 {"VSS", "Volume Shadow Copy"},
	"Shadow Copy Optimization Writer":   {"VSS", "Volume Shadow Copy"},
	"VSS Metadata Store Writer":         {"VSS", "Volume Shadow Copy"},
	"Performance Counters Writer":       {"VSS", "Volume Shadow Copy"},
	"MSDEWriter":                        {"VSS", "Volume Shadow Copy"},
}

// guestService is the state of one writer-owning service.
type guestService struct {
	name, display string
	running       bool
	disabled      bool // start type Disabled: net start fails (1058)
	stopPending   bool // hangs in STOP_PENDING: net stop gives up
}

// newServices builds the VM's writer-owning services (running, as their
// writers are listed) with the states the scenario gives.
func newServices(writers []*Writer, states map[string]string) map[string]*guestService {
	m := map[string]*guestService{}
	for _, w := range writers {
		if o, ok := writerOwners[w.Name]; ok && !strings.EqualFold(o[0], "VSS") {
			m[strings.ToLower(o[0])] = &guestService{name: o[0], display: o[1], running: true}
		}
	}
	for name, st := range states {
		s := m[strings.ToLower(name)]
		if s == nil {
			s = &guestService{name: name, display: name, running: true}
			m[strings.ToLower(name)] = s
		}
		s.disabled = st == "disabled"
		s.stopPending = st == "stop_pending"
	}
	return m
}

// writerListed: vssadmin shows a writer only while its service runs.
func (v *LabVM) writerListed(w *Writer) bool {
	o, ok := writerOwners[w.Name]
	if !ok {
		return true
	}
	s := v.services[strings.ToLower(o[0])]
	return s == nil || s.running
}

// restartWriters gives the writers of a restarted process (owner "" : all,
// a boot) a fresh state. A pending fail_on is the application's own fault
// and survives the restart.
func (v *LabVM) restartWriters(owner string) {
	for _, w := range v.writers {
		if owner != "" {
			o, ok := writerOwners[w.Name]
			if !ok || !strings.EqualFold(o[0], owner) {
				continue
			}
		}
		if w.StateNum >= 6 && w.FailOn == "none" {
			w.StateNum, w.LastError = 1, "none"
		}
	}
}

// netService finds a service for net by name or display name (VSS included).
func (v *LabVM) netService(name string) *guestService {
	name = strings.ToLower(strings.Trim(name, `"`))
	if v.Family.VSSFamily() && (name == "vss" || name == "volume shadow copy") {
		return &guestService{name: "VSS", display: "Volume Shadow Copy", running: v.vssRunning,
			disabled: v.vssStart == "disabled"}
	}
	if s := v.services[name]; s != nil {
		return s
	}
	for _, s := range v.services {
		if strings.EqualFold(s.display, name) {
			return s
		}
	}
	return nil
}

const netSyntax = "The syntax of this command is:\r\n\r\nNET\r\n" +
	"    [ ACCOUNTS | COMPUTER | CONFIG | CONTINUE | FILE | GROUP | HELP |\r\n" +
	"      HELPMSG | LOCALGROUP | PAUSE | SESSION | SHARE | START |\r\n" +
	"      STATISTICS | STOP | TIME | USE | USER | VIEW ]\r\n\r\n"

// net runs `net stop|start <service> [/y]` with net.exe's texts and exit codes.
func (v *LabVM) net(args []string) (string, int) {
	var words []string
	for _, a := range args {
		if !strings.HasPrefix(a, "/") {
			words = append(words, a)
		}
	}
	if len(words) < 2 {
		return netSyntax, 1
	}
	verb := strings.ToLower(words[0])
	if verb != "stop" && verb != "start" {
		return netSyntax, 1
	}
	nt, ok := netTexts[v.loc().name]
	if !ok {
		nt = netTexts["en-US"]
	}
	help := func(n int) string { return "\r\n" + fmt.Sprintf(nt.help, n) + "\r\n\r\n" }
	s := v.netService(strings.Join(words[1:], " "))
	if s == nil {
		return nt.invalid + "\r\n" + help(2185), 2
	}
	if verb == "stop" {
		switch {
		case !s.running:
			return fmt.Sprintf(nt.notStarted, s.display) + "\r\n" + help(3521), 2
		case s.stopPending:
			return strings.TrimSuffix(fmt.Sprintf(nt.stopping, s.display), ".") + "........\r\n" +
				fmt.Sprintf(nt.couldNot, s.display) + "\r\n\r\n", 2
		}
		v.setRunning(s, false)
		return fmt.Sprintf(nt.stopping, s.display) + "\r\n" + fmt.Sprintf(nt.stopped, s.display) + "\r\n\r\n", 0
	}
	switch {
	case s.running:
		return nt.already + "\r\n" + help(2182), 2
	case s.disabled:
		return nt.sys1058 + "\r\n\r\n" + nt.cannotStart + "\r\n\r\n", 2
	}
	v.setRunning(s, true)
	v.restartWriters(s.name)
	return fmt.Sprintf(nt.starting, s.display) + "\r\n" + fmt.Sprintf(nt.started, s.display) + "\r\n\r\n", 0
}

func (v *LabVM) setRunning(s *guestService, up bool) {
	if s.name == "VSS" {
		v.vssRunning = up
	}
	s.running = up
}
