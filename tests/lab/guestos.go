package main

// What the lab knows about guest operating systems and VMware Tools:
// Windows families from guestId (+ build), display names, version encoding,
// and the standard VSS writer set of each Windows version.

import (
	"crypto/sha1"
	"fmt"
	"strconv"
	"strings"
)

// CurrentToolsVersion is what UpgradeTools_Task installs and what counts as current.
const CurrentToolsVersion = "12.1.5"

// Tools older than this are guestToolsTooOld (the lab's documented threshold).
const tooOldToolsVersion = 9 << 10 // 9.0.0

// Version 10.1.0: CreateSnapshotEx_Task needs at least this.
const toolsExMin = 10<<10 | 1<<5

// EncodeToolsVersion encodes "a.b.c" as vCenter does: a<<10 | b<<5 | c.
func EncodeToolsVersion(v string) (int, error) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return 0, fmt.Errorf("must be major.minor.patch like 11.3.5, not %q", v)
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 || (i == 0 && x > 99) || (i > 0 && x > 31) {
			return 0, fmt.Errorf("must be major.minor.patch like 11.3.5, not %q", v)
		}
		n[i] = x
	}
	return n[0]<<10 | n[1]<<5 | n[2], nil
}

// Family is a Windows family name as the quiescing rules see it.
type Family string

const (
	Win2000XP Family = "win2000xp"
	Win2003   Family = "win2003"
	Win2008   Family = "win2008"
	Win2008R2 Family = "win2008r2"
	Win2012   Family = "win2012"
	Win2012R2 Family = "win2012r2"
	Win2016   Family = "win2016"
	Win2019   Family = "win2019"
	Win2022   Family = "win2022"
	Win2025   Family = "win2025"
	WinDesk   Family = "windesktop" // Vista, 7, 8, 8.1, 10, 11
	NotWin    Family = "other"
)

// FamilyOf classifies a guestId; the build refines the ambiguous IDs.
func FamilyOf(guestID string, build int) Family {
	id := strings.ToLower(guestID)
	switch {
	case strings.HasPrefix(id, "win2000"), id == "winxphomeguest", id == "winxpproguest":
		return Win2000XP
	case strings.HasPrefix(id, "winnet"), id == "winxppro64guest":
		return Win2003
	case strings.HasPrefix(id, "winlonghorn"):
		return Win2008
	case id == "windows7server64guest":
		return Win2008R2
	case id == "windows8server64guest":
		if build >= 9600 {
			return Win2012R2
		}
		return Win2012
	case id == "windows9server64guest":
		switch {
		case build >= 26100:
			return Win2025
		case build >= 20348:
			return Win2022
		case build >= 17763:
			return Win2019
		}
		return Win2016
	case id == "windows2019srv_64guest":
		return Win2019
	case id == "windows2019srvnext_64guest":
		return Win2022
	case id == "windows2022srvnext_64guest":
		return Win2025
	case strings.HasPrefix(id, "winvista"), strings.HasPrefix(id, "windows7"), strings.HasPrefix(id, "windows8"),
		strings.HasPrefix(id, "windows9"), strings.HasPrefix(id, "windows11"), strings.HasPrefix(id, "windows12"):
		return WinDesk
	}
	return NotWin
}

// IsWindows: every family but NotWin.
func (f Family) IsWindows() bool { return f != NotWin }

// VSSFamily: Vista and later, 2003 and later (VMware VSS component).
func (f Family) VSSFamily() bool { return f != NotWin && f != Win2000XP }

// AtLeast2008: Windows Server 2008 or later, desktops excluded.
func (f Family) AtLeast2008() bool {
	switch f {
	case Win2008, Win2008R2, Win2012, Win2012R2, Win2016, Win2019, Win2022, Win2025:
		return true
	}
	return false
}

// AtLeast2016: Windows Server 2016 or later.
func (f Family) AtLeast2016() bool {
	switch f {
	case Win2016, Win2019, Win2022, Win2025:
		return true
	}
	return false
}

