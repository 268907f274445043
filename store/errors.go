package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Errors callers test for with errors.Is.
var (
	// ErrNotFound: no entity has that id (or it is in the trash where a
	// live one is required).
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: the expected etag does not match the current one.
	ErrConflict = errors.New("store: changed since it was read (etag mismatch)")
	// ErrLocked: another process holds the store file.
	ErrLocked = errors.New("store: already open by another Humans process")
	// ErrUnknownRevision: ChangesSince was asked about a revision this
	// store never had (a token from before a restore, or from another
	// store); the caller must start over with a full listing.
	ErrUnknownRevision = errors.New("store: revision unknown to this store")
)

// ValidationError reports every invalid field of a request at once. Keys
// are the field names of the API ("first_name", "emails[1].address",
// "per_page"); values say what is wrong in words a person understands.
type ValidationError struct {
	Fields map[string]string
}

// Add records a problem with field. The first message for a field wins.
func (e *ValidationError) Add(field, msg string) {
	if e.Fields == nil {
		e.Fields = make(map[string]string)
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = msg
	}
}

// OrNil returns e when it holds any problem, else nil.
func (e *ValidationError) OrNil() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

func (e *ValidationError) Error() string {
	keys := slices.Sorted(maps.Keys(e.Fields))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %s", k, e.Fields[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}
