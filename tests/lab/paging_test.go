package main

import (
	"bytes"
	"context"
	"fmt"
	"io/ioutil"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/types"
)

// RetrievePropertiesEx hands out maxObjects objects per page behind a token,
// ContinueRetrievePropertiesEx follows it to the end, Cancel drops it.
func TestRetrievePropertiesExPages(t *testing.T) {
	lab := startLab(t, scenario(map[string]interface{}{"name": "page", "count": 7}))
	defer lab.stop(t)
	ctx := context.Background()
	c := lab.c(t)
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder,
		[]string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	spec := types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: v.Reference(), Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}}}},
		PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: []string{"name"}}},
	}
	retrieve := func(max int32) *types.RetrieveResult {
		res, err := methods.RetrievePropertiesEx(ctx, c, &types.RetrievePropertiesEx{
			This: c.ServiceContent.PropertyCollector, SpecSet: []types.PropertyFilterSpec{spec},
			Options: types.RetrieveOptions{MaxObjects: max}})
		if err != nil {
			t.Fatal(err)
		}
		return res.Returnval
	}

	first := retrieve(3)
	if len(first.Objects) != 3 || first.Token == "" {
		t.Fatalf("first page: %d objects, token %q", len(first.Objects), first.Token)
	}
	names := map[string]bool{}
	for _, o := range first.Objects {
		names[o.PropSet[0].Val.(string)] = true
	}
	sizes := []int{len(first.Objects)}
	for token := first.Token; token != ""; {
		res, err := methods.ContinueRetrievePropertiesEx(ctx, c, &types.ContinueRetrievePropertiesEx{
			This: c.ServiceContent.PropertyCollector, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Returnval.Objects {
			names[o.PropSet[0].Val.(string)] = true
		}
		sizes = append(sizes, len(res.Returnval.Objects))
		token = res.Returnval.Token
	}
	if len(names) != 7 || len(sizes) != 3 || sizes[2] != 1 {
		t.Fatalf("pages %v, %d distinct VMs", sizes, len(names))
	}

	// A token is good once; cancelling one makes it unknown too.
	second := retrieve(2)
	if _, err := methods.CancelRetrievePropertiesEx(ctx, c, &types.CancelRetrievePropertiesEx{
		This: c.ServiceContent.PropertyCollector, Token: second.Token}); err != nil {
		t.Fatal(err)
	}
	if _, err := methods.ContinueRetrievePropertiesEx(ctx, c, &types.ContinueRetrievePropertiesEx{
		This: c.ServiceContent.PropertyCollector, Token: second.Token}); err == nil {
		t.Fatal("a cancelled token still answered")
	}
	if all := retrieve(0); len(all.Objects) != 7 || all.Token != "" {
		t.Fatalf("no maxObjects: %d objects, token %q (default page is %d)", len(all.Objects), all.Token, defaultPageSize)
	}
}

// Nested <objects> elements (a value that holds one) stay inside their parent.
func TestSplitObjects(t *testing.T) {
	data := []byte(`<?xml version="1.0"?><soapenv:Envelope><soapenv:Body><R><returnval>` +
		`<objects><obj>a</obj></objects><objects><val><objects>x</objects></val></objects>` +
		`</returnval></R></soapenv:Body></soapenv:Envelope>`)
	head, objects, ok := splitObjects(data)
	if !ok || len(objects) != 2 || string(objects[1]) != `<objects><val><objects>x</objects></val></objects>` ||
		!strings.HasSuffix(string(head), "<soapenv:Body>") {
		t.Fatalf("ok %v, %q", ok, objects)
	}
	if _, _, ok := splitObjects([]byte(`<soapenv:Body><objects></objects></objects>`)); ok {
		t.Fatal("unbalanced objects accepted")
	}
}

// WaitForUpdatesEx hands out at most maxObjectUpdates objects per answer, with
// truncated=true, until the last piece carries vcsim's own version.
func TestWaitForUpdatesExTruncates(t *testing.T) {
	lab := startLab(t, scenario(map[string]interface{}{"name": "upd", "count": 7}))
	defer lab.stop(t)
	ctx := context.Background()
	c := lab.c(t)
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder,
		[]string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := methods.CreatePropertyCollector(ctx, c, &types.CreatePropertyCollector{This: c.ServiceContent.PropertyCollector})
	if err != nil {
		t.Fatal(err)
	}
	spec := types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: v.Reference(), Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}}}},
		PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: []string{"name"}}},
	}
	if _, err := methods.CreateFilter(ctx, c, &types.CreateFilter{This: pc.Returnval, Spec: spec}); err != nil {
		t.Fatal(err)
	}
	version, seen, pieces := "", map[string]bool{}, 0
	for {
		res, err := methods.WaitForUpdatesEx(ctx, c, &types.WaitForUpdatesEx{This: pc.Returnval, Version: version,
			Options: &types.WaitOptions{MaxWaitSeconds: types.NewInt32(0), MaxObjectUpdates: 3}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Returnval == nil {
			break
		}
		pieces++
		for _, fs := range res.Returnval.FilterSet {
			if len(fs.ObjectSet) > 3 {
				t.Fatalf("%d objects in one answer, asked for 3", len(fs.ObjectSet))
			}
			for _, o := range fs.ObjectSet {
				seen[o.Obj.Value] = true
			}
		}
		version = res.Returnval.Version
		if res.Returnval.Truncated == nil || !*res.Returnval.Truncated {
			break
		}
	}
	if len(seen) != 7 || pieces != 3 || strings.HasPrefix(version, labVersionPrefix) {
		t.Fatalf("%d VMs in %d pieces, final version %q", len(seen), pieces, version)
	}
}

// A page is built when it is asked for, as vCenter builds it: a change made
// after the first page shows in the later pages.
func TestRetrievePropertiesExPagesOnDemand(t *testing.T) {
	lab := startLab(t, scenario(map[string]interface{}{"name": "lazy", "count": 5}))
	defer lab.stop(t)
	ctx := context.Background()
	c := lab.c(t)
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder,
		[]string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	spec := types.PropertyFilterSpec{
		ObjectSet: []types.ObjectSpec{{Obj: v.Reference(), Skip: types.NewBool(true),
			SelectSet: []types.BaseSelectionSpec{&types.TraversalSpec{Type: "ContainerView", Path: "view"}}}},
		PropSet: []types.PropertySpec{{Type: "VirtualMachine", PathSet: []string{"name", "runtime.powerState"}}},
	}
	first, err := methods.RetrievePropertiesEx(ctx, c, &types.RetrievePropertiesEx{
		This: c.ServiceContent.PropertyCollector, SpecSet: []types.PropertyFilterSpec{spec},
		Options: types.RetrieveOptions{MaxObjects: 2}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, o := range first.Returnval.Objects {
		seen[o.Obj.Value] = true
	}
	// Power off every VM the first page did not hold.
	all, err := v.Find(ctx, []string{"VirtualMachine"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	off := map[string]bool{}
	for _, ref := range all {
		if seen[ref.Value] {
			continue
		}
		task, err := object.NewVirtualMachine(c.Client, ref).PowerOff(ctx)
		if err == nil {
			err = task.Wait(ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
		off[ref.Value] = true
	}
	n := len(first.Returnval.Objects)
	for token := first.Returnval.Token; token != ""; {
		res, err := methods.ContinueRetrievePropertiesEx(ctx, c, &types.ContinueRetrievePropertiesEx{
			This: c.ServiceContent.PropertyCollector, Token: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range res.Returnval.Objects {
			n++
			for _, p := range o.PropSet {
				if p.Name == "runtime.powerState" && p.Val.(types.VirtualMachinePowerState) != types.VirtualMachinePowerStatePoweredOff {
					t.Errorf("%s: %v after it was powered off between pages", o.Obj.Value, p.Val)
				}
			}
			delete(off, o.Obj.Value)
		}
		token = res.Returnval.Token
	}
	if n != 5 || len(off) != 0 {
		t.Fatalf("%d objects in all, %d powered-off VMs never seen", n, len(off))
	}
}

// Pages carry vcsim's own bytes: the objects of a result paged 2 by 2 (two
// retrievals interleaved, so that their pages take turns with the reused
// buffers) are byte for byte those of the same result answered whole.
func TestRetrievePropertiesExPagesSameBytes(t *testing.T) {
	lab := startLab(t, scenario(map[string]interface{}{"name": "same", "count": 7,
		"guest_id": "windows9Server64Guest", "disks": []map[string]interface{}{
			{"controller": "pvscsi", "bus": 0, "unit": 0, "gb": 60}, {"controller": "pvscsi", "bus": 0, "unit": 1, "gb": 20}}}))
	defer lab.stop(t)
	ctx := context.Background()
	c := lab.c(t)
	v, err := view.NewManager(c.Client).CreateContainerView(ctx, c.ServiceContent.RootFolder,
		[]string{"VirtualMachine"}, true)
	if err != nil {
		t.Fatal(err)
	}
	pc := c.ServiceContent.PropertyCollector
	call := func(body string) []byte {
		req, err := http.NewRequest(http.MethodPost, c.URL().String(), strings.NewReader(
			`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" `+
				`xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`+body+`</soapenv:Body></soapenv:Envelope>`))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/xml; charset=utf-8")
		var data []byte
		err = c.Client.Client.Do(ctx, req, func(res *http.Response) error {
			var err error
			if data, err = ioutil.ReadAll(res.Body); err == nil && res.StatusCode != http.StatusOK {
				err = fmt.Errorf("HTTP %d: %s", res.StatusCode, data)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	retrieve := func(max int) []byte {
		paths := ""
		for _, p := range []string{"name", "config.guestId", "config.extraConfig", "config.hardware.device",
			"runtime.powerState", "guest.toolsRunningStatus", "guest.disk", "snapshot", "parent"} {
			paths += "<pathSet>" + p + "</pathSet>"
		}
		return call(fmt.Sprintf(`<RetrievePropertiesEx xmlns="urn:vim25"><_this type="PropertyCollector">%s</_this>`+
			`<specSet><propSet><type>VirtualMachine</type>%s</propSet><objectSet><obj type="ContainerView">%s</obj>`+
			`<skip>true</skip><selectSet xsi:type="TraversalSpec"><name>v</name><type>ContainerView</type>`+
			`<path>view</path><skip>false</skip></selectSet></objectSet></specSet>`+
			`<options><maxObjects>%d</maxObjects></options></RetrievePropertiesEx>`, pc.Value, paths, v.Reference().Value, max))
	}
	tokenRE := regexp.MustCompile(`<token>([^<]*)</token>`)
	objects := func(page []byte) (string, string) {
		_, objs, ok := splitObjects(page)
		if !ok {
			t.Fatalf("not a result: %s", page)
		}
		token := ""
		if m := tokenRE.FindSubmatch(page); m != nil {
			token = string(m[1])
		}
		return string(bytes.Join(objs, nil)), token
	}

	whole, token := objects(retrieve(0))
	if token != "" || strings.Count(whole, "<objects>") != 7 {
		t.Fatalf("whole answer: token %q, %d objects", token, strings.Count(whole, "<objects>"))
	}
	var paged [2]string
	var tokens [2]string
	for i := range paged {
		paged[i], tokens[i] = objects(retrieve(2))
	}
	for pages := 1; tokens[0] != "" || tokens[1] != ""; pages++ {
		for i := range paged {
			if tokens[i] == "" {
				continue
			}
			objs, next := objects(call(fmt.Sprintf(`<ContinueRetrievePropertiesEx xmlns="urn:vim25">`+
				`<_this type="PropertyCollector">%s</_this><token>%s</token></ContinueRetrievePropertiesEx>`,
				pc.Value, tokens[i])))
			paged[i] += objs
			tokens[i] = next
		}
		if pages > 4 {
			t.Fatal("more than 4 pages of 2 for 7 VMs")
		}
	}
	for i := range paged {
		if paged[i] != whole {
			t.Errorf("retrieval %d: paged objects differ from the whole answer:\n%s\n----\n%s", i, paged[i], whole)
		}
	}
}
