package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io/ioutil"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

func win2019(name string, extra map[string]interface{}) map[string]interface{} {
	vm := map[string]interface{}{
		"name": name, "guest_id": "windows9Server64Guest", "guest_build": 17763,
		"extra_config": map[string]interface{}{"disk.EnableUUID": "TRUE"},
		"disks": []interface{}{
			map[string]interface{}{"controller": "pvscsi", "bus": 0, "unit": 0, "gb": 60},
			map[string]interface{}{"controller": "pvscsi", "bus": 1, "unit": 0, "gb": 100},
		},
		"guest": map[string]interface{}{"user": "Administrator", "password": "Guest-pass1"},
	}
	for k, v := range extra {
		if k == "guest" {
			for gk, gv := range v.(map[string]interface{}) {
				vm["guest"].(map[string]interface{})[gk] = gv
			}
			continue
		}
		vm[k] = v
	}
	return vm
}

func TestStdoutContractAndLogin(t *testing.T) {
	p := startLab(t, scenario(win2019("sql-prod-01", map[string]interface{}{"folder": "Production/SQL", "snapshots": 2})))
	if len(p.stdout) != 3 || !regexp.MustCompile(`^URL https://127\.0\.0\.1:\d+/sdk$`).MatchString(p.stdout[0]) ||
		!regexp.MustCompile(`^THUMBPRINT ([0-9A-F]{2}:){31}[0-9A-F]{2}$`).MatchString(p.stdout[1]) || p.stdout[2] != "READY" {
		t.Fatalf("stdout: %q", p.stdout)
	}
	// The thumbprint is the served certificate's.
	conn, err := tls.Dial("tcp", p.url.Host, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].Raw)
	conn.Close()
	var hex []string
	for _, b := range sum {
		hex = append(hex, fmt.Sprintf("%02X", b))
	}
	if strings.Join(hex, ":") != p.thumbprint {
		t.Errorf("thumbprint mismatch")
	}

	ctx := context.Background()
	if _, err := p.login(ctx, testUser, "wrong"); err == nil || !strings.Contains(err.Error(), "Login failure") {
		t.Errorf("wrong password: %v", err)
	} else if !soap.IsSoapFault(err) {
		t.Errorf("not a SOAP fault: %v", err)
	} else if _, ok := soap.ToSoapFault(err).VimFault().(types.InvalidLogin); !ok {
		t.Errorf("fault %T", soap.ToSoapFault(err).VimFault())
	}
	c := p.c(t)
	about := c.ServiceContent.About
	if about.ApiVersion != "7.0.3.0" || about.ApiType != "VirtualCenter" || about.Version != "7.0.3" {
		t.Errorf("about: %+v", about)
	}

	// The lab's methods refuse requests without a session.
	vm := p.vm(t, "sql-prod-01")
	anon, err := p.login(ctx, testUser, testPass)
	if err != nil {
		t.Fatal(err)
	}
	_ = anon.Logout(ctx)
	if _, err := methods.UpgradeTools_Task(ctx, anon.Client, &types.UpgradeTools_Task{This: vm.Reference()}); err == nil ||
		!strings.Contains(fmt.Sprintf("%T", soap.ToSoapFault(err).VimFault()), "NotAuthenticated") {
		t.Errorf("no session: %v", err)
	}

	// Inventory facts where vCenter shows them.
	f := find.NewFinder(c.Client, true)
	if _, err := f.VirtualMachine(ctx, "/DC0/vm/Production/SQL/sql-prod-01"); err != nil {
		t.Errorf("folder path: %v", err)
	}
	m := p.props(t, vm, "config", "guest", "snapshot", "runtime", "layoutEx")
	if m.Config.Version != "vmx-13" || m.Config.GuestId != "windows9Server64Guest" ||
		m.Config.GuestFullName != "Microsoft Windows Server 2016 or later (64-bit)" {
		t.Errorf("config: %s %s %s", m.Config.Version, m.Config.GuestId, m.Config.GuestFullName)
	}
	if extra(m.Config.ExtraConfig, "disk.EnableUUID") != "TRUE" || extra(m.Config.ExtraConfig, "guestinfo.os.build") != "17763" {
		t.Errorf("extraConfig: %v", m.Config.ExtraConfig)
	}
	g := m.Guest
	if g.ToolsRunningStatus != "guestToolsRunning" || g.ToolsVersion != "12325" || g.ToolsVersionStatus2 != "guestToolsCurrent" ||
		g.GuestId != "windows9Server64Guest" || len(g.Disk) != 2 || g.Disk[0].DiskPath != `C:\` {
		t.Errorf("guest: %+v", g)
	}
	if m.Runtime.PowerState != "poweredOn" || m.Runtime.BootTime == nil {
		t.Errorf("runtime: %+v", m.Runtime)
	}
	if m.Snapshot == nil || len(m.Snapshot.RootSnapshotList) != 1 || m.Snapshot.RootSnapshotList[0].Name != "pre-patch-1" ||
		m.Snapshot.RootSnapshotList[0].ChildSnapshotList[0].Name != "pre-patch-2" {
		t.Errorf("snapshots: %+v", m.Snapshot)
	}
	for _, f := range m.LayoutEx.File {
		if !strings.HasPrefix(f.Name, "[LocalDS_0] sql-prod-01/") {
			t.Errorf("layoutEx.file name %q", f.Name)
		}
	}
	// vimServiceVersions.xml lists the prior versions older clients negotiate down to.
	vu := *p.url
	vu.Path = "/sdk/vimServiceVersions.xml"
	if res, err := insecure.Get(vu.String()); err != nil {
		t.Error(err)
	} else {
		body, _ := ioutil.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "<version>7.0.3.0</version>") || !strings.Contains(string(body), "<version>6.7</version>") {
			t.Errorf("vimServiceVersions.xml:\n%s", body)
		}
	}
	var pv, disks int
	for _, d := range m.Config.Hardware.Device {
		switch x := d.(type) {
		case *types.ParaVirtualSCSIController:
			pv++
		case *types.VirtualDisk:
			disks++
			if x.CapacityInKB != 60*1024*1024 && x.CapacityInKB != 100*1024*1024 {
				t.Errorf("disk capacity %d", x.CapacityInKB)
			}
		}
	}
	if pv != 2 || disks != 2 {
		t.Errorf("devices: %d pvscsi, %d disks", pv, disks)
	}

	// Tools installer CD state.
	if _, err := methods.MountToolsInstaller(ctx, c.Client, &types.MountToolsInstaller{This: vm.Reference()}); err != nil {
		t.Fatal(err)
	}
	if !p.props(t, vm, "runtime").Runtime.ToolsInstallerMounted {
		t.Errorf("installer not mounted")
	}
	if _, err := methods.UnmountToolsInstaller(ctx, c.Client, &types.UnmountToolsInstaller{This: vm.Reference()}); err != nil {
		t.Fatal(err)
	}

	// SIGINT: exit 0 and the datastore files are gone.
	p.stop(t)
	entries, _ := os.ReadDir(p.stateDir)
	if len(entries) != 0 {
		t.Errorf("state dir not cleaned: %v", entries)
	}
}

func extra(opts []types.BaseOptionValue, key string) string {
	for _, o := range opts {
		if o.GetOptionValue().Key == key {
			s, _ := o.GetOptionValue().Value.(string)
			return s
		}
	}
	return ""
}

func TestScale(t *testing.T) {
	sc := scenario(map[string]interface{}{"name": "web", "count": 3, "guest_id": "rhel8_64Guest"},
		map[string]interface{}{"name": "app", "folder": "Apps"})
	start := time.Now()
	p := startLab(t, sc, "--scale", "4")
	t.Logf("16 VMs ready in %s", time.Since(start))
	ctx := context.Background()
	vms, err := find.NewFinder(p.c(t).Client, true).VirtualMachineList(ctx, "/DC0/vm/...")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, vm := range vms {
		names[vm.Name()] = true
	}
	if len(vms) != 16 || !names["web-001"] || !names["web-012"] || !names["app-004"] || names["web"] {
		t.Errorf("got %d VMs: %v", len(vms), names)
	}
	_ = object.VirtualMachine{}
}
