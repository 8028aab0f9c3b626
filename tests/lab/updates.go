package main

// WaitForUpdatesEx with WaitOptions.maxObjectUpdates, as vCenter does it: vcsim
// 0.24 ignores the option, so a console watching 10,000 VMs would get every VM
// in one response and the client's handling of truncated update sets would never
// run. Like paging.go, the lab lets vcsim answer, cuts the <objectSet> elements
// apart as bytes, and hands them out behind versions of its own with
// truncated=true; the last piece carries vcsim's real version.

import (
	"bytes"
	"fmt"
	"io/ioutil"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

const labVersionPrefix = "lab-upd-"

type pendingUpdates struct {
	head     []byte   // envelope up to and including <soapenv:Body>
	filter   []byte   // the <filter> element of the single filterSet
	objects  [][]byte // <objectSet> elements still to hand out
	version  string   // vcsim's version once everything is out
	maxCount int
}

type updatePager struct {
	mu      sync.Mutex
	next    int
	pending map[string]*pendingUpdates
}

var (
	versionRE     = regexp.MustCompile(`<version>([^<]*)</version>`)
	objectSetOpen = []byte("<objectSet>")
	objectSetEnd  = []byte("</objectSet>")
)

// splitUpdates cuts a WaitForUpdatesExResponse with one filterSet holding only
// objectSets into its pieces; ok is false for anything else (left as it is).
func splitUpdates(data []byte) (p *pendingUpdates, ok bool) {
	m := versionRE.FindSubmatch(data)
	b := bytes.Index(data, bodyOpen)
	fs := bytes.Index(data, []byte("<filterSet>"))
	if m == nil || b < 0 || fs < 0 || bytes.Count(data, []byte("<filterSet>")) != 1 ||
		bytes.Contains(data, []byte("<missingSet>")) {
		return nil, false
	}
	first := bytes.Index(data[fs:], objectSetOpen)
	if first < 0 {
		return nil, false
	}
	p = &pendingUpdates{head: data[:b+len(bodyOpen)], filter: data[fs+len("<filterSet>") : fs+first],
		version: string(m[1])}
	for pos := fs + first; ; {
		if !bytes.HasPrefix(data[pos:], objectSetOpen) {
			break
		}
		end := bytes.Index(data[pos:], objectSetEnd)
		if end < 0 {
			return nil, false
		}
		p.objects = append(p.objects, data[pos:pos+end+len(objectSetEnd)])
		pos += end + len(objectSetEnd)
	}
	return p, true
}

// write sends the next piece of p, registering the rest under a new version.
func (u *updatePager) write(w http.ResponseWriter, p *pendingUpdates) {
	objects, version, truncated := p.objects, p.version, false
	if len(objects) > p.maxCount {
		objects = p.objects[:p.maxCount]
		rest := *p
		rest.objects = p.objects[p.maxCount:]
		u.mu.Lock()
		if u.pending == nil {
			u.pending = make(map[string]*pendingUpdates)
		}
		u.next++
		version = fmt.Sprintf("%s%d", labVersionPrefix, u.next)
		u.pending[version] = &rest
		u.mu.Unlock()
		truncated = true
	}
	var out bytes.Buffer
	out.Write(p.head)
	fmt.Fprintf(&out, `<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>%s</version><filterSet>`, version)
	out.Write(p.filter)
	for _, o := range objects {
		out.Write(o)
	}
	out.WriteString("</filterSet>")
	if truncated {
		out.WriteString("<truncated>true</truncated>")
	}
	out.WriteString("</returnval></WaitForUpdatesExResponse></soapenv:Body></soapenv:Envelope>")
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out.Bytes())
}

func (u *updatePager) take(version string) (*pendingUpdates, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	p, ok := u.pending[version]
	delete(u.pending, version)
	return p, ok
}

// waitForUpdatesEx serves the rest of a truncated update set, or asks vcsim and
// truncates its answer to maxObjectUpdates.
func (f *front) waitForUpdatesEx(w http.ResponseWriter, r *http.Request, body []byte) {
	max := 0
	version := ""
	if method, err := simulator.UnmarshalBody(typeFunc, body); err == nil {
		if req, ok := method.Body.(*types.WaitForUpdatesEx); ok {
			version = req.Version
			if req.Options != nil {
				max = int(req.Options.MaxObjectUpdates)
			}
		}
	}
	if strings.HasPrefix(version, labVersionPrefix) {
		if !f.authenticated(r) {
			writeSOAP(w, fault("", &types.NotAuthenticated{}))
			return
		}
		p, ok := f.updates.take(version)
		if !ok {
			writeSOAP(w, fault("invalid version: "+version, &types.InvalidArgument{InvalidProperty: "version"}))
			return
		}
		f.updates.write(w, p)
		return
	}
	r.Body = ioutil.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	f.inner.ServeHTTP(rec, r)
	if rec.Code == http.StatusOK && max > 0 {
		if p, ok := splitUpdates(rec.Body.Bytes()); ok && len(p.objects) > max {
			p.maxCount = max
			f.updates.write(w, p)
			return
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
