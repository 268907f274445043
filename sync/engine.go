package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	stdsync "sync"
	"time"

	"github.com/humans-contacts/humans/store"
)

// Directions an account syncs in.
const (
	DirectionBoth   = "both"
	DirectionImport = "import" // remote to local only
	DirectionExport = "export" // local to remote only
)

// States of an account's sync.
const (
	StateIdle    = "idle"
	StateRunning = "running"
)

// Options configure an Engine.
type Options struct {
	// Open returns the provider of an account; it is called at the start
	// of every job, so a changed setting takes effect on the next one.
	Open func(acc *store.SyncAccount) (Provider, error)
	// Region is the default phone region, for comparing phone numbers.
	Region  string
	Backoff Backoff
	Logger  *slog.Logger
	Now     func() time.Time
	// Hook, when set, is called at the points where a crash must leave
	// nothing half-done ("pull-item": after each remote contact applied
	// inside a page's transaction; "push-create" and "push-create-batch":
	// after a create (or a batch of them) answered, before its links are
	// saved; "push-photo": after a photo was uploaded, before its link is
	// saved; "pull-deletions": inside the transaction that applies the
	// remote deletions of a job); an error it returns aborts the job
	// there. Tests inject crashes with it.
	Hook func(point string) error
}

// Status is what the window and the CLI show of an account's sync.
type Status struct {
	Account     string    `json:"account"`
	State       string    `json:"state"`           // idle or running
	Phase       string    `json:"phase,omitempty"` // pull or push, while running
	Done        int       `json:"done"`            // changes handled in this phase
	Total       int       `json:"total"`           // changes to handle, when known
	LastSuccess time.Time `json:"last_success,omitzero"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	// NeedsSignIn: the remote refused the account's authorization; it
	// is not synced until it is connected again.
	NeedsSignIn bool `json:"needs_sign_in"`
	// PendingDeletions counts the remote deletions waiting for the
	// person's confirmation (too many at once to apply unasked).
	PendingDeletions int `json:"pending_deletions"`
}

// Engine runs sync jobs over a store. It is safe for concurrent use; it
// never runs two jobs for one account at a time.
type Engine struct {
	st   *store.Store
	opts Options
	log  *slog.Logger

	mu      stdsync.Mutex
	running map[string]*Status // accounts with a job under way
	changed chan struct{}      // closed and replaced when a status changes
}

// New returns an engine over st.
func New(st *store.Store, opts Options) *Engine {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Region == "" {
		opts.Region = "FR"
	}
	return &Engine{st: st, opts: opts, log: opts.Logger, running: make(map[string]*Status), changed: make(chan struct{})}
}

// Store is the store the engine syncs.
func (e *Engine) Store() *store.Store { return e.st }

// Changed returns a channel closed at the next status change.
func (e *Engine) Changed() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.changed
}

func (e *Engine) notifyLocked() {
	close(e.changed)
	e.changed = make(chan struct{})
}

// ValidateAccount checks an account's settings.
func ValidateAccount(a *store.SyncAccount) error {
	verr := &store.ValidationError{}
	if a.Name == "" {
		verr.Add("name", "is required")
	}
	if a.Kind == "" {
		verr.Add("kind", "is required")
	}
	switch a.Direction {
	case DirectionBoth, DirectionImport, DirectionExport:
	default:
		verr.Add("direction", fmt.Sprintf("must be both, import or export (got %q)", a.Direction))
	}
	switch a.Policy {
	case PolicyNewest, PolicyLocal, PolicyRemote:
	default:
		verr.Add("policy", fmt.Sprintf("must be newest, local or remote (got %q)", a.Policy))
	}
	if a.IntervalMinutes < 0 {
		verr.Add("interval_minutes", "must not be negative")
	}
	return verr.OrNil()
}

// SaveAccount creates an account or changes its settings, keeping its
// sync state (cursor, pushed revision, status).
func (e *Engine) SaveAccount(ctx context.Context, a store.SyncAccount) error {
	if err := ValidateAccount(&a); err != nil {
		return err
	}
	a.NeedsSignIn = false
	return e.st.Write(ctx, func(tx *store.Tx) error {
		old, err := tx.SyncAccount(a.Name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if old != nil {
			if old.Kind != a.Kind {
				return &store.ValidationError{Fields: map[string]string{"kind": fmt.Sprintf("account %q is a %s account", a.Name, old.Kind)}}
			}
			a.Cursor, a.PushedRevision, a.CreatedAt = old.Cursor, old.PushedRevision, old.CreatedAt
			a.LastSuccess, a.LastError, a.LastErrorAt = old.LastSuccess, old.LastError, old.LastErrorAt
			// Saving an account (its settings, a new connection) is the
			// person's answer to "sign in again": the next job tries.
			if old.NeedsSignIn {
				a.LastError, a.LastErrorAt = "", time.Time{}
			}
		}
		return tx.PutSyncAccount(&a)
	})
}

// Status returns the sync status of an account.
func (e *Engine) Status(ctx context.Context, name string) (Status, error) {
	acc, err := e.st.GetSyncAccount(ctx, name)
	if err != nil {
		return Status{}, err
	}
	pending, err := e.st.SyncPendingDeletions(ctx, name)
	if err != nil {
		return Status{}, err
	}
	pending = heldOnly(pending)
	e.mu.Lock()
	if st, ok := e.running[name]; ok {
		s := *st
		e.mu.Unlock()
		s.NeedsSignIn, s.PendingDeletions = acc.NeedsSignIn, len(pending)
		return s, nil
	}
	e.mu.Unlock()
	return Status{Account: name, State: StateIdle, LastSuccess: acc.LastSuccess, LastError: acc.LastError, LastErrorAt: acc.LastErrorAt,
		NeedsSignIn: acc.NeedsSignIn, PendingDeletions: len(pending)}, nil
}

// SignedIn says that account name was connected again (a new OAuth
// authorization): its "sign in again" state is cleared and the schedule
// syncs it again.
func (e *Engine) SignedIn(ctx context.Context, name string) error {
	return e.st.Write(ctx, func(tx *store.Tx) error {
		a, err := tx.SyncAccount(name)
		if err != nil {
			return err
		}
		if !a.NeedsSignIn {
			return nil
		}
		a.NeedsSignIn, a.LastError, a.LastErrorAt = false, "", time.Time{}
		return tx.PutSyncAccount(a)
	})
}

func (e *Engine) progress(name, phase string, done, total int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if st, ok := e.running[name]; ok {
		st.Phase, st.Done, st.Total = phase, done, total
		e.notifyLocked()
	}
}

// Run runs one sync job on the account called name now ("sync now"):
// pull, then push, as its direction allows. It returns the job as
// recorded in the history, also when the job failed (then with the
// error). ErrBusy when a job of the account is running already.
func (e *Engine) Run(ctx context.Context, name string) (*store.SyncJob, error) {
	return e.RunDirection(ctx, name, "")
}

// RunDirection is Run in one direction only (DirectionImport: pull,
// DirectionExport: push) or, with "", the account's. A direction the
// account does not allow is refused.
func (e *Engine) RunDirection(ctx context.Context, name, direction string) (*store.SyncJob, error) {
	acc, err := e.st.GetSyncAccount(ctx, name)
	if err != nil {
		return nil, err
	}
	exportOnly := acc.Direction == DirectionExport
	switch {
	case direction == "" || direction == acc.Direction:
	case direction != DirectionImport && direction != DirectionExport && direction != DirectionBoth:
		return nil, &store.ValidationError{Fields: map[string]string{"direction": fmt.Sprintf("must be both, import or export (got %q)", direction)}}
	case acc.Direction != DirectionBoth:
		return nil, &store.ValidationError{Fields: map[string]string{"direction": fmt.Sprintf("account %q syncs in direction %s only", name, acc.Direction)}}
	default:
		acc.Direction = direction
	}
	e.mu.Lock()
	if _, busy := e.running[name]; busy {
		e.mu.Unlock()
		return nil, fmt.Errorf("%w (%s)", ErrBusy, name)
	}
	e.running[name] = &Status{Account: name, State: StateRunning, LastSuccess: acc.LastSuccess, LastError: acc.LastError, LastErrorAt: acc.LastErrorAt}
	e.notifyLocked()
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.running, name)
		e.notifyLocked()
		e.mu.Unlock()
	}()

	job := &store.SyncJob{Account: name, Direction: acc.Direction, StartedAt: e.opts.Now().UTC()}
	// The job is in the history from its start: a run killed half-way
	// shows as started and never finished.
	if err := e.st.Write(ctx, func(tx *store.Tx) error { return tx.PutSyncJob(job) }); err != nil {
		return nil, fmt.Errorf("sync: recording the job: %w", err)
	}
	runErr := e.run(ctx, acc, job, exportOnly)
	job.FinishedAt = e.opts.Now().UTC()
	signIn := errors.Is(runErr, ErrSignIn)
	if signIn {
		// The provider's own words may carry what it sent or got back
		// (an authorization answer): they are neither logged nor kept.
		runErr = fmt.Errorf("%w: %s refused the authorization of account %q; connect the account again (or give it a new key)", ErrSignIn, acc.Kind, name)
	}
	if runErr != nil {
		job.Error = runErr.Error()
		e.log.Warn("sync failed", "account", name, "err", runErr)
	} else {
		e.log.Info("sync done", "account", name, "pulled", job.Pulled, "pushed", job.Pushed, "conflicts", job.Conflicts)
	}
	// Record the end even when ctx was cancelled.
	fctx := context.WithoutCancel(ctx)
	err = e.st.Write(fctx, func(tx *store.Tx) error {
		a, err := tx.SyncAccount(name)
		if err != nil {
			return err
		}
		if runErr != nil {
			a.LastError, a.LastErrorAt = runErr.Error(), job.FinishedAt
			a.NeedsSignIn = a.NeedsSignIn || signIn
		} else {
			a.LastSuccess, a.LastError, a.LastErrorAt = job.FinishedAt, "", time.Time{}
			a.NeedsSignIn = false
		}
		if err := tx.PutSyncAccount(a); err != nil {
			return err
		}
		return tx.PutSyncJob(job)
	})
	if err != nil {
		return job, errors.Join(runErr, fmt.Errorf("sync: recording the job's end: %w", err))
	}
	if runErr != nil {
		return job, runErr
	}
	return job, nil
}

// job is the state of one run.
type job struct {
	e    *Engine
	name string
	acc  *store.SyncAccount
	p    Provider
	f    Features
	rec  *store.SyncJob
	// exportOnly: the account sends this book's contacts and takes
	// nothing back: the pull only links, and this book's version wins.
	exportOnly bool
	// The provider's optional interfaces, nil when it lacks them.
	fields FieldUpdater
	batch  Batcher
	photos PhotoSyncer
	// pulled: this job's pull ran to its end, so every link's etag is
	// the remote's latest as far as the change feed says.
	pulled bool
}

func (e *Engine) run(ctx context.Context, acc *store.SyncAccount, rec *store.SyncJob, exportOnly bool) error {
	p, err := e.opts.Open(acc)
	if err != nil {
		return fmt.Errorf("sync: opening %s account %q: %w", acc.Kind, acc.Name, err)
	}
	j := &job{e: e, name: acc.Name, acc: acc, p: p, f: p.Features(), rec: rec, exportOnly: exportOnly}
	j.fields, _ = p.(FieldUpdater)
	j.batch, _ = p.(Batcher)
	j.photos, _ = p.(PhotoSyncer)
	// An export-only account still reads the remote's listing, but only
	// to recognise the contacts both have (no duplicate on its first
	// export); nothing of it is applied here.
	if acc.Direction != DirectionExport || exportOnly {
		if err := j.pull(ctx); err != nil {
			return fmt.Errorf("pull: %w", err)
		}
		j.pulled = true
	}
	if acc.Direction != DirectionImport {
		if err := j.push(ctx); err != nil {
			return fmt.Errorf("push: %w", err)
		}
	}
	return nil
}

// retry runs fn with the engine's backoff.
func (j *job) retry(ctx context.Context, fn func() error) error {
	return j.e.opts.Backoff.Do(ctx, fn)
}

func (j *job) hook(point string) error {
	if j.e.opts.Hook == nil {
		return nil
	}
	return j.e.opts.Hook(point)
}

func (j *job) note(format string, a ...any) {
	n := fmt.Sprintf(format, a...)
	if !slices.Contains(j.rec.Notes, n) {
		j.rec.Notes = append(j.rec.Notes, n)
	}
}

// recordConflicts stores the conflicts of one contact.
func (j *job) recordConflicts(tx *store.Tx, localID int64, remoteID string, cs []FieldConflict) error {
	for _, c := range cs {
		rec := &store.SyncConflict{
			Account: j.name, LocalID: localID, RemoteID: remoteID, Field: c.Field, Key: c.Key,
			Base: c.Base, Local: c.Local, Remote: c.Remote, Resolution: c.Resolution, Policy: j.acc.Policy,
		}
		if err := tx.AddSyncConflict(rec); err != nil {
			return err
		}
		j.rec.Conflicts++
	}
	return nil
}

func (j *job) names() names { return storeNames{j.e.st} }

// storeNames reads company and group names from the store's index.
type storeNames struct{ st *store.Store }

func (n storeNames) CompanyName(id int64) string { return n.st.CompanyName(id) }
func (n storeNames) GroupName(id int64) string   { return n.st.GroupName(id) }

func (j *job) source() store.Source {
	if s := store.Source(j.acc.Kind); s.Valid() {
		return s
	}
	return store.SourceManual
}
