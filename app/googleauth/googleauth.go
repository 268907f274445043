// Package googleauth connects Google accounts: OAuth 2.0 for installed
// apps (RFC 8252) with golang.org/x/oauth2, PKCE (S256) and a random
// state per login, through a loopback redirect on 127.0.0.1 or, without
// a browser on the machine, a redirected address pasted back; the
// refresh tokens kept in the OS keyring or an encrypted file; and the
// token source that keeps a refreshed token and reports a revoked one
// as sync.ErrSignIn.
//
// Tokens never reach a log or an error message: errors from Google's
// token endpoint are rewritten to its error code and description.
package googleauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/humans-contacts/humans/sync"
)

// Google's endpoints, used when the configuration names none.
const (
	DefaultAuthURL   = "https://accounts.google.com/o/oauth2/auth"
	DefaultTokenURL  = "https://oauth2.googleapis.com/token"
	DefaultRevokeURL = "https://oauth2.googleapis.com/revoke"
	DefaultPeopleURL = "https://people.googleapis.com/"
)

// Scopes are what a login asks for: the contacts, read and write (the
// People API's mutate methods need it), and the account's e-mail address
// (openid email), which names the account.
var Scopes = []string{"https://www.googleapis.com/auth/contacts", "openid", "email"}

// Environment variables that override the configuration (tests, proxies,
// a client id kept outside the data directory).
const (
	EnvClientID     = "HUMANS_GOOGLE_CLIENT_ID"
	EnvClientSecret = "HUMANS_GOOGLE_CLIENT_SECRET"
	EnvAuthURL      = "HUMANS_GOOGLE_AUTH_URL"
	EnvTokenURL     = "HUMANS_GOOGLE_TOKEN_URL"
	EnvRevokeURL    = "HUMANS_GOOGLE_REVOKE_URL"
	EnvPeopleURL    = "HUMANS_GOOGLE_PEOPLE_URL"
)

// Config is the OAuth client and the endpoints. The client id and secret
// of a "Desktop app" OAuth client are not secret in the sense of a
// server's (Google says so of installed apps), but they are the person's
// own and are never committed anywhere.
type Config struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	AuthURL      string `json:"auth_url,omitempty"`
	TokenURL     string `json:"token_url,omitempty"`
	RevokeURL    string `json:"revoke_url,omitempty"`
	PeopleURL    string `json:"people_url,omitempty"`
	// HTTPClient reaches the token and revoke endpoints; nil means
	// http.DefaultClient.
	HTTPClient *http.Client `json:"-"`
}

// WithEnv returns c with the fields that getenv overrides.
func (c Config) WithEnv(getenv func(string) string) Config {
	for _, o := range []struct {
		env string
		dst *string
	}{
		{EnvClientID, &c.ClientID}, {EnvClientSecret, &c.ClientSecret}, {EnvAuthURL, &c.AuthURL},
		{EnvTokenURL, &c.TokenURL}, {EnvRevokeURL, &c.RevokeURL}, {EnvPeopleURL, &c.PeopleURL},
	} {
		if v := strings.TrimSpace(getenv(o.env)); v != "" {
			*o.dst = v
		}
	}
	return c
}

// WithDefaults returns c with Google's endpoints where it names none.
func (c Config) WithDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.AuthURL, DefaultAuthURL)
	def(&c.TokenURL, DefaultTokenURL)
	def(&c.RevokeURL, DefaultRevokeURL)
	def(&c.PeopleURL, DefaultPeopleURL)
	return c
}

// Configured says whether a client id and secret are set.
func (c Config) Configured() bool { return c.ClientID != "" && c.ClientSecret != "" }

// ErrNotConfigured: no OAuth client id and secret are set.
var ErrNotConfigured = errors.New("googleauth: no Google OAuth client is set up (humans google setup)")

func (c Config) oauth(redirectURL string) *oauth2.Config {
	c = c.WithDefaults()
	return &oauth2.Config{
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, RedirectURL: redirectURL, Scopes: Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: c.AuthURL, TokenURL: c.TokenURL},
	}
}

func (c Config) ctx(ctx context.Context) context.Context {
	if c.HTTPClient != nil {
		return context.WithValue(ctx, oauth2.HTTPClient, c.HTTPClient)
	}
	return ctx
}

// Pending is a login begun and not finished: what the exchange needs.
// The verifier never leaves the process that began the login.
type Pending struct {
	State       string
	Verifier    string
	RedirectURL string
	// URL is the consent page to open.
	URL string
}

// NewState returns a random state (256 bits, URL-safe).
func NewState() string { return oauth2.GenerateVerifier() }

