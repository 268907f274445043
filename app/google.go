package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	stdsync "sync"
	"time"

	"github.com/humans-contacts/humans/app/googleauth"
	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/google"
)

// Google accounts: each connected Google account is a sync account of
// kind "google" named "google:" and its e-mail address. Its refresh
// token is kept apart from the store (googleauth: the keyring, else an
// encrypted file); the account's settings hold no secret.

// GoogleKind is the kind of the Google sync accounts.
const GoogleKind = "google"

// GoogleConfigFileName holds the OAuth client (id and secret) and the
// endpoints in the data directory, readable by its owner only.
const GoogleConfigFileName = "google.json"

// Files of the encrypted token store (used without a keyring).
const (
	GoogleTokenFileName = "google-tokens.json"
	GoogleKeyFileName   = "google-tokens.key"
)

// EnvTokenStore chooses where refresh tokens go: "keyring", "file" or
// "auto" (the default: the keyring when one answers, else the file).
const EnvTokenStore = "HUMANS_TOKEN_STORE"

// Errors of the Google surfaces, tested with errors.Is.
var (
	ErrGoogleNotConfigured = googleauth.ErrNotConfigured
	ErrGoogleState         = googleauth.ErrUnknownState
	ErrGoogleSignIn        = sync.ErrSignIn
	ErrGoogleDenied        = googleauth.ErrAccessDenied
	ErrGoogleStateMismatch = googleauth.ErrStateMismatch
	ErrGoogleNoRefresh     = googleauth.ErrNoRefreshToken
)

// GoogleTokenError is a refusal of Google's token endpoint.
type GoogleTokenError = googleauth.TokenError

// GoogleNoBrowserRedirect is where a login without a browser here sends
// the browser; the address it shows is pasted back.
const GoogleNoBrowserRedirect = googleauth.NoBrowserRedirect

// ParseGoogleAnswer reads the address Google sent the browser to (or
// its query, or only the code): its code and state.
func ParseGoogleAnswer(s string) (code, state string, err error) { return googleauth.ParsePasted(s) }

// GoogleSetupHelp says how to get a client id and secret.
const GoogleSetupHelp = `Humans talks to Google with an OAuth client of your own:
  1. Open https://console.cloud.google.com/ and create a project (or pick one).
  2. APIs & Services → Library: enable the "People API".
  3. APIs & Services → OAuth consent screen: choose "External", fill in the
     app name and your e-mail, and add yourself as a test user.
  4. APIs & Services → Credentials → Create credentials → OAuth client ID,
     application type "Desktop app".
  5. Copy its client ID (…apps.googleusercontent.com) and client secret.
While the consent screen is in "Testing", Google lets a sign-in last about
7 days; publish it ("In production") to keep accounts connected.`

// googleFile is google.json.
type googleFile struct {
	googleauth.Config
	// BookID names this book's tokens in the keyring, so that two books
	// on one computer never share or remove each other's.
	BookID string `json:"book_id,omitempty"`
}

// GoogleClient is the OAuth client as the surfaces show it.
type GoogleClient struct {
	ClientID string `json:"client_id"`
	// SecretSet says a secret is set; the secret itself is shown masked.
	SecretSet    bool   `json:"client_secret_set"`
	MaskedSecret string `json:"client_secret"`
	// FromEnv names the settings the environment overrides.
	FromEnv []string `json:"from_env,omitempty"`
}

// googleState is the Service's Google part.
type googleState struct {
	mu     stdsync.Mutex // guards google.json
	logins googleauth.Logins

	tokens googleauth.TokenStore
}

func (s *Service) googlePath() string { return filepath.Join(s.dataDir, GoogleConfigFileName) }

func readGoogleFile(path string) (googleFile, error) {
	var f googleFile
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("app: reading the Google settings: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("app: %s is not valid JSON: %w", path, err)
	}
	return f, nil
}

func writeGoogleFile(path string, f googleFile) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("app: encoding the Google settings: %w", err)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, GoogleConfigFileName+".*")
	if err != nil {
		return fmt.Errorf("app: saving the Google settings: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("app: saving the Google settings: %w", err)
	}
	return nil
}

// googleConfig returns the OAuth configuration: google.json, then the
// environment's overrides.
func (s *Service) googleConfig() (googleauth.Config, error) {
	s.google.mu.Lock()
	defer s.google.mu.Unlock()
	f, err := readGoogleFile(s.googlePath())
	if err != nil {
		return googleauth.Config{}, err
	}
	return f.Config.WithEnv(os.Getenv), nil
}

