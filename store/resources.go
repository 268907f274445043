package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Resource names: the name under which a CardDAV client knows a contact
// (the last segment of its URL). Clients choose it when they create a
// card (iOS "<UUID>.vcf", DAVx5 "<uid>.vcf", Thunderbird a random one);
// contacts created anywhere else are named after their UID. The mapping
// is kept after a contact is deleted, so that a sync can tell the client
// which of its resources are gone.
var (
	bucketResNames = []byte("resnames") // resource name → contact id
	bucketResIDs   = []byte("resids")   // contact id → resource name (kept after deletion)
)

// ErrUIDConflict is returned by PutResource when the card's UID belongs
// to another resource, or differs from the UID of the contact it
// replaces.
var ErrUIDConflict = errors.New("store: the UID belongs to another contact")

// UIDConflictError says which resource holds the UID.
type UIDConflictError struct {
	UID  string
	Name string // the resource name of the contact that has the UID
}

func (e *UIDConflictError) Error() string {
	return fmt.Sprintf("store: UID %q is the UID of resource %q", e.UID, e.Name)
}

func (e *UIDConflictError) Unwrap() error { return ErrUIDConflict }

// ResourceNameOf derives the name of a contact that no client named: its
// UID plus ".vcf" when the UID is safe in a URL path segment, else
// "humans-<id>.vcf".
func ResourceNameOf(id int64, uid string) string {
	if uid != "" && len(uid) <= 200 && !strings.HasPrefix(uid, ".") && strings.IndexFunc(uid, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == '@')
	}) < 0 {
		return uid + ".vcf"
	}
	return "humans-" + strconv.FormatInt(id, 10) + ".vcf"
}

// ValidResourceName reports whether name can name a resource: a non-empty
// path segment of at most 255 bytes, without "/" or control characters,
// not "." or "..".
func ValidResourceName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 255 {
		return false
	}
	return strings.IndexFunc(name, func(r rune) bool { return r == '/' || r < 0x20 || r == 0x7f }) < 0
}

// resourceNameTx is the name of contact id as tx sees it: the client's
// name when one was recorded, else the derived one (uid is its UID, ""
// when unknown).
func resourceNameTx(tx *bolt.Tx, id int64, uid string) string {
	if v := tx.Bucket(bucketResIDs).Get(itob(id)); v != nil {
		return string(v)
	}
	return ResourceNameOf(id, uid)
}

// resolveTx finds the contact named name; 0 when none (live, trashed or
// purged) has that name.
func resolveTx(tx *bolt.Tx, name string) int64 {
	if v := tx.Bucket(bucketResNames).Get([]byte(name)); len(v) == 8 {
		return btoi(v)
	}
	if !strings.HasSuffix(name, ".vcf") {
		return 0
	}
	var id int64
	if rest, ok := strings.CutPrefix(strings.TrimSuffix(name, ".vcf"), "humans-"); ok {
		id, _ = strconv.ParseInt(rest, 10, 64)
		if id > 0 && tx.Bucket(bucketHumans).Get(itob(id)) == nil {
			id = 0
		}
	}
	if id == 0 {
		if v := tx.Bucket(bucketUIDs).Get([]byte(strings.TrimSuffix(name, ".vcf"))); len(v) == 8 {
			id = btoi(v)
		}
	}
	if id == 0 {
		return 0
	}
	// A derived name only counts while the contact has no other name.
	if v := tx.Bucket(bucketResIDs).Get(itob(id)); v != nil && string(v) != name {
		return 0
	}
	return id
}

// Resource is a contact as a CardDAV collection lists it.
type Resource struct {
	Name     string
	ID       int64
	Revision uint64
}

// ResolveResource returns the live contact named name, or ErrNotFound
// (also for a contact in the trash).
func (s *Store) ResolveResource(ctx context.Context, name string) (*Human, error) {
	var h *Human
	err := s.view(func(tx *bolt.Tx) error {
		id := resolveTx(tx, name)
		if id == 0 {
			return fmt.Errorf("resource %q: %w", name, ErrNotFound)
		}
		var err error
		if h, err = getHumanTx(tx, id); err != nil {
			return err
		}
		if h.DeletedAt != nil {
			return fmt.Errorf("resource %q is in the trash: %w", name, ErrNotFound)
		}
		return nil
	})
	return h, err
}

// ResolveResourceID returns the id of the live contact named name, or
// ErrNotFound, without reading the contact.
func (s *Store) ResolveResourceID(ctx context.Context, name string) (int64, error) {
	var id int64
	if err := s.view(func(tx *bolt.Tx) error { id = resolveTx(tx, name); return nil }); err != nil {
		return 0, err
	}
	if id == 0 {
		return 0, fmt.Errorf("resource %q: %w", name, ErrNotFound)
	}
	if r, ok := s.idx.record(id); !ok || !r.live() {
		return 0, fmt.Errorf("resource %q is in the trash: %w", name, ErrNotFound)
	}
	return id, nil
}

