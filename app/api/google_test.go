package api

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/googleauth"
	"github.com/humans-contacts/humans/app/googleauth/googleauthtest"
	"github.com/humans-contacts/humans/sync/google/googletest"
)

// googleFake points the service at a fake Google; tokens go to the
// encrypted file.
func googleFake(t *testing.T) *googleauthtest.Server {
	t.Helper()
	return googleauthtest.Use(t)
}

// connectGoogle connects the fake's current person through the API and
// returns the account as answered.
func (e *env) connectGoogle(key string) map[string]any {
	e.t.Helper()
	r := e.ok(200, "GET", "/api/google/auth-url?redirect_uri="+url.QueryEscape("http://127.0.0.1:9/cb"), key, nil)
	back, err := googleauthtest.Redirected(r.data()["url"].(string))
	if err != nil {
		e.t.Fatal(err)
	}
	u, _ := url.Parse(back)
	return e.ok(201, "POST", "/api/google/callback", key, map[string]string{"code": u.Query().Get("code"), "state": u.Query().Get("state")}).data()
}

func TestGoogleEndpointsNeedAClientAndAKey(t *testing.T) {
	t.Setenv(googleauth.EnvClientID, "")
	t.Setenv(googleauth.EnvClientSecret, "")
	e := newEnv(t, Options{})
	e.fails(409, "not_configured", "GET", "/api/google/auth-url", e.admin, nil)
	for _, ep := range []struct{ method, path string }{
		{"GET", "/api/google/auth-url"}, {"POST", "/api/google/callback"}, {"GET", "/api/google/accounts"},
		{"POST", "/api/google/import"}, {"DELETE", "/api/google/accounts/ada@example.com"},
	} {
		e.fails(401, "unauthorized", ep.method, ep.path, "", nil)
	}
	// Connecting and disconnecting accounts (where the book's contacts
	// go) needs an admin key, as the Hub's configuration does.
	for _, ep := range []struct{ method, path string }{
		{"GET", "/api/google/auth-url"}, {"POST", "/api/google/callback"}, {"DELETE", "/api/google/accounts/ada@example.com"},
	} {
		e.fails(403, "forbidden", ep.method, ep.path, e.user, nil)
	}
	if l := e.ok(200, "GET", "/api/google/accounts", e.user, nil).list(); len(l) != 0 {
		t.Errorf("accounts %v", l)
	}
	e.fails(404, "not_found", "POST", "/api/google/import", e.user, nil)
}

func TestGoogleConnectThroughTheAPI(t *testing.T) {
	g := googleFake(t)
	e := newEnv(t, Options{})
	// A state chosen by the client comes back; the redirect is checked.
	r := e.ok(200, "GET", "/api/google/auth-url?state=client-state-0123456789&redirect_uri="+url.QueryEscape("http://localhost:5000/google"), e.admin, nil)
	d := r.data()
	if d["state"] != "client-state-0123456789" || d["redirect_uri"] != "http://localhost:5000/google" || num(d["expires_in"]) != 900 {
		t.Fatalf("auth-url %s", r.raw)
	}
	authURL := d["url"].(string)
	for _, want := range []string{"code_challenge_method=S256", "state=client-state-0123456789", "access_type=offline", "prompt=consent", "redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Fgoogle"} {
		if !strings.Contains(authURL, want) {
			t.Errorf("url lacks %s: %s", want, authURL)
		}
	}
	e.fails(422, "validation_error", "GET", "/api/google/auth-url?state=short&redirect_uri=javascript:x", e.admin, nil, "state", "redirect_uri")
	back, err := googleauthtest.Redirected(authURL)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(back)
	code := u.Query().Get("code")
	e.fails(422, "validation_error", "POST", "/api/google/callback", e.admin, `{"state": "client-state-0123456789"}`, "code")
	e.fails(400, "bad_request", "POST", "/api/google/callback", e.admin, `{"code": 5}`, "code")
	e.fails(400, "invalid_state", "POST", "/api/google/callback", e.admin, map[string]string{"code": code, "state": "some-other-state-0123"})
	r = e.ok(201, "POST", "/api/google/callback", e.admin, map[string]string{"code": code, "state": "client-state-0123456789"})
	acc := r.data()
	if acc["id"] != "google:ada@example.com" || acc["email"] != "ada@example.com" || acc["needs_sign_in"] != false {
		t.Fatalf("account %s", r.raw)
	}
	// The answer was used; a replay is refused.
	e.fails(400, "invalid_state", "POST", "/api/google/callback", e.admin, map[string]string{"code": code, "state": "client-state-0123456789"})

	// The pasted-address form, the default redirect.
	g.Set(func(s *googleauthtest.Server) { s.Email = "grace@example.com" })
	r = e.ok(200, "GET", "/api/google/auth-url", e.admin, nil)
	if r.data()["redirect_uri"] != app.GoogleNoBrowserRedirect {
		t.Fatalf("default redirect %v", r.data())
	}
	back, _ = googleauthtest.Redirected(r.data()["url"].(string))
	e.ok(201, "POST", "/api/google/callback", e.admin, map[string]string{"url": back})
	// Refused consent is said so.
	g.Set(func(s *googleauthtest.Server) { s.Deny = true })
	r = e.ok(200, "GET", "/api/google/auth-url", e.admin, nil)
	back, _ = googleauthtest.Redirected(r.data()["url"].(string))
	e.fails(400, "invalid_state", "POST", "/api/google/callback", e.admin, map[string]string{"url": back})

	l := e.ok(200, "GET", "/api/google/accounts", e.user, nil)
	if len(l.list()) != 2 {
		t.Fatalf("accounts %s", l.raw)
	}
	first := l.list()[0].(map[string]any)
	st, _ := first["status"].(map[string]any)
	if first["id"] != "google:ada@example.com" || st["state"] != "idle" || first["needs_sign_in"] != false {
		t.Errorf("account %v", first)
	}
	// No token is ever answered.
	f := &googleauth.File{Path: filepath.Join(e.svc.DataDir(), app.GoogleTokenFileName), KeyPath: filepath.Join(e.svc.DataDir(), app.GoogleKeyFileName)}
	for _, id := range []string{"google:ada@example.com", "google:grace@example.com"} {
		rt, err := f.Load(id)
		if err != nil || rt == "" {
			t.Fatalf("token of %s: %v", id, err)
		}
		if strings.Contains(string(l.raw), rt) {
			t.Error("a token in the answer")
		}
	}
	// Several accounts: the import must name one.
	e.fails(422, "validation_error", "POST", "/api/google/import", e.user, nil, "account")
	e.fails(404, "not_found", "POST", "/api/google/import", e.user, `{"account": "nobody@example.com"}`)
}

