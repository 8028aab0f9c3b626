package main

// The HTTP front: the lab answers its own SOAP methods in front of vcsim's
// /sdk handler (vcsim asserts *VirtualMachine in the registry, so wrapping VMs
// there would panic) and passes every other request through untouched.

import (
	"bytes"
	"fmt"
	"io/ioutil"
	"log"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

type labMethod func(req interface{}) soap.HasFault

// front is the lab's http.Handler around vcsim's.
type front struct {
	lab     *Lab
	inner   http.Handler
	methods map[string]labMethod
	pager   pager
	updates updatePager
	faults  *faultEngine // nil: no "faults" in the scenario
	reqlog  *requestLog  // nil: no --request-log
}

func newFront(l *Lab, inner http.Handler) *front {
	f := &front{lab: l, inner: inner}
	f.methods = map[string]labMethod{
		"CreateSnapshot_Task":           l.CreateSnapshot,
		"CreateSnapshotEx_Task":         l.CreateSnapshotEx,
		"RemoveSnapshot_Task":           l.RemoveSnapshot,
		"RemoveAllSnapshots_Task":       l.RemoveAllSnapshots,
		"PowerOnVM_Task":                l.PowerOn,
		"PowerOffVM_Task":               l.PowerOff,
		"ShutdownGuest":                 l.ShutdownGuest,
		"ReconfigVM_Task":               l.Reconfigure,
		"UpgradeTools_Task":             l.UpgradeTools,
		"MountToolsInstaller":           l.MountToolsInstaller,
		"UnmountToolsInstaller":         l.UnmountToolsInstaller,
		"StartProgramInGuest":           l.StartProgramInGuest,
		"ListProcessesInGuest":          l.ListProcessesInGuest,
		"TerminateProcessInGuest":       l.TerminateProcessInGuest,
		"InitiateFileTransferFromGuest": l.InitiateFileTransferFromGuest,
		"DeleteFileInGuest":             l.DeleteFileInGuest,
	}
	return f
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case guestFilePath:
		f.lab.serveGuestFile(w, r)
		return
	case "/sdk/vimServiceVersions.xml":
		serviceVersions(w, f.lab.sc.VCenter.Version)
		return
	}
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/folder/") && f.observeFileGet(w, r) {
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/sdk") {
		f.inner.ServeHTTP(w, r)
		return
	}
	body, err := ioutil.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	method := methodName(body)
	if f.observe(w, r, body, method) {
		return
	}
	f.dispatch(w, r, body, method)
}

// dispatch answers a SOAP request: the lab's methods here, the rest by vcsim.
func (f *front) dispatch(w http.ResponseWriter, r *http.Request, body []byte, method string) {
	switch method {
	case "CancelTask":
		if f.cancelTask(w, r, body) {
			return
		}
	case "RetrievePropertiesEx":
		f.retrievePropertiesEx(w, r, body)
		return
	case "ContinueRetrievePropertiesEx":
		f.continueRetrievePropertiesEx(w, r, body)
		return
	case "CancelRetrievePropertiesEx":
		f.cancelRetrievePropertiesEx(w, r, body)
		return
	case "WaitForUpdatesEx":
		f.waitForUpdatesEx(w, r, body)
		return
	}
	if h, ok := f.methods[method]; ok {
		f.serveLab(w, r, body, h)
		return
	}
	r.Body = ioutil.NopCloser(bytes.NewReader(body))
	f.inner.ServeHTTP(w, r)
}

// methodName peeks at the first element inside the SOAP Body.
func methodName(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	inBody := false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			if inBody {
				return se.Name.Local
			}
			inBody = se.Name.Local == "Body"
		}
	}
}

func typeFunc(name string) (reflect.Type, bool) {
	t, ok := types.TypeFunc()(name)
	if !ok {
		if i := strings.IndexByte(name, ':'); i >= 0 {
			return types.TypeFunc()(name[i+1:])
		}
	}
	return t, ok
}

func (f *front) serveLab(w http.ResponseWriter, r *http.Request, body []byte, h labMethod) {
	var res soap.HasFault
	method, err := simulator.UnmarshalBody(typeFunc, body)
	switch {
	case err != nil:
		res = &faultBody{simulator.Fault(err.Error(), &types.InvalidRequest{})}
	case !f.authenticated(r):
		res = &faultBody{simulator.Fault("", &types.NotAuthenticated{
			NoPermission: types.NoPermission{Object: method.This, PrivilegeId: "System.View"}})}
	case simulator.Map.Get(method.This) == nil:
		res = &faultBody{simulator.Fault(fmt.Sprintf("managed object not found: %s", method.This),
			&types.ManagedObjectNotFound{Obj: method.This})}
	case f.faults != nil && f.vmDisconnected(body) != nil:
		res = f.vmDisconnected(body)
	default:
		res = h(method.Body)
	}
	writeSOAP(w, res)
}

// vmDisconnected: the InvalidState fault when the request names a VM whose host is gone.
func (f *front) vmDisconnected(body []byte) soap.HasFault {
	if ref, ok := requestVM(body); ok {
		return f.lab.disconnected(ref)
	}
	return nil
}

