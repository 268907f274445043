package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ErrNotEmpty: an exact load needs a store without contacts, companies
// or groups.
var ErrNotEmpty = errors.New("store: the store is not empty")

// Loader fills an empty store with records that keep their ids, UIDs and
// timestamps, the exact restore of a unified export: companies first,
// then groups and custom field definitions, then the contacts in batches.
// Revisions and etags are new. Each call is one transaction and
// validates what it writes as the store always does; a caller that needs
// all or nothing loads into a new store file and swaps it in (see
// ReplaceWith).
type Loader struct {
	s *Store
}

// NewLoader returns a loader for s, which must be empty (ErrNotEmpty
// otherwise).
func (s *Store) NewLoader(ctx context.Context) (*Loader, error) {
	empty, err := s.IsEmpty(ctx)
	if err != nil {
		return nil, err
	}
	if !empty {
		return nil, ErrNotEmpty
	}
	return &Loader{s: s}, nil
}

// IsEmpty reports whether s holds no contact (not even in the trash), no
// company and no group.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	empty := true
	err := s.view(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketHumans, bucketCompanies, bucketGroups} {
			if k, _ := tx.Bucket(b).Cursor().First(); k != nil {
				empty = false
			}
		}
		return nil
	})
	return empty, err
}

// raiseSequence makes sure b's next id is above id.
func raiseSequence(b *bolt.Bucket, id int64) error {
	if uint64(id) > b.Sequence() {
		return b.SetSequence(uint64(id))
	}
	return nil
}

// Companies stores cs with their ids, parents and timestamps. A parent
// must be one of cs. Logos are not loaded (LogoHash is cleared).
func (l *Loader) Companies(ctx context.Context, cs []*Company) error {
	ids := make(map[int64]bool, len(cs))
	for _, c := range cs {
		ids[c.ID] = true
	}
	return l.s.update(func(w *writer) error {
		b := w.tx.Bucket(bucketCompanies)
		for i, c := range cs {
			c = cloneCompany(c)
			if c.ID <= 0 {
				return loadError("company", i, "id", fmt.Sprintf("%d is not an id", c.ID))
			}
			if b.Get(itob(c.ID)) != nil {
				return loadError("company", i, "id", fmt.Sprintf("company %d appears twice", c.ID))
			}
			if err := validateCompany(c, func(id int64) bool { return ids[id] }); err != nil {
				return &LoadError{What: "company", Index: i, Err: err}
			}
			c.LogoHash = ""
			w.defaultTimes(&c.CreatedAt, &c.UpdatedAt)
			if err := raiseSequence(b, c.ID); err != nil {
				return fmt.Errorf("store: load: %w", err)
			}
			if err := w.putCompany(c); err != nil {
				return err
			}
		}
		return nil
	})
}

// Groups stores gs with their ids, colours and timestamps.
func (l *Loader) Groups(ctx context.Context, gs []*Group) error {
	return l.s.update(func(w *writer) error {
		b := w.tx.Bucket(bucketGroups)
		for i, g := range gs {
			g2 := *g
			g = &g2
			if g.ID <= 0 {
				return loadError("group", i, "id", fmt.Sprintf("%d is not an id", g.ID))
			}
			if b.Get(itob(g.ID)) != nil {
				return loadError("group", i, "id", fmt.Sprintf("group %d appears twice", g.ID))
			}
			if err := validateGroup(g); err != nil {
				return &LoadError{What: "group", Index: i, Err: err}
			}
			if err := w.checkGroupNameFree(g.Name, g.ID); err != nil {
				return &LoadError{What: "group", Index: i, Err: err}
			}
			w.defaultTimes(&g.CreatedAt, &g.UpdatedAt)
			if err := raiseSequence(b, g.ID); err != nil {
				return fmt.Errorf("store: load: %w", err)
			}
			if err := w.putGroup(g); err != nil {
				return err
			}
		}
		return nil
	})
}

