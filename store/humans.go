package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	bolt "go.etcd.io/bbolt"
)

// cloneHuman returns a deep copy of h, so the store never shares memory
// with its callers.
func cloneHuman(h *Human) *Human {
	c := *h
	if h.Birthday != nil {
		b := *h.Birthday
		c.Birthday = &b
	}
	if h.DeletedAt != nil {
		d := *h.DeletedAt
		c.DeletedAt = &d
	}
	c.Phones = slices.Clone(h.Phones)
	c.Emails = slices.Clone(h.Emails)
	c.Addresses = slices.Clone(h.Addresses)
	c.URLs = slices.Clone(h.URLs)
	c.IMs = slices.Clone(h.IMs)
	c.GroupIDs = slices.Clone(h.GroupIDs)
	c.Consents = slices.Clone(h.Consents)
	c.CustomFields = maps.Clone(h.CustomFields)
	if h.Extra != nil {
		c.Extra = make(map[string][]byte, len(h.Extra))
		for k, v := range h.Extra {
			c.Extra[k] = slices.Clone(v)
		}
	}
	return &c
}

// copyToNormalize makes dst a copy of h that normalizeHuman may change
// without changing h: the lists whose elements it trims are copied, into
// dst's own room, kept from one call to the next; the rest is shared.
// Validating many contacts this way allocates next to nothing.
func copyToNormalize(dst, h *Human) {
	phones, emails, addrs, urls, ims := dst.Phones[:0], dst.Emails[:0], dst.Addresses[:0], dst.URLs[:0], dst.IMs[:0]
	*dst = *h
	dst.Phones = append(phones, h.Phones...)
	dst.Emails = append(emails, h.Emails...)
	dst.Addresses = append(addrs, h.Addresses...)
	dst.URLs = append(urls, h.URLs...)
	dst.IMs = append(ims, h.IMs...)
}

func getHumanTx(tx *bolt.Tx, id int64) (*Human, error) {
	v := tx.Bucket(bucketHumans).Get(itob(id))
	if v == nil {
		return nil, fmt.Errorf("contact %d: %w", id, ErrNotFound)
	}
	var h Human
	if err := json.Unmarshal(v, &h); err != nil {
		return nil, fmt.Errorf("store: decoding contact %d: %w", id, err)
	}
	return &h, nil
}

// GetHuman returns the contact with id, live or in the trash (then
// DeletedAt is set).
func (s *Store) GetHuman(ctx context.Context, id int64) (*Human, error) {
	var h *Human
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		h, err = getHumanTx(tx, id)
		return err
	})
	return h, err
}

// GetHumanByUID returns the contact whose vCard UID is uid.
func (s *Store) GetHumanByUID(ctx context.Context, uid string) (*Human, error) {
	var h *Human
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketUIDs).Get([]byte(uid))
		if v == nil {
			return fmt.Errorf("contact with UID %q: %w", uid, ErrNotFound)
		}
		var err error
		h, err = getHumanTx(tx, btoi(v))
		return err
	})
	return h, err
}

// lookups answers validation's existence questions from the transaction.
func (w *writer) lookups() lookups {
	return lookups{
		companyExists: func(id int64) bool { return w.tx.Bucket(bucketCompanies).Get(itob(id)) != nil },
		groupExists:   func(id int64) bool { return w.tx.Bucket(bucketGroups).Get(itob(id)) != nil },
		fieldDef: func(key string) (CustomFieldDef, bool) {
			v := w.tx.Bucket(bucketFieldDefs).Get([]byte(key))
			if v == nil {
				return CustomFieldDef{}, false
			}
			var d CustomFieldDef
			if err := json.Unmarshal(v, &d); err != nil {
				return CustomFieldDef{}, false
			}
			return d, true
		},
	}
}

