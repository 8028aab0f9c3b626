package main

// Scenario file parsing and validation. The format is a contract
// (/work/shared/lab-scenario.md): unknown keys and wrong types are errors
// naming the JSON path, so typos never pass silently.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"math"
	"sort"
	"strings"
)

// Scenario is a parsed, validated scenario file with every default applied.
type Scenario struct {
	VCenter VCenterSpec
	Timing  TimingSpec
	Hosts   int // ESXi hosts in the cluster; VMs are spread over them in turn
	VMs     []VMSpec
	Faults  []FaultSpec // fault injection rules (faults.go)
}

type VCenterSpec struct {
	User, Password, Version string
}

// TimingSpec holds durations in milliseconds (before --speed).
type TimingSpec struct {
	GuestShutdown, PowerOn, ToolsStart, Reconfig, Quiesce, Snapshot, SnapshotRemove, ToolsUpgrade float64

	// Every Guest Operations round trip (hostd relays it to the guest's Tools).
	GuestOp float64
	// The least time a cmd.exe command runs in the guest (the probe's sc, vssadmin, diskpart
	// and PowerShell take seconds on a real guest); 0 (the default): at once.
	GuestProgram float64
}

type VMSpec struct {
	Name          string
	Count         int
	Folder        string
	Host          string // ESXi host to place the VM on ("": the lab's default clustered host)
	Cluster       string // the host's cluster ("" with Host set: a standalone host)
	GuestID       string
	GuestFullName string
	GuestBuild    int
	Power         string
	HWVersion     int
	ExtraConfig   map[string]string
	Disks         []DiskSpec
	Snapshots     int
	Tools         ToolsSpec
	Guest         GuestSpec
}

type DiskSpec struct {
	Controller string
	Bus, Unit  int
	GB         float64
	Mode       string
}

type ToolsSpec struct {
	Status       string
	Version      string
	VSSComponent bool
	LGTOSync     bool
	ToolsConf    string
	ConfReadOnly bool // tools.conf has the read-only attribute: edits are refused
}

type GuestSpec struct {
	User, Password  string
	HasLogin        bool
	VSSServiceStart string
	DynamicDisks    bool
	StorageSpaces   bool
	InstallerBusy   bool                 // another Windows Installer job runs: Tools setup exits 1618
	Services        map[string]string    // service name -> running | disabled | stop_pending
	Volumes         []VolumeSpec         // nil: derived from disks
	Writers         []WriterSpec         // nil: the standard set of the Windows version
	Locale          string               // display language, a key of locales [en-US]
	RawOutputs      map[string]RawOutput // normalised command -> recorded output
}

// RawOutput is a command's output recorded on a real guest: bytes in the
// locale's OEM code page, and the exit code.
type RawOutput struct {
	Bytes    []byte
	ExitCode int
}

type VolumeSpec struct {
	Path       string
	GB, FreeGB float64
}

type WriterSpec struct {
	Name, ID, State, LastError, FailOn string
	Components                         []string
}

// DefaultTiming is what vCenter roughly takes; --speed divides it.
var DefaultTiming = TimingSpec{GuestShutdown: 4000, PowerOn: 2000, ToolsStart: 3000, Reconfig: 800,
	Quiesce: 5000, Snapshot: 1500, SnapshotRemove: 1500, ToolsUpgrade: 12000, GuestOp: 1000}

// LoadScenario reads and validates a scenario file.
func LoadScenario(path string) (*Scenario, error) {
	data, err := ioutil.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseScenario(data)
}

// ParseScenario validates data strictly; the first problem found is returned.
func ParseScenario(data []byte) (*Scenario, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root interface{}
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("scenario: invalid JSON: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("scenario: trailing data after the JSON document")
	}
	p := &parser{}
	sc := p.scenario(root)
	if p.err != nil {
		return nil, p.err
	}
	return sc, nil
}

// parser keeps the first error; every accessor is a no-op once it is set.
type parser struct{ err error }

