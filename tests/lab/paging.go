package main

// RetrievePropertiesEx paging as vCenter does it. vcsim 0.24 ignores
// RetrieveOptions.maxObjects and has no ContinueRetrievePropertiesEx, so a
// client's paging code would never be exercised (and 10,000 VMs would come back
// as one huge response). vCenter keeps a cursor over the result and builds each
// page when it is asked for; so does the lab: it first lists the objects the
// request selects (the same request with no properties, cheap), then answers
// each page by asking vcsim for the properties of that page's objects alone.
// The server's time is then spread over the pages as it is on vCenter, instead
// of spent on every object before the first page (which no client could hide).

import (
	"bytes"
	"fmt"
	"io/ioutil"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	"github.com/vmware/govmomi/vim25/xml"
)

// defaultPageSize applies when the client sets no maxObjects: vCenter pages
// then too, so clients that ignore tokens fail here as they would there.
const defaultPageSize = 100

// objRef is an object of a result as the listing spelled it (escaped XML text,
// written back as it came).
type objRef struct{ typ, value []byte }

// pagedResult is what is left of one retrieval: the objects still to hand out
// and what to read of them.
type pagedResult struct {
	this     types.ManagedObjectReference // the PropertyCollector asked
	props    []types.PropertySpec         // every filter's, in the request's order
	refs     []objRef
	pageSize int
}

type pager struct {
	mu      sync.Mutex
	next    int
	pending map[string]*pagedResult
}

var (
	objectsOpen  = []byte("<objects>")
	objectsClose = []byte("</objects>")
	bodyOpen     = []byte("<soapenv:Body>")
)

// splitObjects cuts a RetrievePropertiesExResponse into its envelope head and
// its top-level <objects> elements (nested ones, should a value hold any, stay
// inside their parent). ok is false for anything else.
func splitObjects(data []byte) (head []byte, objects [][]byte, ok bool) {
	b := bytes.Index(data, bodyOpen)
	if b < 0 {
		return nil, nil, false
	}
	head = data[:b+len(bodyOpen)]
	pos, depth, start := b, 0, 0
	for {
		o := bytes.Index(data[pos:], objectsOpen)
		c := bytes.Index(data[pos:], objectsClose)
		switch {
		case c < 0 && o < 0:
			return head, objects, depth == 0
		case o >= 0 && (c < 0 || o < c):
			if depth == 0 {
				start = pos + o
			}
			depth++
			pos += o + len(objectsOpen)
		default:
			depth--
			pos += c + len(objectsClose)
			if depth < 0 {
				return nil, nil, false
			}
			if depth == 0 {
				objects = append(objects, data[start:pos])
			}
		}
	}
}

