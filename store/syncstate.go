package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Sync state: what the sync engine remembers about each remote account.
// It lives in the store so that the engine writes it in the same
// transaction as the contact changes it describes: a page of pulled
// changes and the cursor after it commit together, or neither does.
//
// Keys of the per-account buckets start with the account name and a zero
// byte, so one account's entries are one contiguous range.
var (
	bucketSyncAccounts  = []byte("sync_accounts")  // name → JSON SyncAccount
	bucketSyncLinks     = []byte("sync_links")     // name 0 local id → JSON SyncLink
	bucketSyncRemote    = []byte("sync_remote")    // name 0 remote id → local id
	bucketSyncDirty     = []byte("sync_dirty")     // name 0 local id → "" (to push)
	bucketSyncConflicts = []byte("sync_conflicts") // name 0 conflict id → JSON SyncConflict
	bucketSyncJobs      = []byte("sync_jobs")      // name 0 job id → JSON SyncJob
)

// SyncAccount is one remote account the book syncs with.
type SyncAccount struct {
	Name string `json:"name"`
	// Kind names the provider ("hub", "google", ...).
	Kind string `json:"kind"`
	// Settings are the provider's own (address, ...); never secrets.
	Settings map[string]string `json:"settings,omitempty"`
	// Direction is "both", "import" (remote to local only) or "export".
	Direction string `json:"direction"`
	// Policy resolves a field changed on both sides: "newest", "local"
	// or "remote".
	Policy          string `json:"policy"`
	IntervalMinutes int    `json:"interval_minutes,omitempty"`
	// Cursor is where the next pull starts; "" means from the beginning.
	Cursor string `json:"cursor,omitempty"`
	// PushedRevision is the store revision up to which local changes
	// have been pushed.
	PushedRevision uint64 `json:"pushed_revision"`
	// GroupNames are the book's groups (id → name) as of the last push,
	// for providers that rename a remote group when its group was
	// renamed here (sync.GroupRenamer).
	GroupNames  map[int64]string `json:"group_names,omitempty"`
	LastSuccess time.Time        `json:"last_success,omitzero"`
	LastError   string           `json:"last_error,omitempty"`
	LastErrorAt time.Time        `json:"last_error_at,omitzero"`
	CreatedAt   time.Time        `json:"created_at"`
	// NeedsSignIn: the remote refused the account's authorization
	// (revoked, expired); nothing is synced until it is connected again.
	NeedsSignIn bool `json:"needs_sign_in,omitempty"`
	// HoldDeletionsPercent and HoldDeletionsMin guard against mass
	// remote deletions: when one sync would delete more than this share
	// of the account's linked contacts (and at least the minimum count),
	// the deletions wait for the person's confirmation. 0 means the
	// default (10 %, 10 contacts); a negative percent never holds.
	HoldDeletionsPercent int `json:"hold_deletions_percent,omitempty"`
	HoldDeletionsMin     int `json:"hold_deletions_min,omitempty"`
}

// SyncLink maps one local contact to one remote contact of an account.
type SyncLink struct {
	LocalID       int64     `json:"local_id"`
	RemoteID      string    `json:"remote_id"`
	ETag          string    `json:"etag,omitempty"`
	RemoteUpdated time.Time `json:"remote_updated,omitzero"`
	// Base is the last version both sides agreed on, as the sync engine
	// encodes it (a JSON snapshot of the mapped fields).
	Base json.RawMessage `json:"base,omitempty"`
	// PhotoURL names the remote contact's photo as last seen, and
	// PhotoHash is the hash of the photo bytes the remote has (the local
	// photo's hash when both agree), for providers that carry photos.
	PhotoURL  string `json:"photo_url,omitempty"`
	PhotoHash string `json:"photo_hash,omitempty"`
}

