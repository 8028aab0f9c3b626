package main

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// The expected bytes were written with Python's own codecs (cp437 ... cp949),
// an oracle independent of the lab's iconv conversion.
var localeCases = []struct {
	locale string
	cp     int
	line   string // a vssadmin line, in the code page
	sc1060 string // a line of `sc qc missing`, in the code page
}{
	{"en-US", 437, "   State: [1] Stable\x0d\x0a", "[SC] OpenService FAILED 1060:"},
	{"de-DE", 850, "   Letzter Fehler: Zeit\x81berschreitung\x0d\x0a", "[SC] OpenService FEHLER 1060:"},
	{"fr-FR", 850, "   \x90tat : [1] Stable\x0d\x0a", "[SC] OpenService \x90CHEC 1060 :"},
	{"es-ES", 850, "   \xe9ltimo error: Sin error\x0d\x0a", "[SC] OpenService ERROR 1060:"},
	{"it-IT", 850, "   Stato: [1] Stabile\x0d\x0a", "[SC] OpenService NON RIUSCITO 1060:"},
	{"pt-BR", 850, "   Estado: [1] Est\xa0vel\x0d\x0a", "[SC] OpenService FALHA 1060:"},
	{"nl-NL", 850, "   Status: [1] Stabiel\x0d\x0a", "De opgegeven service bestaat niet als een ge\x8bnstalleerde service."},
	{"pl-PL", 852, "   Ostatni b\x88\xa5d: Brak b\x88\xa9d\xa2w\x0d\x0a", "Okre\x98lona us\x88uga nie istnieje jako zainstalowana us\x88uga."},
	{"ru-RU", 866, "   \x91\xae\xe1\xe2\xae\xef\xad\xa8\xa5: [1] \x91\xe2\xa0\xa1\xa8\xab\xec\xad\xeb\xa9\x0d\x0a", "[SC] OpenService: \xae\xe8\xa8\xa1\xaa\xa0: 1060:"},
	{"ja-JP", 932, "   \x8f\xf3\x91\xd4: [1] \x88\xc0\x92\xe8\x0d\x0a", "[SC] OpenService \x8e\xb8\x94s 1060:"},
	{"zh-CN", 936, "   \xd7\xb4\xcc\xac: [1] \xce\xc8\xb6\xa8\x0d\x0a", "[SC] OpenService \xca\xa7\xb0\xdc 1060:"},
	{"ko-KR", 949, "   \xbb\xf3\xc5\xc2: [1] \xbe\xc8\xc1\xa4\xb5\xca\x0d\x0a", "[SC] OpenService \xbd\xc7\xc6\xd0 1060:"},
}

// Every shipped locale prints its own words in its OEM code page, with CRLF;
// sc's field names, numbers and GUIDs stay as they are.
func TestLocaleOutputs(t *testing.T) {
	var vms []map[string]interface{}
	for _, c := range localeCases {
		vms = append(vms, win2019("loc-"+c.locale, map[string]interface{}{
			"guest": map[string]interface{}{"locale": c.locale, "writers": []interface{}{
				map[string]interface{}{"name": "Task Scheduler Writer"},
				map[string]interface{}{"name": "SqlServerWriter", "state": "failed", "last_error": "timeout"}}}}))
	}
	p := startLab(t, scenario(vms...))
	p.c(t)
	for _, c := range localeCases {
		vm := p.vm(t, "loc-"+c.locale)
		out, code := p.guestRun(t, vm, "chcp & echo ::quiescent:: w & vssadmin list writers & "+
			"echo ::quiescent:: qc & sc qc LGTO_Sync & echo ::quiescent:: vss & sc qc VSS & "+
			"echo ::quiescent:: type & type C:\\nothing.txt")
		if code != 1 {
			t.Errorf("%s: exit %d, want type's 1", c.locale, code)
		}
		if want := fmt.Sprintf(": %d", c.cp); !strings.Contains(strings.SplitN(out, "\r\n", 2)[0], fmt.Sprint(c.cp)) {
			t.Errorf("%s: chcp printed %q, want the number %s", c.locale, strings.SplitN(out, "\r\n", 2)[0], want)
		}
		if strings.Count(out, "\n") != strings.Count(out, "\r\n") {
			t.Errorf("%s: a line without CR", c.locale)
		}
		s := sections(out)
		if !strings.Contains(s["w"], c.line) {
			t.Errorf("%s: vssadmin lacks %q:\n%q", c.locale, c.line, s["w"])
		}
		for _, want := range []string{"{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}", "[1] ", "[9] ", "(C) Copyright 2001-2013 Microsoft Corp."} {
			if !strings.Contains(s["w"], want) {
				t.Errorf("%s: vssadmin lacks %q", c.locale, want)
			}
		}
		if !strings.Contains(s["qc"], c.sc1060) {
			t.Errorf("%s: sc qc lacks %q:\n%q", c.locale, c.sc1060, s["qc"])
		}
		// The field name is the language's (STARTTYP in German), the constant stays English.
		startLine := fmt.Sprintf("        %-19s: 3   DEMAND_START\r\n", scKeysOf(c.locale)[2])
		if !strings.Contains(s["vss"], startLine) || !strings.HasPrefix(s["vss"], "[SC] QueryServiceConfig") {
			t.Errorf("%s: sc qc VSS lacks %q:\n%q", c.locale, startLine, s["vss"])
		}
		if c.locale != "en-US" && strings.Contains(s["type"], "cannot find") {
			t.Errorf("%s: type printed English", c.locale)
		}
		// What the lab wrote decodes back to the locale's text.
		if got := decodeCP([]byte(s["w"]), c.cp); !strings.Contains(got, locales[c.locale].lastErrors["timeout"]) {
			t.Errorf("%s: decoded vssadmin lacks the timeout word: %q", c.locale, got)
		}
	}
}

