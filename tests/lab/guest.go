package main

// Guest Operations on the emulated guests: authentication, processes
// (StartProgramInGuest runs the emulated cmd.exe, see wincmd.go), files and
// the HTTPS file transfer URL (docs/guest-probe.md).

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

const guestFilePath = "/guestFile"

const toolsConfPath = `c:\programdata\vmware\vmware tools\tools.conf`

// guestAccess checks Tools and the credentials, like vCenter does, in that order.
func (l *Lab) guestAccess(ref types.ManagedObjectReference, auth types.BaseGuestAuthentication) (*LabVM, soap.HasFault) {
	v := l.vm(ref)
	vm := vcsimVM(ref)
	if v == nil || vm == nil {
		return nil, fault("", &types.ManagedObjectNotFound{Obj: ref})
	}
	l.guestOp(v) // the round trip costs its time whatever the answer
	v.mu.Lock()
	defer v.mu.Unlock()
	if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn || !v.toolsRunning {
		return nil, fault("The guest operations agent could not be contacted.", &types.GuestOperationsUnavailable{})
	}
	np, ok := auth.(*types.NamePasswordAuthentication)
	g := v.Spec.Guest
	if !ok || !g.HasLogin || !strings.EqualFold(np.Username, g.User) || np.Password != g.Password {
		// Counted by tests (a wrong password must not storm the guests: issue 14).
		user := ""
		if ok {
			user = np.Username
		}
		log.Printf("guest login refused: vm %s user %q", v.Name, user)
		return nil, fault("Failed to authenticate with the guest operating system using the supplied credentials.", &types.InvalidGuestLogin{})
	}
	return v, nil
}

func guestKey(p string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(p), `"`))
}

func fileNotFound(p string) soap.HasFault {
	return fault(fmt.Sprintf("File %s was not found", p), &types.FileNotFound{FileFault: types.FileFault{File: p}})
}

// readFile reads a guest file (v.mu held); tools.conf lives in the Tools state.
func (v *LabVM) readFile(p string) ([]byte, bool) {
	k := guestKey(p)
	if k == toolsConfPath {
		if v.toolsConf == nil {
			return nil, false
		}
		return []byte(*v.toolsConf), true
	}
	data, ok := v.files[k]
	return data, ok
}

