package main

// Fault injection (scenario key "faults"), the request log (--request-log) and
// churn (--churn): what the network, vCenter, hosts and guests do to a client
// on a bad day, made reproducible. Rules are matched in the HTTP front before
// any method runs; see README.md "Fault injection".

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

// FaultSpec is one rule of the scenario's "faults" list.
type FaultSpec struct {
	Path     string // "faults[2]", for logs
	Method   string // glob on the SOAP method name ("" for vm_inaccessible at start)
	VM       string // glob on the VM name the request names ("" any request)
	After    int    // matching requests let through before the rule fires
	Times    int    // how many times it fires (0: every time)
	Kind     string
	Fault    string // vim25 fault type name
	Message  string
	DelayMS  float64 // real milliseconds, not divided by --speed
	Phase    string  // drop_connection: before | after (the method ran)
	State    string  // vm_inaccessible: the connectionState
	faultTyp reflect.Type
}

var faultKinds = []string{"drop_connection", "delay_ms", "http_500", "http_503", "not_authenticated",
	"session_expire", "task_fail", "task_hang", "task_cancelled", "vm_inaccessible", "guest_timeout",
	"process_gone"}

var connectionStates = []string{"inaccessible", "orphaned", "disconnected", "notResponding"}

func (p *parser) faults(m map[string]interface{}) []FaultSpec {
	list, _ := p.array(m, "", "faults")
	var out []FaultSpec
	for i, v := range list {
		path := fmt.Sprintf("faults[%d]", i)
		r := p.object(v, path, "method", "vm", "after", "times", "kind", "fault", "message",
			"delay_ms", "phase", "state")
		if p.err != nil {
			return nil
		}
		if _, ok := r["kind"]; !ok {
			p.fail(path+".kind", "required: one of %s", strings.Join(faultKinds, " | "))
			return nil
		}
		f := FaultSpec{Path: path}
		f.Kind = p.str(r, path, "kind", "", faultKinds...)
		defMethod := "*"
		switch f.Kind {
		case "guest_timeout":
			defMethod = "*Guest"
		case "vm_inaccessible":
			defMethod = ""
		case "process_gone":
			defMethod = "ListProcessesInGuest"
		}
		f.Method = p.str(r, path, "method", defMethod)
		f.VM = p.str(r, path, "vm", "")
		f.After = p.integer(r, path, "after", 0, 0, 1<<30)
		f.Times = p.integer(r, path, "times", 1, 0, 1<<30)
		f.Message = p.str(r, path, "message", "")
		defDelay := 0.0
		switch f.Kind {
		case "delay_ms":
			defDelay = 3000
		case "guest_timeout":
			defDelay = 2000
		}
		f.DelayMS = p.number(r, path, "delay_ms", defDelay, 0)
		f.Phase = p.str(r, path, "phase", "before", "before", "after")
		f.State = p.str(r, path, "state", "inaccessible", connectionStates...)
		defFault := ""
		switch f.Kind {
		case "task_fail":
			defFault = "SystemError"
		case "guest_timeout":
			defFault = "GuestOperationsUnavailable"
		}
		f.Fault = p.str(r, path, "fault", defFault)
		if p.err != nil {
			return nil
		}
		for _, g := range []struct{ key, val string }{{"method", f.Method}, {"vm", f.VM}} {
			if _, err := pathMatch(g.val, ""); err != nil {
				p.fail(path+"."+g.key, "bad glob %q", g.val)
			}
		}
		if _, ok := r["phase"]; ok && f.Kind != "drop_connection" {
			p.fail(path+".phase", "only for kind drop_connection")
		}
		if _, ok := r["state"]; ok && f.Kind != "vm_inaccessible" {
			p.fail(path+".state", "only for kind vm_inaccessible")
		}
		if _, ok := r["fault"]; ok && !contains([]string{"http_500", "task_fail", "guest_timeout"}, f.Kind) {
			p.fail(path+".fault", "only for kinds http_500, task_fail, guest_timeout")
		}
		if f.Fault != "" {
			t, ok := types.TypeFunc()(f.Fault)
			if !ok || !reflect.PtrTo(t).Implements(reflect.TypeOf((*types.BaseMethodFault)(nil)).Elem()) {
				p.fail(path+".fault", "%q is not a vSphere fault type (e.g. InvalidDeviceSpec, SystemError)", f.Fault)
			}
			f.faultTyp = t
		}
		if strings.HasPrefix(f.Kind, "task_") && !strings.HasSuffix(f.Method, "_Task") {
			p.fail(path+".method", "kind %s needs a method ending in _Task (a glob such as \"*_Task\" works), not %q", f.Kind, f.Method)
		}
		if f.Method == fileGet && !contains([]string{"delay_ms", "drop_connection", "http_500", "http_503"}, f.Kind) {
			p.fail(path+".kind", "method %q (a datastore file download) takes delay_ms, drop_connection, http_500 or http_503, not %s", fileGet, f.Kind)
		}
		if f.Method == fileGet && (f.Fault != "" || f.Phase == "after") {
			p.fail(path, "method %q (a datastore file download, not SOAP) has no fault type and no phase after", fileGet)
		}
		if f.Kind == "vm_inaccessible" && f.VM == "" {
			p.fail(path+".vm", "required for kind vm_inaccessible")
		}
		if p.err != nil {
			return nil
		}
		out = append(out, f)
	}
	return out
}