func TestGoogleDisconnectThroughTheAPI(t *testing.T) {
	g := googleFake(t)
	e := newEnv(t, Options{})
	e.connectGoogle(e.admin)
	if _, err := e.svc.CreateHuman(ctx, &app.Human{FirstName: "Ada"}); err != nil {
		t.Fatal(err)
	}
	r := e.ok(200, "DELETE", "/api/google/accounts/ada@example.com", e.admin, nil)
	if d := r.data(); d["id"] != "google:ada@example.com" || d["revoked"] != true || d["deleted"] != true {
		t.Fatalf("%s", r.raw)
	}
	if g.LiveRefreshTokens() != 0 {
		t.Error("not revoked at Google")
	}
	e.fails(404, "not_found", "DELETE", "/api/google/accounts/google:ada@example.com", e.admin, nil)
	if st, _ := e.svc.Stats(ctx); st.Total != 1 {
		t.Errorf("contacts %d", st.Total)
	}
	// Google cannot revoke: the account goes, the answer says so.
	e.connectGoogle(e.admin)
	g.RevokeAll()
	r = e.ok(200, "DELETE", "/api/google/accounts/google:ada@example.com", e.admin, nil)
	if d := r.data(); d["revoked"] != false || !strings.Contains(d["revoke_error"].(string), "invalid_token") ||
		!strings.Contains(r.body["message"].(string), "myaccount.google.com") {
		t.Fatalf("%s", r.raw)
	}
	// Connecting and disconnecting accounts (where the book's contacts
	// go) needs an admin key, as the Hub's configuration does.
	for _, ep := range []struct{ method, path string }{
		{"GET", "/api/google/auth-url"}, {"POST", "/api/google/callback"}, {"DELETE", "/api/google/accounts/ada@example.com"},
	} {
		e.fails(403, "forbidden", ep.method, ep.path, e.user, nil)
	}
	if l := e.ok(200, "GET", "/api/google/accounts", e.user, nil).list(); len(l) != 0 {
		t.Errorf("accounts %v", l)
	}
}

func TestGoogleImportThroughTheAPI(t *testing.T) {
	g := googleFake(t)
	p := g.People(t, googletest.Options{})
	p.Add(&people.Person{Names: []*people.Name{{GivenName: "Grace", FamilyName: "Hopper"}}})
	p.Add(&people.Person{Names: []*people.Name{{GivenName: "Alan", FamilyName: "Turing"}}})

	e := newEnv(t, Options{})
	e.connectGoogle(e.admin)
	r := e.ok(200, "POST", "/api/google/import", e.user, nil)
	d := r.data()
	if d["account"] != "google:ada@example.com" || num(d["created"]) != 2 || num(d["updated"]) != 0 || num(d["skipped"]) != 0 {
		t.Fatalf("import %s", r.raw)
	}
	if job, _ := d["job"].(map[string]any); job["direction"] != "import" || job["status"] != "done" {
		t.Errorf("job %v", job)
	}
	if st, _ := e.svc.Stats(ctx); st.Total != 2 {
		t.Fatalf("contacts %d", st.Total)
	}
	r = e.ok(200, "POST", "/api/google/import", e.user, `{"account": "ada@example.com"}`)
	if num(r.data()["created"]) != 0 {
		t.Errorf("second import %s", r.raw)
	}
	// Access revoked at Google: the answer says to sign in again, and the
	// account shows it.
	g.RevokeAll()
	e.fails(409, "sign_in_required", "POST", "/api/google/import", e.user, `{"account": "google:ada@example.com"}`)
	l := e.ok(200, "GET", "/api/google/accounts", e.user, nil).list()
	if a := l[0].(map[string]any); a["needs_sign_in"] != true {
		t.Errorf("account %v", a)
	}
}
