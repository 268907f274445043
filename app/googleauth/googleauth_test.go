package googleauth_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
	"golang.org/x/oauth2"

	"github.com/humans-contacts/humans/app/googleauth"
	"github.com/humans-contacts/humans/app/googleauth/googleauthtest"
	"github.com/humans-contacts/humans/sync"
)

var ctx = context.Background()

func config(s *googleauthtest.Server) googleauth.Config {
	return googleauth.Config{ClientID: googleauthtest.ClientID, ClientSecret: googleauthtest.ClientSecret,
		AuthURL: s.AuthURL(), TokenURL: s.TokenURL(), RevokeURL: s.RevokeURL()}
}

// local finishes logins in this process and keeps the refresh tokens, as
// app.Service does.
type local struct {
	cfg    googleauth.Config
	logins googleauth.Logins
	store  googleauth.TokenStore
	grants []*googleauth.Grant
}

func (l *local) AuthURL(ctx context.Context, redirect string) (string, string, error) {
	p, err := l.logins.Begin(l.cfg, redirect, "")
	if err != nil {
		return "", "", err
	}
	return p.URL, p.State, nil
}

func (l *local) Callback(ctx context.Context, code, state string) (string, error) {
	p, err := l.logins.Take(state)
	if err != nil {
		return "", err
	}
	g, err := l.cfg.Exchange(ctx, p, code)
	if err != nil {
		return "", err
	}
	l.grants = append(l.grants, g)
	return g.Email, l.store.Save(g.Email, g.Token.RefreshToken)
}

func fileStore(t *testing.T) *googleauth.File {
	dir := t.TempDir()
	return &googleauth.File{Path: filepath.Join(dir, "google-tokens.json"), KeyPath: filepath.Join(dir, "google-tokens.key")}
}

func TestLoopbackLoginWithPKCEAndState(t *testing.T) {
	s := googleauthtest.New(t)
	l := &local{cfg: config(s), store: fileStore(t)}
	var pages []string
	var statuses []int
	browser := googleauthtest.Browser(func(status int, body string) { statuses = append(statuses, status); pages = append(pages, body) })
	var shown string
	account, err := googleauth.Loopback(ctx, l, browser, func(u string) { shown = u })
	if err != nil {
		t.Fatal(err)
	}
	if account != "ada@example.com" || len(l.grants) != 1 || l.grants[0].Name != "Ada Lovelace" {
		t.Fatalf("account %q, grants %+v", account, l.grants)
	}
	if !strings.Contains(shown, "code_challenge_method=S256") || !strings.Contains(shown, "access_type=offline") ||
		!strings.Contains(shown, "prompt=consent") || !strings.Contains(shown, "redirect_uri=http%3A%2F%2F127.0.0.1%3A") {
		t.Errorf("consent address %s", shown)
	}
	if len(statuses) != 1 || statuses[0] != 200 || !strings.Contains(pages[0], "connected to ada@example.com") {
		t.Errorf("browser page %v %q", statuses, pages)
	}
	rt, err := l.store.Load("ada@example.com")
	if err != nil || rt != l.grants[0].Token.RefreshToken {
		t.Fatalf("stored token: %v", err)
	}
	// A second login uses a fresh verifier and state.
	s.Set(func(s *googleauthtest.Server) { s.Email = "grace@example.com" })
	if _, err := googleauth.Loopback(ctx, l, browser, nil); err != nil {
		t.Fatal(err)
	}
	if len(s.Challenges) != 2 || s.Challenges[0] == s.Challenges[1] {
		t.Errorf("challenges %v", s.Challenges)
	}
	// The state is used once: the same answer again is refused.
	if _, err := l.logins.Take("anything"); !errors.Is(err, googleauth.ErrUnknownState) {
		t.Errorf("take: %v", err)
	}
}

