package main

// Test harness: builds the real binary once, starts it per scenario and
// drives it over HTTPS with govmomi's client (code nobody here wrote).

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io/ioutil"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/guest"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

var labBinary string

const (
	testUser = "administrator@vsphere.local"
	testPass = "Lab-pass1"
)

func TestMain(m *testing.M) {
	dir, err := ioutil.TempDir("", "quiescent-lab-test")
	if err != nil {
		panic(err)
	}
	// QUIESCENT_LAB_BINARY tests a given build (e.g. one made with -race).
	labBinary = os.Getenv("QUIESCENT_LAB_BINARY")
	if labBinary == "" {
		labBinary = filepath.Join(dir, "quiescent-lab")
		if out, err := exec.Command("go", "build", "-o", labBinary, ".").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			os.Exit(2)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type labProc struct {
	cmd        *exec.Cmd
	url        *url.URL
	thumbprint string
	stdout     []string
	stderr     *bytes.Buffer
	client     *govmomi.Client
	stateDir   string
}

// scenario renders a scenario object with the test vCenter login and fast timings.
func scenario(vms ...map[string]interface{}) map[string]interface{} {
	return map[string]interface{}{
		"vcenter": map[string]interface{}{"user": testUser, "password": testPass, "version": "7.0.3"},
		"vms":     vms,
	}
}

// startLab runs the binary on a scenario and waits for READY.
func startLab(t *testing.T, sc interface{}, args ...string) *labProc {
	t.Helper()
	data, err := json.Marshal(sc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "scenario.json")
	if err := ioutil.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	p := &labProc{stderr: &bytes.Buffer{}, stateDir: filepath.Join(dir, "state")}
	all := append([]string{"--scenario", file, "--speed", "1000", "--state-dir", p.stateDir}, args...)
	p.cmd = exec.Command(labBinary, all...)
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop(t) })
	lines := make(chan string)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	deadline := time.After(90 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("lab exited before READY: %s", p.stderr.String())
			}
			p.stdout = append(p.stdout, line)
			switch {
			case strings.HasPrefix(line, "URL "):
				p.url, _ = url.Parse(strings.TrimPrefix(line, "URL "))
			case strings.HasPrefix(line, "THUMBPRINT "):
				p.thumbprint = strings.TrimPrefix(line, "THUMBPRINT ")
			case line == "READY":
				go func() {
					for l := range lines {
						p.stdout = append(p.stdout, l)
					}
				}()
				return p
			}
		case <-deadline:
			t.Fatalf("no READY: %s", p.stderr.String())
		}
	}
}

func (p *labProc) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if strings.Contains(p.stderr.String(), "DATA RACE") {
			t.Errorf("data race in the lab:\n%s", p.stderr.String())
		}
		if err != nil {
			t.Errorf("lab exit: %v\n%s", err, p.stderr.String())
		}
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("lab did not exit on SIGINT")
	}
}

// login connects govmomi's client with the given credentials.
func (p *labProc) login(ctx context.Context, user, pass string) (*govmomi.Client, error) {
	u := *p.url
	u.User = url.UserPassword(user, pass)
	return govmomi.NewClient(ctx, &u, true)
}

func (p *labProc) c(t *testing.T) *govmomi.Client {
	t.Helper()
	if p.client == nil {
		c, err := p.login(context.Background(), testUser, testPass)
		if err != nil {
			t.Fatal(err)
		}
		p.client = c
	}
	return p.client
}