func pathMatch(glob, s string) (bool, error) { return path.Match(glob, s) }

// faultRule is a FaultSpec with its counters.
type faultRule struct {
	FaultSpec
	seen, fired int
}

type faultEngine struct {
	mu    sync.Mutex
	rules []*faultRule
	hung  map[types.ManagedObjectReference]chan struct{} // task_hang tasks, closed by CancelTask
}

func newFaultEngine(specs []FaultSpec) *faultEngine {
	e := &faultEngine{hung: map[types.ManagedObjectReference]chan struct{}{}}
	for _, s := range specs {
		e.rules = append(e.rules, &faultRule{FaultSpec: s})
	}
	return e
}

// match counts the request against every matching rule and returns the first that fires.
func (e *faultEngine) match(method, vm string) *faultRule {
	e.mu.Lock()
	defer e.mu.Unlock()
	var hit *faultRule
	for _, r := range e.rules {
		if r.Method == "" {
			continue // vm_inaccessible at start
		}
		if ok, _ := pathMatch(r.Method, method); !ok {
			continue
		}
		if r.VM != "" {
			if ok, _ := pathMatch(r.VM, vm); !ok || vm == "" {
				continue
			}
		}
		r.seen++
		if hit == nil && r.seen > r.After && (r.Times == 0 || r.fired < r.Times) {
			r.fired++
			hit = r
		}
	}
	return hit
}

// requestVM finds the first VirtualMachine reference in a request (_this, or a vm argument).
func requestVM(body []byte) (types.ManagedObjectReference, bool) {
	d := xml.NewDecoder(bytes.NewReader(body))
	want := false
	for {
		tok, err := d.Token()
		if err != nil {
			return types.ManagedObjectReference{}, false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			want = false
			for _, a := range t.Attr {
				if a.Name.Local == "type" && a.Value == "VirtualMachine" {
					want = true
				}
			}
		case xml.CharData:
			if want {
				return types.ManagedObjectReference{Type: "VirtualMachine", Value: strings.TrimSpace(string(t))}, true
			}
		case xml.EndElement:
			want = false
		}
	}
}

func (l *Lab) vmName(ref types.ManagedObjectReference) string {
	if v := l.vm(ref); v != nil {
		return v.Name
	}
	if vm := vcsimVM(ref); vm != nil {
		var name string
		simulator.Map.WithLock(vm, func() { name = vm.Name })
		return name
	}
	return ""
}

// requestLog writes one JSON line per SOAP request.
type requestLog struct {
	mu sync.Mutex
	f  *os.File
}

type requestEntry struct {
	T      float64 `json:"t"`
	Method string  `json:"method"`
	VM     string  `json:"vm,omitempty"`
	Moref  string  `json:"moref,omitempty"`
	Fault  string  `json:"fault,omitempty"`
	Rule   string  `json:"rule,omitempty"`
	Phase  string  `json:"phase,omitempty"` // drop_connection after the method ran
}