func TestLoopbackStateMismatchIsNotExchanged(t *testing.T) {
	s := googleauthtest.New(t)
	s.Set(func(s *googleauthtest.Server) { s.WrongState = true })
	l := &local{cfg: config(s), store: fileStore(t)}
	var status int
	_, err := googleauth.Loopback(ctx, l, googleauthtest.Browser(func(st int, _ string) { status = st }), nil)
	if !errors.Is(err, googleauth.ErrStateMismatch) || !strings.Contains(err.Error(), "nothing was exchanged") {
		t.Fatalf("err %v", err)
	}
	if ex, _, _ := s.Stats(); ex != 0 || len(l.grants) != 0 || status != http.StatusBadRequest {
		t.Errorf("exchanges %d, grants %d, page %d", ex, len(l.grants), status)
	}
}

func TestLoopbackAccessDenied(t *testing.T) {
	s := googleauthtest.New(t)
	s.Set(func(s *googleauthtest.Server) { s.Deny = true })
	l := &local{cfg: config(s), store: fileStore(t)}
	var page string
	_, err := googleauth.Loopback(ctx, l, googleauthtest.Browser(func(_ int, b string) { page = b }), nil)
	if !errors.Is(err, googleauth.ErrAccessDenied) || !strings.Contains(page, "access_denied") {
		t.Fatalf("err %v, page %q", err, page)
	}
	if ex, _, _ := s.Stats(); ex != 0 {
		t.Errorf("exchanges %d", ex)
	}
}

func TestLoopbackEndsWithTheContext(t *testing.T) {
	s := googleauthtest.New(t)
	l := &local{cfg: config(s), store: fileStore(t)}
	c, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	// A browser that never comes back.
	_, err := googleauth.Loopback(c, l, func(string) error { return nil }, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
}

func TestNoBrowserPaste(t *testing.T) {
	s := googleauthtest.New(t)
	l := &local{cfg: config(s), store: fileStore(t)}
	// The person opens the printed address elsewhere and pastes where
	// the browser went.
	pr, pw := io.Pipe()
	var out bytes.Buffer
	outW := &lockedWriter{w: &out, wrote: make(chan string, 10)}
	done := make(chan error, 1)
	go func() {
		_, err := googleauth.NoBrowser(ctx, l, pr, outW)
		done <- err
	}()
	printed := <-outW.wrote
	authURL := ""
	for _, f := range strings.Fields(printed) {
		if strings.HasPrefix(f, s.URL) {
			authURL = f
		}
	}
	if authURL == "" {
		t.Fatalf("no address printed: %q", printed)
	}
	back, err := googleauthtest.Redirected(authURL)
	if err != nil || !strings.HasPrefix(back, googleauth.NoBrowserRedirect+"?") {
		t.Fatalf("redirected to %q, %v", back, err)
	}
	io.WriteString(pw, "\n  "+back+"  \n")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(l.grants) != 1 {
		t.Fatalf("grants %d", len(l.grants))
	}

	// An address of another login is refused before any exchange.
	s.Set(func(s *googleauthtest.Server) { s.WrongState = true })
	pr, pw = io.Pipe()
	go func() {
		_, err := googleauth.NoBrowser(ctx, l, pr, outW)
		done <- err
	}()
	printed = <-outW.wrote
	for _, f := range strings.Fields(printed) {
		if strings.HasPrefix(f, s.URL) {
			authURL = f
		}
	}
	back, _ = googleauthtest.Redirected(authURL)
	io.WriteString(pw, back+"\n")
	if err := <-done; !errors.Is(err, googleauth.ErrStateMismatch) {
		t.Fatalf("err %v", err)
	}
	if ex, _, _ := s.Stats(); ex != 1 {
		t.Errorf("exchanges %d", ex)
	}
	// Nothing pasted.
	if _, err := googleauth.NoBrowser(ctx, l, strings.NewReader(""), io.Discard); err == nil || !strings.Contains(err.Error(), "nothing was pasted") {
		t.Errorf("empty input: %v", err)
	}
}

// lockedWriter hands each write to a channel.
type lockedWriter struct {
	w     io.Writer
	wrote chan string
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.wrote <- string(b)
	return len(b), nil
}

func TestParsePasted(t *testing.T) {
	for _, c := range []struct {
		in, code, state, err string
	}{
		{"http://127.0.0.1:53682/?state=abc&code=4/xyz&scope=s", "4/xyz", "abc", ""},
		{"state=abc&code=4%2Fxyz", "4/xyz", "abc", ""},
		{"?code=c1&state=s1", "c1", "s1", ""},
		{"4/0AbCdEf", "4/0AbCdEf", "", ""},
		{"http://127.0.0.1:53682/?error=access_denied&state=abc", "", "", "refused"},
		{"http://127.0.0.1:53682/?state=abc", "", "", "no code"},
		{"http://127.0.0.1:53682/?code=abc", "", "", "no state"},
		{"", "", "", "nothing"},
		{"some words here", "", "", "whole address"},
	} {
		code, state, err := googleauth.ParsePasted(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: err %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || code != c.code || state != c.state {
			t.Errorf("%q: %q %q %v", c.in, code, state, err)
		}
	}
}

// connect logs in through the loopback and returns the store.
func connect(t *testing.T, s *googleauthtest.Server, store googleauth.TokenStore) *local {
	t.Helper()
	l := &local{cfg: config(s), store: store}
	if _, err := googleauth.Loopback(ctx, l, googleauthtest.Browser(nil), nil); err != nil {
		t.Fatal(err)
	}
	return l
}

func get(t *testing.T, c *http.Client, url string) (string, error) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("resource answered %d %s", res.StatusCode, b)
	}
	return string(b), nil
}

