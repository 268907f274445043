package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/sync"
)

// The Hub sync endpoints: they run the sync engine through app.Service
// and report what it did.

// syncJobJSON is a sync job as the API shows it: "import" counts what
// changed in this book, "export" what changed on the Hub.
type syncJobJSON struct {
	ID         int64          `json:"id"`
	Direction  string         `json:"direction"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at"`
	Status     string         `json:"status"` // done, failed or interrupted
	Import     app.SyncCounts `json:"import"`
	Export     app.SyncCounts `json:"export"`
	Conflicts  int            `json:"conflicts"`
	Errors     []string       `json:"errors"`
	Notes      []string       `json:"notes"`
}

func toSyncJobJSON(j *app.SyncJob) syncJobJSON {
	out := syncJobJSON{ID: j.ID, Direction: j.Direction, StartedAt: j.StartedAt, Status: "done",
		Import: j.Pulled, Export: j.Pushed, Conflicts: j.Conflicts, Errors: []string{}, Notes: j.Notes}
	if !j.FinishedAt.IsZero() {
		f := j.FinishedAt
		out.FinishedAt = &f
	} else {
		out.Status = "interrupted"
	}
	if j.Error != "" {
		out.Status = "failed"
		out.Errors = append(out.Errors, j.Error)
	}
	if out.Notes == nil {
		out.Notes = []string{}
	}
	return out
}

// syncError maps the sync's own failures to answers.
func syncError(err error) error {
	switch {
	case errors.Is(err, app.ErrSyncNotConfigured):
		return errorf(http.StatusConflict, "not_configured", "%v", err)
	case errors.Is(err, sync.ErrBusy):
		return errorf(http.StatusConflict, "busy", "a sync with the Hub is running already; try again when it ends")
	}
	return err
}

// The same handlers serve the Hub's endpoints (/api/hub/..., its account)
// and those of every sync account (/api/sync/...?account=NAME, the Hub's
// when no account is named): a Google account, say.

// accountParam reads the optional account parameter.
func accountParam(p *params) string { return p.str("account") }

// runHubSync runs a job: POST /api/hub/sync, /import, /export, and POST
// /api/sync/run?account=&direction=.
func (s *server) runHubSync(direction string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p := query(r)
		account := accountParam(p)
		dir := direction
		if dir == "" {
			dir = p.str("direction")
		}
		if err := p.done(); err != nil {
			return err
		}
		job, err := s.svc.SyncNow(r.Context(), account, dir)
		if job != nil && err != nil {
			// The job ran and failed: it is in the history with its error.
			if errors.Is(err, sync.ErrSignIn) {
				return errorf(http.StatusConflict, "sign_in_required", "%v (job %d)", err, job.ID)
			}
			return errorf(http.StatusBadGateway, "sync_failed", "the sync of %s failed (job %d): %v", accountName(account), job.ID, err)
		}
		if err != nil {
			return accountError(account, err)
		}
		return s.ok(w, http.StatusOK, toSyncJobJSON(job), "Sync done")
	}
}

// accountName names an account in a message.
func accountName(account string) string {
	if account == "" || account == app.HubAccount {
		return "the Hub"
	}
	return "account " + account
}

// GET /api/hub/history, /api/sync/history
func (s *server) hubHistory(w http.ResponseWriter, r *http.Request) error {
	p := query(r)
	account := accountParam(p)
	limit := p.limit("limit", 20, 100)
	if err := p.done(); err != nil {
		return err
	}
	jobs, err := s.svc.SyncJobs(r.Context(), account, limit)
	if errors.Is(err, app.ErrSyncNotConfigured) {
		jobs, err = nil, nil
	}
	if err != nil {
		return accountError(account, err)
	}
	out := make([]syncJobJSON, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, toSyncJobJSON(j))
	}
	return s.ok(w, http.StatusOK, out, "")
}

// GET /api/hub/status, /api/sync/status
func (s *server) hubStatus(w http.ResponseWriter, r *http.Request) error {
	p := query(r)
	account := accountParam(p)
	if err := p.done(); err != nil {
		return err
	}
	st, err := s.svc.SyncStatus(r.Context(), account)
	if err != nil {
		return accountError(account, err)
	}
	return s.ok(w, http.StatusOK, st, "")
}

// syncAccountJSON is a sync account with its status.
type syncAccountJSON struct {
	Name      string         `json:"name"`
	Kind      string         `json:"kind"`
	Direction string         `json:"direction"`
	Policy    string         `json:"policy"`
	Interval  int            `json:"sync_interval_minutes"`
	Status    app.SyncStatus `json:"status"`
}

// GET /api/sync/accounts
func (s *server) syncAccounts(w http.ResponseWriter, r *http.Request) error {
	accs, err := s.svc.SyncAccounts(r.Context())
	if err != nil {
		return err
	}
	out := make([]syncAccountJSON, 0, len(accs))
	for _, a := range accs {
		out = append(out, syncAccountJSON{Name: a.Account.Name, Kind: a.Account.Kind, Direction: a.Account.Direction,
			Policy: a.Account.Policy, Interval: a.Account.IntervalMinutes, Status: a.Status})
	}
	return s.ok(w, http.StatusOK, out, "")
}

// syncConflictJSON is a conflict as the API shows it.
type syncConflictJSON struct {
	ID         int64           `json:"id"`
	HumanID    int64           `json:"human_id"`
	RemoteID   string          `json:"remote_id"`
	Field      string          `json:"field"`
	Key        string          `json:"key,omitempty"`
	Base       json.RawMessage `json:"base"`
	Local      json.RawMessage `json:"local"`
	Remote     json.RawMessage `json:"remote"`
	Resolution string          `json:"resolution"`
	Policy     string          `json:"policy"`
	Flipped    bool            `json:"flipped"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

func toSyncConflictJSON(c *app.SyncConflict) syncConflictJSON {
	return syncConflictJSON{ID: c.ID, HumanID: c.LocalID, RemoteID: c.RemoteID, Field: c.Field, Key: c.Key,
		Base: orNull(c.Base), Local: orNull(c.Local), Remote: orNull(c.Remote), Resolution: c.Resolution,
		Policy: c.Policy, Flipped: c.Flipped, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// GET /api/hub/conflicts, /api/sync/conflicts
func (s *server) hubConflicts(w http.ResponseWriter, r *http.Request) error {
	p := query(r)
	account := accountParam(p)
	limit := p.limit("limit", 50, 100)
	if err := p.done(); err != nil {
		return err
	}
	cs, err := s.svc.SyncConflicts(r.Context(), account, limit)
	if errors.Is(err, app.ErrSyncNotConfigured) {
		cs, err = nil, nil
	}
	if err != nil {
		return accountError(account, err)
	}
	out := make([]syncConflictJSON, 0, len(cs))
	for _, c := range cs {
		out = append(out, toSyncConflictJSON(c))
	}
	return s.ok(w, http.StatusOK, out, "")
}

// POST /api/hub/conflicts/{id}/flip, /api/sync/conflicts/{id}/flip
func (s *server) flipHubConflict(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p := query(r)
	account := accountParam(p)
	if err := p.done(); err != nil {
		return err
	}
	c, err := s.svc.FlipSyncConflict(r.Context(), account, id)
	if errors.Is(err, app.ErrNotFound) {
		if _, serr := s.svc.SyncStatus(r.Context(), account); serr != nil {
			return accountError(account, serr)
		}
		return notFound("conflict", id)
	}
	if err != nil {
		return syncError(err)
	}
	return s.ok(w, http.StatusOK, toSyncConflictJSON(c), "Conflict flipped; the next sync sends the value")
}
