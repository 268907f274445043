package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/humans-contacts/humans/carddav"
	"github.com/humans-contacts/humans/store"
)

// The address book as CardDAV clients see it: every live contact is one
// vCard resource, named by the client that created it or after its UID
// (store.ResourceNameOf). The CardDAV server (carddav/server) goes
// through these methods.

// Resource is a contact as the address book lists it.
type Resource = store.Resource

// UIDConflictError says which resource already has a card's UID.
type UIDConflictError = store.UIDConflictError

// ErrUIDConflict is matched by a *UIDConflictError.
var ErrUIDConflict = store.ErrUIDConflict

// The kinds of change-log entries, and the error of ChangesSince for a
// revision the store never had.
const (
	KindHuman   = store.KindHuman
	KindCompany = store.KindCompany
	KindGroup   = store.KindGroup
)

var ErrUnknownRevision = store.ErrUnknownRevision

// ErrGroupCard is returned by PutCard for a group card (KIND:group or
// X-ADDRESSBOOKSERVER-KIND:group), which PutGroupCard stores.
var ErrGroupCard = carddav.ErrGroupCard

// CardError is a card that does not parse, with the reason.
type CardError struct{ Err error }

func (e *CardError) Error() string { return "not a valid vCard: " + e.Err.Error() }
func (e *CardError) Unwrap() error { return e.Err }

// PutCardOptions are the preconditions of PutCard, checked in the same
// transaction as the write.
type PutCardOptions struct {
	// IfMatch, when not empty, is the store etag (Human.ETag) the contact
	// must still have, else ErrConflict.
	IfMatch string
	// MustNotExist fails the write with ErrConflict when the name points
	// at a live contact.
	MustNotExist bool
}

// PutCard stores the vCard body under the resource name: a new contact,
// or the whole card of the contact the name points at (see
// store.PutResource for what a replace keeps). Companies and groups the
// card names (ORG, CATEGORIES) are created when missing. It returns the
// stored contact and whether it was created. A body that is not a vCard
// is a *CardError; nothing is written on any error.
func (s *Service) PutCard(ctx context.Context, name string, body []byte, opts PutCardOptions) (*Human, bool, error) {
	card, err := carddav.ParseCard(body)
	if err != nil {
		return nil, false, &CardError{Err: err}
	}
	if carddav.IsGroupCard(card) {
		return nil, false, ErrGroupCard // see PutGroupCard
	}
	p, err := carddav.Decode(card)
	if err != nil {
		return nil, false, &CardError{Err: err}
	}
	h, created, err := s.store.PutResource(ctx, store.ResourceWrite{
		Name:         name,
		Human:        p.Human,
		Company:      p.Company,
		Groups:       p.Categories,
		Photo:        p.Photo,
		IfMatch:      opts.IfMatch,
		MustNotExist: opts.MustNotExist,
	})
	if err != nil {
		return nil, false, fmt.Errorf("app: storing card %q: %w", name, err)
	}
	return h, created, nil
}

// CardByName returns the live contact the resource name points at, or
// ErrNotFound.
func (s *Service) CardByName(ctx context.Context, name string) (*Human, error) {
	return s.store.ResolveResource(ctx, name)
}

// CardID returns the id of the live contact the resource name points
// at, or ErrNotFound, without reading the contact.
func (s *Service) CardID(ctx context.Context, name string) (int64, error) {
	return s.store.ResolveResourceID(ctx, name)
}

// CardResources lists every live contact with its resource name and
// revision, in id order, from memory.
func (s *Service) CardResources(ctx context.Context) ([]Resource, error) {
	return s.store.LiveResources(ctx)
}

// ChangeAt returns the change-log entry of one revision, or ErrNotFound.
func (s *Service) ChangeAt(ctx context.Context, rev uint64) (Change, error) {
	return s.store.ChangeAt(ctx, rev)
}

// CardRevisions lists every live contact's id and revision, in id
// order, from memory, without names.
func (s *Service) CardRevisions() []Resource { return s.store.LiveRevisions() }

// CardNames returns the resource names of contacts, deleted ones too.
func (s *Service) CardNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	return s.store.ResourceNames(ctx, ids)
}

// HumanRevision returns the revision of a contact from memory, whether it
// is live, and whether the store has it at all.
func (s *Service) HumanRevision(id int64) (rev uint64, live, ok bool) {
	return s.store.HumanRevision(id)
}

// EncodeCard writes h as vCard bytes of version "3.0" or "4.0", with its
// company, groups and photo: the bytes the address book serves.
func (s *Service) EncodeCard(ctx context.Context, h *Human, version string, buf []byte) ([]byte, error) {
	var photo []byte
	if h.PhotoHash != "" {
		var err error
		photo, _, err = s.store.Photo(ctx, h.PhotoHash)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("app: photo of contact %d: %w", h.ID, err)
		}
	}
	card, err := carddav.Encode(h, s.store, photo, version)
	if err != nil {
		return nil, fmt.Errorf("app: encoding contact %d: %w", h.ID, err)
	}
	out, err := carddav.AppendCard(buf, card)
	if err != nil {
		return nil, fmt.Errorf("app: encoding contact %d: %w", h.ID, err)
	}
	return out, nil
}
