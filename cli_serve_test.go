package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/api"
	"github.com/humans-contacts/humans/app/server"
)

func TestServeCommand(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	origCtx, origStarted := serveContext, serveStarted
	t.Cleanup(func() { serveContext, serveStarted = origCtx, origStarted })
	serveContext = func() (context.Context, context.CancelFunc) { return ctx, cancel }
	urls := make(chan string, 1)
	serveStarted = func(url string) { urls <- url }

	done := make(chan int, 1)
	var out, errOut strings.Builder
	go func() {
		done <- run([]string{"--data", dir, "serve", "--listen", "127.0.0.1:0"}, &out, &errOut, fakeEnv(nil))
	}()
	var url string
	select {
	case url = <-urls:
	case code := <-done:
		t.Fatalf("serve ended at once with %d: %s", code, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not start")
	}
	cred, err := app.CardDAVCredentialsIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PROPFIND", url+"addressbooks/contacts/", nil)
	req.SetBasicAuth(cred.User, cred.Password)
	req.Header.Set("Depth", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		t.Fatalf("PROPFIND: %d", resp.StatusCode)
	}
	// The REST API is served beside CardDAV, behind its own API keys.
	for path, want := range map[string]int{"api/openapi.json": http.StatusOK, "api/humans": http.StatusUnauthorized} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("GET /%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	cancel() // as SIGTERM does
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if _, err := http.Get(url); err == nil {
		t.Fatal("still serving after the signal")
	}
	// The store was closed: another command can open it.
	code, _, stderr := runCLI(t, nil, "--data", dir, "export", "-o", dir+"/out.json")
	if code != 0 {
		t.Fatalf("export after serve: %d %s", code, stderr)
	}
}

func TestCardDAVCommands(t *testing.T) {
	dir := t.TempDir()
	code, out, stderr := runCLI(t, nil, "--data", dir, "carddav", "credentials")
	if code != 0 {
		t.Fatalf("credentials: %d %s", code, stderr)
	}
	cred, _ := app.CardDAVCredentialsIn(dir)
	for _, want := range []string{"URL:       http://127.0.0.1:8765/", "User name: humans", "Password:  " + cred.Password} {
		if !strings.Contains(out, want) {
			t.Errorf("credentials output lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`Password:  [a-z2-9]{5}(-[a-z2-9]{5}){3}\n`).MatchString(out) {
		t.Errorf("generated password shape:\n%s", out)
	}
	orig := stdin
	t.Cleanup(func() { stdin = orig })
	stdin = strings.NewReader("")
	if code, _, _ := runCLI(t, nil, "--data", dir, "carddav", "password"); code != 1 {
		t.Fatalf("empty password: exit %d", code)
	}
	stdin = strings.NewReader("my own passphrase\n")
	if code, _, stderr := runCLI(t, nil, "--data", dir, "carddav", "password"); code != 0 {
		t.Fatalf("password: %d %s", code, stderr)
	}
	_, out, _ = runCLI(t, nil, "--data", dir, "carddav", "credentials")
	if strings.Contains(out, cred.Password) || !strings.Contains(out, "the one you set") {
		t.Fatalf("after password:\n%s", out)
	}
	if code, _, _ := runCLI(t, nil, "--data", dir, "carddav"); code != 2 {
		t.Fatalf("carddav without a subcommand: exit %d", code)
	}
	if code, _, _ := runCLI(t, nil, "--data", dir, "serve", "extra"); code != 2 {
		t.Fatalf("serve with an argument: exit %d", code)
	}
}

// TestCommandsReachTheRunningHumans holds the store in a running local
// server, as the window does, and drives the commands that reach it.
func TestCommandsReachTheRunningHumans(t *testing.T) {
	dir := t.TempDir()
	svc, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	srv, err := server.New(svc, localServerOptions(svc, "127.0.0.1:0", slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	vcf := filepath.Join(t.TempDir(), "people.vcf")
	os.WriteFile(vcf, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\nEND:VCARD\r\n"+
		"BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:nobody\r\nEND:VCARD\r\n"), 0o600)
	code, out, errOut := runCLI(t, nil, "--data", dir, "import", vcf)
	if code != 1 || !strings.Contains(out, "1 created") || !strings.Contains(errOut, "done there") ||
		!strings.Contains(errOut, "people.vcf record 2") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	if ids, _ := svc.HumanIDs(context.Background(), app.Query{}); len(ids) != 1 {
		t.Fatalf("the running Humans has %d contacts", len(ids))
	}
	exported := filepath.Join(t.TempDir(), "out.vcf")
	if code, _, errOut := runCLI(t, nil, "--data", dir, "export", "--format", "vcard", "-o", exported); code != 0 {
		t.Fatalf("export: %d %q", code, errOut)
	}
	if data, _ := os.ReadFile(exported); !strings.Contains(string(data), "FN:Ada Lovelace") {
		t.Fatalf("exported %q", data)
	}
	code, key, errOut := runCLI(t, nil, "--data", dir, "apikey", "create", "laptop", "--role", "admin")
	if code != 0 || !strings.HasPrefix(key, "hk_") {
		t.Fatalf("apikey create: %d %q %q", code, key, errOut)
	}
	if _, err := svc.AuthenticateAPIKey(context.Background(), strings.TrimSpace(key)); err != nil {
		t.Fatalf("the key made through the socket: %v", err)
	}
	if code, out, _ := runCLI(t, nil, "--data", dir, "apikey", "list"); code != 0 || !strings.Contains(out, "laptop") {
		t.Fatalf("apikey list: %d %q", code, out)
	}
	backup := filepath.Join(t.TempDir(), "book.db")
	if code, _, errOut := runCLI(t, nil, "--data", dir, "backup", backup); code != 0 {
		t.Fatalf("backup: %d %q", code, errOut)
	}
	if st, err := os.Stat(backup); err != nil || st.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}
	// Restore replaces the store under the running Humans: not over the socket.
	if code, _, errOut := runCLI(t, nil, "--data", dir, "restore", backup); code != 1 || !strings.Contains(errOut, "close it first") {
		t.Fatalf("restore: %d %q", code, errOut)
	}
	// The socket is the owner's only, and a request over TCP needs a key.
	if st, err := os.Stat(server.SocketPath(dir)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("socket: %v %v", st.Mode(), err)
	}
	srv.Close()
	if _, err := os.Stat(server.SocketPath(dir)); !os.IsNotExist(err) {
		t.Fatalf("the socket outlived the server: %v", err)
	}
	if code, _, errOut := runCLI(t, nil, "--data", dir, "apikey", "list"); code != 1 || !strings.Contains(errOut, "close it first") {
		t.Fatalf("with the server stopped and the store held: %d %q", code, errOut)
	}
}

// TestSyncCommandsReachTheRunningHumans: while a Humans holds the store,
// humans sync asks it to sync with its Hub (another Humans here).
func TestSyncCommandsReachTheRunningHumans(t *testing.T) {
	ctx := context.Background()
	hub, err := app.Open(app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hub.Close() })
	key, _, err := hub.CreateAPIKey(ctx, "laptop", app.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hub.CreateHuman(ctx, &app.Human{FirstName: "Ada", LastName: "Lovelace"}); err != nil {
		t.Fatal(err)
	}
	hubSrv := httptest.NewServer(api.New(hub, api.Options{RateLimit: -1}))
	t.Cleanup(hubSrv.Close)

	dir := t.TempDir()
	svc, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	url := hubSrv.URL
	if _, err := svc.UpdateHubConfig(app.HubConfigPatch{URL: &url, APIKey: &key}); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(svc, localServerOptions(svc, "127.0.0.1:0", slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	code, out, errOut := runCLI(t, nil, "--data", dir, "sync")
	if code != 0 || !strings.Contains(errOut, "done there") || !strings.Contains(out, "here:  1 created") {
		t.Fatalf("sync: %d %q %q", code, out, errOut)
	}
	if found, _ := svc.Search(ctx, "lovelace", 5); len(found) != 1 {
		t.Fatalf("the running Humans did not pull: %v", found)
	}
	if code, out, _ := runCLI(t, nil, "--data", dir, "sync", "status"); code != 0 || !strings.Contains(out, "state:        idle") ||
		strings.Contains(out, "last success: never") {
		t.Fatalf("sync status: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, nil, "--data", dir, "sync", "history"); code != 0 || !strings.Contains(out, "here:  1 created") {
		t.Fatalf("sync history: %d %q", code, out)
	}
	if code, out, _ := runCLI(t, nil, "--data", dir, "sync", "conflicts"); code != 0 || !strings.Contains(out, "no conflicts") {
		t.Fatalf("sync conflicts: %d %q", code, out)
	}
	if code, _, errOut := runCLI(t, nil, "--data", dir, "sync", "--account", "google-1"); code != 1 || !strings.Contains(errOut, "google-1") {
		t.Fatalf("another account through the socket: %d %q", code, errOut)
	}
}