// lookupsFor answers what validating hs asks, every company, group and
// field definition they name read once from the transaction, so that
// they may be validated on every core (a bbolt transaction is for one
// goroutine).
func (w *writer) lookupsFor(hs []*Human) lookups {
	lk := w.lookups()
	companies := make(map[int64]bool)
	groups := make(map[int64]bool)
	defs := make(map[string]*CustomFieldDef)
	for _, h := range hs {
		if id := h.CompanyID; id != 0 {
			if _, seen := companies[id]; !seen {
				companies[id] = lk.companyExists(id)
			}
		}
		for _, id := range h.GroupIDs {
			if _, seen := groups[id]; !seen {
				groups[id] = lk.groupExists(id)
			}
		}
		for key := range h.CustomFields {
			if _, seen := defs[key]; !seen {
				if d, ok := lk.fieldDef(key); ok {
					defs[key] = &d
				} else {
					defs[key] = nil
				}
			}
		}
	}
	return lookups{
		companyExists: func(id int64) bool { return companies[id] },
		groupExists:   func(id int64) bool { return groups[id] },
		fieldDef: func(key string) (CustomFieldDef, bool) {
			if d := defs[key]; d != nil {
				return *d, true
			}
			return CustomFieldDef{}, false
		},
	}
}

// currentRecord is the index record of id as this transaction sees it.
func (w *writer) currentRecord(id int64) *indexRecord {
	if r, ok := w.written[id]; ok {
		return r // nil when deleted in this transaction
	}
	r, _ := w.s.idx.record(id)
	return r
}

// recordWritten notes a contact's new index record (nil: deleted). A
// contact written twice in one transaction (created, then given its
// photo) makes one change for the index, from the record it had before
// the transaction to the last: the index never takes in, and takes out
// again, a record no one saw.
func (w *writer) recordWritten(old, new *indexRecord, id int64) {
	if w.written == nil {
		w.written = make(map[int64]*indexRecord)
		w.deltaAt = make(map[int64]int)
	}
	w.written[id] = new
	if i, ok := w.deltaAt[id]; ok {
		w.humans[i].new = new
		return
	}
	w.deltaAt[id] = len(w.humans)
	w.humans = append(w.humans, humanDelta{old: old, new: new})
}

// putHuman writes h with a new revision: the contact, its index record,
// the change-log entry. rec, when not nil, is h's index record computed
// ahead (bulk imports derive them in parallel); its revision fields are
// filled in here.
func (w *writer) putHuman(h *Human, rec *indexRecord) error {
	if err := w.stampHuman(h); err != nil {
		return err
	}
	data, err := encodeHuman(h)
	if err != nil {
		return err
	}
	return w.storeHuman(h, data, rec)
}

// stampHuman gives h its new revision and etag, logging the change.
func (w *writer) stampHuman(h *Human) error {
	rev, err := w.logChange(KindHuman, h.ID, h.DeletedAt != nil)
	if err != nil {
		return err
	}
	h.Revision = rev
	h.ETag = etagFor(rev)
	return nil
}

func encodeHuman(h *Human) ([]byte, error) {
	data, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("store: encoding contact %d: %w", h.ID, err)
	}
	return data, nil
}

// storeHuman writes h, stamped and encoded (data), and its index record.
func (w *writer) storeHuman(h *Human, data []byte, rec *indexRecord) error {
	old := w.currentRecord(h.ID)
	if err := w.tx.Bucket(bucketHumans).Put(itob(h.ID), data); err != nil {
		return fmt.Errorf("store: writing contact %d: %w", h.ID, err)
	}
	if rec == nil {
		rec = newIndexRecord(h, w.s.opts.DefaultRegion)
	} else {
		rec.ID, rec.Revision = h.ID, h.Revision
		rec.CreatedAt, rec.UpdatedAt = h.CreatedAt.UnixNano(), h.UpdatedAt.UnixNano()
		rec.HasPhoto = h.PhotoHash != "" || h.PhotoURL != "" // a hash naming no photo was dropped
	}
	if err := w.tx.Bucket(bucketSummaries).Put(itob(h.ID), rec.marshalBinary()); err != nil {
		return fmt.Errorf("store: writing index of contact %d: %w", h.ID, err)
	}
	w.recordWritten(old, rec, h.ID)
	return nil
}

// insertHuman assigns h its id, UID and timestamps and writes it.
func (w *writer) insertHuman(h *Human, rec *indexRecord) error {
	if err := w.assignHuman(h); err != nil {
		return err
	}
	return w.putHuman(h, rec)
}