func (p *labProc) vm(t *testing.T, name string) *object.VirtualMachine {
	t.Helper()
	f := find.NewFinder(p.c(t).Client, true)
	dc, err := f.DefaultDatacenter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.SetDatacenter(dc)
	vm, err := f.VirtualMachine(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

func (p *labProc) props(t *testing.T, vm *object.VirtualMachine, ps ...string) mo.VirtualMachine {
	t.Helper()
	var m mo.VirtualMachine
	if err := vm.Properties(context.Background(), vm.Reference(), ps, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// waitTask waits for a task and returns its result and fault.
func (p *labProc) waitTask(t *testing.T, ref types.ManagedObjectReference) (types.AnyType, types.BaseMethodFault) {
	t.Helper()
	info, err := object.NewTask(p.c(t).Client, ref).WaitForResult(context.Background(), nil)
	if err != nil {
		if info != nil && info.Error != nil {
			return nil, info.Error.Fault
		}
		t.Fatalf("task: %v", err)
	}
	return info.Result, nil
}

// snapshot runs CreateSnapshot_Task with quiesce.
func (p *labProc) snapshot(t *testing.T, vm *object.VirtualMachine, quiesce bool) (types.AnyType, types.BaseMethodFault) {
	t.Helper()
	task, err := vm.CreateSnapshot(context.Background(), "test", "", false, quiesce)
	if err != nil {
		t.Fatal(err)
	}
	return p.waitTask(t, task.Reference())
}

func (p *labProc) snapshotEx(t *testing.T, vm *object.VirtualMachine, spec types.BaseVirtualMachineGuestQuiesceSpec) (types.AnyType, types.BaseMethodFault, error) {
	t.Helper()
	res, err := methods.CreateSnapshotEx_Task(context.Background(), p.c(t).Client, &types.CreateSnapshotEx_Task{
		This: vm.Reference(), Name: "ex", QuiesceSpec: spec})
	if err != nil {
		return nil, nil, err
	}
	r, f := p.waitTask(t, res.Returnval)
	return r, f, nil
}

var insecure = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}

// manifest downloads a snapshot's manifest zip through the datastore /folder/ URL.
func (p *labProc) manifest(t *testing.T, vm *object.VirtualMachine, snap types.ManagedObjectReference) map[string]string {
	t.Helper()
	m := p.props(t, vm, "snapshot", "name", "layoutEx")
	node := findNode(m.Snapshot.RootSnapshotList, snap)
	if node == nil || node.BackupManifest == "" {
		t.Fatalf("snapshot has no backupManifest")
	}
	listed := false
	for _, f := range m.LayoutEx.File {
		if strings.HasSuffix(f.Name, "/"+node.BackupManifest) {
			listed = true
		}
	}
	if !listed {
		t.Errorf("manifest %s not in layoutEx.file", node.BackupManifest)
	}
	u := *p.url
	u.Path = "/folder/" + m.Name + "/" + node.BackupManifest
	u.RawQuery = "dcPath=DC0&dsName=LocalDS_0"
	res, err := insecure.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := ioutil.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %s", u.String(), res.Status)
	}
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range z.File {
		r, _ := f.Open()
		b, _ := ioutil.ReadAll(r)
		r.Close()
		files[f.Name] = string(b)
	}
	return files
}

var guestAuth = &types.NamePasswordAuthentication{Username: "Administrator", Password: "Guest-pass1"}

// guestRun runs a command as the probe does and returns output and exit code.
func (p *labProc) guestRun(t *testing.T, vm *object.VirtualMachine, command string) (string, int32) {
	t.Helper()
	out, code, err := p.guestRunErr(vm, guestAuth, command)
	if err != nil {
		t.Fatal(err)
	}
	return out, code
}

func (p *labProc) guestRunErr(vm *object.VirtualMachine, auth types.BaseGuestAuthentication, command string) (string, int32, error) {
	ctx := context.Background()
	ops := guest.NewOperationsManager(p.client.Client, vm.Reference())
	pm, err := ops.ProcessManager(ctx)
	if err != nil {
		return "", 0, err
	}
	fm, err := ops.FileManager(ctx)
	if err != nil {
		return "", 0, err
	}
	file := `C:\Windows\Temp\quiescent-1234.txt`
	pid, err := pm.StartProgram(ctx, auth, &types.GuestProgramSpec{ProgramPath: `C:\Windows\System32\cmd.exe`,
		Arguments: "/c (" + command + `) > "` + file + `" 2>&1`})
	if err != nil {
		return "", 0, err
	}
	var code int32
	for {
		procs, err := pm.ListProcesses(ctx, auth, []int64{pid})
		if err != nil {
			return "", 0, err
		}
		if len(procs) == 1 && procs[0].EndTime != nil {
			code = procs[0].ExitCode
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	info, err := fm.InitiateFileTransferFromGuest(ctx, auth, file)
	if err != nil {
		return "", 0, err
	}
	u := strings.Replace(info.Url, "*", p.url.Hostname(), 1)
	res, err := insecure.Get(u)
	if err != nil {
		return "", 0, err
	}
	data, _ := ioutil.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		return "", 0, fmt.Errorf("GET %s: %s", u, res.Status)
	}
	if err := fm.DeleteFile(ctx, auth, file); err != nil {
		return "", 0, err
	}
	return string(data), code, nil
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func writeFile(name, s string) error { return ioutil.WriteFile(name, []byte(s), 0o600) }