// Begin starts a login that will come back to redirectURL: a fresh PKCE
// verifier, the state given (a random one when ""), and the consent
// page's address asking for offline access with the consent prompt, so
// that Google sends a refresh token every time.
func (c Config) Begin(redirectURL, state string) (*Pending, error) {
	if !c.Configured() {
		return nil, ErrNotConfigured
	}
	if state == "" {
		state = NewState()
	}
	p := &Pending{State: state, Verifier: oauth2.GenerateVerifier(), RedirectURL: redirectURL}
	p.URL = c.oauth(redirectURL).AuthCodeURL(state, oauth2.AccessTypeOffline,
		oauth2.SetAuthURLParam("prompt", "consent"), oauth2.S256ChallengeOption(p.Verifier))
	return p, nil
}

// Grant is what a finished login gives: the refresh token to keep, and
// who signed in.
type Grant struct {
	Token *oauth2.Token
	Email string
	Name  string
}

// ErrNoRefreshToken: Google answered without a refresh token.
var ErrNoRefreshToken = errors.New("googleauth: Google sent no refresh token; remove Humans from your Google account's third-party access and connect again")

// Exchange trades the code for tokens with p's verifier, and reads who
// signed in from the ID token that came with them.
func (c Config) Exchange(ctx context.Context, p *Pending, code string) (*Grant, error) {
	if code == "" {
		return nil, errors.New("googleauth: the answer carries no authorization code")
	}
	tok, err := c.oauth(p.RedirectURL).Exchange(c.ctx(ctx), code, oauth2.VerifierOption(p.Verifier))
	if err != nil {
		return nil, fmt.Errorf("googleauth: exchanging the code: %w", CleanError(err))
	}
	if tok.RefreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	g := &Grant{Token: tok}
	idToken, _ := tok.Extra("id_token").(string)
	g.Email, g.Name, err = identity(idToken)
	if err != nil {
		return nil, err
	}
	return g, nil
}

// identity reads the e-mail address and name of an ID token. Its
// signature is not checked: it came straight from the token endpoint over
// TLS, which OpenID Connect Core §3.1.3.7 accepts.
func identity(idToken string) (email, name string, err error) {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return "", "", errors.New("googleauth: Google sent no ID token (is the openid email scope allowed?)")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", "", errors.New("googleauth: the ID token is not base64url")
	}
	var claims struct {
		Email string `json:"email"`
		Name  string `json:"name"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil || claims.Email == "" {
		return "", "", errors.New("googleauth: the ID token carries no e-mail address")
	}
	return strings.ToLower(claims.Email), claims.Name, nil
}

// TokenError is an error of the token endpoint without its body. It
// unwraps to x/oauth2's *oauth2.RetrieveError (whose own message may
// quote the body), so that a provider can classify it (a 5xx or 429 is
// worth retrying).
type TokenError struct {
	Code        string // RFC 6749's error: invalid_grant, invalid_client...
	Description string
	Status      int

	re *oauth2.RetrieveError
}

func (e *TokenError) Unwrap() error {
	if e.re == nil {
		return nil
	}
	return e.re
}

func (e *TokenError) Error() string {
	s := "Google's token endpoint refused"
	if e.Status != 0 {
		s += fmt.Sprintf(" (%d)", e.Status)
	}
	if e.Code != "" {
		s += ": " + e.Code
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// signInError is invalid_grant: the refresh token is revoked or expired.
type signInError struct{ te *TokenError }

func (e *signInError) Error() string {
	return "the Google authorization was revoked or expired (" + e.te.Error() + "): " + sync.ErrSignIn.Error()
}

func (e *signInError) Unwrap() []error { return []error{sync.ErrSignIn, e.te} }

// CleanError rewrites an error of x/oauth2 so that it holds no response
// body (which could hold a token), and makes invalid_grant a
// sync.ErrSignIn. Other errors come back as they are.
func CleanError(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	te := &TokenError{Code: re.ErrorCode, Description: re.ErrorDescription, re: re}
	if re.Response != nil {
		te.Status = re.Response.StatusCode
	}
	if te.Code == "invalid_grant" {
		return &signInError{te}
	}
	return te
}

// Revoke revokes a token (a refresh token revokes its access tokens
// too) at the revoke endpoint.
func (c Config) Revoke(ctx context.Context, token string) error {
	c = c.WithDefaults()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", c.RevokeURL, strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		return fmt.Errorf("googleauth: revoking: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		// A *url.Error names the URL only, never the body with the token.
		return fmt.Errorf("googleauth: revoking: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode == http.StatusOK {
		return nil
	}
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &e)
	return fmt.Errorf("googleauth: Google did not revoke the token: %w", &TokenError{Code: e.Error, Description: e.Description, Status: res.StatusCode})
}
