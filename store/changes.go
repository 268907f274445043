package store

import (
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ChangesSince returns what changed after revision rev, oldest first, one
// entry per entity (its latest change), and the current revision to ask
// from next time. It reads only the change log's tail, so it costs
// O(changes since rev), whatever the size of the book.
func (s *Store) ChangesSince(ctx context.Context, rev uint64) ([]Change, uint64, error) {
	var changes []Change
	var current uint64
	err := s.view(func(tx *bolt.Tx) error {
		current = getUint(tx.Bucket(bucketMeta), keyRevision)
		if rev > current {
			return fmt.Errorf("revision %d is newer than the store's %d: %w", rev, current, ErrUnknownRevision)
		}
		type key struct {
			kind EntityKind
			id   int64
		}
		latest := make(map[key]int)
		c := tx.Bucket(bucketChanges).Cursor()
		for k, v := c.Seek(itob(int64(rev + 1))); k != nil; k, v = c.Next() {
			if len(v) != 10 {
				return fmt.Errorf("store: corrupt change-log entry at revision %d", btoi(k))
			}
			ch := Change{
				Revision: uint64(btoi(k)),
				Kind:     EntityKind(v[0]),
				ID:       int64(binary.BigEndian.Uint64(v[1:9])),
				Deleted:  v[9] == 1,
			}
			kk := key{ch.Kind, ch.ID}
			if i, ok := latest[kk]; ok {
				changes[i].Revision = 0 // superseded; dropped below
			}
			latest[kk] = len(changes)
			changes = append(changes, ch)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	out := changes[:0]
	for _, ch := range changes {
		if ch.Revision != 0 {
			out = append(out, ch)
		}
	}
	return out, current, nil
}