func openRequestLog(name string) (*requestLog, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &requestLog{f: f}, nil
}

func (r *requestLog) write(e requestEntry) {
	line, _ := json.Marshal(e)
	line = append(line, '\n')
	r.mu.Lock()
	_, _ = r.f.Write(line)
	r.mu.Unlock()
}

// observe logs the request and decides on a fault: called for every SOAP POST.
// It returns true when the request has been answered.
func (f *front) observe(w http.ResponseWriter, r *http.Request, body []byte, method string) bool {
	if f.faults == nil && f.reqlog == nil {
		return false
	}
	ref, hasVM := requestVM(body)
	name := ""
	if hasVM {
		name = f.lab.vmName(ref)
	}
	return f.decide(w, r, body, method, name, ref, hasVM)
}

// fileGet is the method name fault rules and the request log give a datastore file
// download (HTTP GET /folder/<VM directory>/<file>: how clients read a snapshot's VSS
// manifest). It is not SOAP; its VM is the one its directory is named after (vcsim names
// a VM's directory after the VM). "*" does not match it: the glob stops at the slash.
const fileGet = "GET /folder"

// observeFileGet is observe for a datastore file download.
func (f *front) observeFileGet(w http.ResponseWriter, r *http.Request) bool {
	if f.faults == nil && f.reqlog == nil {
		return false
	}
	dir := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/folder/"), "/", 2)[0]
	name, err := url.PathUnescape(dir)
	if err != nil {
		name = dir
	}
	return f.decide(w, r, nil, fileGet, name, types.ManagedObjectReference{}, false)
}

// decide is observe's rule: the request (body nil for a file download) named by method and
// VM name; ref when it names a VirtualMachine.
func (f *front) decide(w http.ResponseWriter, r *http.Request, body []byte, method, name string,
	ref types.ManagedObjectReference, hasVM bool) bool {
	var rule *faultRule
	if f.faults != nil {
		rule = f.faults.match(method, name)
	}
	if f.reqlog != nil {
		e := requestEntry{T: float64(time.Now().UnixNano()) / 1e9, Method: method, VM: name}
		if hasVM {
			e.Moref = ref.Value
		}
		if rule != nil {
			e.Fault, e.Rule = rule.Kind, rule.Path
			if rule.Kind == "drop_connection" && rule.Phase == "after" {
				e.Phase = "after"
			}
		}
		f.reqlog.write(e)
	}
	if rule == nil {
		return false
	}
	log.Printf("fault %s (%s) on %s %s", rule.Path, rule.Kind, method, name)
	if rule.DelayMS > 0 {
		time.Sleep(time.Duration(rule.DelayMS * float64(time.Millisecond)))
	}
	switch rule.Kind {
	case "delay_ms":
		return false
	case "drop_connection":
		if rule.Phase == "after" && body != nil {
			f.dispatch(httptest.NewRecorder(), r, body, method)
		}
		panic(http.ErrAbortHandler) // net/http closes the connection without a response
	case "http_500":
		if rule.faultTyp != nil {
			writeSOAP(w, fault(rule.Message, newFault(rule.faultTyp)))
			return true
		}
		httpError(w, http.StatusInternalServerError, "500 Internal Server Error")
	case "http_503":
		httpError(w, http.StatusServiceUnavailable, "503 Service Unavailable")
	case "not_authenticated":
		writeSOAP(w, fault(rule.Message, &types.NotAuthenticated{NoPermission: types.NoPermission{PrivilegeId: "System.View"}}))
	case "session_expire":
		f.logout(r)
		writeSOAP(w, fault(rule.Message, &types.NotAuthenticated{NoPermission: types.NoPermission{PrivilegeId: "System.View"}}))
	case "task_fail", "task_hang", "task_cancelled":
		f.injectTask(w, r, body, method, rule)
	case "vm_inaccessible":
		if hasVM {
			f.lab.setConnectionState(ref, rule.State)
		}
		return false // the request goes on and meets the VM's new state
	case "process_gone":
		// As after a Tools restart: the guest's process list no longer knows the pid.
		writeSOAP(w, &listProcessesBody{Res: &ListProcessesInGuestResponse{}})
	case "guest_timeout":
		msg := rule.Message
		if msg == "" && rule.Fault == "GuestOperationsUnavailable" {
			msg = "The guest operations agent could not be contacted."
		}
		writeSOAP(w, fault(msg, newFault(rule.faultTyp)))
	}
	return true
}