// page asks vcsim for the next page of r's objects and writes it as a
// `method`Response, registering the rest under a new token. A fault from vcsim
// (the session ended, say) is passed on, and the rest of the result dropped.
func (f *front) page(w http.ResponseWriter, req *http.Request, method string, r *pagedResult) {
	refs, rest := r.refs, []objRef(nil)
	if len(refs) > r.pageSize {
		refs, rest = r.refs[:r.pageSize], r.refs[r.pageSize:]
	}
	rec := f.ask(req, pageRequest(r.this, r.props, refs))
	defer rec.release()
	head, objects, ok := splitObjects(rec.body.Bytes())
	if rec.code != http.StatusOK || !ok {
		passOn(w, rec)
		return
	}
	out := takeBuffer()
	defer releaseBuffer(out)
	out.Grow(rec.body.Len() + 256) // the page is vcsim's answer re-wrapped: one allocation at most
	out.Write(head)
	fmt.Fprintf(out, `<%sResponse xmlns="urn:vim25"><returnval>`, method)
	if rest != nil {
		p := &f.pager
		p.mu.Lock()
		if p.pending == nil {
			p.pending = make(map[string]*pagedResult)
		}
		p.next++
		token := fmt.Sprintf("lab-page-%d", p.next)
		p.pending[token] = &pagedResult{this: r.this, props: r.props, refs: rest, pageSize: r.pageSize}
		p.mu.Unlock()
		fmt.Fprintf(out, "<token>%s</token>", token)
	}
	for _, o := range objects {
		out.Write(o)
	}
	fmt.Fprintf(out, "</returnval></%sResponse></soapenv:Body></soapenv:Envelope>", method)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

// Page-sized buffers are reused: a page is megabytes, and allocating (and
// zeroing, and collecting) that much garbage per page made the lab's cost per
// page grow with the inventory, whose live heap every GC cycle marks.
var buffers = sync.Pool{New: func() interface{} { return new(bytes.Buffer) }}

func takeBuffer() *bytes.Buffer { return buffers.Get().(*bytes.Buffer) }

func releaseBuffer(b *bytes.Buffer) {
	b.Reset()
	buffers.Put(b)
}

// recorder is an http.ResponseWriter that keeps vcsim's answer in a pooled
// buffer (httptest.ResponseRecorder grows a new one every time).
type recorder struct {
	header http.Header
	code   int
	wrote  bool
	body   *bytes.Buffer
}

func newRecorder() *recorder {
	return &recorder{header: make(http.Header), code: http.StatusOK, body: takeBuffer()}
}

func (rec *recorder) Header() http.Header { return rec.header }

func (rec *recorder) WriteHeader(code int) {
	if !rec.wrote {
		rec.code, rec.wrote = code, true
	}
}

func (rec *recorder) Write(p []byte) (int, error) {
	rec.wrote = true
	return rec.body.Write(p)
}

// release gives the buffer back; rec is not to be used after.
func (rec *recorder) release() {
	releaseBuffer(rec.body)
	rec.body = nil
}

// ask sends vcsim a SOAP request of the lab's own in the session of req. The
// caller releases the answer.
func (f *front) ask(req *http.Request, body []byte) *recorder {
	r := httptest.NewRequest(http.MethodPost, "/sdk", bytes.NewReader(body))
	if c, err := req.Cookie(soap.SessionCookieName); err == nil {
		r.AddCookie(c)
	}
	rec := newRecorder()
	f.inner.ServeHTTP(rec, r)
	return rec
}

func passOn(w http.ResponseWriter, rec *recorder) {
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.code)
	_, _ = w.Write(rec.body.Bytes())
}

const soapHead = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope ` +
	`xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
	`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`

// pageRequest: RetrievePropertiesEx of props over exactly these objects. vcsim
// reads every filter's propSet for every object it collects, so one filter with
// all of them reads what the client's filters would; an object gone since the
// listing is left out, as vCenter leaves it.
func pageRequest(this types.ManagedObjectReference, props []types.PropertySpec, refs []objRef) []byte {
	var b bytes.Buffer
	b.WriteString(soapHead + `<RetrievePropertiesEx xmlns="urn:vim25"><_this type="`)
	xml.EscapeText(&b, []byte(this.Type))
	b.WriteString(`">`)
	xml.EscapeText(&b, []byte(this.Value))
	b.WriteString(`</_this><specSet>`)
	for _, p := range props {
		b.WriteString("<propSet><type>")
		xml.EscapeText(&b, []byte(p.Type))
		b.WriteString("</type>")
		if p.All != nil {
			fmt.Fprintf(&b, "<all>%t</all>", *p.All)
		}
		for _, path := range p.PathSet {
			b.WriteString("<pathSet>")
			xml.EscapeText(&b, []byte(path))
			b.WriteString("</pathSet>")
		}
		b.WriteString("</propSet>")
	}
	for _, o := range refs {
		fmt.Fprintf(&b, `<objectSet><obj type="%s">%s</obj><skip>false</skip></objectSet>`, o.typ, o.value)
	}
	b.WriteString(`<reportMissingObjectsInResults>true</reportMissingObjectsInResults></specSet>` +
		`<options></options></RetrievePropertiesEx></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

var (
	pathSetRE = regexp.MustCompile(`<pathSet>[^<]*</pathSet>`)
	allTrueRE = regexp.MustCompile(`<all>(true|1)</all>`)
	objRE     = regexp.MustCompile(`<obj type="([^"]*)">([^<]*)</obj>`)
)

