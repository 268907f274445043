package store_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/store/storetest"
)

// TestTxCreateHumansStoresWhatOneByOneStores checks that a batch created
// with Tx.CreateHumans (JSON encoded on every core) leaves the file with
// the same bytes, bucket by bucket, as the same contacts created one at a
// time with Tx.CreateHuman in one transaction.
func TestTxCreateHumansStoresWhatOneByOneStores(t *testing.T) {
	ctx := context.Background()
	book := storetest.Book(1500, 21)
	for i, h := range book.Humans {
		if h.UID == "" {
			h.UID = fmt.Sprint("uid-", i) // not a random one
		}
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	build := func(batch bool) string {
		path := filepath.Join(t.TempDir(), "humans.db")
		s, err := store.Open(path, store.Options{Now: func() time.Time { return now }, NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Write(ctx, func(tx *store.Tx) error {
			for _, c := range book.Companies {
				if _, err := tx.CreateCompany(c); err != nil {
					return err
				}
			}
			for _, g := range book.Groups {
				if _, err := tx.CreateGroup(g); err != nil {
					return err
				}
			}
			if batch {
				ids, err := tx.CreateHumans(book.Humans)
				if err == nil && len(ids) != len(book.Humans) {
					err = fmt.Errorf("%d ids", len(ids))
				}
				return err
			}
			for _, h := range book.Humans {
				if _, err := tx.CreateHuman(h); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	a, b := dumpBuckets(t, build(true)), dumpBuckets(t, build(false))
	if len(a) == 0 || a["humans"] == "" {
		t.Fatal("nothing stored")
	}
	for name, want := range b {
		if a[name] != want {
			t.Errorf("bucket %s differs (%d and %d bytes of dump)", name, len(a[name]), len(want))
		}
	}
	if len(a) != len(b) {
		t.Errorf("%d buckets, one by one %d", len(a), len(b))
	}
}

// dumpBuckets returns every top-level bucket of the file as text (keys
// and values, nested buckets included), by name.
func dumpBuckets(t *testing.T, path string) map[string]string {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := map[string]string{}
	err = db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, bk *bolt.Bucket) error {
			var buf bytes.Buffer
			dumpBucket(&buf, bk, "")
			out[string(name)] = buf.String()
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func dumpBucket(buf *bytes.Buffer, bk *bolt.Bucket, indent string) {
	_ = bk.ForEach(func(k, v []byte) error {
		if v == nil {
			fmt.Fprintf(buf, "%s%x/\n", indent, k)
			dumpBucket(buf, bk.Bucket(k), indent+" ")
			return nil
		}
		fmt.Fprintf(buf, "%s%x=%x\n", indent, k, v)
		return nil
	})
}
