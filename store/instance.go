package store

import (
	bolt "go.etcd.io/bbolt"
)

// instanceBuckets hold what belongs to this installation rather than to
// the book: ReplaceWith keeps them when a unified export replaces the
// book (the export does not carry them).
var instanceBuckets = [][]byte{bucketAPIKeys, bucketKeyHashes}

// copyBuckets replaces the buckets named names in dst with those of src.
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