func newFault(t reflect.Type) types.BaseMethodFault {
	return reflect.New(t).Interface().(types.BaseMethodFault)
}

// httpError answers as vCenter's reverse proxy does when the service behind it fails.
func httpError(w http.ResponseWriter, code int, text string) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(code)
	fmt.Fprintf(w, "<html><head><title>%s</title></head><body><h1>%s</h1></body></html>\n", text, text)
}

// logout ends the request's session in vcsim, so every later call gets NotAuthenticated.
func (f *front) logout(r *http.Request) {
	c, err := r.Cookie(soap.SessionCookieName)
	if err != nil {
		return
	}
	req := httptest.NewRequest(http.MethodPost, "/sdk", strings.NewReader(logoutRequest))
	req.AddCookie(c)
	f.inner.ServeHTTP(httptest.NewRecorder(), req)
}

const logoutRequest = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>
</soapenv:Body></soapenv:Envelope>`

// injectTask answers a *_Task method with a task that fails, hangs or is cancelled,
// without doing the operation.
func (f *front) injectTask(w http.ResponseWriter, r *http.Request, body []byte, method string, rule *faultRule) {
	req, err := simulator.UnmarshalBody(typeFunc, body)
	switch {
	case err != nil:
		writeSOAP(w, fault(err.Error(), &types.InvalidRequest{}))
		return
	case !f.authenticated(r):
		writeSOAP(w, fault("", &types.NotAuthenticated{NoPermission: types.NoPermission{Object: req.This, PrivilegeId: "System.View"}}))
		return
	case simulator.Map.Get(req.This) == nil:
		writeSOAP(w, fault(fmt.Sprintf("managed object not found: %s", req.This), &types.ManagedObjectNotFound{Obj: req.This}))
		return
	}
	entity := f.lab.vmName(req.This)
	name := strings.TrimSuffix(method, "_Task")
	name = strings.ToLower(name[:1]) + name[1:] // e.g. reconfigVM, createSnapshotEx
	var cancel chan struct{}
	if rule.Kind == "task_hang" {
		cancel = make(chan struct{})
	}
	task := f.lab.startTask(req.This, entity, name, func(t *simulator.Task) (types.AnyType, types.BaseMethodFault) {
		switch rule.Kind {
		case "task_fail":
			progress(t, 10)
			msg := rule.Message
			if msg == "" {
				msg = "A general system error occurred: injected by the lab (" + rule.Path + ")"
			}
			flt := newFault(rule.faultTyp)
			flt.GetMethodFault().FaultMessage = []types.LocalizableMessage{{Key: "lab.fault", Message: msg}}
			return nil, flt
		case "task_hang":
			progress(t, 10)
			<-cancel
		}
		msg := rule.Message
		if msg == "" {
			msg = "The task was canceled by a user."
		}
		flt := &types.RequestCanceled{}
		flt.FaultMessage = []types.LocalizableMessage{{Key: "lab.cancel", Message: msg}}
		return nil, flt
	})
	if cancel != nil {
		f.faults.mu.Lock()
		f.faults.hung[task] = cancel
		f.faults.mu.Unlock()
	}
	var out bytes.Buffer
	out.WriteString(xml.Header)
	fmt.Fprintf(&out, `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><%sResponse xmlns="urn:vim25"><returnval type="Task">%s</returnval></%sResponse></soapenv:Body></soapenv:Envelope>`,
		method, task.Value, method)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

// cancelTask answers CancelTask for the lab's hung tasks (vcsim 0.24 has no CancelTask);
// false when the task is not one of them.
func (f *front) cancelTask(w http.ResponseWriter, r *http.Request, body []byte) bool {
	if f.faults == nil {
		return false
	}
	req, err := simulator.UnmarshalBody(typeFunc, body)
	if err != nil {
		return false
	}
	f.faults.mu.Lock()
	ch, ok := f.faults.hung[req.This]
	delete(f.faults.hung, req.This)
	f.faults.mu.Unlock()
	if !ok {
		return false
	}
	if !f.authenticated(r) {
		writeSOAP(w, fault("", &types.NotAuthenticated{NoPermission: types.NoPermission{Object: req.This, PrivilegeId: "System.View"}}))
		return true
	}
	close(ch)
	var out bytes.Buffer
	out.WriteString(xml.Header)
	out.WriteString(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><CancelTaskResponse xmlns="urn:vim25"></CancelTaskResponse></soapenv:Body></soapenv:Envelope>`)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = w.Write(out.Bytes())
	return true
}

