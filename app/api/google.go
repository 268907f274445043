package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/sync"
)

// The Google endpoints: connecting accounts (auth-url, then callback
// with the code and state Google sent the browser back with), listing
// them with their sync status, importing from one, and disconnecting.

// googleError maps the Google failures to answers.
func googleError(err error) error {
	var te *app.GoogleTokenError
	switch {
	case errors.Is(err, app.ErrGoogleNotConfigured):
		return errorf(http.StatusConflict, "not_configured", "%v", err)
	case errors.Is(err, app.ErrGoogleState):
		return errorf(http.StatusBadRequest, "invalid_state", "%v", err)
	case errors.Is(err, app.ErrGoogleDenied), errors.Is(err, app.ErrGoogleStateMismatch):
		return errorf(http.StatusBadRequest, "invalid_state", "%v", err)
	case errors.Is(err, app.ErrGoogleSignIn):
		return errorf(http.StatusConflict, "sign_in_required", "%v", err)
	case errors.As(err, &te), errors.Is(err, app.ErrGoogleNoRefresh):
		return errorf(http.StatusBadGateway, "google_refused", "%v", err)
	case errors.Is(err, sync.ErrBusy):
		return errorf(http.StatusConflict, "busy", "%v", err)
	}
	return err
}

// GET /api/google/auth-url
func (s *server) googleAuthURL(w http.ResponseWriter, r *http.Request) error {
	p := query(r)
	state := p.str("state")
	redirect := p.str("redirect_uri")
	if err := p.done(); err != nil {
		return err
	}
	if redirect == "" {
		redirect = app.GoogleNoBrowserRedirect
	}
	u, state, err := s.svc.GoogleAuthURL(r.Context(), redirect, state)
	if err != nil {
		return googleError(err)
	}
	return s.ok(w, http.StatusOK, map[string]any{"url": u, "state": state, "redirect_uri": redirect,
		"expires_in": int(15 * 60)}, "Open the url; Google sends the browser back to redirect_uri with code and state: post them to /api/google/callback")
}

// POST /api/google/callback: {code, state}, or {url}: the address Google
// sent the browser to.
func (s *server) googleCallback(w http.ResponseWriter, r *http.Request) error {
	o, err := readObject(r)
	if err != nil {
		return err
	}
	code, _ := get[string](o, "a string", "code")
	state, _ := get[string](o, "a string", "state")
	pasted, _ := get[string](o, "a string", "url")
	if err := o.done(); err != nil {
		return err
	}
	if pasted != "" {
		c, st, err := app.ParseGoogleAnswer(pasted)
		if err != nil {
			if errors.Is(err, app.ErrGoogleDenied) {
				return googleError(err)
			}
			return &app.ValidationError{Fields: map[string]string{"url": err.Error()}}
		}
		if code == "" {
			code = c
		}
		if state == "" {
			state = st
		}
	}
	acc, err := s.svc.GoogleCallback(r.Context(), code, state)
	if err != nil {
		return googleError(err)
	}
	return s.ok(w, http.StatusCreated, acc, "Google account connected")
}

// GET /api/google/accounts
func (s *server) googleAccounts(w http.ResponseWriter, r *http.Request) error {
	accs, err := s.svc.GoogleAccounts(r.Context())
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, accs, "")
}

// POST /api/google/import: {"account": id}, or nothing when one account
// is connected.
func (s *server) googleImport(w http.ResponseWriter, r *http.Request) error {
	var account string
	if r.ContentLength != 0 {
		o, err := readObject(r)
		if err != nil {
			return err
		}
		account, _ = get[string](o, "a string", "account")
		if err := o.done(); err != nil {
			return err
		}
	}
	if q := r.URL.Query().Get("account"); account == "" && q != "" {
		account = q
	}
	if account == "" {
		accs, err := s.svc.GoogleAccounts(r.Context())
		if err != nil {
			return err
		}
		switch len(accs) {
		case 0:
			return errorf(http.StatusNotFound, "not_found", "no Google account is connected")
		case 1:
			account = accs[0].ID
		default:
			ids := make([]string, len(accs))
			for i, a := range accs {
				ids[i] = a.ID
			}
			return &app.ValidationError{Fields: map[string]string{"account": "is required with several accounts: one of " + strings.Join(ids, ", ")}}
		}
	}
	res, err := s.svc.GoogleImport(r.Context(), account)
	if errors.Is(err, app.ErrNotFound) && res == nil {
		return errorf(http.StatusNotFound, "not_found", "%v", err)
	}
	if res != nil && err != nil {
		if errors.Is(err, app.ErrGoogleSignIn) {
			return googleError(err)
		}
		return errorf(http.StatusBadGateway, "sync_failed", "the import from Google failed (job %d): %v", res.Job.ID, err)
	}
	if err != nil {
		return googleError(err)
	}
	return s.ok(w, http.StatusOK, map[string]any{"account": res.Account, "created": res.Created, "updated": res.Updated,
		"skipped": res.Skipped, "deleted": res.Deleted, "job": toSyncJobJSON(res.Job)}, "Import done")
}

// DELETE /api/google/accounts/{id}: id is the account's id
// (google:ada@example.com) or its e-mail address.
func (s *server) googleDisconnect(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	res, err := s.svc.GoogleDisconnect(r.Context(), id)
	if errors.Is(err, app.ErrNotFound) && res == nil {
		return errorf(http.StatusNotFound, "not_found", "%v", err)
	}
	if err != nil && res == nil {
		return googleError(err)
	}
	msg := "Google account disconnected; its contacts stay"
	if res.RevokeError != "" {
		msg += "; Google did not revoke the token (" + res.RevokeError + "): remove Humans at https://myaccount.google.com/permissions"
	}
	if err != nil {
		msg += "; " + err.Error()
	}
	return s.ok(w, http.StatusOK, map[string]any{"id": res.ID, "deleted": true, "revoked": res.Revoked, "revoke_error": res.RevokeError}, msg)
}