// SyncConflict records a field changed on both sides, how the account's
// policy resolved it, and both values, so the person can flip it.
type SyncConflict struct {
	ID       int64  `json:"id"`
	Account  string `json:"account"`
	LocalID  int64  `json:"local_id"`
	RemoteID string `json:"remote_id"`
	// Field is the field's name ("job_title"), a list element
	// ("phones" with Key "+33612345678") or "deleted" for a contact
	// deleted on one side and edited on the other.
	Field  string          `json:"field"`
	Key    string          `json:"key,omitempty"`
	Base   json.RawMessage `json:"base,omitempty"`
	Local  json.RawMessage `json:"local,omitempty"`
	Remote json.RawMessage `json:"remote,omitempty"`
	// Resolution is the side that won: "local" or "remote".
	Resolution string    `json:"resolution"`
	Policy     string    `json:"policy"`
	Flipped    bool      `json:"flipped,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// SyncCounts counts what a job changed on one side.
type SyncCounts struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Deleted int `json:"deleted"`
	Skipped int `json:"skipped"`
}

// SyncJob is one run of the sync engine on an account.
type SyncJob struct {
	ID         int64      `json:"id"`
	Account    string     `json:"account"`
	Direction  string     `json:"direction"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt time.Time  `json:"finished_at,omitzero"`
	Pulled     SyncCounts `json:"pulled"` // changes made to the local book
	Pushed     SyncCounts `json:"pushed"` // changes made to the remote account
	Conflicts  int        `json:"conflicts"`
	Error      string     `json:"error,omitempty"`
	// Notes say how the job went where it matters ("full listing: the
	// remote has no change feed").
	Notes []string `json:"notes,omitempty"`
}

func accountKey(account string, rest []byte) []byte {
	k := make([]byte, 0, len(account)+1+len(rest))
	k = append(k, account...)
	k = append(k, 0)
	return append(k, rest...)
}

func accountPrefix(account string) []byte { return accountKey(account, nil) }

func checkAccountName(name string) error {
	if name == "" || bytes.IndexByte([]byte(name), 0) >= 0 || len(name) > 200 {
		return &ValidationError{Fields: map[string]string{"name": "an account name is 1 to 200 bytes, without NUL"}}
	}
	return nil
}

// ----- transaction methods -----

// GetHuman returns the contact with id as this transaction sees it, live
// or in the trash.
func (t *Tx) GetHuman(id int64) (*Human, error) { return getHumanTx(t.w.tx, id) }

// TrashHuman moves a live contact to the trash, as Store.TrashHuman does.
func (t *Tx) TrashHuman(id int64, ifMatch string) error { return t.w.trashHuman(id, ifMatch) }

// DeleteHuman deletes a contact for good, as Store.DeleteHuman does.
func (t *Tx) DeleteHuman(id int64) error { return t.w.deleteHuman(id) }

// CompanyName returns the name of company id; "" when there is none.
func (t *Tx) CompanyName(id int64) string {
	c, err := getJSON[Company](t.w.tx, bucketCompanies, id, "company")
	if err != nil {
		return ""
	}
	return c.Name
}

// GroupName returns the name of group id; "" when there is none.
func (t *Tx) GroupName(id int64) string {
	g, err := getJSON[Group](t.w.tx, bucketGroups, id, "group")
	if err != nil {
		return ""
	}
	return g.Name
}

// Companies lists every company as this transaction sees it.
func (t *Tx) Companies() ([]*Company, error) {
	return listJSON[Company](t.w.tx, bucketCompanies, "company")
}

// Groups lists every group as this transaction sees it (without member
// counts).
func (t *Tx) Groups() ([]*Group, error) { return listJSON[Group](t.w.tx, bucketGroups, "group") }

// SyncAccount returns the account called name, or ErrNotFound.
func (t *Tx) SyncAccount(name string) (*SyncAccount, error) { return getSyncAccount(t.w.tx, name) }

