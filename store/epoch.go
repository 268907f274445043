package store

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// keyEpoch names the book's history in the meta bucket.
var keyEpoch = []byte("epoch")

// Epoch names the history the store's revisions count: a random value
// made when the store is created and made again whenever the whole book
// is replaced (Restore, ReplaceWith), when revision numbers start to mean
// other changes. A sync token or cursor that carries a revision must
// carry the epoch too, and a token of another epoch is outdated.
func (s *Store) Epoch() string {
	v, _ := s.epoch.Load().(string)
	return v
}

// ensureEpoch gives db an epoch when it has none, or a new one when
// fresh is set, and returns it.
func ensureEpoch(db *bolt.DB, fresh bool) (string, error) {
	var epoch string
	err := db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if v := meta.Get(keyEpoch); v != nil && !fresh {
			epoch = string(v)
			return nil
		}
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		epoch = hex.EncodeToString(b[:])
		return meta.Put(keyEpoch, []byte(epoch))
	})
	if err != nil {
		return "", fmt.Errorf("store: naming the book's history: %w", err)
	}
	return epoch, nil
}

// instanceBuckets hold what belongs to this installation rather than to
// the book: ReplaceWith keeps them when a unified export replaces the
// book (the export does not carry them).
var instanceBuckets = [][]byte{bucketAPIKeys, bucketKeyHashes}

// copyBuckets replaces the buckets names of dst with those of src.
func copyBuckets(src, dst *bolt.DB, names [][]byte) error {
	return src.View(func(stx *bolt.Tx) error {
		return dst.Update(func(dtx *bolt.Tx) error {
			for _, name := range names {
				from := stx.Bucket(name)
				if err := dtx.DeleteBucket(name); err != nil && err != bolt.ErrBucketNotFound {
					return err
				}
				to, err := dtx.CreateBucket(name)
				if err != nil {
					return err
				}
				if from == nil {
					continue
				}
				if err := to.SetSequence(from.Sequence()); err != nil {
					return err
				}
				if err := from.ForEach(func(k, v []byte) error { return to.Put(k, v) }); err != nil {
					return err
				}
			}
			return nil
		})
	})
}
