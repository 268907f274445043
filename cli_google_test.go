package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/googleauth"
	"github.com/humans-contacts/humans/app/googleauth/googleauthtest"
	"github.com/humans-contacts/humans/app/server"
	"github.com/humans-contacts/humans/sync/google/googletest"
)

// fakeGoogle points the commands at a fake Google whose consent the
// "browser" gives; tokens go to the encrypted file.
func fakeGoogle(t *testing.T) *googleauthtest.Server {
	t.Helper()
	g := googleauthtest.Use(t)
	orig := openBrowser
	openBrowser = googleauthtest.Browser(nil)
	t.Cleanup(func() { openBrowser = orig })
	return g
}

func withStdin(t *testing.T, r io.Reader) {
	orig := stdin
	stdin = r
	t.Cleanup(func() { stdin = orig })
}

func TestGoogleSetupCommand(t *testing.T) {
	t.Setenv(googleauth.EnvClientID, "")
	t.Setenv(googleauth.EnvClientSecret, "")
	dir := t.TempDir()
	withStdin(t, strings.NewReader("GOCSPX-pasted-in-the-wrong-box\nsecret\n"))
	code, _, errOut := runCLI(t, nil, "--data", dir, "google", "setup")
	if code != 1 || !strings.Contains(errOut, "People API") || !strings.Contains(errOut, "Desktop app") ||
		!strings.Contains(errOut, "apps.googleusercontent.com") {
		t.Fatalf("wrong id: %d %q", code, errOut)
	}
	withStdin(t, strings.NewReader("1-abc.apps.googleusercontent.com\nGOCSPX-0123456789abcdef\n"))
	code, out, errOut := runCLI(t, nil, "--data", dir, "google", "setup")
	if code != 0 || !strings.Contains(out, "1-abc.apps.googleusercontent.com saved (secret ****cdef)") {
		t.Fatalf("setup: %d %q %q", code, out, errOut)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, app.GoogleConfigFileName))
	if !strings.Contains(string(raw), "GOCSPX-0123456789abcdef") || strings.Contains(out, "GOCSPX-0123456789abcdef") {
		t.Fatalf("google.json %s, out %q", raw, out)
	}
	withStdin(t, strings.NewReader(""))
	code, out, _ = runCLI(t, nil, "--data", dir, "google", "setup", "--client-id", "2-x.apps.googleusercontent.com", "--client-secret", "GOCSPX-other")
	if code != 0 || !strings.Contains(out, "2-x.apps") {
		t.Fatalf("setup with flags: %d %q", code, out)
	}
	for _, args := range [][]string{{"google"}, {"google", "sync"}, {"google", "import"}, {"google", "accounts", "x"},
		{"google", "accounts", "--no-browser"}, {"google", "connect", "--client-id", "x"}} {
		if code, _, _ := runCLI(t, nil, append([]string{"--data", dir}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestGoogleCommands(t *testing.T) {
	g := fakeGoogle(t)
	p := g.People(t, googletest.Options{})
	p.Add(&people.Person{Names: []*people.Name{{GivenName: "Grace", FamilyName: "Hopper"}}})
	dir := t.TempDir()
	code, out, errOut := runCLI(t, nil, "--data", dir, "google", "connect")
	if code != 0 || !strings.Contains(out, "connected ada@example.com") || !strings.Contains(errOut, g.AuthURL()) {
		t.Fatalf("connect: %d %q %q", code, out, errOut)
	}
	code, out, errOut = runCLI(t, nil, "--data", dir, "google", "import", "ada@example.com")
	if code != 0 || !strings.Contains(out, "google:ada@example.com: 1 created, 0 updated, 0 skipped") || !strings.Contains(errOut, "importing from ada@example.com") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	// Without a browser: the address is printed, the one the browser
	// went to is pasted back.
	g.Set(func(s *googleauthtest.Server) { s.Email = "grace@example.com" })
	var stdout, stderr bytes.Buffer
	withStdin(t, &paste{printed: &stderr, auth: g.AuthURL()})
	if code := run([]string{"--data", dir, "google", "connect", "--no-browser"}, &stdout, &stderr, fakeEnv(nil)); code != 0 ||
		!strings.Contains(stdout.String(), "connected grace@example.com") {
		t.Fatalf("connect --no-browser: %d %q %q", code, stdout.String(), stderr.String())
	}
	code, out, _ = runCLI(t, nil, "--data", dir, "google", "accounts")
	if code != 0 || !strings.Contains(out, "ada@example.com") || !strings.Contains(out, "grace@example.com") || !strings.Contains(out, "idle") {
		t.Fatalf("accounts: %d %q", code, out)
	}
	// A revoked authorization shows.
	g.RevokeAll()
	code, _, errOut = runCLI(t, nil, "--data", dir, "google", "import", "ada@example.com")
	if code != 1 || !strings.Contains(errOut, "connect the account again: humans google connect") {
		t.Fatalf("import after revocation: %d %q", code, errOut)
	}
	code, out, _ = runCLI(t, nil, "--data", dir, "google", "accounts")
	if code != 0 || !strings.Contains(out, "SIGN IN AGAIN") || !strings.Contains(out, "ada@example.com must sign in again") {
		t.Fatalf("accounts after revocation: %d %q", code, out)
	}
	code, out, errOut = runCLI(t, nil, "--data", dir, "google", "disconnect", "grace@example.com")
	if code != 0 || !strings.Contains(out, "disconnected google:grace@example.com") || !strings.Contains(out, "did not revoke") {
		t.Fatalf("disconnect: %d %q %q", code, out, errOut)
	}
	code, _, errOut = runCLI(t, nil, "--data", dir, "google", "disconnect", "nobody@example.com")
	if code != 1 || !strings.Contains(errOut, "no Google account") {
		t.Fatalf("disconnect nobody: %d %q", code, errOut)
	}
}

// paste plays the person of --no-browser: it reads the consent address
// the command printed, follows it as a browser would and pastes where it
// was sent.
type paste struct {
	printed *bytes.Buffer
	auth    string
	rest    io.Reader
}

func (p *paste) Read(b []byte) (int, error) {
	if p.rest == nil {
		var authURL string
		for _, f := range strings.Fields(p.printed.String()) {
			if strings.HasPrefix(f, p.auth) {
				authURL = f
			}
		}
		back, err := googleauthtest.Redirected(authURL)
		if err != nil {
			return 0, err
		}
		p.rest = strings.NewReader(back + "\n")
	}
	return p.rest.Read(b)
}

// While a Humans holds the book, the command runs the login here (the
// browser is on this machine) and has the running Humans finish it.
func TestGoogleCommandsReachTheRunningHumans(t *testing.T) {
	ctx := context.Background()
	g := fakeGoogle(t)
	p := g.People(t, googletest.Options{})
	p.Add(&people.Person{Names: []*people.Name{{GivenName: "Grace", FamilyName: "Hopper"}}})
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
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })

	code, out, errOut := runCLI(t, nil, "--data", dir, "google", "connect")
	if code != 0 || !strings.Contains(errOut, "done there") || !strings.Contains(out, "connected ada@example.com") {
		t.Fatalf("connect: %d %q %q", code, out, errOut)
	}
	if accs, _ := svc.GoogleAccounts(ctx); len(accs) != 1 || accs[0].ID != "google:ada@example.com" {
		t.Fatalf("the running Humans has %+v", accs)
	}
	// Without a browser (humans serve on a server): the pasted address
	// goes to the running Humans too.
	g.Set(func(s *googleauthtest.Server) { s.Email = "grace@example.com" })
	var stdout, stderr bytes.Buffer
	withStdin(t, &paste{printed: &stderr, auth: g.AuthURL()})
	if code := run([]string{"--data", dir, "google", "connect", "--no-browser"}, &stdout, &stderr, fakeEnv(nil)); code != 0 ||
		!strings.Contains(stdout.String(), "connected grace@example.com") || !strings.Contains(stderr.String(), "done there") {
		t.Fatalf("connect --no-browser: %d %q %q", code, stdout.String(), stderr.String())
	}
	code, out, _ = runCLI(t, nil, "--data", dir, "google", "accounts")
	if code != 0 || !strings.Contains(out, "ada@example.com") || !strings.Contains(out, "Ada Lovelace") || !strings.Contains(out, "grace@example.com") {
		t.Fatalf("accounts: %d %q", code, out)
	}
	// A two-way sync of a Google account, its status and history: done
	// by the running Humans too.
	code, out, errOut = runCLI(t, nil, "--data", dir, "sync", "--account", "google:ada@example.com")
	if code != 0 || !strings.Contains(errOut, "done there") {
		t.Fatalf("sync --account google:ada@example.com: %d %q %q", code, out, errOut)
	}
	if jobs, err := svc.SyncJobs(ctx, "google:ada@example.com", 0); err != nil || len(jobs) != 1 || jobs[0].Error != "" || jobs[0].Pulled.Created != 1 {
		t.Fatalf("the running Humans' history of the account: %+v, %v", jobs, err)
	}
	for _, sub := range []string{"status", "history", "conflicts"} {
		if code, out, errOut := runCLI(t, nil, "--data", dir, "sync", sub, "--account", "google:ada@example.com"); code != 0 {
			t.Errorf("sync %s --account google:ada@example.com: %d %q %q", sub, code, out, errOut)
		}
	}
	if code, _, errOut := runCLI(t, nil, "--data", dir, "sync", "status", "--account", "google:nobody@example.com"); code == 0 || !strings.Contains(errOut, "google:nobody@example.com") {
		t.Errorf("status of an unknown account: %d %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, nil, "--data", dir, "google", "disconnect", "grace@example.com"); code != 0 {
		t.Fatalf("disconnect grace: %d %q", code, errOut)
	}
	code, out, errOut = runCLI(t, nil, "--data", dir, "google", "disconnect", "ada@example.com")
	if code != 0 || !strings.Contains(out, "Google revoked") {
		t.Fatalf("disconnect: %d %q %q", code, out, errOut)
	}
	if g.LiveRefreshTokens() != 0 {
		t.Error("not revoked")
	}
	if accs, _ := svc.GoogleAccounts(ctx); len(accs) != 0 {
		t.Fatalf("accounts left %+v", accs)
	}
}
