package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/humans-contacts/humans/app"
)

// The endpoints of remote deletions waiting for the person: a sync that
// found too many remote deletions at once holds them until they are
// confirmed (the contacts go to the trash) or refused (the contacts
// stay and are created again remotely). They work for every sync
// account; "account" defaults to the Hub's.

// pendingDeletionJSON is a held deletion as the API shows it.
type pendingDeletionJSON struct {
	Account  string    `json:"account"`
	RemoteID string    `json:"remote_id"`
	HumanID  int64     `json:"human_id"`
	Name     string    `json:"name"`
	Absent   bool      `json:"absent"`
	Found    time.Time `json:"found"`
}

// accountError maps an unknown account to a 404.
func accountError(account string, err error) error {
	if errors.Is(err, app.ErrNotFound) {
		return errorf(http.StatusNotFound, "not_found", "no sync account %q", account)
	}
	return syncError(err)
}

// GET /api/sync/deletions
func (s *server) syncDeletions(w http.ResponseWriter, r *http.Request) error {
	p := query(r)
	account := p.str("account")
	if err := p.done(); err != nil {
		return err
	}
	ds, err := s.svc.SyncPendingDeletions(r.Context(), account)
	if err != nil {
		return accountError(account, err)
	}
	out := make([]pendingDeletionJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, pendingDeletionJSON{Account: d.Account, RemoteID: d.RemoteID, HumanID: d.LocalID,
			Name: d.Name, Absent: d.Absent, Found: d.Found})
	}
	return s.ok(w, http.StatusOK, out, "")
}

// POST /api/sync/deletions/confirm and /keep
func (s *server) settleSyncDeletions(confirm bool) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		var account string
		var ids []string
		if r.ContentLength != 0 {
			o, err := readObject(r)
			if err != nil {
				return err
			}
			account, _ = get[string](o, "a string", "account")
			ids, _ = get[[]string](o, "a list of remote contact ids", "remote_ids")
			if err := o.done(); err != nil {
				return err
			}
		}
		settle, verb := s.svc.KeepSyncDeletions, "kept: they are created again remotely on the next sync"
		if confirm {
			settle, verb = s.svc.ConfirmSyncDeletions, "confirmed: the contacts are in the trash"
		}
		res, err := settle(r.Context(), account, ids)
		if err != nil {
			return accountError(account, err)
		}
		return s.ok(w, http.StatusOK, res, fmt.Sprintf("Remote deletions %s", verb))
	}
}
