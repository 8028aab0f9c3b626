package main

import (
	"context"
	"encoding/json"
	"io/ioutil"
	"sync"
	"testing"
)

// The demo fleet (scenarios/demo.json, written to the contract by another
// engineer) loads, and test snapshots end as its README says they should.
func TestDemoScenario(t *testing.T) {
	data, err := ioutil.ReadFile("scenarios/demo.json")
	if err != nil {
		t.Skip("no demo scenario")
	}
	var sc map[string]interface{}
	if err := json.Unmarshal(data, &sc); err != nil {
		t.Fatal(err)
	}
	vc := sc["vcenter"].(map[string]interface{})
	p := startLab(t, sc)
	c, err := p.login(context.Background(), vc["user"].(string), vc["password"].(string))
	if err != nil {
		t.Fatal(err)
	}
	p.client = c
	want := map[string]string{
		"sql-prod-01": "application", "exch-mbx-01": "application", "dc-01": "application", "print-01": "application",
		"wsus-01": "application", "sql-rpt-01": "application", "sql-qa-01": "application", "vdi-w10-001": "filesystem",
		"legacy-lob-01": "ToolsUnavailable", "print-02": "ToolsUnavailable", "dc-branch-01": "FilesystemQuiesceFault",
		"app-hr-01": "FilesystemQuiesceFault", "app-fin-01": "filesystem", "legacy-xp-scada": "crash",
		"app-crm-01": "filesystem", "web-intranet-01": "FilesystemQuiesceFault", "exch-mbx-03": "ApplicationQuiesceFault",
		"sql-bi-01": "filesystem", "app-lims-01": "filesystem", "legacy-2003-fax": "filesystem", "app-erp-01": "filesystem",
		"sql-dev-01": "filesystem", "fs-archive-01": "filesystem", "fs-03": "filesystem", "backup-repo-01": "filesystem",
		"dev-build-01": "TooManySnapshotLevels", "sql-erp-01": "ApplicationQuiesceFault", "lnx-mon-01": "crash",
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for name, w := range want {
		name, w := name, w
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := p.outcome(t, name)
			mu.Lock()
			defer mu.Unlock()
			if got != w {
				t.Errorf("%s: got %s, want %s", name, got, w)
			}
		}()
	}
	wg.Wait()
}
