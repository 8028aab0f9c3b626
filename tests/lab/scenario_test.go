package main

import (
	"os/exec"
	"strings"
	"testing"
)

func TestScenarioErrors(t *testing.T) {
	cases := []struct{ json, want string }{
		{`{"vms":[{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d","tools":{"vss_componnet":true}}]}`, "vms[3].tools.vss_componnet: unknown key"},
		{`{"vcenter":{"usr":"x"}}`, "vcenter.usr: unknown key"},
		{`{"timing_ms":{"quiesce":"fast"}}`, "timing_ms.quiesce: must be a number"},
		{`{"vms":[{"name":"a","count":"2"}]}`, "vms[0].count: must be an integer"},
		{`{"vms":[{"name":"a","disks":[{"controller":"scsi"}]}]}`, "vms[0].disks[0].controller: must be one of"},
		{`{"vms":[{"name":"a","guest":{"writers":[{"name":"W","fail_on":"later"}]}}]}`, "vms[0].guest.writers[0].fail_on: must be one of"},
		{`{"vms":[{"name":"a","extra_config":{"disk.EnableUUID":true}}]}`, "vms[0].extra_config.disk.EnableUUID: must be a string"},
		{`{"vms":[{"count":2}]}`, "vms[0].name: required"},
		{`{"vms":[{"name":"a","tools":{"version":"eleven"}}]}`, "vms[0].tools.version:"},
		{`{"vms":[{"name":"a"}],"extra":1}`, "extra: unknown key"},
		{`{"vms":[{"name":"a","power":true}]}`, "vms[0].power: must be a string"},
		{`{"vms":[{"name":"a","guest":{"services":{"SQLWriter":"paused"}}}]}`, "vms[0].guest.services.SQLWriter: must be one of running | disabled | stop_pending"},
		{`{"vms":[{"name":"a","guest":{"services":["SQLWriter"]}}]}`, "vms[0].guest.services: must be an object"},
		{`{"vms":[{"name":"a","tools":{"tools_conf_readonly":"yes"}}]}`, "vms[0].tools.tools_conf_readonly: must be true or false"},
		{`{"vms":[{"name":"a","guest":{"installer_busy":1}}]}`, "vms[0].guest.installer_busy: must be true or false"},
		{`{"vms":[{"name":"a","cluster":"C1"}]}`, "vms[0].cluster: needs \"host\""},
		{`{"vms":[{"name":"a","host":7}]}`, "vms[0].host: must be a string"},
		{`[1]`, "(root): must be an object"},
		{`{"hosts":0}`, "hosts: must be an integer from 1 to 1000"},
		{`{"timing_ms":{"guest_op":-1}}`, "timing_ms.guest_op: must be a number >= 0"},
		{`{"timing_ms":{"guest_program":-1}}`, "timing_ms.guest_program: must be a number >= 0"},
	}
	for _, c := range cases {
		_, err := ParseScenario([]byte(c.json))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.json, err, c.want)
		}
	}
}

func TestScenarioDefaults(t *testing.T) {
	sc, err := ParseScenario([]byte(`{"vms":[{"name":"a"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Timing != DefaultTiming || sc.VCenter.Version != "7.0.3" || sc.Hosts != 1 ||
		sc.Timing.GuestOp != 1000 || sc.Timing.GuestProgram != 0 {
		t.Errorf("defaults: %+v", sc)
	}
	sc, err = ParseScenario([]byte(`{"hosts":20,"timing_ms":{"guest_op":250},"vms":[{"name":"a"}]}`))
	if err != nil || sc.Hosts != 20 || sc.Timing.GuestOp != 250 {
		t.Errorf("hosts and guest_op: %+v %v", sc, err)
	}
	vm := sc.VMs[0]
	want := DiskSpec{Controller: "lsilogic-sas", Bus: 0, Unit: 0, GB: 40, Mode: "persistent"}
	if vm.Count != 1 || vm.GuestID != "otherGuest" || vm.Power != "poweredOn" || vm.HWVersion != 13 ||
		len(vm.Disks) != 1 || vm.Disks[0] != want || vm.Snapshots != 0 {
		t.Errorf("vm defaults: %+v", vm)
	}
	tl := vm.Tools
	if tl.Status != "running" || tl.Version != "12.1.5" || !tl.VSSComponent || tl.LGTOSync || tl.ToolsConf != "" {
		t.Errorf("tools defaults: %+v", tl)
	}
	g := vm.Guest
	if g.HasLogin || g.VSSServiceStart != "demand" || g.DynamicDisks || g.StorageSpaces || g.Volumes != nil || g.Writers != nil {
		t.Errorf("guest defaults: %+v", g)
	}
	if vm.GuestFullName != "Other (32-bit)" {
		t.Errorf("full name %q", vm.GuestFullName)
	}
}

func TestToolsVersionEncoding(t *testing.T) {
	for v, want := range map[string]int{"10.1.0": 10272, "11.0.0": 11264, "12.0.0": 12288, "12.1.5": 12325} {
		if got, _ := EncodeToolsVersion(v); got != want {
			t.Errorf("%s: %d, want %d", v, got, want)
		}
	}
}

// A bad scenario makes the binary exit non-zero with the path on stderr.
func TestBadScenarioExit(t *testing.T) {
	dir := t.TempDir()
	f := dir + "/bad.json"
	if err := writeFile(f, `{"vms":[{"name":"a","tools":{"vss_componnet":true}}]}`); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(labBinary, "--scenario", f).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "vms[0].tools.vss_componnet: unknown key") {
		t.Errorf("got %v: %s", err, out)
	}
	out, err = exec.Command(labBinary, "--scenario", f, "--listen", "0.0.0.0:0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "loopback") {
		t.Errorf("non-loopback listen: %v: %s", err, out)
	}
}
