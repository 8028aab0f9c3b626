package main

// RetrievePropertiesEx paging as vCenter does it. vcsim 0.24 ignores
// RetrieveOptions.maxObjects and has no ContinueRetrievePropertiesEx, so a
// client's paging code would never be exercised (and 10,000 VMs would come back
// as one huge response). The lab lets vcsim answer the whole retrieval once,
// cuts the answer's <objects> elements apart as bytes (decoding and encoding
// 10,000 VMs again would triple the server's cost and skew every benchmark
// against it), and hands them out a page at a time behind a token.

import (
	"bytes"
	"fmt"
	"io/ioutil"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// defaultPageSize applies when the client sets no maxObjects: vCenter pages
// then too, so clients that ignore tokens fail here as they would there.
const defaultPageSize = 100

// pagedResult is what is left of one retrieval: the objects still to hand out,
// each a self-contained <objects> element (vcsim declares namespaces on <val>).
type pagedResult struct {
	head     []byte // the envelope up to and including <soapenv:Body>
	objects  [][]byte
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

// page writes the next page of r as a `method`Response, registering the rest
// under a new token.
func (p *pager) page(w http.ResponseWriter, method string, r *pagedResult) {
	objects, rest := r.objects, [][]byte(nil)
	if len(objects) > r.pageSize {
		objects, rest = r.objects[:r.pageSize], r.objects[r.pageSize:]
	}
	var out bytes.Buffer
	out.Write(r.head)
	fmt.Fprintf(&out, `<%sResponse xmlns="urn:vim25"><returnval>`, method)
	if rest != nil {
		p.mu.Lock()
		if p.pending == nil {
			p.pending = make(map[string]*pagedResult)
		}
		p.next++
		token := fmt.Sprintf("lab-page-%d", p.next)
		p.pending[token] = &pagedResult{head: r.head, objects: rest, pageSize: r.pageSize}
		p.mu.Unlock()
		fmt.Fprintf(&out, "<token>%s</token>", token)
	}
	for _, o := range objects {
		out.Write(o)
	}
	fmt.Fprintf(&out, "</returnval></%sResponse></soapenv:Body></soapenv:Envelope>", method)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

func (p *pager) take(token string) (*pagedResult, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.pending[token]
	delete(p.pending, token)
	return r, ok
}

// retrievePropertiesEx passes the request to vcsim and pages its answer.
func (f *front) retrievePropertiesEx(w http.ResponseWriter, r *http.Request, body []byte) {
	pageSize := defaultPageSize
	if method, err := simulator.UnmarshalBody(typeFunc, body); err == nil {
		if req, ok := method.Body.(*types.RetrievePropertiesEx); ok && req.Options.MaxObjects > 0 {
			pageSize = int(req.Options.MaxObjects)
		}
	}
	r.Body = ioutil.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	f.inner.ServeHTTP(rec, r)
	if rec.Code == http.StatusOK {
		if head, objects, ok := splitObjects(rec.Body.Bytes()); ok && len(objects) > pageSize {
			f.pager.page(w, "RetrievePropertiesEx", &pagedResult{head: head, objects: objects, pageSize: pageSize})
			return
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
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
		f.pager.page(w, "ContinueRetrievePropertiesEx", rest)
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
