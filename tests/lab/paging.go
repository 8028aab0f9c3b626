package main

// RetrievePropertiesEx paging as vCenter does it. vcsim 0.24 ignores
// RetrieveOptions.maxObjects and has no ContinueRetrievePropertiesEx, so a
// client's paging code would never be exercised (and 10,000 VMs would come back
// as one huge response). The lab lets vcsim answer the whole retrieval, then
// hands the objects out a page at a time behind a token.

import (
	"bytes"
	"fmt"
	"io/ioutil"
	"net/http"
	"net/http/httptest"
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

type pagedResult struct {
	objects  []types.ObjectContent
	pageSize int
}

type pager struct {
	mu      sync.Mutex
	next    int
	pending map[string]*pagedResult
}

func (p *pager) page(objects []types.ObjectContent, pageSize int) types.RetrieveResult {
	if len(objects) <= pageSize {
		return types.RetrieveResult{Objects: objects}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending == nil {
		p.pending = make(map[string]*pagedResult)
	}
	p.next++
	token := fmt.Sprintf("lab-page-%d", p.next)
	p.pending[token] = &pagedResult{objects: objects[pageSize:], pageSize: pageSize}
	return types.RetrieveResult{Objects: objects[:pageSize], Token: token}
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
	var res methods.RetrievePropertiesExBody
	if rec.Code != http.StatusOK || decodeResponse(rec.Body.Bytes(), &res) != nil ||
		res.Res == nil || res.Res.Returnval == nil || len(res.Res.Returnval.Objects) <= pageSize {
		copyResponse(w, rec)
		return
	}
	page := f.pager.page(res.Res.Returnval.Objects, pageSize)
	writeSOAP(w, &methods.RetrievePropertiesExBody{Res: &types.RetrievePropertiesExResponse{Returnval: &page}})
}

func (f *front) continueRetrievePropertiesEx(w http.ResponseWriter, r *http.Request, body []byte) {
	f.withToken(w, r, body, func(token string) soap.HasFault {
		rest, ok := f.pager.take(token)
		if !ok {
			return fault("invalid token: "+token, &types.InvalidArgument{InvalidProperty: "token"})
		}
		return &methods.ContinueRetrievePropertiesExBody{
			Res: &types.ContinueRetrievePropertiesExResponse{Returnval: f.pager.page(rest.objects, rest.pageSize)}}
	})
}

func (f *front) cancelRetrievePropertiesEx(w http.ResponseWriter, r *http.Request, body []byte) {
	f.withToken(w, r, body, func(token string) soap.HasFault {
		f.pager.take(token)
		return &methods.CancelRetrievePropertiesExBody{Res: &types.CancelRetrievePropertiesExResponse{}}
	})
}

// withToken decodes the token of a Continue/Cancel request after checking the session.
func (f *front) withToken(w http.ResponseWriter, r *http.Request, body []byte, h func(string) soap.HasFault) {
	method, err := simulator.UnmarshalBody(typeFunc, body)
	switch {
	case err != nil:
		writeSOAP(w, fault(err.Error(), &types.InvalidRequest{}))
	case !f.authenticated(r):
		writeSOAP(w, fault("", &types.NotAuthenticated{
			NoPermission: types.NoPermission{Object: method.This, PrivilegeId: "System.View"}}))
	default:
		switch req := method.Body.(type) {
		case *types.ContinueRetrievePropertiesEx:
			writeSOAP(w, h(req.Token))
		case *types.CancelRetrievePropertiesEx:
			writeSOAP(w, h(req.Token))
		default:
			writeSOAP(w, fault("unexpected request", &types.InvalidRequest{}))
		}
	}
}

func decodeResponse(data []byte, body interface{}) error {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.TypeFunc = types.TypeFunc()
	return dec.Decode(&soap.Envelope{Body: body})
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