// HasStorageCmdlets: Get-StoragePool exists from 2012 / Windows 8 on.
func (f Family) HasStorageCmdlets(id string) bool {
	switch f {
	case Win2012, Win2012R2, Win2016, Win2019, Win2022, Win2025:
		return true
	case WinDesk:
		id = strings.ToLower(id)
		return !strings.HasPrefix(id, "winvista") && !strings.HasPrefix(id, "windows7")
	}
	return false
}

// DefaultBuild is the build a family reports when the scenario gives none.
func DefaultBuild(f Family) int {
	return map[Family]int{Win2000XP: 2600, Win2003: 3790, Win2008: 6002, Win2008R2: 7601, Win2012: 9200,
		Win2012R2: 9600, Win2016: 14393, Win2019: 17763, Win2022: 20348, Win2025: 26100, WinDesk: 19045}[f]
}

// DiskpartVersion is the banner version diskpart prints on a build.
func DiskpartVersion(build int) string {
	switch {
	case build >= 10240:
		return fmt.Sprintf("10.0.%d.1", build)
	case build >= 9600:
		return "6.3.9600"
	case build >= 9200:
		return "6.2.9200"
	case build >= 7600:
		return "6.1.7601"
	}
	return "6.0.6002"
}

var fullNames = map[string]string{
	"win2000proguest":            "Microsoft Windows 2000 Professional",
	"win2000servguest":           "Microsoft Windows 2000 Server",
	"win2000advservguest":        "Microsoft Windows 2000 Advanced Server",
	"winxphomeguest":             "Microsoft Windows XP Home Edition (32-bit)",
	"winxpproguest":              "Microsoft Windows XP Professional (32-bit)",
	"winxppro64guest":            "Microsoft Windows XP Professional (64-bit)",
	"winnetstandardguest":        "Microsoft Windows Server 2003 Standard (32-bit)",
	"winnetstandard64guest":      "Microsoft Windows Server 2003 Standard (64-bit)",
	"winnetenterpriseguest":      "Microsoft Windows Server 2003 Enterprise (32-bit)",
	"winnetenterprise64guest":    "Microsoft Windows Server 2003 Enterprise (64-bit)",
	"winnetdatacenterguest":      "Microsoft Windows Server 2003 Datacenter (32-bit)",
	"winnetdatacenter64guest":    "Microsoft Windows Server 2003 Datacenter (64-bit)",
	"winnetwebguest":             "Microsoft Windows Server 2003 Web Edition (32-bit)",
	"winnetbusinessguest":        "Microsoft Small Business Server 2003",
	"winlonghornguest":           "Microsoft Windows Server 2008 (32-bit)",
	"winlonghorn64guest":         "Microsoft Windows Server 2008 (64-bit)",
	"windows7server64guest":      "Microsoft Windows Server 2008 R2 (64-bit)",
	"windows8server64guest":      "Microsoft Windows Server 2012 (64-bit)",
	"windows9server64guest":      "Microsoft Windows Server 2016 or later (64-bit)",
	"windows2019srv_64guest":     "Microsoft Windows Server 2019 (64-bit)",
	"windows2019srvnext_64guest": "Microsoft Windows Server 2022 (64-bit)",
	"windows2022srvnext_64guest": "Microsoft Windows Server 2025 (64-bit)",
	"winvistaguest":              "Microsoft Windows Vista (32-bit)",
	"winvista64guest":            "Microsoft Windows Vista (64-bit)",
	"windows7guest":              "Microsoft Windows 7 (32-bit)",
	"windows7_64guest":           "Microsoft Windows 7 (64-bit)",
	"windows8guest":              "Microsoft Windows 8 (32-bit)",
	"windows8_64guest":           "Microsoft Windows 8 (64-bit)",
	"windows9guest":              "Microsoft Windows 10 (32-bit)",
	"windows9_64guest":           "Microsoft Windows 10 (64-bit)",
	"windows11_64guest":          "Microsoft Windows 11 (64-bit)",
	"windows12_64guest":          "Microsoft Windows 12 (64-bit)",
	"rhel7_64guest":              "Red Hat Enterprise Linux 7 (64-bit)",
	"rhel8_64guest":              "Red Hat Enterprise Linux 8 (64-bit)",
	"rhel9_64guest":              "Red Hat Enterprise Linux 9 (64-bit)",
	"centos7_64guest":            "CentOS 7 (64-bit)",
	"centos8_64guest":            "CentOS 8 (64-bit)",
	"ubuntu64guest":              "Ubuntu Linux (64-bit)",
	"debian10_64guest":           "Debian GNU/Linux 10 (64-bit)",
	"debian11_64guest":           "Debian GNU/Linux 11 (64-bit)",
	"sles15_64guest":             "SUSE Linux Enterprise 15 (64-bit)",
	"other3xlinux64guest":        "Other 3.x Linux (64-bit)",
	"other4xlinux64guest":        "Other 4.x or later Linux (64-bit)",
	"otherguest":                 "Other (32-bit)",
	"otherguest64":               "Other (64-bit)",
}

