package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout version this code reads and writes. The
// file stores its own; Open runs every migration between the two.
const SchemaVersion = 1

// migrations[i] upgrades a file from schema i to i+1, inside the same
// transaction as every other step of the upgrade.
var migrations = []func(tx *bolt.Tx, now time.Time, region string) error{
	0: func(tx *bolt.Tx, now time.Time, _ string) error {
		// A new file: the buckets were just created; remember when.
		b, err := now.UTC().MarshalText()
		if err != nil {
			return err
		}
		return tx.Bucket(bucketMeta).Put(keyCreated, b)
	},
}

// migrate creates missing buckets and brings the schema up to date.
func migrate(db *bolt.DB, opts Options) error {
	return db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		meta := tx.Bucket(bucketMeta)
		version := getUint(meta, keySchema)
		if version > SchemaVersion {
			return fmt.Errorf("the file has schema %d, written by a newer Humans (this one reads up to %d)", version, SchemaVersion)
		}
		for v := version; v < SchemaVersion; v++ {
			if err := migrations[v](tx, opts.Now(), opts.DefaultRegion); err != nil {
				return fmt.Errorf("migrating schema %d to %d: %w", v, v+1, err)
			}
		}
		if version != SchemaVersion {
			if err := putUint(meta, keySchema, SchemaVersion); err != nil {
				return err
			}
		}
		return reindexForRegion(tx, opts.DefaultRegion)
	})
}

// reindexForRegion rebuilds the index records when the default phone
// region differs from the one they were derived with: the national forms
// of phone numbers, which digit searches match, depend on it.
func reindexForRegion(tx *bolt.Tx, region string) error {
	meta := tx.Bucket(bucketMeta)
	if string(meta.Get(keyRegion)) == region {
		return nil
	}
	if tx.Bucket(bucketHumans).Stats().KeyN > 0 {
		if err := rebuildSummaries(tx, region); err != nil {
			return fmt.Errorf("re-indexing for phone region %s: %w", region, err)
		}
	}
	return meta.Put(keyRegion, []byte(region))
}

// rebuildSummaries derives every index record again from the contacts; a
// migration that changes the index record format calls it.
func rebuildSummaries(tx *bolt.Tx, region string) error {
	if err := tx.DeleteBucket(bucketSummaries); err != nil {
		return err
	}
	sb, err := tx.CreateBucket(bucketSummaries)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketHumans).ForEach(func(k, v []byte) error {
		var h Human
		if err := json.Unmarshal(v, &h); err != nil {
			return fmt.Errorf("contact %d: %w", btoi(k), err)
		}
		return sb.Put(k, newIndexRecord(&h, region).marshalBinary())
	})
}
