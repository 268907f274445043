// Package googleauthtest is a fake Google authorization server for tests:
// an authorize endpoint that checks the client, the redirect address, the
// PKCE challenge and the state and redirects back with a code (or
// access_denied); a token endpoint that checks the code's verifier and
// redirect, issues access, refresh and ID tokens, refreshes (rotating the
// refresh token when asked) and answers invalid_grant for revoked or
// unknown tokens; a revoke endpoint; and a protected resource that
// accepts only live access tokens. Browser follows a consent page the
// way a person's browser would.
package googleauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/humans-contacts/humans/sync/google/googletest"
)

// Client id and secret the server accepts.
const (
	ClientID     = "1234-test.apps.googleusercontent.com"
	ClientSecret = "GOCSPX-test-secret"
)

// Server is the fake. Its fields set before a login change how it
// answers.
type Server struct {
	*httptest.Server

	mu sync.Mutex
	// Email and Name are who signs in next.
	Email, Name string
	// Deny makes the consent page answer access_denied.
	Deny bool
	// WrongState makes the consent page send another state back.
	WrongState bool
	// Rotate makes every refresh issue a new refresh token.
	Rotate bool
	// NoRefresh makes the code exchange issue no refresh token.
	NoRefresh bool
	// AccessToken, when set, is the access token every grant gets (for
	// a resource server that accepts one token, as googletest's does).
	AccessToken string

	codes     map[string]*grant // unused codes
	refresh   map[string]*grant // live refresh tokens
	access    map[string]*grant // live access tokens
	revoked   map[string]bool
	Refreshes int // refresh_token grants answered with a token
	Exchanges int // authorization_code grants answered with tokens
	Revokes   int // revocations done
	// Challenges are the PKCE challenges seen, in order.
	Challenges []string
}

type grant struct {
	email, name, challenge, redirect, refresh string
}

// New starts a server; it stops at the end of the test.
func New(t testing.TB) *Server {
	s := &Server{Email: "ada@example.com", Name: "Ada Lovelace", codes: map[string]*grant{},
		refresh: map[string]*grant{}, access: map[string]*grant{}, revoked: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /o/oauth2/auth", s.authorize)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /revoke", s.revoke)
	mux.HandleFunc("GET /resource", s.resource)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// URLs of the endpoints.
func (s *Server) AuthURL() string     { return s.URL + "/o/oauth2/auth" }
func (s *Server) TokenURL() string    { return s.URL + "/token" }
func (s *Server) RevokeURL() string   { return s.URL + "/revoke" }
func (s *Server) ResourceURL() string { return s.URL + "/resource" }

// Env is the environment that points Humans at the server.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"HUMANS_GOOGLE_CLIENT_ID": ClientID, "HUMANS_GOOGLE_CLIENT_SECRET": ClientSecret,
		"HUMANS_GOOGLE_AUTH_URL": s.AuthURL(), "HUMANS_GOOGLE_TOKEN_URL": s.TokenURL(),
		"HUMANS_GOOGLE_REVOKE_URL": s.RevokeURL(),
	}
}

// Set changes the server's behaviour under its lock.
func (s *Server) Set(f func(s *Server)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// Stats returns the counters under the lock.
func (s *Server) Stats() (exchanges, refreshes, revokes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Exchanges, s.Refreshes, s.Revokes
}

// LiveRefreshTokens counts the refresh tokens not revoked.
func (s *Server) LiveRefreshTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.refresh)
}

// RevokeAll revokes every token, as a person removing the app's access
// in their Google account does.
func (s *Server) RevokeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.refresh {
		s.revoked[t] = true
	}
	for t := range s.access {
		s.revoked[t] = true
	}
	s.refresh, s.access = map[string]*grant{}, map[string]*grant{}
}

