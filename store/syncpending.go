package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Pending remote deletions: deletions a sync found remotely but did not
// apply because there were too many at once (a remote that suddenly
// lists almost nothing is more likely broken than emptied). They wait
// here, written in the same transaction that moves the account's cursor
// on, until the person confirms or refuses them.
var bucketSyncPending = []byte("sync_pending") // name 0 remote id → JSON SyncPendingDeletion

// SyncPendingDeletion is one remote deletion waiting for the person.
type SyncPendingDeletion struct {
	Account  string `json:"account"`
	RemoteID string `json:"remote_id"`
	LocalID  int64  `json:"local_id"`
	// Name is the contact's name when the deletion was held, to show.
	Name string `json:"name,omitempty"`
	// Absent: inferred from a complete listing, not reported as a
	// tombstone.
	Absent bool `json:"absent,omitempty"`
	// Held: the sync found them too many and asked the person; until
	// then a deletion is tentative (its job may not have ended).
	Held  bool      `json:"held,omitempty"`
	Found time.Time `json:"found"`
}

// PutSyncPendingDeletion records (or replaces) a held remote deletion.
func (t *Tx) PutSyncPendingDeletion(d *SyncPendingDeletion) error {
	if d.RemoteID == "" {
		return fmt.Errorf("store: a pending deletion needs a remote id")
	}
	if d.Found.IsZero() {
		d.Found = t.w.now
	}
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("store: encoding pending deletion %q: %w", d.RemoteID, err)
	}
	return t.w.tx.Bucket(bucketSyncPending).Put(accountKey(d.Account, []byte(d.RemoteID)), data)
}

// SyncPendingDeletion returns the held deletion of remote contact
// remoteID in account, or nil when there is none.
func (t *Tx) SyncPendingDeletion(account, remoteID string) (*SyncPendingDeletion, error) {
	v := t.w.tx.Bucket(bucketSyncPending).Get(accountKey(account, []byte(remoteID)))
	if v == nil {
		return nil, nil
	}
	var d SyncPendingDeletion
	if err := json.Unmarshal(v, &d); err != nil {
		return nil, fmt.Errorf("store: decoding pending deletion %q: %w", remoteID, err)
	}
	return &d, nil
}

// DeleteSyncPendingDeletion forgets a held deletion, if any.
func (t *Tx) DeleteSyncPendingDeletion(account, remoteID string) error {
	return t.w.tx.Bucket(bucketSyncPending).Delete(accountKey(account, []byte(remoteID)))
}

// SyncPendingDeletions lists the held deletions of account as this
// transaction sees them.
func (t *Tx) SyncPendingDeletions(account string) ([]*SyncPendingDeletion, error) {
	return pendingDeletions(t.w.tx, account)
}

// SyncPendingDeletions lists the held remote deletions of account, by
// remote id.
func (s *Store) SyncPendingDeletions(ctx context.Context, account string) ([]*SyncPendingDeletion, error) {
	var out []*SyncPendingDeletion
	err := s.view(func(tx *bolt.Tx) (err error) {
		out, err = pendingDeletions(tx, account)
		return err
	})
	return out, err
}

func pendingDeletions(tx *bolt.Tx, account string) ([]*SyncPendingDeletion, error) {
	var out []*SyncPendingDeletion
	prefix := accountPrefix(account)
	c := tx.Bucket(bucketSyncPending).Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var d SyncPendingDeletion
		if err := json.Unmarshal(v, &d); err != nil {
			return nil, fmt.Errorf("store: decoding pending deletion %q: %w", k, err)
		}
		out = append(out, &d)
	}
	return out, nil
}

// SyncLinks returns every link of account as this transaction sees it,
// by local id.
func (t *Tx) SyncLinks(account string) ([]*SyncLink, error) {
	var out []*SyncLink
	err := eachAccountJSON(t.w.tx.Bucket(bucketSyncLinks), account, false, func(l *SyncLink) bool {
		out = append(out, l)
		return true
	})
	return out, err
}