func (l *Lab) StartProgramInGuest(req interface{}) soap.HasFault {
	r := req.(*types.StartProgramInGuest)
	v, f := l.guestAccess(r.Vm, r.Auth)
	if f != nil {
		return f
	}
	spec := r.Spec.GetGuestProgramSpec()
	prog := strings.ToLower(strings.ReplaceAll(spec.ProgramPath, "/", `\`))
	if !v.Family.IsWindows() || (prog != "cmd.exe" && !strings.HasSuffix(prog, `\cmd.exe`)) {
		return fileNotFound(spec.ProgramPath)
	}
	mounted := false
	vm := vcsimVM(r.Vm)
	simulator.Map.WithLock(vm, func() { mounted = vm.Runtime.ToolsInstallerMounted })
	v.mu.Lock()
	defer v.mu.Unlock()
	v.cdrom = ""
	if mounted {
		v.cdrom = v.cdDrive()
	}
	run := v.runCmd(spec.Arguments)
	start := time.Now()
	v.nextPid += 4
	p := &types.GuestProcessInfo{Name: "cmd.exe", Pid: v.nextPid, Owner: v.Spec.Guest.User,
		CmdLine: fmt.Sprintf(`"%s" %s`, spec.ProgramPath, spec.Arguments), StartTime: start}
	v.procs = append(v.procs, p)
	if len(v.procs) > 256 {
		v.procs = v.procs[len(v.procs)-256:]
	}
	busy := run.busyMs
	if busy >= 0 && busy < v.Timing.GuestProgram {
		busy = v.Timing.GuestProgram
	}
	switch {
	case busy == 0:
		ended(p, start.Add(40*time.Millisecond), run)
	case busy > 0:
		// A program that takes time: running in ListProcessesInGuest until it ends.
		seq := v.bootSeq
		go func() {
			l.after(busy)
			v.mu.Lock()
			defer v.mu.Unlock()
			if v.bootSeq != seq {
				run.atEnd, run.exit = nil, 1067 // the guest went down under it
			}
			ended(p, time.Now(), run)
		}()
	}
	return &methods.StartProgramInGuestBody{Res: &types.StartProgramInGuestResponse{Returnval: v.nextPid}}
}

// ended applies what a process changes when it ends and records its exit (v.mu held).
func ended(p *types.GuestProcessInfo, at time.Time, run *cmdRun) {
	for _, f := range run.atEnd {
		f()
	}
	p.EndTime, p.ExitCode = &at, int32(run.exit)
}

// cdDrive is the guest's drive letter of the CD-ROM: the first after its volumes.
func (v *LabVM) cdDrive() string {
	used := map[byte]bool{}
	for _, vol := range v.volumes() {
		if p := strings.ToLower(vol.Path); p != "" {
			used[p[0]] = true
		}
	}
	for c := byte('d'); c <= 'z'; c++ {
		if !used[c] {
			return string(c)
		}
	}
	return ""
}

func (l *Lab) ListProcessesInGuest(req interface{}) soap.HasFault {
	r := req.(*types.ListProcessesInGuest)
	v, f := l.guestAccess(r.Vm, r.Auth)
	if f != nil {
		return f
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	res := &ListProcessesInGuestResponse{}
	for _, p := range v.procs {
		if len(r.Pids) == 0 || containsPid(r.Pids, p.Pid) {
			res.Returnval = append(res.Returnval, guestProcessInfo{Name: p.Name, Pid: p.Pid, Owner: p.Owner,
				CmdLine: p.CmdLine, StartTime: p.StartTime, EndTime: p.EndTime, ExitCode: p.ExitCode})
		}
	}
	return &listProcessesBody{Res: res}
}

// govmomi's GuestProcessInfo omits exitCode 0 (omitempty); vCenter sends it
// for every ended process, and clients read it: hence this copy.
type guestProcessInfo struct {
	Name      string     `xml:"name"`
	Pid       int64      `xml:"pid"`
	Owner     string     `xml:"owner"`
	CmdLine   string     `xml:"cmdLine"`
	StartTime time.Time  `xml:"startTime"`
	EndTime   *time.Time `xml:"endTime,omitempty"`
	ExitCode  int32      `xml:"exitCode"`
}

// ListProcessesInGuestResponse is named as the SOAP element it encodes.
type ListProcessesInGuestResponse struct {
	Returnval []guestProcessInfo `xml:"returnval,omitempty"`
}

type listProcessesBody struct {
	Res *ListProcessesInGuestResponse
}

func (b *listProcessesBody) Fault() *soap.Fault { return nil }

func containsPid(pids []int64, pid int64) bool {
	for _, p := range pids {
		if p == pid {
			return true
		}
	}
	return false
}

func (l *Lab) TerminateProcessInGuest(req interface{}) soap.HasFault {
	r := req.(*types.TerminateProcessInGuest)
	v, f := l.guestAccess(r.Vm, r.Auth)
	if f != nil {
		return f
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, p := range v.procs {
		if p.Pid == r.Pid {
			return &methods.TerminateProcessInGuestBody{Res: &types.TerminateProcessInGuestResponse{}}
		}
	}
	return fault(fmt.Sprintf("process %d not found", r.Pid), &types.GuestProcessNotFound{Pid: r.Pid})
}

func (l *Lab) InitiateFileTransferFromGuest(req interface{}) soap.HasFault {
	r := req.(*types.InitiateFileTransferFromGuest)
	v, f := l.guestAccess(r.Vm, r.Auth)
	if f != nil {
		return f
	}
	v.mu.Lock()
	data, ok := v.readFile(r.GuestFilePath)
	v.mu.Unlock()
	if !ok {
		return fileNotFound(r.GuestFilePath)
	}
	id := l.transfers.put(v.Ref, guestKey(r.GuestFilePath), data)
	now := time.Now()
	return &methods.InitiateFileTransferFromGuestBody{Res: &types.InitiateFileTransferFromGuestResponse{
		Returnval: types.FileTransferInformation{
			Attributes: &types.GuestWindowsFileAttributes{GuestFileAttributes: types.GuestFileAttributes{ModificationTime: &now}},
			Size:       int64(len(data)),
			Url:        fmt.Sprintf("https://%s:%s%s?id=%s&token=%s", l.transferHost(r.Vm), l.port, guestFilePath, id, id),
		}}}
}

func (l *Lab) DeleteFileInGuest(req interface{}) soap.HasFault {
	r := req.(*types.DeleteFileInGuest)
	v, f := l.guestAccess(r.Vm, r.Auth)
	if f != nil {
		return f
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	k := guestKey(r.FilePath)
	if _, ok := v.readFile(k); !ok {
		return fileNotFound(r.FilePath)
	}
	if k == toolsConfPath {
		v.toolsConf = nil
	} else {
		delete(v.files, k)
	}
	l.transfers.forget(v.Ref, k)
	return &methods.DeleteFileInGuestBody{Res: &types.DeleteFileInGuestResponse{}}
}

// transferStore keeps the content behind each file transfer URL.
type transferStore struct {
	mu    sync.Mutex
	items map[string]transfer
}

type transfer struct {
	vm   types.ManagedObjectReference
	path string
	data []byte
	at   time.Time
}

func newTransferStore() *transferStore { return &transferStore{items: map[string]transfer{}} }

func (s *transferStore) put(vm types.ManagedObjectReference, p string, data []byte) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.items { // tickets live ten minutes
		if time.Since(t.at) > 10*time.Minute {
			delete(s.items, k)
		}
	}
	s.items[id] = transfer{vm: vm, path: p, data: append([]byte(nil), data...), at: time.Now()}
	return id
}

func (s *transferStore) get(id string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.items[id]
	return t.data, ok
}

func (s *transferStore) forget(vm types.ManagedObjectReference, p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.items {
		if t.vm == vm && t.path == p {
			delete(s.items, k)
		}
	}
}

// serveGuestFile answers the GET of a file transfer URL.
func (l *Lab) serveGuestFile(w http.ResponseWriter, r *http.Request) {
	data, ok := l.transfers.get(r.URL.Query().Get("id"))
	if !ok || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(data)
	}
}

// transferHost is the host a file transfer URL names: '*' (the endpoint the
// client called), or with --esx-transfer-urls the VM's ESXi host by its
// inventory name, as vCenter answers (clients then use the host's management
// IP, 127.0.0.1 in vcsim, and its thumbprint).
func (l *Lab) transferHost(vm types.ManagedObjectReference) string {
	if !l.esxTransferURLs {
		return "*"
	}
	name := "*"
	v := vcsimVM(vm)
	simulator.Map.WithLock(v, func() {
		if v.Runtime.Host != nil {
			if h, ok := simulator.Map.Get(*v.Runtime.Host).(*simulator.HostSystem); ok {
				name = h.Name
			}
		}
	})
	return name
}

// useESXTransferURLs turns on ESXi-host transfer URLs and gives every host the
// lab certificate's SHA-1 thumbprint as summary.config.sslThumbprint, as
// vCenter reports a host's certificate.
func (l *Lab) useESXTransferURLs(der []byte, override string) {
	l.esxTransferURLs = true
	sum := sha1.Sum(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	tp := strings.Join(parts, ":")
	if override != "" {
		tp = override
	}
	for _, ref := range simulator.Map.All("HostSystem") {
		h := ref.(*simulator.HostSystem)
		simulator.Map.WithLock(h, func() { h.Summary.Config.SslThumbprint = tp })
	}
}
