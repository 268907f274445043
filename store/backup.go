package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole store file to w while the
// store stays open for readers and writers.
func (s *Store) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: writing backup: %w", err)
	}
	return n, nil
}

// Restore replaces the whole book with the backup read from r. The backup
// is written beside the store, opened and migrated first; if anything is
// wrong with it the current book is untouched. Subscribers receive an
// Event with Reset set.
func (s *Store) Restore(ctx context.Context, r io.Reader) error {
	dir := filepath.Dir(s.path)
	tmp, err := os.CreateTemp(dir, filepath.Base(s.path)+".restore-*")
	if err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath)
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return fmt.Errorf("store: restore: reading the backup: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("store: restore: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("store: restore: %w", err)
	}
	return s.replaceWith(tmpPath, nil)
}

// ReplaceWith replaces the book with the store file at path, which must
// be in the same directory as the store (it is moved, not copied) and
// must not be open. What belongs to this installation rather than to the
// book (the API keys) is kept. As with Restore, the file is checked first
// and the current book is untouched if anything is wrong with it.
func (s *Store) ReplaceWith(path string) error {
	if filepath.Dir(path) != filepath.Dir(s.path) {
		return fmt.Errorf("store: replace: %s is not beside the store in %s", path, filepath.Dir(s.path))
	}
	return s.replaceWith(path, instanceBuckets)
}

// replaceWith swaps the file at tmpPath in for the store's, keeping the
// current contents of the buckets named in keep.
func (s *Store) replaceWith(tmpPath string, keep [][]byte) error {
	if err := checkBackup(tmpPath, s.opts); err != nil {
		return err
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if len(keep) > 0 {
		tmp, err := openBolt(tmpPath, s.opts)
		if err != nil {
			return fmt.Errorf("store: restore: %w", err)
		}
		err = copyBuckets(s.db, tmp, keep)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("store: restore: keeping this installation's data: %w", err)
		}
	}
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: restore: closing the current store: %w", err)
	}
	previous := s.path + ".before-restore"
	if err := os.Rename(s.path, previous); err != nil {
		return s.reopenAfterFailedRestore(fmt.Errorf("store: restore: %w", err))
	}
	if err := os.Rename(tmpPath, s.path); err != nil {
		_ = os.Rename(previous, s.path)
		return s.reopenAfterFailedRestore(fmt.Errorf("store: restore: %w", err))
	}
	db, err := openBolt(s.path, s.opts)
	if err != nil {
		_ = os.Rename(previous, s.path)
		return s.reopenAfterFailedRestore(fmt.Errorf("store: restore: opening the backup: %w", err))
	}
	s.db = db
	if err := s.loadLocked(); err != nil {
		db.Close()
		_ = os.Rename(previous, s.path)
		return s.reopenAfterFailedRestore(fmt.Errorf("store: restore: %w", err))
	}
	os.Remove(previous)
	s.notify(Event{Revision: s.revision.Load(), Reset: true})
	return nil
}

// reopenAfterFailedRestore reopens the original file after a restore
// failed part way, and returns cause.
func (s *Store) reopenAfterFailedRestore(cause error) error {
	db, err := openBolt(s.path, s.opts)
	if err != nil {
		return errors.Join(cause, fmt.Errorf("store: reopening the previous store: %w", err))
	}
	s.db = db
	if err := s.loadLocked(); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// loadLocked is load for callers that already hold dbMu for writing.
func (s *Store) loadLocked() error { return s.loadFrom(s.db) }

// checkBackup opens a candidate backup file on its own and checks that it
// is a Humans store this version can read.
func checkBackup(path string, opts Options) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return fmt.Errorf("store: restore: the file is not a Humans backup: %w", err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		if meta == nil || tx.Bucket(bucketHumans) == nil {
			return errors.New("it has no Humans data")
		}
		if v := getUint(meta, keySchema); v == 0 || v > SchemaVersion {
			return fmt.Errorf("its schema %d is not one this Humans reads (1 to %d)", v, SchemaVersion)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: restore: the file is not a usable Humans backup: %w", err)
	}
	return nil
}