// authenticated asks vcsim whether the request's session cookie is a live
// session, with a cheap call that needs one.
func (f *front) authenticated(r *http.Request) bool {
	c, err := r.Cookie(soap.SessionCookieName)
	if err != nil {
		return false
	}
	probe := httptest.NewRequest(http.MethodPost, "/sdk", strings.NewReader(currentTimeRequest))
	probe.AddCookie(c)
	rec := httptest.NewRecorder()
	f.inner.ServeHTTP(rec, probe)
	return rec.Code == http.StatusOK
}

const currentTimeRequest = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime>
</soapenv:Body></soapenv:Envelope>`

type faultBody struct{ f *soap.Fault }

func (b *faultBody) Fault() *soap.Fault { return b.f }

// fault makes a SOAP fault body with vCenter's message.
func fault(msg string, f types.BaseMethodFault) soap.HasFault {
	return &faultBody{simulator.Fault(msg, f)}
}

type soapEnvelope struct {
	XMLName xml.Name    `xml:"soapenv:Envelope"`
	Env     string      `xml:"xmlns:soapenv,attr"`
	XSD     string      `xml:"xmlns:xsd,attr"`
	XSI     string      `xml:"xmlns:xsi,attr"`
	Body    interface{} `xml:"soapenv:Body"`
}

type soapFault struct {
	XMLName xml.Name `xml:"soapenv:Fault"`
	Code    string   `xml:"faultcode"`
	String  string   `xml:"faultstring"`
	Detail  struct {
		Fault *faultDetail
	} `xml:"detail"`
}

// faultDetail encodes <XFault xmlns="urn:vim25" xsi:type="X"> like vCenter.
type faultDetail struct{ Fault types.AnyType }

func (d *faultDetail) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	kind := reflect.TypeOf(d.Fault).Elem().Name()
	start.Name.Local = kind + "Fault"
	start.Attr = append(start.Attr, xml.Attr{Name: xml.Name{Local: "xmlns"}, Value: "urn:vim25"},
		xml.Attr{Name: xml.Name{Local: "xsi:type"}, Value: kind})
	return e.EncodeElement(d.Fault, start)
}

// resBody encodes a method's Res as <XResponse xmlns="urn:vim25">.
type resBody struct{ res reflect.Value }

func (b *resBody) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	name := xml.StartElement{Name: xml.Name{Space: "urn:vim25", Local: b.res.Elem().Type().Name()}}
	if err := e.EncodeElement(b.res.Interface(), name); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

func writeSOAP(w http.ResponseWriter, res soap.HasFault) {
	var body interface{}
	status := http.StatusOK
	if f := res.Fault(); f != nil {
		status = http.StatusInternalServerError
		sf := &soapFault{Code: f.Code, String: f.String}
		sf.Detail.Fault = &faultDetail{f.Detail.Fault}
		body = struct{ Fault *soapFault }{sf}
	} else {
		body = &resBody{reflect.ValueOf(res).Elem().FieldByName("Res")}
	}
	var out bytes.Buffer
	out.WriteString(xml.Header)
	e := xml.NewEncoder(&out)
	err := e.Encode(&soapEnvelope{Env: "http://schemas.xmlsoap.org/soap/envelope/",
		XSD: "http://www.w3.org/2001/XMLSchema", XSI: "http://www.w3.org/2001/XMLSchema-instance", Body: body})
	if err == nil {
		err = e.Flush()
	}
	if err != nil {
		log.Printf("encoding response: %v", err)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(out.Bytes())
}

// API versions vCenter lists as prior versions (vcsim lists only 6.0 and 5.5,
// so older clients would negotiate an API without CreateSnapshotEx_Task).
var apiVersions = []string{"7.0.3.0", "7.0.2.1", "7.0.2.0", "7.0.1.1", "7.0.1.0", "7.0.0.2", "7.0.0.1", "7.0.0.0",
	"6.9.1", "6.8.7", "6.7.3", "6.7.2", "6.7.1", "6.7", "6.5", "6.0", "5.5", "5.1", "5.0", "4.1", "4.0"}

// serviceVersions answers /sdk/vimServiceVersions.xml as vCenter does.
func serviceVersions(w http.ResponseWriter, version string) {
	api := aboutInfo(version).ApiVersion
	var b strings.Builder
	b.WriteString(xml.Header + "<namespaces version=\"1.0\">\n <namespace>\n  <name>urn:vim25</name>\n")
	fmt.Fprintf(&b, "  <version>%s</version>\n  <priorVersions>\n", api)
	for _, v := range apiVersions {
		if versionLess(v, api) {
			fmt.Fprintf(&b, "   <version>%s</version>\n", v)
		}
	}
	b.WriteString("  </priorVersions>\n </namespace>\n</namespaces>\n")
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(b.String()))
}

// versionLess compares dotted numeric versions.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			fmt.Sscan(pa[i], &x)
		}
		if i < len(pb) {
			fmt.Sscan(pb[i], &y)
		}
		if x != y {
			return x < y
		}
	}
	return false
}
