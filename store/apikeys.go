package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Role is what an API key may do.
type Role string

// The roles of API keys: an admin key may also manage keys, download
// backups and read the server status.
const (
	RoleAdmin Role = "admin"
	RoleUser  Role = "user"
)

// Valid reports whether r is admin or user.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleUser }

// APIKey is a key of the REST API. The key itself is never stored: Hash
// is the hex SHA-256 of it, and Prefix its first characters, enough for a
// person to tell keys apart in a listing.
type APIKey struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	Hash      string    `json:"hash"`
	Prefix    string    `json:"prefix"`
	CreatedAt time.Time `json:"created_at"`
}

func validateAPIKey(k *APIKey) error {
	v := &ValidationError{}
	k.Name = strings.TrimSpace(k.Name)
	if k.Name == "" {
		v.Add("name", "is empty")
	}
	checkText(v, "name", k.Name, 256)
	if !k.Role.Valid() {
		v.Add("role", fmt.Sprintf("must be admin or user (got %q)", k.Role))
	}
	if len(k.Hash) != 64 {
		v.Add("hash", "must be a hex SHA-256")
	}
	return v.OrNil()
}

// CreateAPIKey stores a new key (its hash) and returns it with its id.
func (s *Store) CreateAPIKey(ctx context.Context, k APIKey) (*APIKey, error) {
	if err := validateAPIKey(&k); err != nil {
		return nil, err
	}
	err := s.update(func(w *writer) error {
		hashes := w.tx.Bucket(bucketKeyHashes)
		if hashes.Get([]byte(k.Hash)) != nil {
			return &ValidationError{Fields: map[string]string{"hash": "another key has this hash"}}
		}
		seq, err := w.tx.Bucket(bucketAPIKeys).NextSequence()
		if err != nil {
			return fmt.Errorf("store: allocating an id: %w", err)
		}
		k.ID = int64(seq)
		k.CreatedAt = w.now
		if err := putJSON(w.tx, bucketAPIKeys, k.ID, &k, "API key"); err != nil {
			return err
		}
		return hashes.Put([]byte(k.Hash), itob(k.ID))
	})
	if err != nil {
		return nil, err
	}
	return &k, nil
}

// APIKeys lists every key, oldest first.
func (s *Store) APIKeys(ctx context.Context) ([]*APIKey, error) {
	var out []*APIKey
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = listJSON[APIKey](tx, bucketAPIKeys, "API key")
		return err
	})
	return out, err
}

// APIKeyByHash returns the key whose hash is hash, or ErrNotFound.
func (s *Store) APIKeyByHash(ctx context.Context, hash string) (*APIKey, error) {
	var k *APIKey
	err := s.view(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketKeyHashes).Get([]byte(hash))
		if id == nil {
			return fmt.Errorf("API key: %w", ErrNotFound)
		}
		var err error
		k, err = getJSON[APIKey](tx, bucketAPIKeys, btoi(id), "API key")
		return err
	})
	return k, err
}

// RevokeAPIKey deletes a key: requests made with it fail from now on.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64) error {
	return s.update(func(w *writer) error {
		k, err := getJSON[APIKey](w.tx, bucketAPIKeys, id, "API key")
		if err != nil {
			return err
		}
		if err := w.tx.Bucket(bucketKeyHashes).Delete([]byte(k.Hash)); err != nil {
			return fmt.Errorf("store: revoking API key %d: %w", id, err)
		}
		if err := w.tx.Bucket(bucketAPIKeys).Delete(itob(id)); err != nil {
			return fmt.Errorf("store: revoking API key %d: %w", id, err)
		}
		return nil
	})
}
