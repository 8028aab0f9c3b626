package main

import (
	"context"
	"strings"
	"testing"

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
