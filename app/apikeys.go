package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/humans-contacts/humans/store"
)

// apiKeyPrefix starts every key, so a person (or a secret scanner) can
// tell a Humans key from other secrets.
const apiKeyPrefix = "hk_"

// ErrBadAPIKey: the key given is not one this book knows (never was, or
// was revoked).
var ErrBadAPIKey = errors.New("app: unknown or revoked API key")

// hashAPIKey is what the store keeps of a key: its hex SHA-256. Keys are
// 256 random bits, so a plain hash is enough (nothing to brute-force).
func hashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// CreateAPIKey makes a new random key with a name and a role, stores its
// hash and returns the key itself, which is shown this once and never
// again.
func (s *Service) CreateAPIKey(ctx context.Context, name string, role Role) (string, *APIKey, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, fmt.Errorf("app: generating an API key: %w", err)
	}
	key := apiKeyPrefix + base64.RawURLEncoding.EncodeToString(raw)
	k, err := s.store.CreateAPIKey(ctx, store.APIKey{
		Name:   name,
		Role:   role,
		Hash:   hashAPIKey(key),
		Prefix: key[:len(apiKeyPrefix)+6],
	})
	if err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// APIKeys lists the keys (their names, roles and prefixes, not the keys).
func (s *Service) APIKeys(ctx context.Context) ([]*APIKey, error) { return s.store.APIKeys(ctx) }

// RevokeAPIKey deletes a key; requests made with it fail from now on.
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) error {
	return s.store.RevokeAPIKey(ctx, id)
}

// AuthenticateAPIKey returns the stored key that key is, or ErrBadAPIKey.
func (s *Service) AuthenticateAPIKey(ctx context.Context, key string) (*APIKey, error) {
	key = strings.TrimSpace(key)
	if !strings.HasPrefix(key, apiKeyPrefix) || len(key) > 128 {
		return nil, ErrBadAPIKey
	}
	hash := hashAPIKey(key)
	k, err := s.store.APIKeyByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrBadAPIKey
	}
	if err != nil {
		return nil, err
	}
	// The lookup was by hash already; compare again in constant time so
	// that no timing of the index lookup matters.
	if subtle.ConstantTimeCompare([]byte(k.Hash), []byte(hash)) != 1 {
		return nil, ErrBadAPIKey
	}
	return k, nil
}