// ResourceNames returns the resource name of each contact of ids, live,
// trashed or deleted for good; ids the store never had are left out.
func (s *Store) ResourceNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	err := s.view(func(tx *bolt.Tx) error {
		humans := tx.Bucket(bucketHumans)
		resIDs := tx.Bucket(bucketResIDs)
		for _, id := range ids {
			if v := resIDs.Get(itob(id)); v != nil {
				out[id] = string(v)
				continue
			}
			if humans.Get(itob(id)) == nil {
				continue
			}
			h, err := getHumanTx(tx, id)
			if err != nil {
				return err
			}
			out[id] = ResourceNameOf(id, h.UID)
		}
		return nil
	})
	return out, err
}

// LiveRevisions lists every live contact's id and revision, in id order,
// from memory (Name is empty): with a cache of names, what a listing
// needs.
func (s *Store) LiveRevisions() []Resource {
	s.idx.mu.RLock()
	out := make([]Resource, 0, len(s.idx.recs))
	for id, r := range s.idx.recs {
		if r.live() {
			out = append(out, Resource{ID: id, Revision: r.Revision})
		}
	}
	s.idx.mu.RUnlock()
	slices.SortFunc(out, func(a, b Resource) int { return cmpInt64(a.ID, b.ID) })
	return out
}