func TestRefreshedTokensArePersisted(t *testing.T) {
	s := googleauthtest.New(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := fileStore(t)
	l := connect(t, s, store)
	first, _ := store.Load("ada@example.com")
	s.Set(func(s *googleauthtest.Server) { s.Rotate = true })

	c, err := l.cfg.Client(ctx, "ada@example.com", store, log)
	if err != nil {
		t.Fatal(err)
	}
	who, err := get(t, c, s.ResourceURL())
	if err != nil || who != "ada@example.com" {
		t.Fatalf("resource: %q %v", who, err)
	}
	// The access token is reused: no second refresh.
	if _, err := get(t, c, s.ResourceURL()); err != nil {
		t.Fatal(err)
	}
	if _, refreshes, _ := s.Stats(); refreshes != 1 {
		t.Errorf("refreshes %d", refreshes)
	}
	second, _ := store.Load("ada@example.com")
	if second == first || second == "" {
		t.Fatal("the rotated refresh token was not saved")
	}
	// A new process (a new client from the store) works with it; the
	// old one is dead at the server.
	c2, _ := l.cfg.Client(ctx, "ada@example.com", store, log)
	if who, err := get(t, c2, s.ResourceURL()); err != nil || who != "ada@example.com" {
		t.Fatalf("after restart: %q %v", who, err)
	}
	for _, tok := range []string{first, second} {
		if strings.Contains(logs.String(), tok) {
			t.Errorf("a token reached the log: %s", logs.String())
		}
	}
}

func TestRevokedTokenAsksToSignInAgain(t *testing.T) {
	s := googleauthtest.New(t)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	store := fileStore(t)
	l := connect(t, s, store)
	rt, _ := store.Load("ada@example.com")
	s.RevokeAll()
	c, err := l.cfg.Client(ctx, "ada@example.com", store, log)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(s.ResourceURL())
	if !errors.Is(err, sync.ErrSignIn) {
		t.Fatalf("err %v, want sync.ErrSignIn", err)
	}
	var te *googleauth.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" {
		t.Errorf("token error %+v", te)
	}
	// The provider classifies x/oauth2's own error (a retry for a 5xx,
	// a sign-in for invalid_grant): it is still in the chain.
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Errorf("oauth2 error %+v", re)
	}
	if strings.Contains(err.Error(), rt) || !strings.Contains(err.Error(), "sign in again") {
		t.Errorf("message %q", err)
	}
	if strings.Contains(logs.String(), rt) {
		t.Error("the token reached the log")
	}
}