// ValidateGoogleClient checks a client id and secret as pasted from the
// Google Cloud console.
func ValidateGoogleClient(id, secret string) error {
	verr := &ValidationError{}
	oneWord := func(field, v string) bool {
		switch {
		case v == "":
			verr.Add(field, "is required")
		case len(v) > 512 || strings.ContainsAny(v, " \t\r\n\"'"):
			verr.Add(field, "must be one word of at most 512 characters, as copied from the Google Cloud console")
		default:
			return true
		}
		return false
	}
	if oneWord("client_id", id) && !strings.HasSuffix(id, ".apps.googleusercontent.com") {
		verr.Add("client_id", "a Google OAuth client ID ends in .apps.googleusercontent.com (is this the secret?)")
	}
	if oneWord("client_secret", secret) && secret == id {
		verr.Add("client_secret", "is the client ID again")
	}
	return verr.OrNil()
}

// GoogleSetup checks and saves the OAuth client id and secret
// (GoogleSetupHelp says how to get them) in google.json.
func (s *Service) GoogleSetup(clientID, clientSecret string) (GoogleClient, error) {
	s.google.mu.Lock()
	defer s.google.mu.Unlock()
	return SaveGoogleClient(s.dataDir, clientID, clientSecret)
}

// SaveGoogleClient is GoogleSetup on the data directory dir, without
// opening the book: the command line sets the client up while a window
// holds the store (which reads google.json afresh at each login).
func SaveGoogleClient(dir, clientID, clientSecret string) (GoogleClient, error) {
	clientID, clientSecret = strings.TrimSpace(clientID), strings.TrimSpace(clientSecret)
	if err := ValidateGoogleClient(clientID, clientSecret); err != nil {
		return GoogleClient{}, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return GoogleClient{}, fmt.Errorf("app: creating data directory: %w", err)
	}
	path := filepath.Join(dir, GoogleConfigFileName)
	f, err := readGoogleFile(path)
	if err != nil {
		return GoogleClient{}, err
	}
	f.ClientID, f.ClientSecret = clientID, clientSecret
	if err := writeGoogleFile(path, f); err != nil {
		return GoogleClient{}, err
	}
	return googleClientOf(f.Config), nil
}

// GoogleClientInfo returns the OAuth client in use, the secret masked.
func (s *Service) GoogleClientInfo() (GoogleClient, error) {
	s.google.mu.Lock()
	f, err := readGoogleFile(s.googlePath())
	s.google.mu.Unlock()
	if err != nil {
		return GoogleClient{}, err
	}
	return googleClientOf(f.Config), nil
}

func googleClientOf(file googleauth.Config) GoogleClient {
	c := file.WithEnv(os.Getenv)
	out := GoogleClient{ClientID: c.ClientID, SecretSet: c.ClientSecret != ""}
	if out.SecretSet {
		out.MaskedSecret = "****"
		if len(c.ClientSecret) >= 16 {
			out.MaskedSecret += c.ClientSecret[len(c.ClientSecret)-4:]
		}
	}
	for _, env := range []string{googleauth.EnvClientID, googleauth.EnvClientSecret, googleauth.EnvAuthURL,
		googleauth.EnvTokenURL, googleauth.EnvRevokeURL, googleauth.EnvPeopleURL} {
		if strings.TrimSpace(os.Getenv(env)) != "" {
			out.FromEnv = append(out.FromEnv, env)
		}
	}
	return out
}

// googleTokens returns the token store, made on first use (a failure,
// such as a damaged google.json, is tried again at the next call).
func (s *Service) googleTokens() (googleauth.TokenStore, error) {
	s.google.mu.Lock()
	defer s.google.mu.Unlock()
	if s.google.tokens != nil {
		return s.google.tokens, nil
	}
	f, err := readGoogleFile(s.googlePath())
	if err != nil {
		return nil, err
	}
	if f.BookID == "" {
		b := make([]byte, 8)
		rand.Read(b)
		f.BookID = hex.EncodeToString(b)
		if err := writeGoogleFile(s.googlePath(), f); err != nil {
			return nil, err
		}
	}
	file := &googleauth.File{Path: filepath.Join(s.dataDir, GoogleTokenFileName),
		KeyPath: filepath.Join(s.dataDir, GoogleKeyFileName), Passphrase: os.Getenv(googleauth.EnvPassphrase)}
	kr := googleauth.Keyring{Service: "Humans Google " + f.BookID}
	switch mode := os.Getenv(EnvTokenStore); mode {
	case "file":
		s.google.tokens = file
	case "keyring":
		s.google.tokens = kr
	case "", "auto":
		s.google.tokens = &googleauth.Fallback{Primary: kr, Secondary: file, Log: s.log}
	default:
		return nil, fmt.Errorf("app: %s=%q: use keyring, file or auto", EnvTokenStore, mode)
	}
	return s.google.tokens, nil
}