// PutSyncAccount creates or replaces an account.
func (t *Tx) PutSyncAccount(a *SyncAccount) error {
	if err := checkAccountName(a.Name); err != nil {
		return err
	}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = t.w.now
	}
	data, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("store: encoding sync account %q: %w", a.Name, err)
	}
	return t.w.tx.Bucket(bucketSyncAccounts).Put([]byte(a.Name), data)
}

// DeleteSyncAccount forgets an account and all its sync state (links,
// conflicts, jobs); the contacts stay.
func (t *Tx) DeleteSyncAccount(name string) error {
	if t.w.tx.Bucket(bucketSyncAccounts).Get([]byte(name)) == nil {
		return fmt.Errorf("sync account %q: %w", name, ErrNotFound)
	}
	if err := t.w.tx.Bucket(bucketSyncAccounts).Delete([]byte(name)); err != nil {
		return err
	}
	prefix := accountPrefix(name)
	for _, bn := range [][]byte{bucketSyncLinks, bucketSyncRemote, bucketSyncDirty, bucketSyncConflicts, bucketSyncJobs, bucketSyncPending} {
		b := t.w.tx.Bucket(bn)
		var keys [][]byte
		c := b.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			keys = append(keys, slices.Clone(k))
		}
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return fmt.Errorf("store: forgetting sync account %q: %w", name, err)
			}
		}
	}
	return nil
}

// SyncLinkByLocal returns the link of local contact id in account, or
// nil when there is none.
func (t *Tx) SyncLinkByLocal(account string, id int64) (*SyncLink, error) {
	return getLink(t.w.tx, account, id)
}

// SyncLinkByRemote returns the link of remote contact rid in account, or
// nil when there is none.
func (t *Tx) SyncLinkByRemote(account, rid string) (*SyncLink, error) {
	v := t.w.tx.Bucket(bucketSyncRemote).Get(accountKey(account, []byte(rid)))
	if v == nil {
		return nil, nil
	}
	return getLink(t.w.tx, account, btoi(v))
}

// PutSyncLink creates or replaces the link of l.LocalID; a local or
// remote id linked elsewhere before is unlinked from it.
func (t *Tx) PutSyncLink(account string, l *SyncLink) error {
	if l.LocalID == 0 || l.RemoteID == "" {
		return fmt.Errorf("store: a sync link needs a local and a remote id (got %d, %q)", l.LocalID, l.RemoteID)
	}
	if old, err := getLink(t.w.tx, account, l.LocalID); err != nil {
		return err
	} else if old != nil && old.RemoteID != l.RemoteID {
		if err := t.w.tx.Bucket(bucketSyncRemote).Delete(accountKey(account, []byte(old.RemoteID))); err != nil {
			return err
		}
	}
	rkey := accountKey(account, []byte(l.RemoteID))
	if v := t.w.tx.Bucket(bucketSyncRemote).Get(rkey); v != nil && btoi(v) != l.LocalID {
		if err := t.w.tx.Bucket(bucketSyncLinks).Delete(accountKey(account, itob(btoi(v)))); err != nil {
			return err
		}
	}
	data, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("store: encoding sync link of contact %d: %w", l.LocalID, err)
	}
	if err := t.w.tx.Bucket(bucketSyncLinks).Put(accountKey(account, itob(l.LocalID)), data); err != nil {
		return fmt.Errorf("store: writing sync link of contact %d: %w", l.LocalID, err)
	}
	return t.w.tx.Bucket(bucketSyncRemote).Put(rkey, itob(l.LocalID))
}

// DeleteSyncLink removes the link of local contact id, if any.
func (t *Tx) DeleteSyncLink(account string, id int64) error {
	l, err := getLink(t.w.tx, account, id)
	if err != nil || l == nil {
		return err
	}
	if err := t.w.tx.Bucket(bucketSyncRemote).Delete(accountKey(account, []byte(l.RemoteID))); err != nil {
		return err
	}
	return t.w.tx.Bucket(bucketSyncLinks).Delete(accountKey(account, itob(id)))
}

