// Command quiescent-lab is a vSphere SOAP endpoint for development, demos and
// tests: vcsim (govmomi's simulator) plus Windows guests with VMware Tools,
// VSS writers and quiescing. The contract is /work/shared/lab-scenario.md.
package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	log.SetFlags(log.LstdFlags)
	log.SetOutput(os.Stderr)
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quiescent-lab:", err)
		os.Exit(1)
	}
}

// run parses flags, builds the lab, serves until SIGTERM/SIGINT.
func run(args []string, stdout *os.File) error {
	fs := flag.NewFlagSet("quiescent-lab", flag.ContinueOnError)
	scenario := fs.String("scenario", "", "scenario JSON file (required)")
	listen := fs.String("listen", "127.0.0.1:0", "loopback address to listen on (port 0: any free port)")
	scale := fs.Int("scale", 1, "multiply every VM entry's count")
	stateDir := fs.String("state-dir", "", "directory for the datastore files [a temporary directory]")
	certFile := fs.String("cert", "", "TLS certificate PEM [self-signed]")
	keyFile := fs.String("key", "", "TLS key PEM")
	speed := fs.Float64("speed", 1, "divide every timing_ms duration by this")
	reqLog := fs.String("request-log", "", "append one JSON line per SOAP request (method, VM, time, fault) to FILE")
	churn := fs.Float64("churn", 0, "flip the power state of this percentage of the VMs every second (SIGUSR1 stops it)")
	esxURLs := fs.Bool("esx-transfer-urls", false, "guest file transfer URLs name the VM's ESXi host, as vCenter does, instead of '*'")
	esxThumb := fs.String("esx-host-thumbprint", "", "with --esx-transfer-urls: the thumbprint hosts report [the lab certificate's SHA-1]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *scenario == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: quiescent-lab --scenario FILE.json [--listen 127.0.0.1:0] [--scale N] [--state-dir DIR] [--cert PEM --key PEM] [--speed F] [--request-log FILE] [--churn PERCENT_PER_SECOND] [--esx-transfer-urls [--esx-host-thumbprint HEX]]")
	}
	if *scale < 1 || *speed <= 0 {
		return fmt.Errorf("--scale must be >= 1 and --speed > 0")
	}
	if *churn < 0 || *churn > 100 {
		return fmt.Errorf("--churn must be from 0 to 100 (percent of the VMs per second)")
	}
	if (*certFile == "") != (*keyFile == "") {
		return fmt.Errorf("--cert and --key go together")
	}
	addr, err := loopback(*listen)
	if err != nil {
		return err
	}
	sc, err := LoadScenario(*scenario)
	if err != nil {
		return err
	}
	cert, err := certificate(*certFile, *keyFile)
	if err != nil {
		return err
	}

	start := time.Now()
	lab, err := NewLab(sc, *scale, *speed, *stateDir)
	if err != nil {
		return err
	}
	defer lab.Close()
	log.Printf("inventory of %d VMs built in %s", len(lab.vms), time.Since(start).Round(time.Millisecond))

	svc := lab.model.Service
	svc.Listen = &url.URL{Host: addr, User: url.UserPassword(sc.VCenter.User, sc.VCenter.Password)}
	svc.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv := svc.NewServer() // not closed at exit: long WaitForUpdatesEx polls would hold it open
	// Put the lab in front before anyone knows the URL.
	fr := newFront(lab, srv.Config.Handler)
	if len(sc.Faults) > 0 {
		fr.faults = newFaultEngine(sc.Faults)
		lab.applyStartFaults(sc.Faults)
	}
	if *reqLog != "" {
		if fr.reqlog, err = openRequestLog(*reqLog); err != nil {
			return err
		}
	}
	srv.Config.Handler = fr
	srv.Config.ErrorLog = log.New(os.Stderr, "http: ", log.LstdFlags)

	_, lab.port, _ = net.SplitHostPort(srv.Listener.Addr().String())
	if *esxURLs {
		lab.useESXTransferURLs(cert.Certificate[0], *esxThumb)
	}
	out := bufio.NewWriter(stdout)
	fmt.Fprintf(out, "URL https://%s/sdk\n", srv.Listener.Addr().String())
	out.Flush()
	fmt.Fprintf(out, "THUMBPRINT %s\n", thumbprint(cert.Certificate[0]))
	out.Flush()
	fmt.Fprintln(out, "READY")
	out.Flush()

	defer startProfile()()
	stopChurn := make(chan struct{})
	if *churn > 0 {
		go lab.churn(*churn, stopChurn)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR1)
	for {
		s := <-sig
		if s == syscall.SIGUSR1 {
			if *churn > 0 {
				close(stopChurn)
				*churn = 0
			}
			continue
		}
		log.Printf("%s: shutting down", s)
		return nil
	}
}

// loopback accepts only loopback listen addresses.
func loopback(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("--listen %q: %v", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("--listen %q: only loopback addresses are accepted", addr)
	}
	return net.JoinHostPort(ip.String(), port), nil
}

// certificate loads the given pair or makes a self-signed one for 127.0.0.1/localhost.
func certificate(certFile, keyFile string) (tls.Certificate, error) {
	if certFile != "" {
		return tls.LoadX509KeyPair(certFile, keyFile)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "127.0.0.1", Organization: []string{"quiescent lab"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// thumbprint is the SHA-256 of the DER certificate, uppercase hex, colon separated.
func thumbprint(der []byte) string {
	sum := sha256.Sum256(der)
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