// GoogleAccount is a connected Google account with its sync status.
type GoogleAccount struct {
	// ID names the account everywhere (google:ada@example.com).
	ID          string     `json:"id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	ConnectedAt time.Time  `json:"connected_at"`
	Direction   string     `json:"direction"`
	Interval    int        `json:"sync_interval_minutes"`
	Status      SyncStatus `json:"status"`
	// NeedsSignIn: Google no longer accepts the account's token (revoked,
	// expired, or missing here): connect it again.
	NeedsSignIn bool `json:"needs_sign_in"`
}

// GoogleAccountName is the sync account name of a Google address.
func GoogleAccountName(email string) string { return GoogleKind + ":" + strings.ToLower(email) }

// googleAccount finds a Google account by its id or its e-mail address.
func (s *Service) googleAccount(ctx context.Context, id string) (*SyncAccount, error) {
	id = strings.TrimSpace(id)
	name := id
	if !strings.HasPrefix(name, GoogleKind+":") {
		name = GoogleAccountName(id)
	}
	acc, err := s.store.GetSyncAccount(ctx, name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && acc.Kind != GoogleKind) {
		return nil, fmt.Errorf("no Google account %q is connected: %w", id, ErrNotFound)
	}
	return acc, err
}

// GoogleAccounts lists the connected Google accounts with their status.
func (s *Service) GoogleAccounts(ctx context.Context) ([]GoogleAccount, error) {
	accs, err := s.store.SyncAccounts(ctx)
	if err != nil {
		return nil, err
	}
	tokens, tokErr := s.googleTokens()
	out := []GoogleAccount{}
	for _, a := range accs {
		if a.Kind != GoogleKind {
			continue
		}
		st, err := s.syncEngine().Status(ctx, a.Name)
		if err != nil {
			return nil, err
		}
		g := GoogleAccount{ID: a.Name, Email: a.Settings["email"], Name: a.Settings["name"], ConnectedAt: a.CreatedAt,
			Direction: a.Direction, Interval: a.IntervalMinutes, Status: st}
		g.NeedsSignIn = st.NeedsSignIn || signInNeeded(st)
		if tokErr == nil && !g.NeedsSignIn {
			if _, err := tokens.Load(a.Name); errors.Is(err, googleauth.ErrNoToken) {
				g.NeedsSignIn = true
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// signInNeeded says whether the last attempt failed for want of a valid
// authorization (sync.ErrSignIn, as the job recorded it), also where the
// engine did not mark the account (a failure opening its provider).
func signInNeeded(st SyncStatus) bool {
	return st.LastError != "" && st.LastErrorAt.After(st.LastSuccess) &&
		(strings.Contains(st.LastError, sync.ErrSignIn.Error()) || strings.Contains(st.LastError, googleauth.ErrNoToken.Error()))
}

// GoogleAuthURL begins a login whose browser comes back to redirectURL
// and returns the consent page's address and the login's state (the
// state given, when the caller chose one). The login waits 15 minutes
// for GoogleCallback.
func (s *Service) GoogleAuthURL(ctx context.Context, redirectURL, state string) (authURL, gotState string, err error) {
	verr := &ValidationError{}
	if err := googleauth.CheckRedirect(redirectURL); err != nil {
		verr.Add("redirect_uri", err.Error())
	}
	if state != "" {
		if err := googleauth.CheckState(state); err != nil {
			verr.Add("state", err.Error())
		}
	}
	if err := verr.OrNil(); err != nil {
		return "", "", err
	}
	cfg, err := s.googleConfig()
	if err != nil {
		return "", "", err
	}
	p, err := s.google.logins.Begin(cfg, redirectURL, state)
	if err != nil {
		return "", "", err
	}
	return p.URL, p.State, nil
}

// GoogleCallback finishes the login of state: it exchanges code for
// tokens, keeps the refresh token and creates the account (or, for an
// account connected before, replaces its token and keeps its mapping).
func (s *Service) GoogleCallback(ctx context.Context, code, state string) (*GoogleAccount, error) {
	verr := &ValidationError{}
	if strings.TrimSpace(code) == "" {
		verr.Add("code", "is required")
	}
	if state == "" {
		verr.Add("state", "is required")
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	p, err := s.google.logins.Take(state)
	if err != nil {
		return nil, err
	}
	cfg, err := s.googleConfig()
	if err != nil {
		return nil, err
	}
	cfg.HTTPClient = &http.Client{Timeout: time.Minute}
	g, err := cfg.Exchange(ctx, p, strings.TrimSpace(code))
	if err != nil {
		return nil, err
	}
	return s.saveGoogleGrant(ctx, cfg, g)
}

// saveGoogleGrant keeps the grant's refresh token and makes its account.
func (s *Service) saveGoogleGrant(ctx context.Context, cfg googleauth.Config, g *googleauth.Grant) (*GoogleAccount, error) {
	tokens, err := s.googleTokens()
	if err != nil {
		return nil, err
	}
	name := GoogleAccountName(g.Email)
	old, err := s.store.GetSyncAccount(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if old != nil && old.Kind != GoogleKind {
		return nil, fmt.Errorf("app: the sync account %q is a %s account", name, old.Kind)
	}
	if err := tokens.Save(name, g.Token.RefreshToken); err != nil {
		_ = cfg.Revoke(context.WithoutCancel(ctx), g.Token.RefreshToken)
		return nil, fmt.Errorf("app: keeping the Google token: %w", err)
	}
	settings := map[string]string{"email": g.Email, "name": g.Name}
	if old == nil {
		err = s.syncEngine().SaveAccount(ctx, store.SyncAccount{Name: name, Kind: GoogleKind, Settings: settings,
			Direction: sync.DirectionBoth, Policy: sync.PolicyNewest, IntervalMinutes: 15})
	} else {
		// Connected again: the same account, its mapping kept; the
		// "sign in again" state is over.
		err = s.store.Write(ctx, func(tx *store.Tx) error {
			a, err := tx.SyncAccount(name)
			if err != nil {
				return err
			}
			a.Settings = settings
			return tx.PutSyncAccount(a)
		})
		if err == nil {
			err = s.syncEngine().SignedIn(ctx, name)
		}
	}
	if err != nil {
		if old == nil {
			_ = tokens.Delete(name)
			_ = cfg.Revoke(context.WithoutCancel(ctx), g.Token.RefreshToken)
		}
		return nil, err
	}
	s.log.Info("Google account connected", "account", name, "again", old != nil)
	acc, err := s.googleAccount(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.googleAccountInfo(ctx, acc)
}

func (s *Service) googleAccountInfo(ctx context.Context, acc *SyncAccount) (*GoogleAccount, error) {
	all, err := s.GoogleAccounts(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(all, func(g GoogleAccount) bool { return g.ID == acc.Name })
	if i < 0 {
		return nil, fmt.Errorf("google account %q: %w", acc.Name, ErrNotFound)
	}
	return &all[i], nil
}

// googleAuthorizer finishes logins in this Service.
type googleAuthorizer struct{ s *Service }

func (a googleAuthorizer) AuthURL(ctx context.Context, redirect string) (string, string, error) {
	return a.s.GoogleAuthURL(ctx, redirect, "")
}

func (a googleAuthorizer) Callback(ctx context.Context, code, state string) (string, error) {
	g, err := a.s.GoogleCallback(ctx, code, state)
	if err != nil {
		return "", err
	}
	return g.Email, nil
}

// GoogleAuthorizer is the Service as a googleauth.Authorizer: the
// command line runs the loopback or pasted-address login with it.
func (s *Service) GoogleAuthorizer() googleauth.Authorizer { return googleAuthorizer{s} }

// OpenBrowser opens an address in the system browser (xdg-open, open,
// rundll32): the opener GoogleConnect is usually given.
var OpenBrowser googleauth.Opener = googleauth.OpenBrowser

// GoogleConnectTimeout is how long a login waits for the browser.
const GoogleConnectTimeout = 10 * time.Minute

// GoogleConnect connects an account with the loopback login: open opens
// the consent page (googleauth.OpenBrowser), show, when not nil, gets its
// address too. It returns the account's e-mail address.
func (s *Service) GoogleConnect(ctx context.Context, open googleauth.Opener, show func(authURL string)) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, GoogleConnectTimeout)
	defer cancel()
	return googleauth.Loopback(ctx, s.GoogleAuthorizer(), open, show)
}

// GoogleConnectNoBrowser connects an account without a browser on this
// machine: the consent address goes to out and the address the browser
// was sent to is read from in.
func (s *Service) GoogleConnectNoBrowser(ctx context.Context, in io.Reader, out io.Writer) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, GoogleConnectTimeout)
	defer cancel()
	return googleauth.NoBrowser(ctx, s.GoogleAuthorizer(), in, out)
}

// GoogleDisconnected says what disconnecting did.
type GoogleDisconnected struct {
	ID string `json:"id"`
	// Revoked: Google revoked the token. When it could not (offline, or
	// the token was revoked already), RevokeError says why; the account
	// is removed here all the same.
	Revoked     bool   `json:"revoked"`
	RevokeError string `json:"revoke_error,omitempty"`
}

// GoogleDisconnect revokes the account's token at Google, forgets the
// token, and removes the account and its mapping (links, sync state,
// conflicts, history). Every contact stays.
func (s *Service) GoogleDisconnect(ctx context.Context, id string) (*GoogleDisconnected, error) {
	acc, err := s.googleAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	if st, err := s.syncEngine().Status(ctx, acc.Name); err == nil && st.State == sync.StateRunning {
		return nil, fmt.Errorf("%w (%s): disconnect it when the sync ends", sync.ErrBusy, acc.Name)
	}
	res := &GoogleDisconnected{ID: acc.Name}
	tokens, err := s.googleTokens()
	if err != nil {
		return nil, err
	}
	rt, loadErr := tokens.Load(acc.Name)
	cfg, cfgErr := s.googleConfig()
	switch {
	case loadErr != nil:
		res.RevokeError = "no token to revoke: " + loadErr.Error()
	case cfgErr != nil:
		res.RevokeError = cfgErr.Error()
	default:
		if err := cfg.Revoke(ctx, rt); err != nil {
			res.RevokeError = err.Error()
		} else {
			res.Revoked = true
		}
	}
	if res.RevokeError != "" {
		s.log.Warn("disconnecting a Google account: the token was not revoked at Google", "account", acc.Name, "err", res.RevokeError)
	}
	if err := s.store.Write(ctx, func(tx *store.Tx) error { return tx.DeleteSyncAccount(acc.Name) }); err != nil {
		return nil, err
	}
	if err := tokens.Delete(acc.Name); err != nil {
		return res, fmt.Errorf("app: the account is removed, but its token could not be deleted: %w", err)
	}
	s.log.Info("Google account disconnected", "account", acc.Name, "revoked", res.Revoked)
	return res, nil
}

// GoogleImportResult is what one import from Google did here.
type GoogleImportResult struct {
	Account string   `json:"account"`
	Created int      `json:"created"`
	Updated int      `json:"updated"`
	Skipped int      `json:"skipped"`
	Deleted int      `json:"deleted"`
	Job     *SyncJob `json:"-"`
}

// GoogleImport runs one import-direction sync of the account now.
func (s *Service) GoogleImport(ctx context.Context, id string) (*GoogleImportResult, error) {
	acc, err := s.googleAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	job, err := s.syncEngine().RunDirection(ctx, acc.Name, sync.DirectionImport)
	if job == nil {
		return nil, err
	}
	return &GoogleImportResult{Account: acc.Name, Created: job.Pulled.Created, Updated: job.Pulled.Updated,
		Skipped: job.Pulled.Skipped, Deleted: job.Pulled.Deleted, Job: job}, err
}

// openGoogle opens the People API provider of a Google account, signed
// in with its stored token.
func (s *Service) openGoogle(acc *SyncAccount) (sync.Provider, error) {
	ctx := context.Background() // the token source's, for its refreshes
	c, cfg, err := s.googleHTTPClient(ctx, acc)
	if err != nil {
		return nil, err
	}
	return google.New(ctx, google.Config{Endpoint: cfg.PeopleURL, HTTPClient: c, Logger: s.log})
}

// googleHTTPClient is the client the account's provider talks to Google
// with: its token source, refreshed tokens kept.
func (s *Service) googleHTTPClient(ctx context.Context, acc *SyncAccount) (*http.Client, googleauth.Config, error) {
	cfg, err := s.googleConfig()
	if err != nil {
		return nil, cfg, err
	}
	tokens, err := s.googleTokens()
	if err != nil {
		return nil, cfg, err
	}
	c, err := cfg.Client(ctx, acc.Name, tokens, s.log)
	if errors.Is(err, googleauth.ErrNoToken) {
		err = fmt.Errorf("%w: %w", sync.ErrSignIn, err)
	}
	return c, cfg, err
}