// LiveResources lists every live contact with its resource name and
// revision, in id order: what a CardDAV PROPFIND of the collection shows.
// Names come from memory and the resource buckets; no contact is read.
func (s *Store) LiveResources(ctx context.Context) ([]Resource, error) {
	out := s.LiveRevisions()
	err := s.view(func(tx *bolt.Tx) error {
		resIDs := tx.Bucket(bucketResIDs)
		uids := make(map[int64]string)
		need := false
		for i := range out {
			if v := resIDs.Get(itob(out[i].ID)); v != nil {
				out[i].Name = string(v)
			} else {
				need = true
			}
		}
		if !need {
			return nil
		}
		// Derived names: the UIDs bucket maps UID → id; read it once.
		if err := tx.Bucket(bucketUIDs).ForEach(func(k, v []byte) error {
			uids[btoi(v)] = string(k)
			return nil
		}); err != nil {
			return err
		}
		for i := range out {
			if out[i].Name == "" {
				out[i].Name = ResourceNameOf(out[i].ID, uids[out[i].ID])
			}
		}
		return nil
	})
	return out, err
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// HumanRevision returns the revision of contact id from memory, and
// whether it is live.
func (s *Store) HumanRevision(id int64) (rev uint64, live bool, ok bool) {
	r, ok := s.idx.record(id)
	if !ok {
		return 0, false, false
	}
	return r.Revision, r.live(), true
}

// ResourceWrite is a whole-contact write addressed by resource name: a
// CardDAV PUT. The card replaces every field it carries; what only the
// app knows stays (see PutResource).
type ResourceWrite struct {
	Name string
	// Human holds the card's fields. Its CompanyID and GroupIDs are
	// ignored: Company and Groups name them, and missing ones are
	// created. Its Extra replaces only the keys it has.
	Human   *Human
	Company string
	Groups  []string
	// Photo is the card's inline photo; nil means none (a photo stored
	// before is removed).
	Photo []byte
	// IfMatch, when not empty, must be the store etag of the contact the
	// name points at, else ErrConflict. MustNotExist makes the write fail
	// with ErrConflict when the name points at a live contact.
	IfMatch      string
	MustNotExist bool
}

// PutResource creates or replaces, in one transaction, the contact that
// the resource name w.Name points at, and returns it with whether it was
// created. A replace keeps the contact's id, so that what other surfaces
// attach to it stays, and keeps the fields a card does not own: the
// favourite flag, consents, custom fields, source, creation time and the
// Extra keys of other owners. A name that points at a contact in the
// trash brings it back, replaced. A new name whose UID is that of a
// contact in the trash takes that contact over the same way; the UID of a
// live contact under another name is an *UIDConflictError.
func (s *Store) PutResource(ctx context.Context, rw ResourceWrite) (*Human, bool, error) {
	if !ValidResourceName(rw.Name) {
		return nil, false, &ValidationError{Fields: map[string]string{"name": fmt.Sprintf("%q is not a valid resource name", rw.Name)}}
	}
	var photoHash, photoType string
	if rw.Photo != nil {
		sniffed := http.DetectContentType(rw.Photo)
		switch {
		case len(rw.Photo) > MaxPhotoSize:
			return nil, false, &ValidationError{Fields: map[string]string{"photo": fmt.Sprintf("is larger than %d MB", MaxPhotoSize>>20)}}
		case !strings.HasPrefix(sniffed, "image/") || sniffed == "image/x-icon" || sniffed == "image/bmp":
			return nil, false, &ValidationError{Fields: map[string]string{"photo": "is not a JPEG, PNG, GIF or WebP image"}}
		}
		sum := sha256.Sum256(rw.Photo)
		photoHash, photoType = hex.EncodeToString(sum[:]), sniffed
	}
	in := cloneHuman(rw.Human)
	var out *Human
	var created bool
	err := s.updateBatched(func(w *writer) error {
		out, created = nil, false
		id := resolveTx(w.tx, rw.Name)
		var old *Human
		if id != 0 {
			h, err := getHumanTx(w.tx, id)
			if err != nil {
				return err
			}
			if h.DeletedAt == nil && rw.MustNotExist {
				return fmt.Errorf("resource %q exists: %w", rw.Name, ErrConflict)
			}
			if rw.IfMatch != "" && (h.DeletedAt != nil || h.ETag != rw.IfMatch) {
				return fmt.Errorf("resource %q changed: %w", rw.Name, ErrConflict)
			}
			if in.UID != "" && in.UID != h.UID {
				return &UIDConflictError{UID: h.UID, Name: rw.Name}
			}
			old = h
		} else {
			if rw.IfMatch != "" {
				return fmt.Errorf("resource %q does not exist: %w", rw.Name, ErrConflict)
			}
			if in.UID != "" {
				if v := w.tx.Bucket(bucketUIDs).Get([]byte(in.UID)); len(v) == 8 {
					h, err := getHumanTx(w.tx, btoi(v))
					if err != nil {
						return err
					}
					if h.DeletedAt == nil {
						return &UIDConflictError{UID: in.UID, Name: resourceNameTx(w.tx, h.ID, h.UID)}
					}
					old = h
				}
			}
		}
		companyID, err := w.companyNamed(rw.Company)
		if err != nil {
			return err
		}
		var groupIDs []int64
		for _, g := range rw.Groups {
			gid, err := w.groupNamed(g)
			if err != nil {
				return err
			}
			if gid != 0 && !slices.Contains(groupIDs, gid) {
				groupIDs = append(groupIDs, gid)
			}
		}
		h := cloneHuman(in) // the function may run twice (batch.go)
		h.CompanyID, h.GroupIDs = companyID, groupIDs
		h.PhotoHash, h.PhotoType = "", ""
		if old != nil {
			h.ID, h.UID = old.ID, old.UID
			h.IsFavorite, h.Consents, h.CustomFields, h.Source = old.IsFavorite, old.Consents, old.CustomFields, old.Source
			h.CreatedAt = old.CreatedAt
			extra := make(map[string][]byte, len(old.Extra)+len(in.Extra))
			for k, v := range old.Extra {
				extra[k] = v
			}
			for k, v := range in.Extra {
				extra[k] = v
			}
			if _, ok := in.Extra["vcard"]; !ok {
				delete(extra, "vcard") // the card replaces what the last card left
			}
			h.Extra = extra
		} else if !h.Source.Valid() {
			h.Source = SourceCardDAV
		}
		normalizeHuman(h)
		if err := validateHuman(h, w.lookups()); err != nil {
			return err
		}
		if old == nil {
			if err := w.insertHuman(h, nil); err != nil {
				return err
			}
			created = true
			if photoHash != "" {
				// insertHuman drops photo references; write the photo
				// now, with the contact's second revision.
				if err := w.retainPhoto(photoHash, photoType, rw.Photo); err != nil {
					return err
				}
				h.PhotoHash, h.PhotoType = photoHash, photoType
				if err := w.putHuman(h, nil); err != nil {
					return err
				}
			}
		} else {
			if photoHash != old.PhotoHash {
				if photoHash != "" {
					if err := w.retainPhoto(photoHash, photoType, rw.Photo); err != nil {
						return err
					}
				}
				if err := w.releasePhoto(old.PhotoHash); err != nil {
					return err
				}
			}
			h.PhotoHash, h.PhotoType = photoHash, photoType
			if photoHash == old.PhotoHash {
				h.PhotoType = old.PhotoType
			}
			h.DeletedAt = nil
			h.UpdatedAt = w.now
			if err := w.putHuman(h, nil); err != nil {
				return err
			}
			created = old.DeletedAt != nil
		}
		if err := w.nameResource(h.ID, rw.Name); err != nil {
			return err
		}
		out = h
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return cloneHuman(out), created, nil
}

// nameResource records name as the resource name of contact id, dropping
// the name it had before.
func (w *writer) nameResource(id int64, name string) error {
	names, ids := w.tx.Bucket(bucketResNames), w.tx.Bucket(bucketResIDs)
	if prev := ids.Get(itob(id)); prev != nil {
		if string(prev) == name {
			return nil
		}
		if v := names.Get(prev); len(v) == 8 && btoi(v) == id {
			if err := names.Delete(slices.Clone(prev)); err != nil {
				return fmt.Errorf("store: renaming resource: %w", err)
			}
		}
	}
	if v := names.Get([]byte(name)); len(v) == 8 && btoi(v) != id {
		// The name was a deleted contact's; it now names this one.
		if err := ids.Delete(v); err != nil {
			return fmt.Errorf("store: renaming resource: %w", err)
		}
	}
	if err := names.Put([]byte(name), itob(id)); err != nil {
		return fmt.Errorf("store: naming resource: %w", err)
	}
	if err := ids.Put(itob(id), []byte(name)); err != nil {
		return fmt.Errorf("store: naming resource: %w", err)
	}
	return nil
}

// keepResourceName records the derived name of a contact about to be
// deleted for good, so that a sync can still report it gone.
func (w *writer) keepResourceName(id int64, uid string) error {
	ids := w.tx.Bucket(bucketResIDs)
	if ids.Get(itob(id)) != nil {
		return nil
	}
	if err := ids.Put(itob(id), []byte(ResourceNameOf(id, uid))); err != nil {
		return fmt.Errorf("store: keeping the resource name of contact %d: %w", id, err)
	}
	return nil
}

// companyNamed returns the id of the company called name (ignoring case,
// accents and spacing), creating it when missing; 0 for an empty name.
func (w *writer) companyNamed(name string) (int64, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return 0, nil
	}
	want := foldText(name)
	var found int64
	consider := func(id int64, n string) {
		if foldText(n) == want && (found == 0 || id < found) {
			found = id
		}
	}
	w.s.idx.mu.RLock()
	if ws := words(name); len(ws) > 0 {
		// Only the companies sharing the name's first word.
		for _, id := range w.s.idx.companyTokens[ws[0]] {
			consider(id, w.s.idx.companies[id])
		}
	} else {
		for id, n := range w.s.idx.companies {
			consider(id, n)
		}
	}
	w.s.idx.mu.RUnlock()
	for _, c := range w.companies {
		if !c.deleted && foldText(c.name) == want {
			found = c.id
		}
	}
	if found != 0 {
		return found, nil
	}
	c := &Company{Name: name}
	if err := validateCompany(c, w.lookups().companyExists); err != nil {
		return 0, err
	}
	seq, err := w.tx.Bucket(bucketCompanies).NextSequence()
	if err != nil {
		return 0, fmt.Errorf("store: allocating an id: %w", err)
	}
	c.ID = int64(seq)
	c.CreatedAt, c.UpdatedAt = w.now, w.now
	if err := w.putCompany(c); err != nil {
		return 0, err
	}
	return c.ID, nil
}

// groupNamed returns the id of the group called name, creating it when
// missing; 0 for an empty name.
func (w *writer) groupNamed(name string) (int64, error) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" {
		return 0, nil
	}
	want := foldText(name)
	w.s.idx.mu.RLock()
	var found int64
	for id, n := range w.s.idx.groups {
		if foldText(n) == want {
			found = id
		}
	}
	w.s.idx.mu.RUnlock()
	for _, g := range w.groups {
		if !g.deleted && foldText(g.name) == want {
			found = g.id
		}
	}
	if found != 0 {
		return found, nil
	}
	g := &Group{Name: name}
	if err := validateGroup(g); err != nil {
		return 0, err
	}
	seq, err := w.tx.Bucket(bucketGroups).NextSequence()
	if err != nil {
		return 0, fmt.Errorf("store: allocating an id: %w", err)
	}
	g.ID = int64(seq)
	g.CreatedAt, g.UpdatedAt = w.now, w.now
	if err := w.putGroup(g); err != nil {
		return 0, err
	}
	return g.ID, nil
}

// ChangeAt returns the change-log entry of revision rev (not collapsed
// with later ones, unlike ChangesSince), or ErrNotFound.
func (s *Store) ChangeAt(ctx context.Context, rev uint64) (Change, error) {
	var ch Change
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketChanges).Get(itob(int64(rev)))
		if len(v) != 10 {
			return fmt.Errorf("change-log revision %d: %w", rev, ErrNotFound)
		}
		ch = Change{Revision: rev, Kind: EntityKind(v[0]), ID: btoi(v[1:9]), Deleted: v[9] == 1}
		return nil
	})
	return ch, err
}