// SetSyncDirty marks (or unmarks) local contact id as to be pushed to
// account even if the change log does not say it changed.
func (t *Tx) SetSyncDirty(account string, id int64, dirty bool) error {
	k := accountKey(account, itob(id))
	if dirty {
		return t.w.tx.Bucket(bucketSyncDirty).Put(k, []byte{})
	}
	return t.w.tx.Bucket(bucketSyncDirty).Delete(k)
}

// AddSyncConflict stores a new conflict record and sets its ID.
func (t *Tx) AddSyncConflict(c *SyncConflict) error {
	b := t.w.tx.Bucket(bucketSyncConflicts)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	c.ID = int64(seq)
	if c.CreatedAt.IsZero() {
		c.CreatedAt = t.w.now
	}
	c.UpdatedAt = t.w.now
	return putAccountJSON(b, c.Account, c.ID, c)
}

// PutSyncConflict replaces a stored conflict record (a flip).
func (t *Tx) PutSyncConflict(c *SyncConflict) error {
	b := t.w.tx.Bucket(bucketSyncConflicts)
	if b.Get(accountKey(c.Account, itob(c.ID))) == nil {
		return fmt.Errorf("sync conflict %d: %w", c.ID, ErrNotFound)
	}
	c.UpdatedAt = t.w.now
	return putAccountJSON(b, c.Account, c.ID, c)
}

// SyncConflict returns conflict id of account.
func (t *Tx) SyncConflict(account string, id int64) (*SyncConflict, error) {
	return getAccountJSON[SyncConflict](t.w.tx.Bucket(bucketSyncConflicts), account, id, "sync conflict")
}

// PutSyncJob stores a job record; a job with ID 0 gets a new ID.
func (t *Tx) PutSyncJob(j *SyncJob) error {
	b := t.w.tx.Bucket(bucketSyncJobs)
	if j.ID == 0 {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		j.ID = int64(seq)
	}
	return putAccountJSON(b, j.Account, j.ID, j)
}

func putAccountJSON(b *bolt.Bucket, account string, id int64, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encoding %T %d: %w", v, id, err)
	}
	return b.Put(accountKey(account, itob(id)), data)
}

func getAccountJSON[T any](b *bolt.Bucket, account string, id int64, what string) (*T, error) {
	v := b.Get(accountKey(account, itob(id)))
	if v == nil {
		return nil, fmt.Errorf("%s %d: %w", what, id, ErrNotFound)
	}
	var out T
	if err := json.Unmarshal(v, &out); err != nil {
		return nil, fmt.Errorf("store: decoding %s %d: %w", what, id, err)
	}
	return &out, nil
}

func getSyncAccount(tx *bolt.Tx, name string) (*SyncAccount, error) {
	v := tx.Bucket(bucketSyncAccounts).Get([]byte(name))
	if v == nil {
		return nil, fmt.Errorf("sync account %q: %w", name, ErrNotFound)
	}
	var a SyncAccount
	if err := json.Unmarshal(v, &a); err != nil {
		return nil, fmt.Errorf("store: decoding sync account %q: %w", name, err)
	}
	return &a, nil
}

func getLink(tx *bolt.Tx, account string, id int64) (*SyncLink, error) {
	v := tx.Bucket(bucketSyncLinks).Get(accountKey(account, itob(id)))
	if v == nil {
		return nil, nil
	}
	var l SyncLink
	if err := json.Unmarshal(v, &l); err != nil {
		return nil, fmt.Errorf("store: decoding sync link of contact %d: %w", id, err)
	}
	return &l, nil
}