// assignHuman checks that a new contact's UID, company and groups can be
// taken, gives h its id, UID and timestamps, and indexes its UID.
func (w *writer) assignHuman(h *Human) error {
	uids := w.tx.Bucket(bucketUIDs)
	if h.UID == "" {
		h.UID = uuid.NewString()
	} else if uids.Get([]byte(h.UID)) != nil {
		return &ValidationError{Fields: map[string]string{"uid": fmt.Sprintf("a contact with UID %q exists already", h.UID)}}
	}
	lk := w.lookups()
	if h.CompanyID != 0 && !lk.companyExists(h.CompanyID) {
		return &ValidationError{Fields: map[string]string{"company_id": fmt.Sprintf("no company has id %d", h.CompanyID)}}
	}
	for _, g := range h.GroupIDs {
		if !lk.groupExists(g) {
			return &ValidationError{Fields: map[string]string{"group_ids": fmt.Sprintf("no group has id %d", g)}}
		}
	}
	seq, err := w.tx.Bucket(bucketHumans).NextSequence()
	if err != nil {
		return fmt.Errorf("store: allocating an id: %w", err)
	}
	h.ID = int64(seq)
	if h.PhotoHash != "" {
		photo, prepared := w.newPhotos[h.PhotoHash]
		switch {
		case prepared:
			h.PhotoType = photo.mediaType
			if err := w.retainPhoto(h.PhotoHash, photo.mediaType, photo.data); err != nil {
				return err
			}
		case w.tx.Bucket(bucketPhotos).Get([]byte(h.PhotoHash)) != nil:
			if err := w.retainPhoto(h.PhotoHash, h.PhotoType, nil); err != nil {
				return err
			}
		default:
			// Photos are stored by SetPhoto (or prepared with
			// Tx.PreparePhoto); a hash naming none is dropped.
			h.PhotoHash, h.PhotoType = "", ""
		}
	}
	if h.CreatedAt.IsZero() {
		h.CreatedAt = w.now
	}
	h.UpdatedAt = w.now
	h.DeletedAt = nil
	if err := uids.Put([]byte(h.UID), itob(h.ID)); err != nil {
		return fmt.Errorf("store: indexing UID: %w", err)
	}
	return nil
}

// CreateHuman validates h and stores it as a new contact. The store
// assigns ID, a UID when h has none, timestamps, revision and etag; h
// itself is not modified. It returns the stored contact.
func (s *Store) CreateHuman(ctx context.Context, h *Human) (*Human, error) {
	h = cloneHuman(h)
	if err := s.update(func(w *writer) error { return w.createHuman(h) }); err != nil {
		return nil, err
	}
	return cloneHuman(h), nil
}

// createHuman normalises, validates and inserts h (the caller's copy).
func (w *writer) createHuman(h *Human) error {
	normalizeHuman(h)
	if err := validateHuman(h, w.lookups()); err != nil {
		return err
	}
	return w.insertHuman(h, nil)
}

// Validate reports what CreateHuman would reject in h, without writing:
// an importer's dry run and per-record checks use it. A negative
// CompanyID or group id stands for a company or group the caller will
// create, and counts as existing. h is not modified.
func (s *Store) Validate(ctx context.Context, h *Human) error {
	problems, err := s.ValidateAll(ctx, []*Human{h})
	if err != nil {
		return err
	}
	return problems[0]
}