// GuestFullName derives vSphere's display name of a guestId.
func GuestFullName(id string) string {
	if n, ok := fullNames[strings.ToLower(id)]; ok {
		return n
	}
	return id
}

// Writer describes a VSS writer: what vssadmin and the manifests show.
type Writer struct {
	Name, ID, InstanceID string
	StateNum             int    // VSS_WRITER_STATE: 1 stable, 5 waiting, 6-15 failed
	LastError            string // none | retryable | non_retryable | timeout
	FailOn               string
	Components           []string
	Usage, DataSource    string
}

var writerIDs = map[string]string{
	"Task Scheduler Writer":           "{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}",
	"VSS Metadata Store Writer":       "{75dfb225-e2e4-4d39-9ac9-ffaff65ddf06}",
	"Performance Counters Writer":     "{0bada1de-01a9-4625-8278-69e735f39dd2}",
	"System Writer":                   "{e8132975-6f93-4464-a53e-1050253ae220}",
	"ASR Writer":                      "{be000cbe-11fe-4426-9c58-531aa6355fc4}",
	"Registry Writer":                 "{afbab4a2-367d-4d15-a586-71dbb18f8485}",
	"COM+ REGDB Writer":               "{542da469-d3e1-473c-9f4f-7847f01fc64f}",
	"WMI Writer":                      "{a6ad56c2-b509-4e6c-bb19-49d8f43532f0}",
	"Shadow Copy Optimization Writer": "{4dc3bdd4-ab48-4d07-adb0-3bee2926fd7f}",
	"BITS Writer":                     "{4969d978-be47-48b0-b100-f328f07ac1e0}",
	"Event Log Writer":                "{eee8c692-67ed-4250-8d86-390603070d00}",
	"MSDEWriter":                      "{f8544ac1-0611-4fa5-b04b-f7ee00b03277}",
	"SqlServerWriter":                 "{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}",
	"NTDS":                            "{b2014c9e-8711-4c5c-a5a9-3cf384484757}",
	"IIS Config Writer":               "{2a40fd15-dfca-4aa8-a654-1f8c654603f6}",
	"MSSearch Service Writer":         "{cd3f2362-8bef-46c7-9181-d62844cdc0b2}",
	"Cluster Database":                "{41e12264-35d8-479b-8e5c-9b23d1dad37e}",
	"Dhcp Jet Writer":                 "{be9ac81e-3619-421f-920f-4c6fea9e93ad}",
	"Microsoft Exchange Writer":       "{76fe1ac4-15f7-4bcd-987e-8e1acb462fb7}",
	"Microsoft Hyper-V VSS Writer":    "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}",
}

// knownWriterID gives a writer's real id, or a stable made-up one.
func knownWriterID(name string) string {
	if id, ok := writerIDs[name]; ok {
		return id
	}
	return stableGUID("writer", name)
}

