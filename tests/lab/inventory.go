package main

// Builds the inventory: vcsim's vCenter model (one datacenter, cluster, host,
// datastore) plus the scenario's VMs, created in-process (no SOAP round trips)
// so that 10,000 VMs start quickly.

import (
	"fmt"
	"io/ioutil"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// NewLab creates the vcsim model and every VM of the scenario (× scale).
func NewLab(sc *Scenario, scale int, speed float64, stateDir string) (*Lab, error) {
	l := &Lab{sc: sc, speed: speed, vms: map[types.ManagedObjectReference]*LabVM{}, transfers: newTransferStore()}

	// vcsim creates the datastore directory with ioutil.TempDir("", ...): point it at the state dir.
	if stateDir != "" {
		if err := os.MkdirAll(stateDir, 0o700); err != nil {
			return nil, err
		}
		os.Setenv("TMPDIR", stateDir)
	}

	m := simulator.VPX()
	m.Datacenter, m.Cluster, m.ClusterHost, m.Host = 1, 1, sc.Hosts, 0
	m.Datastore, m.Machine, m.Portgroup, m.Autostart = 1, 0, 0, false
	m.ServiceContent.About = aboutInfo(sc.VCenter.Version)
	if err := m.Create(); err != nil {
		return nil, err
	}
	l.model = m

	dc := simulator.Map.Any("Datacenter").(*simulator.Datacenter)
	host := simulator.Map.Any("HostSystem").(*simulator.HostSystem)
	ds := simulator.Map.Any("Datastore").(*simulator.Datastore)
	pool := simulator.Map.Any("ClusterComputeResource").(*simulator.ClusterComputeResource).ResourcePool
	l.dcRef, l.hostRef, l.poolRef = dc.Self, host.Self, *pool
	all := simulator.Map.All("HostSystem")
	sort.Slice(all, func(i, j int) bool {
		return all[i].(*simulator.HostSystem).Name < all[j].(*simulator.HostSystem).Name
	})
	for _, h := range all {
		l.hostRefs = append(l.hostRefs, h.Reference())
	}
	l.dsName, l.dsDir = ds.Name, ds.Info.GetDatastoreInfo().Url

	ctx := l.ctx(nil)
	folders := map[string]types.ManagedObjectReference{"": dc.VmFolder}
	hosts := map[string]placement{"": {l.hostRef, l.poolRef}}
	clusters := map[string]*simulator.ClusterComputeResource{}
	for i := range sc.VMs {
		spec := &sc.VMs[i]
		folder, err := l.folder(folders, spec.Folder)
		if err != nil {
			return nil, err
		}
		where, err := l.place(ctx, dc, hosts, clusters, spec)
		if err != nil {
			return nil, err
		}
		n := spec.Count * scale
		for j := 1; j <= n; j++ {
			name := spec.Name
			if n > 1 {
				name = fmt.Sprintf("%s-%03d", spec.Name, j)
			}
			if err := l.createVM(ctx, folder, where, name, spec); err != nil {
				return nil, fmt.Errorf("creating %s: %v", name, err)
			}
		}
	}
	// Creation tasks are history nobody asked for: start with an empty recentTask.
	for _, t := range simulator.Map.All("Task") {
		dropTask(t.Reference())
	}
	return l, nil
}

// aboutInfo makes the service look like the scenario's vCenter version.
func aboutInfo(version string) types.AboutInfo {
	api := version
	for strings.Count(api, ".") < 3 {
		api += ".0"
	}
	return types.AboutInfo{
		Name:                  "VMware vCenter Server",
		FullName:              fmt.Sprintf("VMware vCenter Server %s build-19234570", version),
		Vendor:                "VMware, Inc.",
		Version:               version,
		Build:                 "19234570",
		LocaleVersion:         "INTL",
		LocaleBuild:           "000",
		OsType:                "linux-x64",
		ProductLineId:         "vpx",
		ApiType:               "VirtualCenter",
		ApiVersion:            api,
		InstanceUuid:          "8a0f4c5e-7f0b-4a6e-9c7e-5b2a3c1d0e9f",
		LicenseProductName:    "VMware VirtualCenter Server",
		LicenseProductVersion: strings.SplitN(version, ".", 2)[0] + ".0",
	}
}

// placement is where a VM runs: its host and the resource pool of the host's cluster or
// standalone compute resource.
type placement struct {
	host, pool types.ManagedObjectReference
}

// place returns (creating as needed) the scenario VM's host: in a cluster of the datacenter's
// host folder, or standalone there when the VM names no cluster.
func (l *Lab) place(ctx *simulator.Context, dc *simulator.Datacenter, hosts map[string]placement,
	clusters map[string]*simulator.ClusterComputeResource, spec *VMSpec) (placement, error) {
	key := ""
	if spec.Host != "" {
		key = spec.Cluster + "/" + spec.Host
	}
	if p, ok := hosts[key]; ok {
		return p, nil
	}
	folder := simulator.Map.Get(dc.HostFolder).(*simulator.Folder)
	hostSpec := types.HostConnectSpec{HostName: spec.Host}
	var p placement
	var fault types.BaseMethodFault
	// Not under the folder's lock: adding a host runs a task that takes it itself.
	func() {
		if spec.Cluster == "" {
			var h *simulator.HostSystem
			if h, fault = simulator.CreateStandaloneHost(ctx, folder, hostSpec); fault == nil {
				cr := simulator.Map.Get(*h.Parent).(*mo.ComputeResource)
				p = placement{h.Self, *cr.ResourcePool}
			}
			return
		}
		c, ok := clusters[spec.Cluster]
		if !ok {
			if c, fault = simulator.CreateClusterComputeResource(ctx, folder, spec.Cluster,
				types.ClusterConfigSpecEx{}); fault != nil {
				return
			}
			clusters[spec.Cluster] = c
		}
		var ret types.AnyType
		ret, fault = innerTask(c.AddHostTask(&types.AddHost_Task{This: c.Self, Spec: hostSpec, AsConnected: true}))
		if fault == nil {
			p = placement{ret.(types.ManagedObjectReference), *c.ResourcePool}
		}
	}()
	if fault != nil {
		return p, fmt.Errorf("host %s: %T", spec.Host, fault)
	}
	// The lab's one datastore is shared: every host mounts it.
	h := simulator.Map.Get(p.host).(*simulator.HostSystem)
	ds := simulator.Map.Any("Datastore").(*simulator.Datastore)
	h.Datastore = append(h.Datastore, ds.Self)
	ds.Host = append(ds.Host, types.DatastoreHostMount{Key: h.Self})
	hosts[key] = p
	return p, nil
}

// folder returns (creating as needed) the VM folder at a path under the datacenter's vm folder.
func (l *Lab) folder(cache map[string]types.ManagedObjectReference, p string) (types.ManagedObjectReference, error) {
	if ref, ok := cache[p]; ok {
		return ref, nil
	}
	parentPath := path.Dir(p)
	if parentPath == "." {
		parentPath = ""
	}
	parent, err := l.folder(cache, parentPath)
	if err != nil {
		return parent, err
	}
	f := simulator.Map.Get(parent).(*simulator.Folder)
	var res *methods.CreateFolderBody
	simulator.Map.WithLock(f, func() {
		res = f.CreateFolder(l.ctx(&parent), &types.CreateFolder{This: parent, Name: path.Base(p)}).(*methods.CreateFolderBody)
	})
	if res.Fault_ != nil {
		return parent, fmt.Errorf("folder %s: %s", p, res.Fault_.String)
	}
	cache[p] = res.Res.Returnval
	return res.Res.Returnval, nil
}

var controllerBase = map[string]int32{"pvscsi": 1000, "lsilogic": 1000, "lsilogic-sas": 1000, "buslogic": 1000,
	"ide": 200, "sata": 15000, "nvme": 31000}

// devices makes the controllers and disks of a VM spec.
func devices(spec *VMSpec) []types.BaseVirtualDeviceConfigSpec {
	var out []types.BaseVirtualDeviceConfigSpec
	add := func(d types.BaseVirtualDevice, create bool) {
		c := &types.VirtualDeviceConfigSpec{Operation: types.VirtualDeviceConfigSpecOperationAdd, Device: d}
		if create {
			c.FileOperation = types.VirtualDeviceConfigSpecFileOperationCreate
		}
		out = append(out, c)
	}
	made := map[int32]bool{}
	for i, d := range spec.Disks {
		key := controllerBase[d.Controller] + int32(d.Bus)
		if !made[key] && d.Controller != "ide" { // vcsim's default devices include both IDE controllers
			made[key] = true
			base := types.VirtualController{VirtualDevice: types.VirtualDevice{Key: key}, BusNumber: int32(d.Bus)}
			scsi := types.VirtualSCSIController{VirtualController: base, SharedBus: types.VirtualSCSISharingNoSharing, ScsiCtlrUnitNumber: 7}
			switch d.Controller {
			case "pvscsi":
				add(&types.ParaVirtualSCSIController{VirtualSCSIController: scsi}, false)
			case "lsilogic":
				add(&types.VirtualLsiLogicController{VirtualSCSIController: scsi}, false)
			case "lsilogic-sas":
				add(&types.VirtualLsiLogicSASController{VirtualSCSIController: scsi}, false)
			case "buslogic":
				add(&types.VirtualBusLogicController{VirtualSCSIController: scsi}, false)
			case "sata":
				add(&types.VirtualAHCIController{VirtualSATAController: types.VirtualSATAController{VirtualController: base}}, false)
			case "nvme":
				add(&types.VirtualNVMEController{VirtualController: base}, false)
			}
		}
		unit := int32(d.Unit)
		mode := map[string]string{"persistent": "persistent", "independent_persistent": "independent_persistent",
			"independent_nonpersistent": "independent_nonpersistent"}[d.Mode]
		kb := int64(d.GB * 1024 * 1024)
		add(&types.VirtualDisk{
			VirtualDevice: types.VirtualDevice{
				Key:           int32(-100 - i),
				DeviceInfo:    &types.Description{Label: fmt.Sprintf("Hard disk %d", i+1)}, // vCenter's label, not vcsim's "disk-KEY-N"
				ControllerKey: key,
				UnitNumber:    &unit,
				Backing: &types.VirtualDiskFlatVer2BackingInfo{
					DiskMode:        mode,
					ThinProvisioned: types.NewBool(true),
				},
			},
			CapacityInKB:    kb,
			CapacityInBytes: kb * 1024,
		}, true)
	}
	return out
}

func (l *Lab) createVM(ctx *simulator.Context, folder types.ManagedObjectReference, where placement, name string, spec *VMSpec) error {
	var extra []types.BaseOptionValue
	for k, v := range spec.ExtraConfig {
		extra = append(extra, &types.OptionValue{Key: k, Value: v})
	}
	family := FamilyOf(spec.GuestID, spec.GuestBuild)
	build := spec.GuestBuild
	if build == 0 && family.IsWindows() {
		build = DefaultBuild(family)
	}
	if build != 0 && family.IsWindows() {
		// The lab's choice: the Windows build is visible to clients in extraConfig (see README).
		extra = append(extra, &types.OptionValue{Key: "guestinfo.os.build", Value: fmt.Sprint(build)})
	}
	cfg := types.VirtualMachineConfigSpec{
		Name:         name,
		Files:        &types.VirtualMachineFileInfo{VmPathName: "[" + l.dsName + "]"},
		NumCPUs:      2,
		MemoryMB:     4096,
		Version:      fmt.Sprintf("vmx-%02d", spec.HWVersion),
		DeviceChange: devices(spec),
		ExtraConfig:  extra,
	}
	f := simulator.Map.Get(folder).(*simulator.Folder)
	// A VM that names no host goes to the scenario's hosts in turn (top-level "hosts")
	if spec.Host == "" {
		where = placement{l.hostRefs[len(l.vms)%len(l.hostRefs)], l.poolRef}
	}
	var res interface{}
	simulator.Map.WithLock(f, func() {
		res = f.CreateVMTask(l.ctx(&folder), &types.CreateVM_Task{This: folder, Config: cfg, Pool: where.pool, Host: &where.host})
	})
	ret, fault := innerTask(res.(*methods.CreateVM_TaskBody))
	if fault != nil {
		return fmt.Errorf("%T", fault)
	}
	ref := ret.(types.ManagedObjectReference)
	vm := vcsimVM(ref)

	v := &LabVM{
		Ref: ref, Name: name, Family: family, Build: build, Spec: spec, Timing: &l.sc.Timing,
		Host:           simulator.Map.Get(where.host).(*simulator.HostSystem).Name,
		toolsInstalled: spec.Tools.Status != "notInstalled",
		toolsEnabled:   spec.Tools.Status == "running",
		toolsRunning:   spec.Tools.Status == "running" && spec.Power == "poweredOn",
		toolsVersion:   spec.Tools.Version,
		vss:            spec.Tools.VSSComponent,
		sync:           spec.Tools.LGTOSync,
		vssStart:       spec.Guest.VSSServiceStart,
		writers:        NewWriters(name, family, spec.Guest.Writers),
		vssRunning:     spec.Guest.VSSServiceStart == "auto",
		disks:          spec.Disks,
		files:          map[string][]byte{},
		nextPid:        4100,
		manifests:      map[types.ManagedObjectReference]string{},
	}
	v.services = newServices(v.writers, spec.Guest.Services)
	if v.toolsInstalled {
		conf := toCRLF(spec.Tools.ToolsConf)
		v.toolsConf = &conf
	}
	v.uuidEffective = strings.EqualFold(extraConfig(vm, "disk.EnableUUID"), "TRUE")

	// guestId is set directly: vcsim 0.24's guestId list predates Windows 2019+.
	vm.Config.GuestId, vm.Config.GuestFullName = spec.GuestID, spec.GuestFullName
	vm.Summary.Config.GuestId, vm.Summary.Config.GuestFullName = spec.GuestID, spec.GuestFullName
	vm.Guest.GuestFamily = map[bool]string{true: "windowsGuest", false: "linuxGuest"}[family.IsWindows()]

	for i := 1; i <= spec.Snapshots; i++ {
		if _, fault := innerTask(vm.CreateSnapshotTask(&types.CreateSnapshot_Task{This: ref, Name: fmt.Sprintf("pre-patch-%d", i),
			Description: "Before patching"})); fault != nil {
			return fmt.Errorf("snapshot: %T", fault)
		}
	}

	if spec.Power != "poweredOff" {
		if _, fault := innerTask(vm.PowerOnVMTask(ctx, &types.PowerOnVM_Task{This: ref})); fault != nil {
			return fmt.Errorf("power on: %T", fault)
		}
		boot := time.Now().Add(-72 * time.Hour)
		vm.Runtime.BootTime, vm.Summary.Runtime.BootTime = &boot, &boot
		if spec.Power == "suspended" {
			if _, fault := innerTask(vm.SuspendVMTask(ctx, &types.SuspendVM_Task{This: ref})); fault != nil {
				return fmt.Errorf("suspend: %T", fault)
			}
		}
	}
	powered := vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
	simulator.Map.Update(vm, v.toolsFacts(powered))
	l.refreshLayout(v, vm) // vcsim's creation lists files without their directory

	l.mu.Lock()
	l.vms[ref] = v
	l.mu.Unlock()
	return nil
}

// toCRLF gives text Windows line ends (files in the guest are Windows files).
func toCRLF(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// Close removes the datastore's temporary directory (vcsim made it with
// ioutil.TempDir). Model.Remove would walk the registry while requests run.
func (l *Lab) Close() {
	if l.dsDir != "" {
		_ = os.RemoveAll(l.dsDir)
	}
}

// localPath maps "[ds] dir/file" to the file behind the datastore.
func (l *Lab) localPath(dsPath string) string {
	p := strings.TrimPrefix(dsPath, "["+l.dsName+"]")
	return path.Join(l.dsDir, strings.TrimSpace(p))
}

// writeDatastoreFile writes a file in the datastore.
func (l *Lab) writeDatastoreFile(dsPath string, data []byte) error {
	return ioutil.WriteFile(l.localPath(dsPath), data, 0o600)
}
