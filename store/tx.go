package store

import (
	"context"
)

// Tx is a write transaction: the changes made through it are committed
// together when the function given to Write returns nil, or not at all.
// An import or a sync pass writes thousands of changes with one commit
// (one disk sync) this way instead of one each.
//
// A method that fails with a *ValidationError, ErrNotFound or
// ErrConflict has written nothing, so the caller may go on with the
// transaction (skip that record); after any other error it must return
// the error. A Tx must not be used after Write returns, nor from
// several goroutines.
type Tx struct {
	w *writer
}

// Write runs fn in one write transaction. After the commit the indexes
// are updated and subscribers are told once.
func (s *Store) Write(ctx context.Context, fn func(tx *Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.update(func(w *writer) error { return fn(&Tx{w: w}) })
}

// CreateCompany validates c and stores it as a new company.
func (t *Tx) CreateCompany(c *Company) (*Company, error) {
	c = cloneCompany(c)
	if err := t.w.createCompany(c); err != nil {
		return nil, err
	}
	return cloneCompany(c), nil
}

// CreateGroup validates g and stores it as a new group.
func (t *Tx) CreateGroup(g *Group) (*Group, error) {
	g2 := *g
	if err := t.w.createGroup(&g2); err != nil {
		return nil, err
	}
	return &g2, nil
}

// CreateHuman validates h and stores it as a new contact, as
// Store.CreateHuman does.
func (t *Tx) CreateHuman(h *Human) (*Human, error) {
	h = cloneHuman(h)
	if err := t.w.createHuman(h); err != nil {
		return nil, err
	}
	return cloneHuman(h), nil
}

// CreateHumans validates every contact of hs and stores them, as
// Store.CreateHumans does but within this transaction: if any is invalid
// the error is a *ValidationError whose field names are prefixed with
// the contact's position ("[12].emails[0].address") and none is written.
// It returns the new ids, in order.
func (t *Tx) CreateHumans(hs []*Human) ([]int64, error) {
	lk := t.w.lookupsFor(hs)
	prepared := make([]*Human, len(hs))
	problems := make([]error, len(prepared))
	parallel(len(hs), func(i int) {
		prepared[i] = cloneHuman(hs[i])
		normalizeHuman(prepared[i])
		problems[i] = validateHuman(prepared[i], lk)
	})
	uids := t.w.tx.Bucket(bucketUIDs)
	taken := func(i int) bool { return uids.Get([]byte(prepared[i].UID)) != nil }
	if err := batchErrors(prepared, problems, taken); err != nil {
		return nil, err
	}
	return t.w.insertHumans(prepared, t.w.s.deriveRecords(prepared))
}

// UpdateHuman applies a partial update to a live contact, as
// Store.UpdateHuman does.
func (t *Tx) UpdateHuman(id int64, p HumanPatch, ifMatch string) (*Human, error) {
	h, err := t.w.updateHuman(id, p, ifMatch)
	if err != nil {
		return nil, err
	}
	return cloneHuman(h), nil
}

// RestoreHuman brings a contact back from the trash, as
// Store.RestoreHuman does.
func (t *Tx) RestoreHuman(id int64) (*Human, error) {
	h, err := t.w.restoreHuman(id)
	if err != nil {
		return nil, err
	}
	return cloneHuman(h), nil
}

// PreparePhoto checks data as SetPhoto does and keeps it for the
// contacts this transaction creates with its hash (Human.PhotoHash and
// PhotoType as returned): the photo is stored with the first of them,
// and not at all if none is created. An import gives its new contacts
// their photos this way, in the write that creates them, rather than
// writing each contact a second time with SetPhoto.
func (t *Tx) PreparePhoto(data []byte) (hash, mediaType string, err error) {
	hash, mediaType, verr := checkPhoto(data)
	if verr != nil {
		return "", "", verr
	}
	if t.w.newPhotos == nil {
		t.w.newPhotos = make(map[string]preparedPhoto)
	}
	t.w.newPhotos[hash] = preparedPhoto{mediaType, data}
	return hash, mediaType, nil
}

// SetPhoto stores data as the photo of a live contact, as Store.SetPhoto
// does.
func (t *Tx) SetPhoto(id int64, data []byte) (*Human, error) {
	var hash, mediaType string
	if data != nil {
		var verr *ValidationError
		if hash, mediaType, verr = checkPhoto(data); verr != nil {
			return nil, verr
		}
	}
	h, err := t.w.setPhoto(id, hash, mediaType, data)
	if err != nil {
		return nil, err
	}
	return cloneHuman(h), nil
}
