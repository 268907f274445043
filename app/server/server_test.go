package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
)

func openSvc(t *testing.T) *app.Service {
	t.Helper()
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc
}

func get(t *testing.T, c *http.Client, url, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServeCardDAVAndAPI(t *testing.T) {
	svc := openSvc(t)
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "api saw "+r.URL.Path)
	})
	srv, err := New(svc, Options{API: api, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if srv.URL() != "" {
		t.Fatalf("URL before Start: %q", srv.URL())
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := os.Stat(filepath.Join(svc.DataDir(), app.CredentialsFileName)); err != nil {
		t.Fatalf("the server started without a password: %v", err)
	}
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || srv.Err() != nil {
		t.Fatalf("URL %q err %v", srv.URL(), srv.Err())
	}
	cred, _ := svc.CardDAVCredentials()
	code, body := get(t, http.DefaultClient, srv.URL()+"api/humans?page=2", "", "")
	if code != 200 || body != "api saw /api/humans" {
		t.Fatalf("API: %d %q", code, body)
	}
	if code, _ := get(t, http.DefaultClient, srv.URL()+"addressbooks/contacts/", "", ""); code != http.StatusUnauthorized {
		t.Fatalf("CardDAV without a password: %d", code)
	}
	if code, body := get(t, http.DefaultClient, srv.URL()+"addressbooks/contacts/", cred.User, cred.Password); code != 200 || !strings.Contains(body, "CardDAV") {
		t.Fatalf("CardDAV: %d %q", code, body)
	}

	// A second server on the same port: a clear error.
	other, _ := New(svc, Options{Listen: srv.Addr()})
	err = other.Start(context.Background())
	if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), srv.Addr()) || other.Err() == nil {
		t.Fatalf("busy port: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if srv.URL() != "" {
		t.Fatal("URL after Close")
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(strings.TrimSuffix(other.opts.Listen, "/"), "http://"), 200*time.Millisecond); err == nil {
		t.Fatal("still listening after Close")
	}
}

func TestDefaultListensOnLoopbackPortFromSettings(t *testing.T) {
	svc := openSvc(t)
	// A free port, from the system.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := svc.SetServerSettings(func(s *app.ServerSettings) { s.Port = port }); err != nil {
		t.Fatal(err)
	}
	srv, _ := New(svc, Options{})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	host, _, _ := net.SplitHostPort(srv.Addr())
	if host != "127.0.0.1" || PortOf(srv.Addr()) != port {
		t.Fatalf("listening on %s, want 127.0.0.1:%d", srv.Addr(), port)
	}
	// LAN on: every interface, after a restart.
	if err := svc.SetServerSettings(func(s *app.ServerSettings) { s.LAN = true }); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	host, _, _ = net.SplitHostPort(srv.Addr())
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		t.Fatalf("LAN on: listening on %s", srv.Addr())
	}
	if strings.Contains(srv.URL(), "0.0.0.0") || strings.Contains(srv.URL(), "[::]") {
		t.Fatalf("the URL shows the wildcard address: %s", srv.URL())
	}
}

func TestTLSWithGeneratedCertificate(t *testing.T) {
	svc := openSvc(t)
	if err := svc.SetServerSettings(func(s *app.ServerSettings) { s.TLS = true }); err != nil {
		t.Fatal(err)
	}
	srv, _ := New(svc, Options{Listen: "127.0.0.1:0"})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if !strings.HasPrefix(srv.URL(), "https://127.0.0.1:") {
		t.Fatalf("URL %q", srv.URL())
	}
	pemBytes, err := os.ReadFile(filepath.Join(svc.DataDir(), app.TLSCertFileName))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(svc.DataDir(), app.TLSKeyFileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		t.Fatal("the generated certificate does not parse")
	}
	// A client that trusts the generated certificate connects.
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	cred, _ := svc.CardDAVCredentials()
	if code, _ := get(t, c, srv.URL()+"addressbooks/contacts/", cred.User, cred.Password); code != 200 {
		t.Fatalf("HTTPS: %d", code)
	}
	// The same certificate is reused on the next start.
	if err := srv.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	again, _ := os.ReadFile(filepath.Join(svc.DataDir(), app.TLSCertFileName))
	if string(again) != string(pemBytes) {
		t.Fatal("a restart generated a new certificate")
	}
}