// Humans stores hs with their ids, UIDs, timestamps and trash state, as
// one transaction. photos[i], when not empty, is the image of hs[i] (its
// media type is sniffed, as SetPhoto does); a PhotoHash without photo
// bytes is cleared. Companies and groups the contacts refer to must have
// been loaded. A refused contact is reported as a *LoadError with its
// index in hs, and nothing of the call is written.
func (l *Loader) Humans(ctx context.Context, hs []*Human, photos [][]byte) error {
	prepared := make([]*Human, len(hs))
	for i, h := range hs {
		prepared[i] = cloneHuman(h)
		normalizeHuman(prepared[i])
	}
	recs := l.s.deriveRecords(prepared)
	return l.s.update(func(w *writer) error {
		humans, uids := w.tx.Bucket(bucketHumans), w.tx.Bucket(bucketUIDs)
		lk := w.lookups()
		for i, h := range prepared {
			if err := validateHuman(h, lk); err != nil {
				return &LoadError{What: "contact", Index: i, Err: err}
			}
			switch {
			case h.ID <= 0:
				return loadError("contact", i, "id", fmt.Sprintf("%d is not an id", h.ID))
			case humans.Get(itob(h.ID)) != nil:
				return loadError("contact", i, "id", fmt.Sprintf("contact %d appears twice", h.ID))
			case h.UID == "":
				return loadError("contact", i, "uid", "is empty")
			case uids.Get([]byte(h.UID)) != nil:
				return loadError("contact", i, "uid", fmt.Sprintf("UID %q appears twice", h.UID))
			}
			h.PhotoHash, h.PhotoType = "", ""
			if i < len(photos) && len(photos[i]) > 0 {
				hash, mediaType, err := checkPhoto(photos[i])
				if err != nil {
					return &LoadError{What: "contact", Index: i, Err: err}
				}
				if err := w.retainPhoto(hash, mediaType, photos[i]); err != nil {
					return err
				}
				h.PhotoHash, h.PhotoType = hash, mediaType
			}
			w.defaultTimes(&h.CreatedAt, &h.UpdatedAt)
			if err := raiseSequence(humans, h.ID); err != nil {
				return fmt.Errorf("store: load: %w", err)
			}
			if err := uids.Put([]byte(h.UID), itob(h.ID)); err != nil {
				return fmt.Errorf("store: indexing UID: %w", err)
			}
			rec := recs[i]
			rec.HasPhoto = h.PhotoHash != "" || h.PhotoURL != ""
			if err := w.putHuman(h, rec); err != nil {
				return err
			}
		}
		return nil
	})
}

// defaultTimes sets zero timestamps to now.
func (w *writer) defaultTimes(created, updated *time.Time) {
	if created.IsZero() {
		*created = w.now
	}
	if updated.IsZero() {
		*updated = *created
	}
}

// SMS stores the text messages msgs with their ids, statuses and
// timestamps. A message may name a contact that is no longer in the book
// (deleted for good): the reference is kept, and no new contact will get
// that id.
func (l *Loader) SMS(ctx context.Context, msgs []*SMS) error {
	return l.s.update(func(w *writer) error {
		b := w.tx.Bucket(bucketSMS)
		for i, m := range msgs {
			c := *m
			v := &ValidationError{}
			validateSMS(v, &c, "", func(int64) bool { return true })
			if !validSMSStatus(c.Status) {
				v.Add("status", fmt.Sprintf("%q is not a message status", c.Status))
			}
			if c.Direction != SMSOutbound && c.Direction != SMSInbound {
				v.Add("direction", fmt.Sprintf("%q is not inbound or outbound", c.Direction))
			}
			if c.ID <= 0 {
				v.Add("id", fmt.Sprintf("%d is not an id", c.ID))
			} else if b.Get(itob(c.ID)) != nil {
				v.Add("id", fmt.Sprintf("message %d appears twice", c.ID))
			}
			if err := v.OrNil(); err != nil {
				return &LoadError{What: "message", Index: i, Err: err}
			}
			w.defaultTimes(&c.CreatedAt, &c.UpdatedAt)
			if err := raiseSequence(b, c.ID); err != nil {
				return fmt.Errorf("store: load: %w", err)
			}
			if err := raiseSequence(w.tx.Bucket(bucketHumans), c.HumanID); err != nil {
				return fmt.Errorf("store: load: %w", err)
			}
			if err := putJSON(w.tx, bucketSMS, c.ID, &c, "message"); err != nil {
				return err
			}
		}
		return nil
	})
}

// LoadError is a record a Loader refused: the Index-th of the slice
// given, and why (often a *ValidationError).
type LoadError struct {
	What  string // "contact", "company", "group" or "message"
	Index int
	Err   error
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("%s [%d]: %v", e.What, e.Index, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

func loadError(what string, i int, field, msg string) *LoadError {
	return &LoadError{What: what, Index: i, Err: &ValidationError{Fields: map[string]string{field: msg}}}
}