func random() string {
	b := make([]byte, 18)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

// authorize is the consent page: it checks the request as Google does
// and, the person agreeing, redirects to the client's address.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case q.Get("client_id") != ClientID:
		http.Error(w, "invalid_client: unknown client id", http.StatusUnauthorized)
		return
	case q.Get("response_type") != "code":
		http.Error(w, "unsupported_response_type", http.StatusBadRequest)
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		http.Error(w, "invalid_request: PKCE S256 challenge required", http.StatusBadRequest)
		return
	case q.Get("access_type") != "offline" || q.Get("prompt") != "consent":
		http.Error(w, "invalid_request: this fake wants access_type=offline and prompt=consent", http.StatusBadRequest)
		return
	case q.Get("state") == "":
		http.Error(w, "invalid_request: state required", http.StatusBadRequest)
		return
	case !strings.Contains(" "+q.Get("scope")+" ", " https://www.googleapis.com/auth/contacts "):
		http.Error(w, "invalid_scope: the contacts scope is required", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme != "http" || (redirect.Hostname() != "127.0.0.1" && redirect.Hostname() != "localhost") {
		http.Error(w, "redirect_uri_mismatch: a desktop client redirects to a loopback address", http.StatusBadRequest)
		return
	}
	s.Challenges = append(s.Challenges, q.Get("code_challenge"))
	back := url.Values{}
	state := q.Get("state")
	if s.WrongState {
		state = "not-" + state
	}
	back.Set("state", state)
	if s.Deny {
		back.Set("error", "access_denied")
	} else {
		code := "4/" + random()
		s.codes[code] = &grant{email: s.Email, name: s.Name, challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		back.Set("code", code)
		back.Set("scope", q.Get("scope"))
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// clientOK checks the client's credentials, in the header or the form.
func clientOK(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == ClientID && secret == ClientSecret
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request", "bad form")
		return
	}
	if !clientOK(r) {
		oauthError(w, 401, "invalid_client", "The OAuth client was not found.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := r.PostForm
	var g *grant
	switch f.Get("grant_type") {
	case "authorization_code":
		g = s.codes[f.Get("code")]
		if g == nil {
			oauthError(w, 400, "invalid_grant", "Malformed auth code.")
			return
		}
		delete(s.codes, f.Get("code")) // a code is good once
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			oauthError(w, 400, "invalid_grant", "Invalid code verifier.")
			return
		}
		if f.Get("redirect_uri") != g.redirect {
			oauthError(w, 400, "redirect_uri_mismatch", "Bad Request")
			return
		}
		s.Exchanges++
		g = &grant{email: g.email, name: g.name}
		resp := s.issue(g, !s.NoRefresh)
		claims, _ := json.Marshal(map[string]any{"iss": s.URL, "aud": ClientID, "email": g.email, "email_verified": true, "name": g.name})
		resp["id_token"] = "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"
		writeJSON(w, resp)
	case "refresh_token":
		g = s.refresh[f.Get("refresh_token")]
		if g == nil {
			oauthError(w, 400, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		s.Refreshes++
		if s.Rotate {
			delete(s.refresh, g.refresh)
			s.revoked[g.refresh] = true
			writeJSON(w, s.issue(g, true))
			return
		}
		writeJSON(w, s.issue(g, false))
	default:
		oauthError(w, 400, "unsupported_grant_type", f.Get("grant_type"))
	}
}

// issue makes an access token (and a refresh token when withRefresh)
// for g.
func (s *Server) issue(g *grant, withRefresh bool) map[string]any {
	at := "ya29." + random()
	if s.AccessToken != "" {
		at = s.AccessToken
	}
	s.access[at] = g
	resp := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": 3599,
		"scope": "https://www.googleapis.com/auth/contacts openid email"}
	if withRefresh {
		g.refresh = "1//" + random()
		s.refresh[g.refresh] = g
		resp["refresh_token"] = g.refresh
	}
	return resp
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request", "bad form")
		return
	}
	t := r.Form.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.refresh[t]
	if g == nil {
		g = s.access[t]
	}
	if g == nil {
		oauthError(w, 400, "invalid_token", "Token expired or revoked")
		return
	}
	// Revoking one token of a grant revokes all of it.
	for k, v := range s.refresh {
		if v == g {
			delete(s.refresh, k)
			s.revoked[k] = true
		}
	}
	for k, v := range s.access {
		if v == g {
			delete(s.access, k)
			s.revoked[k] = true
		}
	}
	s.Revokes++
	w.WriteHeader(http.StatusOK)
}

// resource answers with who the bearer is, for a live access token.
func (s *Server) resource(w http.ResponseWriter, r *http.Request) {
	at, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	g := s.access[at]
	s.mu.Unlock()
	if !ok || g == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	fmt.Fprint(w, g.email)
}

// Browser returns an opener that plays the person's browser: it follows
// the consent page's redirect to the client's loopback address and
// returns that page's answer status as an error when it is not 200.
// The page's text goes to page when it is not nil.
func Browser(page func(status int, body string)) func(string) error {
	return func(u string) error {
		res, err := http.Get(u)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if page != nil {
			page(res.StatusCode, string(b))
		}
		return nil
	}
}

// Redirected follows the consent page without going to the client's
// address and returns where the browser would have been sent: what a
// person copies from the address bar in the no-browser flow.
func Redirected(u string) (string, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(u)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		return "", fmt.Errorf("the consent page answered %s", res.Status)
	}
	return res.Header.Get("Location"), nil
}

// Use starts a server and points Humans at it for the rest of the test:
// the OAuth client and endpoints, refresh tokens in the encrypted file
// (a test machine has no keyring), no passphrase.
func Use(t testing.TB) *Server {
	t.Helper()
	s := New(t)
	for k, v := range s.Env() {
		t.Setenv(k, v)
	}
	t.Setenv("HUMANS_TOKEN_STORE", "file")
	t.Setenv("HUMANS_TOKEN_PASSPHRASE", "")
	return s
}

// People starts a fake People API that accepts only the access token
// this server issues from now on, and points Humans at it for the rest
// of the test.
func (s *Server) People(t testing.TB, opts googletest.Options) *googletest.Server {
	t.Helper()
	const token = "ya29.the-only-access-token"
	s.Set(func(s *Server) { s.AccessToken = token })
	opts.Token = token
	p := googletest.New(opts)
	t.Cleanup(p.Close)
	t.Setenv("HUMANS_GOOGLE_PEOPLE_URL", p.Endpoint())
	return p
}