func TestRevoke(t *testing.T) {
	s := googleauthtest.New(t)
	store := fileStore(t)
	l := connect(t, s, store)
	rt, _ := store.Load("ada@example.com")
	if err := l.cfg.Revoke(ctx, rt); err != nil {
		t.Fatal(err)
	}
	if s.LiveRefreshTokens() != 0 {
		t.Fatal("still live")
	}
	err := l.cfg.Revoke(ctx, rt)
	if err == nil || strings.Contains(err.Error(), rt) || !strings.Contains(err.Error(), "invalid_token") {
		t.Fatalf("second revoke: %v", err)
	}
}

func TestExchangeErrorsHoldNoBody(t *testing.T) {
	s := googleauthtest.New(t)
	cfg := config(s)
	cfg.ClientSecret = "wrong"
	l := &local{cfg: cfg, store: fileStore(t)}
	_, err := googleauth.Loopback(ctx, l, googleauthtest.Browser(nil), nil)
	var te *googleauth.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_client" || te.Status != 401 {
		t.Fatalf("err %v", err)
	}
	s.Set(func(s *googleauthtest.Server) { s.NoRefresh = true })
	l.cfg = config(s)
	if _, err := googleauth.Loopback(ctx, l, googleauthtest.Browser(nil), nil); !errors.Is(err, googleauth.ErrNoRefreshToken) {
		t.Fatalf("no refresh token: %v", err)
	}
}

func TestFileStore(t *testing.T) {
	f := fileStore(t)
	if _, err := f.Load("a@example.com"); !errors.Is(err, googleauth.ErrNoToken) {
		t.Fatalf("empty: %v", err)
	}
	if err := f.Save("a@example.com", "1//secret-a"); err != nil {
		t.Fatal(err)
	}
	if err := f.Save("b@example.com", "1//secret-b"); err != nil {
		t.Fatal(err)
	}
	for acc, want := range map[string]string{"a@example.com": "1//secret-a", "b@example.com": "1//secret-b"} {
		if got, err := f.Load(acc); err != nil || got != want {
			t.Errorf("%s: %q %v", acc, got, err)
		}
	}
	for _, p := range []string{f.Path, f.KeyPath} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", p, err, fi.Mode())
		}
	}
	raw, _ := os.ReadFile(f.Path)
	if bytes.Contains(raw, []byte("secret")) {
		t.Error("plain token in the file")
	}
	// Entries cannot be swapped between accounts.
	swapped := bytes.Replace(raw, []byte(`"a@example.com"`), []byte(`"x"`), 1)
	swapped = bytes.Replace(swapped, []byte(`"b@example.com"`), []byte(`"a@example.com"`), 1)
	os.WriteFile(f.Path, swapped, 0o600)
	if _, err := f.Load("a@example.com"); err == nil || !strings.Contains(err.Error(), "cannot be opened") {
		t.Errorf("swapped entry: %v", err)
	}
	os.WriteFile(f.Path, raw, 0o600)
	// Another key cannot open it.
	other := &googleauth.File{Path: f.Path, KeyPath: filepath.Join(t.TempDir(), "k")}
	os.WriteFile(other.KeyPath, []byte(strings.Repeat("ab", 32)), 0o600)
	if _, err := other.Load("a@example.com"); err == nil || !strings.Contains(err.Error(), "wrong key") {
		t.Errorf("other key: %v", err)
	}
	if err := f.Delete("a@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Load("a@example.com"); !errors.Is(err, googleauth.ErrNoToken) {
		t.Errorf("deleted: %v", err)
	}
	if got, _ := f.Load("b@example.com"); got != "1//secret-b" {
		t.Error("delete took the other account")
	}
}