// raw_outputs: a recorded output replaces the emulation for the command that
// matches its key (case, blanks, path and .exe ignored) and is transcoded when
// the command line switched the code page first.
func TestRawOutputsAndChcp(t *testing.T) {
	// "État : Échec" in CP850, and a recorded exit code.
	rec := []byte("\x90tat : [7] \x90chec\r\n")
	p := startLab(t, scenario(win2019("raw", map[string]interface{}{
		"guest": map[string]interface{}{"locale": "fr-FR", "raw_outputs": map[string]interface{}{
			"sc qc vmvss":            map[string]interface{}{"base64": base64.StdEncoding.EncodeToString(rec), "exit_code": 1060},
			"VSSADMIN  List Writers": map[string]interface{}{"base64": base64.StdEncoding.EncodeToString([]byte("x\r\n"))},
		}}})))
	p.c(t)
	vm := p.vm(t, "raw")
	cases := []struct {
		cmd  string
		out  string
		code int32
	}{
		{`C:\Windows\System32\sc.exe  QC vmvss`, string(rec), 1060},
		{`SC qc VMVSS`, string(rec), 1060},
		{`sc qc vmvss2`, "", 1060}, // not the key: the emulation's own (missing service) text
		{`vssadmin list writers`, "x\r\n", 0},
		{`chcp 65001 & sc qc vmvss`, "Page de codes active : 65001\r\nÉtat : [7] Échec\r\n", 1060},
		{`chcp 437 & sc qc vmvss`, "Page de codes active : 437\r\n\x90tat : [7] \x90chec\r\n", 1060},
		{`chcp 1252 & sc qc vmvss`, "Page de codes active : 1252\r\n\xc9tat : [7] \xc9chec\r\n", 1060},
		{`chcp 65001 & sc qc missing`, "Page de codes active : 65001\r\n[SC] OpenService ÉCHEC 1060 :\r\n\r\n" +
			"Le service spécifié n'existe pas en tant que service installé.\r\n\r\n", 1060},
		{`chcp 12345`, "Page de codes non valide\r\n", 1},
	}
	for _, c := range cases {
		out, code := p.guestRun(t, vm, c.cmd)
		if code != c.code || (c.out != "" && out != c.out) {
			t.Errorf("%s: got %q exit %d, want %q exit %d", c.cmd, out, code, c.out, c.code)
		}
		if c.out == "" && (out == string(rec) || !strings.Contains(out, "1060")) {
			t.Errorf("%s: got %q, want the emulation", c.cmd, out)
		}
	}
}

func TestScenarioLocaleErrors(t *testing.T) {
	for _, c := range []struct{ guest, want string }{
		{`{"locale": "xx-XX"}`, "vms[0].guest.locale"},
		{`{"raw_outputs": {"sc qc x": {"base64": "!!"}}}`, "vms[0].guest.raw_outputs.sc qc x.base64"},
		{`{"raw_outputs": {"sc qc x": {"bytes": "AA=="}}}`, "bytes"},
	} {
		_, err := ParseScenario([]byte(`{"vms": [{"name": "a", "guest": ` + c.guest + `}]}`))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming %q", c.guest, err, c.want)
		}
	}
}

// net.exe speaks the guest's language too, in its code page.
func TestLocaleNet(t *testing.T) {
	p := startLab(t, scenario(win2019("net-de", map[string]interface{}{
		"guest": map[string]interface{}{"locale": "de-DE", "writers": []interface{}{
			map[string]interface{}{"name": "SqlServerWriter"}}}})))
	p.c(t)
	vm := p.vm(t, "net-de")
	out, code := p.guestRun(t, vm, `net stop "SQLWriter" & net start "SQLWriter"`)
	want := "Der Dienst \"SQL Server VSS Writer\" wird gestartet.\r\nDer Dienst \"SQL Server VSS Writer\" wurde erfolgreich gestartet.\r\n\r\n"
	if code != 0 || !strings.HasSuffix(out, want) {
		t.Errorf("got %q exit %d", out, code)
	}
	out, code = p.guestRun(t, vm, `net stop Nope`)
	// "ungültig": ü is 0x81 in CP850
	if code != 2 || !strings.HasPrefix(out, "Der Dienstname ist ung\x81ltig.\r\n\r\nSie erhalten weitere Hilfe, wenn Sie NET HELPMSG 2185 eingeben.\r\n") {
		t.Errorf("got %q exit %d", out, code)
	}
}

// PowerShell's error record speaks the guest's language, but its error id does not.
func TestLocalePowerShell(t *testing.T) {
	p := startLab(t, scenario(win2019("ps-de", map[string]interface{}{
		"guest_id": "windows7Server64Guest", "guest_build": 7601,
		"guest": map[string]interface{}{"locale": "de-DE"}})))
	p.c(t)
	out, code := p.guestRun(t, p.vm(t, "ps-de"), `powershell -NoProfile -NonInteractive -Command "Get-StoragePool -IsPrimordial $false | Format-Table"`)
	if code != 1 || !strings.HasPrefix(out, "Get-StoragePool : Die Benennung \"Get-StoragePool\" wurde nicht") ||
		!strings.Contains(out, "In Zeile:1 Zeichen:1\r\n") || !strings.Contains(out, "FullyQualifiedErrorId : CommandNotFoundException\r\n") {
		t.Errorf("got %q exit %d", out, code)
	}
}