// listObjects: the objects the request selects, in vcsim's order, from the
// same request without its properties. ok is false when vcsim did not answer
// it with objects (a fault: the caller lets vcsim answer the request itself).
func (f *front) listObjects(r *http.Request, body []byte) (refs []objRef, ok bool) {
	bare := allTrueRE.ReplaceAll(pathSetRE.ReplaceAll(body, nil), []byte("<all>false</all>"))
	rec := f.ask(r, bare)
	defer rec.release()
	if rec.code != http.StatusOK {
		return nil, false
	}
	_, objects, ok := splitObjects(rec.body.Bytes())
	if !ok {
		return nil, false
	}
	matches, size := make([][][]byte, len(objects)), 0
	for i, o := range objects {
		if matches[i] = objRE.FindSubmatch(o); matches[i] == nil {
			return nil, false
		}
		size += len(matches[i][1]) + len(matches[i][2])
	}
	// The refs outlive vcsim's answer, whose buffer goes back to the pool:
	// they are copied into one array of their own.
	arena := make([]byte, 0, size)
	refs = make([]objRef, len(matches))
	for i, m := range matches {
		t := len(arena)
		arena = append(arena, m[1]...)
		v := len(arena)
		arena = append(arena, m[2]...)
		refs[i] = objRef{typ: arena[t:v:v], value: arena[v:len(arena):len(arena)]}
	}
	return refs, true
}

func (p *pager) take(token string) (*pagedResult, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.pending[token]
	delete(p.pending, token)
	return r, ok
}

// retrievePropertiesEx pages a result longer than a page; a shorter one, or a
// request the lab cannot list, vcsim answers whole.
func (f *front) retrievePropertiesEx(w http.ResponseWriter, r *http.Request, body []byte) {
	pageSize := defaultPageSize
	var req *types.RetrievePropertiesEx
	if method, err := simulator.UnmarshalBody(typeFunc, body); err == nil {
		req, _ = method.Body.(*types.RetrievePropertiesEx)
	}
	if req != nil && req.Options.MaxObjects > 0 {
		pageSize = int(req.Options.MaxObjects)
	}
	if req != nil {
		if refs, ok := f.listObjects(r, body); ok && len(refs) > pageSize {
			var props []types.PropertySpec
			for _, spec := range req.SpecSet {
				props = append(props, spec.PropSet...)
			}
			f.page(w, r, "RetrievePropertiesEx",
				&pagedResult{this: req.This, props: props, refs: refs, pageSize: pageSize})
			return
		}
	}
	r.Body = ioutil.NopCloser(bytes.NewReader(body))
	rec := newRecorder()
	defer rec.release()
	f.inner.ServeHTTP(rec, r)
	passOn(w, rec)
}

// continueRetrievePropertiesEx and cancelRetrievePropertiesEx act on a token,
// once: a token that was used, cancelled or never given is InvalidArgument.
func (f *front) continueRetrievePropertiesEx(w http.ResponseWriter, r *http.Request, body []byte) {
	if token, ok := f.token(w, r, body); ok {
		rest, found := f.pager.take(token)
		if !found {
			writeSOAP(w, fault("invalid token: "+token, &types.InvalidArgument{InvalidProperty: "token"}))
			return
		}
		f.page(w, r, "ContinueRetrievePropertiesEx", rest)
	}
}

func (f *front) cancelRetrievePropertiesEx(w http.ResponseWriter, r *http.Request, body []byte) {
	if token, ok := f.token(w, r, body); ok {
		f.pager.take(token)
		writeSOAP(w, &methods.CancelRetrievePropertiesExBody{Res: &types.CancelRetrievePropertiesExResponse{}})
	}
}

// token decodes a Continue/Cancel request's token after checking the session;
// on false the fault has been written.
func (f *front) token(w http.ResponseWriter, r *http.Request, body []byte) (string, bool) {
	method, err := simulator.UnmarshalBody(typeFunc, body)
	if err != nil {
		writeSOAP(w, fault(err.Error(), &types.InvalidRequest{}))
		return "", false
	}
	if !f.authenticated(r) {
		writeSOAP(w, fault("", &types.NotAuthenticated{
			NoPermission: types.NoPermission{Object: method.This, PrivilegeId: "System.View"}}))
		return "", false
	}
	switch req := method.Body.(type) {
	case *types.ContinueRetrievePropertiesEx:
		return req.Token, true
	case *types.CancelRetrievePropertiesEx:
		return req.Token, true
	}
	writeSOAP(w, fault("unexpected request", &types.InvalidRequest{}))
	return "", false
}
