package app

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/humans-contacts/humans/app/googleauth"
	"github.com/humans-contacts/humans/app/googleauth/googleauthtest"
	"github.com/humans-contacts/humans/store"
)

// googleEnv points the service at a fake Google and keeps tokens in the
// encrypted file (never the keyring of the machine running the tests).
func googleEnv(t *testing.T) *googleauthtest.Server {
	t.Helper()
	return googleauthtest.Use(t)
}

func openLogged(t *testing.T) (*Service, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	svc, err := Open(Options{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(&lockedBuffer{b: &logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return svc, &logs
}

type lockedBuffer struct {
	b *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) { return l.b.Write(p) }

func TestGoogleSetupValidatesAndSaves(t *testing.T) {
	t.Setenv(googleauth.EnvClientID, "")
	t.Setenv(googleauth.EnvClientSecret, "")
	svc := openService(t, t.TempDir(), nil)
	_, err := svc.GoogleSetup("GOCSPX-abcdef", "")
	var verr *ValidationError
	if !errors.As(err, &verr) || !strings.Contains(verr.Fields["client_id"], "apps.googleusercontent.com") || verr.Fields["client_secret"] != "is required" {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(filepath.Join(svc.DataDir(), GoogleConfigFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a refused setup wrote the file")
	}
	if _, err := svc.GoogleSetup("1-x.apps.googleusercontent.com", "two words"); err == nil {
		t.Fatal("a secret with a space was taken")
	}
	c, err := svc.GoogleSetup(" 1-x.apps.googleusercontent.com ", "GOCSPX-0123456789abcdef\n")
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientID != "1-x.apps.googleusercontent.com" || c.MaskedSecret != "****cdef" || !c.SecretSet {
		t.Errorf("client %+v", c)
	}
	fi, err := os.Stat(filepath.Join(svc.DataDir(), GoogleConfigFileName))
	if err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("google.json: %v %v", err, fi.Mode())
	}
	cfg, _ := svc.googleConfig()
	if cfg.ClientSecret != "GOCSPX-0123456789abcdef" {
		t.Errorf("saved %+v", cfg)
	}
	t.Setenv(googleauth.EnvClientID, "env.apps.googleusercontent.com")
	if c, _ := svc.GoogleClientInfo(); c.ClientID != "env.apps.googleusercontent.com" || len(c.FromEnv) != 1 {
		t.Errorf("env override: %+v", c)
	}
}

func TestGoogleConnectMakesOneAccountPerGoogleAccount(t *testing.T) {
	ctx := context.Background()
	g := googleEnv(t)
	svc, logs := openLogged(t)
	var page string
	email, err := svc.GoogleConnect(ctx, googleauthtest.Browser(func(_ int, b string) { page = b }), nil)
	if err != nil {
		t.Fatal(err)
	}
	if email != "ada@example.com" || !strings.Contains(page, "connected to ada@example.com") {
		t.Fatalf("%q, page %q", email, page)
	}
	g.Set(func(s *googleauthtest.Server) { s.Email, s.Name = "Grace@Example.com", "Grace Hopper" })
	if _, err := svc.GoogleConnect(ctx, googleauthtest.Browser(nil), nil); err != nil {
		t.Fatal(err)
	}
	accs, err := svc.GoogleAccounts(ctx)
	if err != nil || len(accs) != 2 {
		t.Fatalf("accounts %+v %v", accs, err)
	}
	if accs[0].ID != "google:ada@example.com" || accs[0].Name != "Ada Lovelace" || accs[1].Email != "grace@example.com" ||
		accs[0].NeedsSignIn || accs[0].Direction != "both" || accs[0].Interval != 15 || accs[0].Status.State != "idle" {
		t.Errorf("accounts %+v", accs)
	}
	// The tokens are in the encrypted file, not in the store nor in the
	// log.
	tokens, _ := svc.googleTokens()
	rt, err := tokens.Load("google:ada@example.com")
	if err != nil || rt == "" {
		t.Fatalf("token: %v", err)
	}
	acc, _ := svc.store.GetSyncAccount(ctx, "google:ada@example.com")
	if strings.Contains(strings.Join([]string{acc.Settings["email"], acc.Settings["name"], acc.Cursor}, " "), rt) {
		t.Error("token in the account")
	}
	raw, _ := os.ReadFile(filepath.Join(svc.DataDir(), GoogleTokenFileName))
	if bytes.Contains(raw, []byte(rt)) || bytes.Contains(logs.Bytes(), []byte(rt)) {
		t.Error("a token in the clear")
	}
	// The same account again: no new account, a new token.
	g.Set(func(s *googleauthtest.Server) { s.Email = "ada@example.com" })
	if _, err := svc.GoogleConnect(ctx, googleauthtest.Browser(nil), nil); err != nil {
		t.Fatal(err)
	}
	if accs, _ := svc.GoogleAccounts(ctx); len(accs) != 2 {
		t.Errorf("accounts %d after reconnecting", len(accs))
	}
	if rt2, _ := tokens.Load("google:ada@example.com"); rt2 == rt {
		t.Error("the token was not replaced")
	}
}

func TestGoogleAuthURLAndCallback(t *testing.T) {
	ctx := context.Background()
	googleEnv(t)
	svc := openService(t, t.TempDir(), nil)
	_, _, err := svc.GoogleAuthURL(ctx, "ftp://x", "short")
	var verr *ValidationError
	if !errors.As(err, &verr) || verr.Fields["redirect_uri"] == "" || verr.Fields["state"] == "" {
		t.Fatalf("err %v", err)
	}
	state := "my-client-state-0123456789"
	authURL, got, err := svc.GoogleAuthURL(ctx, "http://localhost:8080/done", state)
	if err != nil || got != state {
		t.Fatalf("%q %v", got, err)
	}
	back, err := googleauthtest.Redirected(authURL)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(back)
	if u.Host != "localhost:8080" || u.Query().Get("state") != state {
		t.Fatalf("redirected to %s", back)
	}
	if _, err := svc.GoogleCallback(ctx, u.Query().Get("code"), "another-state-0123456789"); !errors.Is(err, ErrGoogleState) {
		t.Fatalf("unknown state: %v", err)
	}
	acc, err := svc.GoogleCallback(ctx, u.Query().Get("code"), state)
	if err != nil || acc.ID != "google:ada@example.com" {
		t.Fatalf("%+v %v", acc, err)
	}
	// An answer is used once.
	if _, err := svc.GoogleCallback(ctx, u.Query().Get("code"), state); !errors.Is(err, ErrGoogleState) {
		t.Fatalf("replay: %v", err)
	}
	// Without a client set up, nothing begins.
	t.Setenv(googleauth.EnvClientID, "")
	os.Remove(filepath.Join(svc.DataDir(), GoogleConfigFileName))
	if _, _, err := svc.GoogleAuthURL(ctx, "http://127.0.0.1:1/", ""); !errors.Is(err, ErrGoogleNotConfigured) {
		t.Fatalf("unconfigured: %v", err)
	}
}

func TestGoogleConnectNoBrowser(t *testing.T) {
	ctx := context.Background()
	googleEnv(t)
	svc := openService(t, t.TempDir(), nil)
	pr, pw := io.Pipe()
	out := &chanWriter{c: make(chan string, 4)}
	done := make(chan error, 1)
	go func() {
		_, err := svc.GoogleConnectNoBrowser(ctx, pr, out)
		done <- err
	}()
	var authURL string
	for _, f := range strings.Fields(<-out.c) {
		if strings.HasPrefix(f, "http://127.0.0.1:") && strings.Contains(f, "/o/oauth2/auth") {
			authURL = f
		}
	}
	back, err := googleauthtest.Redirected(authURL)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(pw, back+"\n")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if accs, _ := svc.GoogleAccounts(ctx); len(accs) != 1 {
		t.Fatalf("accounts %+v", accs)
	}
}

type chanWriter struct{ c chan string }

func (w *chanWriter) Write(b []byte) (int, error) { w.c <- string(b); return len(b), nil }

// linkGoogle maps contacts to remote ids of account, as a sync would,
// with a conflict and a job in its history.
func linkGoogle(t *testing.T, svc *Service, account string, ids ...int64) {
	t.Helper()
	err := svc.store.Write(context.Background(), func(tx *store.Tx) error {
		for i, id := range ids {
			if err := tx.PutSyncLink(account, &store.SyncLink{LocalID: id, RemoteID: "people/c" + string(rune('1'+i)), ETag: "e"}); err != nil {
				return err
			}
		}
		return tx.PutSyncJob(&store.SyncJob{Account: account, Direction: "both", StartedAt: time.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestGoogleDisconnectRevokesAndKeepsContacts(t *testing.T) {
	ctx := context.Background()
	g := googleEnv(t)
	svc := openService(t, t.TempDir(), nil)
	for _, who := range []string{"ada@example.com", "grace@example.com"} {
		g.Set(func(s *googleauthtest.Server) { s.Email = who })
		if _, err := svc.GoogleConnect(ctx, googleauthtest.Browser(nil), nil); err != nil {
			t.Fatal(err)
		}
	}
	a, _ := svc.CreateHuman(ctx, &Human{FirstName: "Ada"})
	b, _ := svc.CreateHuman(ctx, &Human{FirstName: "Charles"})
	linkGoogle(t, svc, "google:ada@example.com", a.ID, b.ID)
	linkGoogle(t, svc, "google:grace@example.com", a.ID)
	if g.LiveRefreshTokens() != 2 {
		t.Fatalf("live tokens %d", g.LiveRefreshTokens())
	}

	res, err := svc.GoogleDisconnect(ctx, "ada@example.com")
	if err != nil || !res.Revoked || res.RevokeError != "" || res.ID != "google:ada@example.com" {
		t.Fatalf("%+v %v", res, err)
	}
	if g.LiveRefreshTokens() != 1 {
		t.Errorf("not revoked at Google: %d live", g.LiveRefreshTokens())
	}
	if st, _ := svc.Stats(ctx); st.Total != 2 {
		t.Errorf("contacts %d", st.Total)
	}
	err = svc.store.Write(ctx, func(tx *store.Tx) error {
		if l, _ := tx.SyncLinkByLocal("google:ada@example.com", a.ID); l != nil {
			t.Error("the link stayed")
		}
		if l, _ := tx.SyncLinkByLocal("google:grace@example.com", a.ID); l == nil {
			t.Error("the other account's link went too")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if jobs, _ := svc.store.SyncJobs(ctx, "google:ada@example.com", 0); len(jobs) != 0 {
		t.Errorf("jobs stayed: %d", len(jobs))
	}
	tokens, _ := svc.googleTokens()
	if _, err := tokens.Load("google:ada@example.com"); !errors.Is(err, googleauth.ErrNoToken) {
		t.Errorf("token stayed: %v", err)
	}
	if accs, _ := svc.GoogleAccounts(ctx); len(accs) != 1 || accs[0].Email != "grace@example.com" {
		t.Errorf("accounts %+v", accs)
	}
	if _, err := svc.GoogleDisconnect(ctx, "ada@example.com"); !errors.Is(err, ErrNotFound) {
		t.Errorf("again: %v", err)
	}

	// Google cannot revoke (the person removed the access already): the
	// account goes all the same, and the failure is reported.
	g.RevokeAll()
	res, err = svc.GoogleDisconnect(ctx, "google:grace@example.com")
	if err != nil || res.Revoked || !strings.Contains(res.RevokeError, "invalid_token") {
		t.Fatalf("%+v %v", res, err)
	}
	if accs, _ := svc.GoogleAccounts(ctx); len(accs) != 0 {
		t.Errorf("accounts %+v", accs)
	}
	if st, _ := svc.Stats(ctx); st.Total != 2 {
		t.Errorf("contacts %d", st.Total)
	}
}

// Two books on one computer keep their tokens apart in the keyring:
// disconnecting the account in one leaves the other's token.
func TestGoogleBooksShareNoKeyringEntry(t *testing.T) {
	ctx := context.Background()
	googleEnv(t)
	keyring.MockInit()
	t.Setenv(EnvTokenStore, "keyring")
	a := openService(t, t.TempDir(), nil)
	b := openService(t, t.TempDir(), nil)
	for _, svc := range []*Service{a, b} {
		if _, err := svc.GoogleConnect(ctx, googleauthtest.Browser(nil), nil); err != nil {
			t.Fatal(err)
		}
	}
	ta, _ := a.googleTokens()
	tb, _ := b.googleTokens()
	ra, errA := ta.Load("google:ada@example.com")
	rb, errB := tb.Load("google:ada@example.com")
	if errA != nil || errB != nil || ra == rb {
		t.Fatalf("tokens %v %v, same: %v", errA, errB, ra == rb)
	}
	if _, err := a.GoogleDisconnect(ctx, "ada@example.com"); err != nil {
		t.Fatal(err)
	}
	if got, err := tb.Load("google:ada@example.com"); err != nil || got != rb {
		t.Fatalf("the other book's token: %v", err)
	}
	if _, err := os.Stat(filepath.Join(a.DataDir(), GoogleTokenFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Error("a token file was written with a keyring")
	}
}