// stableGUID derives a GUID-shaped string from its parts (same input, same id).
func stableGUID(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	return fmt.Sprintf("{%x-%x-%x-%x-%x}", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// writerComponents: the components a standard writer reports.
var writerComponents = map[string][]string{
	"Task Scheduler Writer":       {"TasksStore"},
	"VSS Metadata Store Writer":   {"WriterMetadataStore"},
	"Performance Counters Writer": {"PerformanceCounters"},
	"System Writer":               {"System Files"},
	"ASR Writer":                  {"ASR"},
	"Registry Writer":             {"Registry"},
	"COM+ REGDB Writer":           {"COM+ REGDB"},
	"WMI Writer":                  {"WMI"},
	"Event Log Writer":            {"Event Logs"},
	"MSDEWriter":                  {"master", "model", "msdb"},
}

// StandardWriters lists the writer names a fresh install of that family shows.
func StandardWriters(f Family) []string {
	switch f {
	case Win2000XP:
		return []string{"MSDEWriter", "WMI Writer"}
	case Win2003:
		return []string{"System Writer", "Registry Writer", "Event Log Writer", "COM+ REGDB Writer", "WMI Writer", "MSDEWriter"}
	case Win2008, Win2008R2:
		return []string{"ASR Writer", "System Writer", "Registry Writer", "COM+ REGDB Writer", "WMI Writer",
			"Shadow Copy Optimization Writer"}
	case NotWin:
		return nil
	}
	return []string{"Task Scheduler Writer", "VSS Metadata Store Writer", "Performance Counters Writer",
		"System Writer", "ASR Writer", "Registry Writer", "COM+ REGDB Writer", "WMI Writer",
		"Shadow Copy Optimization Writer"}
}

// usageOf gives the VSS_USAGE_TYPE and VSS_SOURCE_TYPE of a writer for its metadata document.
func usageOf(name string) (usage, source string) {
	switch name {
	case "System Writer", "ASR Writer", "Registry Writer", "COM+ REGDB Writer", "Event Log Writer":
		return "BOOTABLE_SYSTEM_STATE", "OTHER"
	case "WMI Writer", "Task Scheduler Writer", "VSS Metadata Store Writer", "Performance Counters Writer",
		"Shadow Copy Optimization Writer", "BITS Writer":
		return "SYSTEM_SERVICE", "OTHER"
	case "SqlServerWriter", "MSDEWriter", "NTDS", "Microsoft Exchange Writer", "Dhcp Jet Writer":
		return "USER_DATA", "TRANSACTION_DB"
	}
	return "USER_DATA", "OTHER"
}

// NewWriters builds a VM's writer set from the scenario (or the standard set).
func NewWriters(vmName string, f Family, specs []WriterSpec) []*Writer {
	if specs == nil {
		for _, n := range StandardWriters(f) {
			specs = append(specs, WriterSpec{Name: n, ID: knownWriterID(n), State: "stable", LastError: "none", FailOn: "none"})
		}
	}
	var ws []*Writer
	for _, s := range specs {
		w := &Writer{Name: s.Name, ID: s.ID, InstanceID: stableGUID("instance", vmName, s.Name),
			LastError: s.LastError, FailOn: s.FailOn, Components: s.Components}
		switch s.State {
		case "failed":
			w.StateNum = 9
		case "waiting_for_completion":
			w.StateNum = 5
		default:
			w.StateNum = 1
		}
		if w.Components == nil {
			w.Components = writerComponents[s.Name]
		}
		w.Usage, w.DataSource = usageOf(s.Name)
		ws = append(ws, w)
	}
	return ws
}

// Healthy: stable enough for VSS (rule R16: retryable is only a warning).
func (w *Writer) Healthy() bool {
	return (w.StateNum == 1 || w.StateNum == 5) && w.LastError != "non_retryable" && w.LastError != "timeout"
}