// setConnectionState makes a VM's host "disappear": runtime.connectionState changes
// and the lab's methods on the VM answer InvalidState from then on.
func (l *Lab) setConnectionState(ref types.ManagedObjectReference, state string) {
	vm := vcsimVM(ref)
	if vm == nil {
		return
	}
	st := types.VirtualMachineConnectionState(state)
	updateVM(ref, types.PropertyChange{Name: "runtime.connectionState", Val: st},
		types.PropertyChange{Name: "summary.runtime.connectionState", Val: st})
	log.Printf("%s: connectionState %s", l.vmName(ref), state)
}

// disconnected answers InvalidState for a VM that is not connected, as vCenter does.
func (l *Lab) disconnected(ref types.ManagedObjectReference) soap.HasFault {
	vm := vcsimVM(ref)
	if vm == nil {
		return nil
	}
	var st types.VirtualMachineConnectionState
	simulator.Map.WithLock(vm, func() { st = vm.Runtime.ConnectionState })
	if st == "" || st == types.VirtualMachineConnectionStateConnected {
		return nil
	}
	return fault("The operation is not allowed in the current connection state of the virtual machine.",
		&types.InvalidState{})
}

// applyStartFaults applies the vm_inaccessible rules without a method: hosts gone from the start.
func (l *Lab) applyStartFaults(specs []FaultSpec) {
	for _, s := range specs {
		if s.Kind != "vm_inaccessible" || s.Method != "" {
			continue
		}
		l.mu.Lock()
		var refs []types.ManagedObjectReference
		for ref, v := range l.vms {
			if ok, _ := pathMatch(s.VM, v.Name); ok {
				refs = append(refs, ref)
			}
		}
		l.mu.Unlock()
		for _, ref := range refs {
			l.setConnectionState(ref, s.State)
		}
	}
}

// churn flips the power state of percent% of the VMs every second (spread over five
// ticks), through Map.Update so WaitForUpdatesEx clients see every change. stop ends it.
func (l *Lab) churn(percent float64, stop <-chan struct{}) {
	l.mu.Lock()
	refs := make([]types.ManagedObjectReference, 0, len(l.vms))
	for ref := range l.vms {
		refs = append(refs, ref)
	}
	l.mu.Unlock()
	if len(refs) == 0 {
		return
	}
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	report := time.Now()
	var owed float64
	changes := 0
	for {
		select {
		case <-stop:
			log.Printf("churn: stopped after %d changes", changes)
			return
		case <-tick.C:
		}
		owed += float64(len(refs)) * percent / 100 / 5
		for ; owed >= 1; owed-- {
			ref := refs[rng.Intn(len(refs))]
			vm := vcsimVM(ref)
			if vm == nil {
				continue
			}
			simulator.Map.WithLock(vm, func() {
				st := types.VirtualMachinePowerStatePoweredOff
				if vm.Runtime.PowerState != types.VirtualMachinePowerStatePoweredOn {
					st = types.VirtualMachinePowerStatePoweredOn
				}
				simulator.Map.Update(vm, []types.PropertyChange{{Name: "runtime.powerState", Val: st},
					{Name: "summary.runtime.powerState", Val: st}})
			})
			changes++
		}
		if time.Since(report) >= 10*time.Second {
			report = time.Now()
			log.Printf("churn: %d changes so far", changes)
		}
	}
}