func TestFileStoreWithPassphrase(t *testing.T) {
	dir := t.TempDir()
	f := &googleauth.File{Path: filepath.Join(dir, "t.json"), KeyPath: filepath.Join(dir, "k"), Passphrase: "correct horse"}
	if err := f.Save("a", "1//tok"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(f.KeyPath); !errors.Is(err, os.ErrNotExist) {
		t.Error("a key file was written with a passphrase")
	}
	if got, err := (&googleauth.File{Path: f.Path, Passphrase: "correct horse"}).Load("a"); err != nil || got != "1//tok" {
		t.Errorf("load: %q %v", got, err)
	}
	if _, err := (&googleauth.File{Path: f.Path, Passphrase: "wrong"}).Load("a"); err == nil {
		t.Error("wrong passphrase opened it")
	}
	if _, err := (&googleauth.File{Path: f.Path, KeyPath: f.KeyPath}).Load("a"); err == nil || !strings.Contains(err.Error(), googleauth.EnvPassphrase) {
		t.Errorf("no passphrase: %v", err)
	}
}

func TestKeyringAndFallback(t *testing.T) {
	keyring.MockInit()
	k := googleauth.Keyring{Service: "humans-test"}
	f := fileStore(t)
	fb := &googleauth.Fallback{Primary: k, Secondary: f}
	if err := fb.Save("a@example.com", "1//in-keyring"); err != nil {
		t.Fatal(err)
	}
	if got, err := k.Load("a@example.com"); err != nil || got != "1//in-keyring" {
		t.Fatalf("keyring: %q %v", got, err)
	}
	if _, err := f.Load("a@example.com"); !errors.Is(err, googleauth.ErrNoToken) {
		t.Errorf("also in the file: %v", err)
	}
	// No keyring (a server without Secret Service): the file takes it.
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	var logs bytes.Buffer
	fb = &googleauth.Fallback{Primary: k, Secondary: f, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if err := fb.Save("b@example.com", "1//in-file"); err != nil {
		t.Fatal(err)
	}
	if got, err := fb.Load("b@example.com"); err != nil || got != "1//in-file" {
		t.Fatalf("fallback load: %q %v", got, err)
	}
	if !strings.Contains(logs.String(), "no usable system keyring") || strings.Contains(logs.String(), "1//in-file") {
		t.Errorf("log %q", logs.String())
	}
	if err := fb.Delete("b@example.com"); err == nil {
		t.Error("delete hid the keyring's failure")
	}
	if _, err := f.Load("b@example.com"); !errors.Is(err, googleauth.ErrNoToken) {
		t.Errorf("not deleted from the file: %v", err)
	}
	keyring.MockInit()
	if _, err := fb.Load("nobody"); !errors.Is(err, googleauth.ErrNoToken) {
		t.Errorf("nobody: %v", err)
	}
}

func TestLoginsExpire(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &googleauth.Logins{Now: func() time.Time { return now }}
	cfg := googleauth.Config{ClientID: "x", ClientSecret: "y"}
	p, err := l.Begin(cfg, "http://127.0.0.1:1/", "")
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(16 * time.Minute)
	if _, err := l.Take(p.State); !errors.Is(err, googleauth.ErrUnknownState) {
		t.Fatalf("expired: %v", err)
	}
	chosen := "client-chosen-state-0001"
	if _, err := l.Begin(cfg, "http://127.0.0.1:1/", chosen); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Begin(cfg, "http://127.0.0.1:1/", chosen); err == nil {
		t.Error("the same state twice")
	}
	for range googleauth.MaxPending + 5 {
		if _, err := l.Begin(cfg, "http://127.0.0.1:1/", ""); err != nil {
			t.Fatal(err)
		}
		now = now.Add(time.Second)
	}
	if _, err := l.Take(chosen); !errors.Is(err, googleauth.ErrUnknownState) {
		t.Error("the oldest was kept past the cap")
	}
	if _, err := (&googleauth.Logins{}).Begin(googleauth.Config{}, "http://x/", ""); !errors.Is(err, googleauth.ErrNotConfigured) {
		t.Errorf("unconfigured: %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{googleauth.EnvClientID: "id.apps.googleusercontent.com", googleauth.EnvPeopleURL: "http://127.0.0.1:9/"}
	c := googleauth.Config{ClientID: "file-id", ClientSecret: "file-secret"}.WithEnv(func(k string) string { return env[k] }).WithDefaults()
	if c.ClientID != "id.apps.googleusercontent.com" || c.ClientSecret != "file-secret" || c.PeopleURL != "http://127.0.0.1:9/" ||
		c.TokenURL != googleauth.DefaultTokenURL || c.RevokeURL != googleauth.DefaultRevokeURL {
		t.Errorf("%+v", c)
	}
}