// ValidateAll is Validate for many contacts, in one read of the book: it
// returns what is wrong with each (nil when valid), or the error that
// kept it from reading the book. An import validates its records a few
// hundred at a time this way.
func (s *Store) ValidateAll(ctx context.Context, hs []*Human) ([]error, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	problems := make([]error, len(hs))
	err := s.view(func(tx *bolt.Tx) error {
		lk := (&writer{tx: tx, s: s}).lookups()
		companyExists, groupExists := lk.companyExists, lk.groupExists
		lk.companyExists = func(id int64) bool { return id < 0 || companyExists(id) }
		lk.groupExists = func(id int64) bool { return id < 0 || groupExists(id) }
		var scratch Human
		for i, h := range hs {
			copyToNormalize(&scratch, h)
			normalizeHuman(&scratch)
			problems[i] = validateHuman(&scratch, lk)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return problems, nil
}

// bulkChunk is how many contacts CreateHumans writes per transaction.
const bulkChunk = 10_000

// CreateHumans stores many new contacts at once, as an import does. Every
// contact is validated before anything is written; if any is invalid the
// error is a *ValidationError whose field names are prefixed with the
// contact's position ("[12].emails[0].address") and nothing is written.
// The contacts are then written in transactions of ten thousand, each
// chunk's index records derived while the previous chunk is written: a
// disk failure part way leaves the earlier transactions in place. It
// returns the new ids, in order.
func (s *Store) CreateHumans(ctx context.Context, hs []*Human) ([]int64, error) {
	prepared := make([]*Human, len(hs))
	if err := s.validateBatch(hs, prepared); err != nil {
		return nil, err
	}
	type chunk struct {
		start, end int
		recs       []*indexRecord
	}
	chunks := make(chan chunk, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(chunks)
		for start := 0; start < len(prepared); start += bulkChunk {
			end := min(start+bulkChunk, len(prepared))
			c := chunk{start, end, s.deriveRecords(prepared[start:end])}
			select {
			case chunks <- c:
			case <-stop:
				return
			}
		}
	}()
	ids := make([]int64, 0, len(hs))
	for c := range chunks {
		if err := ctx.Err(); err != nil {
			return ids, err
		}
		err := s.update(func(w *writer) error {
			for i := c.start; i < c.end; i++ {
				if err := w.insertHuman(prepared[i], c.recs[i-c.start]); err != nil {
					if verr, ok := err.(*ValidationError); ok {
						return prefixFields(verr, i)
					}
					return err
				}
			}
			return nil
		})
		if err != nil {
			return ids, err
		}
		for i := c.start; i < c.end; i++ {
			ids = append(ids, prepared[i].ID)
		}
	}
	return ids, nil
}

// validateBatch clones and normalises hs into prepared and validates
// them on every core, against the companies, groups and field
// definitions as they are now. insertHuman checks again that a company or
// group still exists when it writes.
func (s *Store) validateBatch(hs, prepared []*Human) error {
	var defs map[string]CustomFieldDef
	var existingUIDs []bool
	err := s.view(func(tx *bolt.Tx) error {
		defs = make(map[string]CustomFieldDef)
		if err := tx.Bucket(bucketFieldDefs).ForEach(func(k, v []byte) error {
			var d CustomFieldDef
			if err := json.Unmarshal(v, &d); err != nil {
				return fmt.Errorf("store: decoding field %q: %w", k, err)
			}
			defs[d.Key] = d
			return nil
		}); err != nil {
			return err
		}
		existingUIDs = make([]bool, len(hs))
		uids := tx.Bucket(bucketUIDs)
		for i, h := range hs {
			existingUIDs[i] = h.UID != "" && uids.Get([]byte(h.UID)) != nil
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.idx.mu.RLock()
	companies := maps.Clone(s.idx.companies)
	groups := maps.Clone(s.idx.groups)
	s.idx.mu.RUnlock()
	lk := lookups{
		companyExists: func(id int64) bool { _, ok := companies[id]; return ok },
		groupExists:   func(id int64) bool { _, ok := groups[id]; return ok },
		fieldDef:      func(key string) (CustomFieldDef, bool) { d, ok := defs[key]; return d, ok },
	}
	problems := make([]error, len(hs))
	parallel(len(hs), func(i int) {
		prepared[i] = cloneHuman(hs[i])
		normalizeHuman(prepared[i])
		problems[i] = validateHuman(prepared[i], lk)
	})
	return batchErrors(prepared, problems, func(i int) bool { return existingUIDs[i] })
}

// batchErrors gathers the problems of a batch of contacts (problems[i]
// is prepared[i]'s validation error, or nil), each field prefixed with
// the contact's position, with the UIDs used twice in the batch or by a
// contact of the book (uidTaken).
func batchErrors(prepared []*Human, problems []error, uidTaken func(i int) bool) error {
	all := &ValidationError{}
	uids := make(map[string]int, len(prepared))
	for i, h := range prepared {
		if problems[i] != nil {
			for k, msg := range problems[i].(*ValidationError).Fields {
				all.Add(fmt.Sprintf("[%d].%s", i, k), msg)
			}
		}
		if h.UID == "" {
			continue
		}
		if j, dup := uids[h.UID]; dup {
			all.Add(fmt.Sprintf("[%d].uid", i), fmt.Sprintf("UID %q is also used by contact [%d]", h.UID, j))
		} else if uidTaken(i) {
			all.Add(fmt.Sprintf("[%d].uid", i), fmt.Sprintf("a contact with UID %q exists already", h.UID))
		}
		uids[h.UID] = i
	}
	return all.OrNil()
}

// deriveRecords computes the index records of hs on every core: parsing
// phone numbers and folding names is most of the cost of a bulk insert.
func (s *Store) deriveRecords(hs []*Human) []*indexRecord {
	recs := make([]*indexRecord, len(hs))
	parallel(len(hs), func(i int) { recs[i] = newIndexRecord(hs[i], s.opts.DefaultRegion) })
	return recs
}

// parallel calls fn for 0 ≤ i < n on every core, in blocks of 256.
func parallel(n int, fn func(i int)) {
	const block = 256
	workers := max(1, min((n+block-1)/block, runtime.GOMAXPROCS(0)))
	next := make(chan int, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for start := range next {
				for i := start; i < min(start+block, n); i++ {
					fn(i)
				}
			}
		})
	}
	for start := 0; start < n; start += block {
		next <- start
	}
	close(next)
	wg.Wait()
}

func prefixFields(verr *ValidationError, i int) *ValidationError {
	out := &ValidationError{}
	for k, msg := range verr.Fields {
		out.Add(fmt.Sprintf("[%d].%s", i, k), msg)
	}
	return out
}

// liveHuman reads a contact that must be live and, when ifMatch is not
// empty, at that etag.
func (w *writer) liveHuman(id int64, ifMatch string) (*Human, error) {
	h, err := getHumanTx(w.tx, id)
	if err != nil {
		return nil, err
	}
	if h.DeletedAt != nil {
		return nil, fmt.Errorf("contact %d is in the trash: %w", id, ErrNotFound)
	}
	if ifMatch != "" && ifMatch != h.ETag {
		return nil, fmt.Errorf("contact %d: %w", id, ErrConflict)
	}
	return h, nil
}

// UpdateHuman applies a partial update to a live contact. When ifMatch is
// not empty it must equal the contact's etag, else ErrConflict and
// nothing changes.
func (s *Store) UpdateHuman(ctx context.Context, id int64, p HumanPatch, ifMatch string) (*Human, error) {
	var out *Human
	err := s.update(func(w *writer) (err error) {
		out, err = w.updateHuman(id, p, ifMatch)
		return err
	})
	return out, err
}

func (w *writer) updateHuman(id int64, p HumanPatch, ifMatch string) (*Human, error) {
	h, err := w.liveHuman(id, ifMatch)
	if err != nil {
		return nil, err
	}
	applyPatch(h, p)
	normalizeHuman(h)
	if err := validateHuman(h, w.lookups()); err != nil {
		return nil, err
	}
	h.UpdatedAt = w.now
	if err := w.putHuman(h, nil); err != nil {
		return nil, err
	}
	return h, nil
}

func applyPatch(h *Human, p HumanPatch) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&h.FirstName, p.FirstName)
	set(&h.LastName, p.LastName)
	set(&h.DisplayName, p.DisplayName)
	set(&h.Nickname, p.Nickname)
	set(&h.Prefix, p.Prefix)
	set(&h.Suffix, p.Suffix)
	set(&h.Gender, p.Gender)
	set(&h.JobTitle, p.JobTitle)
	set(&h.Department, p.Department)
	set(&h.Notes, p.Notes)
	set(&h.Language, p.Language)
	set(&h.PhotoURL, p.PhotoURL)
	if p.CompanyID != nil {
		h.CompanyID = *p.CompanyID
	}
	if p.Birthday != nil {
		h.Birthday = nil
		if *p.Birthday != nil {
			b := **p.Birthday
			h.Birthday = &b
		}
	}
	if p.Source != nil {
		h.Source = *p.Source
	}
	if p.IsFavorite != nil {
		h.IsFavorite = *p.IsFavorite
	}
	if p.Phones != nil {
		h.Phones = slices.Clone(*p.Phones)
	}
	if p.Emails != nil {
		h.Emails = slices.Clone(*p.Emails)
	}
	if p.Addresses != nil {
		h.Addresses = slices.Clone(*p.Addresses)
	}
	if p.URLs != nil {
		h.URLs = slices.Clone(*p.URLs)
	}
	if p.IMs != nil {
		h.IMs = slices.Clone(*p.IMs)
	}
	if p.GroupIDs != nil {
		h.GroupIDs = slices.Clone(*p.GroupIDs)
	}
	if p.CustomFields != nil {
		h.CustomFields = maps.Clone(*p.CustomFields)
	}
	if p.Consents != nil {
		h.Consents = slices.Clone(*p.Consents)
	}
	if p.Extra != nil {
		h.Extra = maps.Clone(*p.Extra)
	}
}

// ToggleFavorite flips a live contact's favourite flag and returns the new
// value.
func (s *Store) ToggleFavorite(ctx context.Context, id int64) (bool, error) {
	var fav bool
	err := s.update(func(w *writer) error {
		h, err := w.liveHuman(id, "")
		if err != nil {
			return err
		}
		h.IsFavorite = !h.IsFavorite
		h.UpdatedAt = w.now
		fav = h.IsFavorite
		return w.putHuman(h, nil)
	})
	return fav, err
}

// TrashHuman moves a live contact to the trash. It can be restored until
// the trash is purged.
func (s *Store) TrashHuman(ctx context.Context, id int64, ifMatch string) error {
	return s.update(func(w *writer) error { return w.trashHuman(id, ifMatch) })
}

func (w *writer) trashHuman(id int64, ifMatch string) error {
	h, err := w.liveHuman(id, ifMatch)
	if err != nil {
		return err
	}
	now := w.now
	h.DeletedAt = &now
	h.UpdatedAt = now
	return w.putHuman(h, nil)
}

// RestoreHuman brings a contact back from the trash.
func (s *Store) RestoreHuman(ctx context.Context, id int64) (*Human, error) {
	var out *Human
	err := s.update(func(w *writer) (err error) {
		out, err = w.restoreHuman(id)
		return err
	})
	return out, err
}

func (w *writer) restoreHuman(id int64) (*Human, error) {
	h, err := getHumanTx(w.tx, id)
	if err != nil {
		return nil, err
	}
	if h.DeletedAt == nil {
		return nil, fmt.Errorf("contact %d is not in the trash: %w", id, ErrNotFound)
	}
	h.DeletedAt = nil
	h.UpdatedAt = w.now
	// Its company or groups may have been deleted meanwhile.
	lk := w.lookups()
	if h.CompanyID != 0 && !lk.companyExists(h.CompanyID) {
		h.CompanyID = 0
	}
	h.GroupIDs = slices.DeleteFunc(h.GroupIDs, func(g int64) bool { return !lk.groupExists(g) })
	if err := w.putHuman(h, nil); err != nil {
		return nil, err
	}
	return h, nil
}

// DeleteHuman deletes a contact (live or in the trash) for good, with its
// photo when no other contact uses it. The change log keeps a tombstone.
func (s *Store) DeleteHuman(ctx context.Context, id int64) error {
	return s.update(func(w *writer) error { return w.deleteHuman(id) })
}

func (w *writer) deleteHuman(id int64) error {
	h, err := getHumanTx(w.tx, id)
	if err != nil {
		return err
	}
	old := w.currentRecord(id)
	if err := w.keepResourceName(id, h.UID); err != nil {
		return err
	}
	if _, err := w.logChange(KindHuman, id, true); err != nil {
		return err
	}
	key := itob(id)
	for _, b := range [][]byte{bucketHumans, bucketSummaries} {
		if err := w.tx.Bucket(b).Delete(key); err != nil {
			return fmt.Errorf("store: deleting contact %d: %w", id, err)
		}
	}
	if err := w.tx.Bucket(bucketUIDs).Delete([]byte(h.UID)); err != nil {
		return fmt.Errorf("store: deleting contact %d: %w", id, err)
	}
	if err := w.releasePhoto(h.PhotoHash); err != nil {
		return err
	}
	w.recordWritten(old, nil, id)
	return nil
}

// PurgeTrash deletes for good every contact that went to the trash before
// olderThan, and returns how many.
func (s *Store) PurgeTrash(ctx context.Context, olderThan time.Time) (int, error) {
	cutoff := olderThan.UnixNano()
	s.idx.mu.RLock()
	var ids []int64
	for id, r := range s.idx.recs {
		if r.DeletedAt != 0 && r.DeletedAt < cutoff {
			ids = append(ids, id)
		}
	}
	s.idx.mu.RUnlock()
	if len(ids) == 0 {
		return 0, nil
	}
	slices.Sort(ids)
	n := 0
	err := s.update(func(w *writer) error {
		n = 0
		for _, id := range ids {
			h, err := getHumanTx(w.tx, id)
			if err != nil || h.DeletedAt == nil {
				continue // restored or deleted meanwhile
			}
			if err := w.deleteHuman(id); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