func (p *parser) fail(path, format string, a ...interface{}) {
	if p.err == nil {
		p.err = fmt.Errorf("%s: %s", path, fmt.Sprintf(format, a...))
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// anyObject checks v is a JSON object; its keys are free (extra_config).
func (p *parser) anyObject(v interface{}, path string) map[string]interface{} {
	m, ok := v.(map[string]interface{})
	if !ok {
		p.fail(path, "must be an object")
		return map[string]interface{}{}
	}
	return m
}

// object checks v is a JSON object with only the allowed keys.
func (p *parser) object(v interface{}, path string, allowed ...string) map[string]interface{} {
	m, ok := v.(map[string]interface{})
	if !ok {
		p.fail(orRoot(path), "must be an object")
		return map[string]interface{}{}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !contains(allowed, k) {
			p.fail(join(path, k), "unknown key")
		}
	}
	return m
}

func orRoot(path string) string {
	if path == "" {
		return "(root)"
	}
	return path
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) str(m map[string]interface{}, path, key, def string, enum ...string) string {
	v, ok := m[key]
	if !ok {
		return def
	}
	s, ok := v.(string)
	if !ok {
		p.fail(join(path, key), "must be a string")
		return def
	}
	if len(enum) > 0 && !contains(enum, s) {
		p.fail(join(path, key), "must be one of %s, not %q", strings.Join(enum, " | "), s)
	}
	return s
}

func (p *parser) boolean(m map[string]interface{}, path, key string, def bool) bool {
	v, ok := m[key]
	if !ok {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		p.fail(join(path, key), "must be true or false")
		return def
	}
	return b
}

func (p *parser) number(m map[string]interface{}, path, key string, def, min float64) float64 {
	v, ok := m[key]
	if !ok {
		return def
	}
	n, ok := v.(json.Number)
	if !ok {
		p.fail(join(path, key), "must be a number")
		return def
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || f < min {
		p.fail(join(path, key), "must be a number >= %v", min)
		return def
	}
	return f
}

func (p *parser) integer(m map[string]interface{}, path, key string, def, min, max int) int {
	v, ok := m[key]
	if !ok {
		return def
	}
	n, ok := v.(json.Number)
	if !ok {
		p.fail(join(path, key), "must be an integer")
		return def
	}
	i, err := n.Int64()
	if err != nil || i < int64(min) || i > int64(max) {
		p.fail(join(path, key), "must be an integer from %d to %d", min, max)
		return def
	}
	return int(i)
}

func (p *parser) array(m map[string]interface{}, path, key string) ([]interface{}, bool) {
	v, ok := m[key]
	if !ok {
		return nil, false
	}
	a, ok := v.([]interface{})
	if !ok {
		p.fail(join(path, key), "must be an array")
		return nil, false
	}
	return a, true
}

func (p *parser) scenario(root interface{}) *Scenario {
	m := p.object(root, "", "vcenter", "timing_ms", "hosts", "vms", "faults")
	sc := &Scenario{Timing: DefaultTiming}

	vc := p.object(valueOr(m, "vcenter"), "vcenter", "user", "password", "version")
	sc.VCenter = VCenterSpec{
		User:     p.str(vc, "vcenter", "user", "administrator@vsphere.local"),
		Password: p.str(vc, "vcenter", "password", "VMware1!"),
		Version:  p.str(vc, "vcenter", "version", "7.0.3"),
	}
	if sc.VCenter.User == "" || sc.VCenter.Password == "" {
		p.fail("vcenter", "user and password must not be empty")
	}
	if !validVersion(sc.VCenter.Version) {
		p.fail("vcenter.version", "must look like 7.0.3, not %q", sc.VCenter.Version)
	}

	t := p.object(valueOr(m, "timing_ms"), "timing_ms", "guest_shutdown", "power_on", "tools_start",
		"reconfig", "quiesce", "snapshot", "snapshot_remove", "tools_upgrade", "guest_op",
		"guest_program")
	d := DefaultTiming
	sc.Timing = TimingSpec{
		GuestShutdown:  p.number(t, "timing_ms", "guest_shutdown", d.GuestShutdown, 0),
		PowerOn:        p.number(t, "timing_ms", "power_on", d.PowerOn, 0),
		ToolsStart:     p.number(t, "timing_ms", "tools_start", d.ToolsStart, 0),
		Reconfig:       p.number(t, "timing_ms", "reconfig", d.Reconfig, 0),
		Quiesce:        p.number(t, "timing_ms", "quiesce", d.Quiesce, 0),
		Snapshot:       p.number(t, "timing_ms", "snapshot", d.Snapshot, 0),
		SnapshotRemove: p.number(t, "timing_ms", "snapshot_remove", d.SnapshotRemove, 0),
		ToolsUpgrade:   p.number(t, "timing_ms", "tools_upgrade", d.ToolsUpgrade, 0),
		GuestOp:        p.number(t, "timing_ms", "guest_op", d.GuestOp, 0),
		GuestProgram:   p.number(t, "timing_ms", "guest_program", d.GuestProgram, 0),
	}
	sc.Hosts = p.integer(m, "", "hosts", 1, 1, 1000)

	vms, _ := p.array(m, "", "vms")
	seen := map[string]string{}
	for i, v := range vms {
		path := fmt.Sprintf("vms[%d]", i)
		vm := p.vm(v, path)
		if p.err != nil {
			return nil
		}
		if prev, dup := seen[vm.Name]; dup {
			p.fail(path+".name", "duplicates %s", prev)
		}
		seen[vm.Name] = path
		sc.VMs = append(sc.VMs, vm)
	}
	sc.Faults = p.faults(m)
	if p.err != nil {
		return nil
	}
	return sc
}

// valueOr returns m[key], or an empty object when the key is absent.
func valueOr(m map[string]interface{}, key string) interface{} {
	if v, ok := m[key]; ok {
		return v
	}
	return map[string]interface{}{}
}

func validVersion(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) < 2 || len(parts) > 4 {
		return false
	}
	for _, x := range parts {
		if x == "" || strings.Trim(x, "0123456789") != "" {
			return false
		}
	}
	return true
}

var controllerKinds = []string{"pvscsi", "lsilogic", "lsilogic-sas", "buslogic", "ide", "sata", "nvme"}
var diskModes = []string{"persistent", "independent_persistent", "independent_nonpersistent"}

func (p *parser) vm(v interface{}, path string) VMSpec {
	m := p.object(v, path, "name", "count", "folder", "host", "cluster", "guest_id", "guest_full_name", "guest_build",
		"power", "hw_version", "extra_config", "disks", "snapshots", "tools", "guest")
	vm := VMSpec{
		Name:       p.str(m, path, "name", ""),
		Count:      p.integer(m, path, "count", 1, 1, 1000000),
		Folder:     strings.Trim(p.str(m, path, "folder", ""), "/"),
		Host:       p.str(m, path, "host", ""),
		Cluster:    p.str(m, path, "cluster", ""),
		GuestID:    p.str(m, path, "guest_id", "otherGuest"),
		GuestBuild: p.integer(m, path, "guest_build", 0, 0, 1<<30),
		Power:      p.str(m, path, "power", "poweredOn", "poweredOn", "poweredOff", "suspended"),
		HWVersion:  p.integer(m, path, "hw_version", 13, 4, 99),
		Snapshots:  p.integer(m, path, "snapshots", 0, 0, 32),
	}
	if _, ok := m["name"]; !ok || vm.Name == "" {
		p.fail(path+".name", "required, a non-empty string")
	}
	if strings.ContainsAny(vm.Name, "/\\[]") {
		p.fail(path+".name", "must not contain / \\ [ or ]")
	}
	if vm.Cluster != "" && vm.Host == "" {
		p.fail(path+".cluster", "needs \"host\" (the host to add to it)")
	}
	if vm.GuestID == "" {
		p.fail(path+".guest_id", "must not be empty")
	}
	vm.GuestFullName = p.str(m, path, "guest_full_name", GuestFullName(vm.GuestID))

	vm.ExtraConfig = map[string]string{}
	ec := p.anyObject(valueOr(m, "extra_config"), path+".extra_config")
	for k, x := range ec {
		s, ok := x.(string)
		if !ok {
			p.fail(path+".extra_config."+k, "must be a string")
		}
		vm.ExtraConfig[k] = s
	}

	if disks, ok := p.array(m, path, "disks"); ok {
		used := map[string]string{}
		for i, dv := range disks {
			dp := fmt.Sprintf("%s.disks[%d]", path, i)
			dm := p.object(dv, dp, "controller", "bus", "unit", "gb", "mode")
			d := DiskSpec{
				Controller: p.str(dm, dp, "controller", "lsilogic-sas", controllerKinds...),
				Bus:        p.integer(dm, dp, "bus", 0, 0, 3),
				Unit:       p.integer(dm, dp, "unit", 0, 0, 64),
				GB:         p.number(dm, dp, "gb", 40, 0.001),
				Mode:       p.str(dm, dp, "mode", "persistent", diskModes...),
			}
			if d.Controller == "ide" && (d.Bus > 1 || d.Unit > 1) {
				p.fail(dp, "an IDE disk needs bus 0-1 and unit 0-1")
			}
			if isSCSI(d.Controller) && (d.Unit == 7 || d.Unit > 15) {
				p.fail(dp+".unit", "SCSI units are 0-15 except 7")
			}
			if d.Controller == "sata" && d.Unit > 29 {
				p.fail(dp+".unit", "SATA units are 0-29")
			}
			if d.Controller == "nvme" && d.Unit > 14 {
				p.fail(dp+".unit", "NVMe units are 0-14")
			}
			slot := fmt.Sprintf("%s %d:%d", busFamily(d.Controller), d.Bus, d.Unit)
			if prev, dup := used[slot]; dup {
				p.fail(dp, "same controller slot as %s", prev)
			}
			used[slot] = dp
			vm.Disks = append(vm.Disks, d)
		}
		if len(disks) == 0 {
			p.fail(path+".disks", "must list at least one disk (omit the key for the default)")
		}
	} else {
		vm.Disks = []DiskSpec{{Controller: "lsilogic-sas", Bus: 0, Unit: 0, GB: 40, Mode: "persistent"}}
	}

	tp := path + ".tools"
	tm := p.object(valueOr(m, "tools"), tp, "status", "version", "vss_component", "lgto_sync", "tools_conf",
		"tools_conf_readonly")
	vm.Tools = ToolsSpec{
		Status:       p.str(tm, tp, "status", "running", "running", "notRunning", "notInstalled"),
		Version:      p.str(tm, tp, "version", CurrentToolsVersion),
		VSSComponent: p.boolean(tm, tp, "vss_component", true),
		LGTOSync:     p.boolean(tm, tp, "lgto_sync", false),
		ToolsConf:    p.str(tm, tp, "tools_conf", ""),
		ConfReadOnly: p.boolean(tm, tp, "tools_conf_readonly", false),
	}
	if _, err := EncodeToolsVersion(vm.Tools.Version); err != nil {
		p.fail(tp+".version", "%v", err)
	}

	gp := path + ".guest"
	gm := p.object(valueOr(m, "guest"), gp, "user", "password", "vss_service_start", "dynamic_disks",
		"storage_spaces", "installer_busy", "services", "volumes", "writers", "locale", "raw_outputs")
	_, hasUser := gm["user"]
	vm.Guest = GuestSpec{
		User:            p.str(gm, gp, "user", ""),
		Password:        p.str(gm, gp, "password", ""),
		HasLogin:        hasUser,
		VSSServiceStart: p.str(gm, gp, "vss_service_start", "demand", "auto", "demand", "disabled"),
		DynamicDisks:    p.boolean(gm, gp, "dynamic_disks", false),
		StorageSpaces:   p.boolean(gm, gp, "storage_spaces", false),
		InstallerBusy:   p.boolean(gm, gp, "installer_busy", false),
		Locale:          p.str(gm, gp, "locale", "en-US", localeNames()...),
	}
	if rv, ok := gm["raw_outputs"]; ok {
		rp := gp + ".raw_outputs"
		vm.Guest.RawOutputs = map[string]RawOutput{}
		for cmd, ov := range p.anyObject(rv, rp) {
			op := rp + "." + cmd
			om := p.object(ov, op, "base64", "exit_code")
			data, err := base64.StdEncoding.DecodeString(p.str(om, op, "base64", ""))
			if err != nil {
				p.fail(op+".base64", "not base64: %v", err)
			}
			key := normaliseCommand(cmd)
			if key == "" {
				p.fail(op, "an empty command")
			}
			vm.Guest.RawOutputs[key] = RawOutput{Bytes: data,
				ExitCode: p.integer(om, op, "exit_code", 0, -2147483648, 2147483647)}
		}
	}
	if sv, ok := gm["services"]; ok {
		sp := gp + ".services"
		sm := p.anyObject(sv, sp)
		vm.Guest.Services = map[string]string{}
		for name := range sm {
			vm.Guest.Services[name] = p.str(sm, sp, name, "running",
				"running", "disabled", "stop_pending")
		}
	}
	if vols, ok := p.array(gm, gp, "volumes"); ok {
		vm.Guest.Volumes = []VolumeSpec{}
		for i, vv := range vols {
			vp := fmt.Sprintf("%s.volumes[%d]", gp, i)
			vmap := p.object(vv, vp, "path", "gb", "free_gb")
			vol := VolumeSpec{
				Path:   p.str(vmap, vp, "path", ""),
				GB:     p.number(vmap, vp, "gb", 40, 0),
				FreeGB: p.number(vmap, vp, "free_gb", 0, 0),
			}
			if _, ok := vmap["free_gb"]; !ok {
				vol.FreeGB = vol.GB / 2
			}
			if vol.Path == "" {
				p.fail(vp+".path", "required, e.g. \"C:\\\\\"")
			}
			if vol.FreeGB > vol.GB {
				p.fail(vp+".free_gb", "larger than gb")
			}
			vm.Guest.Volumes = append(vm.Guest.Volumes, vol)
		}
	}
	if ws, ok := p.array(gm, gp, "writers"); ok {
		vm.Guest.Writers = []WriterSpec{}
		for i, wv := range ws {
			wp := fmt.Sprintf("%s.writers[%d]", gp, i)
			wm := p.object(wv, wp, "name", "id", "state", "last_error", "fail_on", "components")
			w := WriterSpec{
				Name:      p.str(wm, wp, "name", ""),
				ID:        p.str(wm, wp, "id", ""),
				State:     p.str(wm, wp, "state", "stable", "stable", "failed", "waiting_for_completion"),
				LastError: p.str(wm, wp, "last_error", "none", "none", "retryable", "non_retryable", "timeout"),
				FailOn:    p.str(wm, wp, "fail_on", "none", "none", "freeze", "thaw", "timeout"),
			}
			if w.Name == "" {
				p.fail(wp+".name", "required, a non-empty string")
			}
			if w.ID == "" {
				w.ID = knownWriterID(w.Name)
			}
			if !isGUID(w.ID) {
				p.fail(wp+".id", "must be a GUID like {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}")
			}
			if cs, ok := p.array(wm, wp, "components"); ok {
				w.Components = []string{}
				for j, c := range cs {
					s, ok := c.(string)
					if !ok || s == "" {
						p.fail(fmt.Sprintf("%s.components[%d]", wp, j), "must be a non-empty string")
					}
					w.Components = append(w.Components, s)
				}
			}
			vm.Guest.Writers = append(vm.Guest.Writers, w)
		}
	}
	return vm
}

func isSCSI(controller string) bool {
	switch controller {
	case "pvscsi", "lsilogic", "lsilogic-sas", "buslogic":
		return true
	}
	return false
}

// busFamily groups controllers sharing bus numbers (all SCSI kinds share 0-3).
func busFamily(controller string) string {
	if isSCSI(controller) {
		return "scsi"
	}
	return controller
}

func isGUID(s string) bool {
	if len(s) != 38 || s[0] != '{' || s[37] != '}' {
		return false
	}
	for i, c := range s[1:37] {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
				return false
			}
		}
	}
	return true
}