// eachAccountJSON decodes the entries of account in b, in id order;
// reverse walks newest first. fn returns false to stop.
func eachAccountJSON[T any](b *bolt.Bucket, account string, reverse bool, fn func(*T) bool) error {
	prefix := accountPrefix(account)
	c := b.Cursor()
	var k, v []byte
	if reverse {
		// The last key of the range: seek past it and step back.
		end := append(slices.Clone(prefix[:len(prefix)-1]), 1)
		k, v = c.Seek(end)
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	} else {
		k, v = c.Seek(prefix)
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = step(c, reverse) {
		var x T
		if err := json.Unmarshal(v, &x); err != nil {
			return fmt.Errorf("store: decoding sync state %q: %w", k, err)
		}
		if !fn(&x) {
			return nil
		}
	}
	return nil
}

func step(c *bolt.Cursor, reverse bool) ([]byte, []byte) {
	if reverse {
		return c.Prev()
	}
	return c.Next()
}

// ----- read methods -----

// SyncAccounts lists every sync account, by name.
func (s *Store) SyncAccounts(ctx context.Context) ([]*SyncAccount, error) {
	var out []*SyncAccount
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSyncAccounts).ForEach(func(k, v []byte) error {
			var a SyncAccount
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("store: decoding sync account %q: %w", k, err)
			}
			out = append(out, &a)
			return nil
		})
	})
	return out, err
}

// GetSyncAccount returns the account called name, or ErrNotFound.
func (s *Store) GetSyncAccount(ctx context.Context, name string) (*SyncAccount, error) {
	var out *SyncAccount
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = getSyncAccount(tx, name)
		return err
	})
	return out, err
}

// SyncLinks returns every link of account, by local id.
func (s *Store) SyncLinks(ctx context.Context, account string) ([]*SyncLink, error) {
	var out []*SyncLink
	err := s.view(func(tx *bolt.Tx) error {
		return eachAccountJSON(tx.Bucket(bucketSyncLinks), account, false, func(l *SyncLink) bool {
			out = append(out, l)
			return true
		})
	})
	return out, err
}

// SyncDirty returns the local ids marked to be pushed to account.
func (s *Store) SyncDirty(ctx context.Context, account string) ([]int64, error) {
	var out []int64
	prefix := accountPrefix(account)
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSyncDirty).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			out = append(out, btoi(k[len(prefix):]))
		}
		return nil
	})
	return out, err
}

// SyncConflicts returns the conflicts of account, newest first, at most
// limit (0: all).
func (s *Store) SyncConflicts(ctx context.Context, account string, limit int) ([]*SyncConflict, error) {
	var out []*SyncConflict
	err := s.view(func(tx *bolt.Tx) error {
		return eachAccountJSON(tx.Bucket(bucketSyncConflicts), account, true, func(c *SyncConflict) bool {
			out = append(out, c)
			return limit <= 0 || len(out) < limit
		})
	})
	return out, err
}

// SyncJobs returns the jobs of account, newest first, at most limit (0:
// all).
func (s *Store) SyncJobs(ctx context.Context, account string, limit int) ([]*SyncJob, error) {
	var out []*SyncJob
	err := s.view(func(tx *bolt.Tx) error {
		return eachAccountJSON(tx.Bucket(bucketSyncJobs), account, true, func(j *SyncJob) bool {
			out = append(out, j)
			return limit <= 0 || len(out) < limit
		})
	})
	return out, err
}

// SyncLinkByLocal returns the link of local contact id in account, or nil
// when there is none.
func (s *Store) SyncLinkByLocal(ctx context.Context, account string, id int64) (*SyncLink, error) {
	var out *SyncLink
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = getLink(tx, account, id)
		return err
	})
	return out, err
}

// SyncLinkByRemote returns the link of remote contact rid in account, or
// nil when there is none.
func (s *Store) SyncLinkByRemote(ctx context.Context, account, rid string) (*SyncLink, error) {
	var out *SyncLink
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSyncRemote).Get(accountKey(account, []byte(rid)))
		if v == nil {
			return nil
		}
		var err error
		out, err = getLink(tx, account, btoi(v))
		return err
	})
	return out, err
}
