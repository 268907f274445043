package main

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
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
