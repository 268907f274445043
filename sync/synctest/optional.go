package synctest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
)

// The Fake's optional interfaces, with the rules of Google's People API:
// updates that replace only the fields named, batch endpoints with
// limits (a batch over its limit is refused whole; contacts of a batch
// fail one by one: etag mismatch, gone, refused), a batch delete without
// etags that fails whole when one contact is gone, and photos as bytes
// set through their own endpoint.

var (
	_ sync.FieldUpdater = (*Fake)(nil)
	_ sync.Batcher      = (*Fake)(nil)
	_ sync.PhotoSyncer  = (*Fake)(nil)
)

// Plain returns the Fake as a provider without the optional interfaces
// (as the Hub is).
func (f *Fake) Plain() sync.Provider { return struct{ sync.Provider }{f} }

func (f *Fake) validate(c sync.Contact) error {
	if f.Validate == nil {
		return nil
	}
	return f.Validate(c)
}

// create stores a new contact; the caller holds mu.
func (f *Fake) create(c sync.Contact) *entry {
	f.nextID++
	e := &entry{r: sync.Remote{ID: "r" + strconv.Itoa(f.nextID), Contact: c.Clone()}}
	if f.Photos {
		e.r.Contact.PhotoURL = ""
	}
	f.bump(e)
	f.byID[e.r.ID] = e
	return e
}

func (f *Fake) limits() (int, int, int) {
	c, u, d := f.Limits.Create, f.Limits.Update, f.Limits.Delete
	if c == 0 {
		c = 200
	}
	if u == 0 {
		u = 200
	}
	if d == 0 {
		d = 500
	}
	return c, u, d
}

// BatchLimits returns the batch limits.
func (f *Fake) BatchLimits() (create, update, delete int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.limits()
}

func overLimit(what string, n, limit int) error {
	return fmt.Errorf("fake: %d contacts in one %s batch, the limit is %d (400 INVALID_ARGUMENT)", n, what, limit)
}

// fields returns c as a map of its JSON fields (UID aside).
func fields(c sync.Contact) map[string]json.RawMessage {
	c.UID = ""
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

// applyFields gives e the fields of c that differ from base, and
// returns their names (the update mask).
func (f *Fake) applyFields(e *entry, c, base sync.Contact) []string {
	cm, bm, cur := fields(c), fields(base), fields(e.r.Contact)
	var mask []string
	keys := make(map[string]bool)
	for k := range cm {
		keys[k] = true
	}
	for k := range bm {
		keys[k] = true
	}
	for k := range keys {
		if k == "photo_url" && f.Photos {
			continue // photos only through PutPhoto
		}
		if string(cm[k]) == string(bm[k]) {
			continue
		}
		mask = append(mask, k)
		if v, ok := cm[k]; ok {
			cur[k] = v
		} else {
			delete(cur, k)
		}
	}
	slices.Sort(mask)
	if len(mask) == 0 {
		return nil
	}
	b, _ := json.Marshal(cur)
	uid := e.r.Contact.UID
	var out sync.Contact
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	out.UID = uid
	e.r.Contact = out
	f.bump(e)
	return mask
}

// Masks returns the fields of every UpdateFields (and batch update item)
// that sent some, in order.
func (f *Fake) Masks() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.masks)
}

// check is the per-contact rule of an update: present, same etag, valid.
func (f *Fake) check(id, etag string, c sync.Contact) (*entry, error) {
	e, ok := f.byID[id]
	if !ok || e.r.Deleted {
		return nil, fmt.Errorf("%s: %w", id, sync.ErrRemoteNotFound)
	}
	if etag != e.r.ETag {
		return nil, fmt.Errorf("%s: %w", id, sync.ErrPrecondition)
	}
	return e, f.validate(c)
}

// UpdateFields replaces the fields where c differs from base, if etag
// matches; nothing changes (and the etag stays) when none differ.
func (f *Fake) UpdateFields(ctx context.Context, id, etag string, c, base sync.Contact) (sync.Remote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("updateFields")
	if err != nil {
		return sync.Remote{}, err
	}
	e, err := f.check(id, etag, c)
	if err != nil {
		return sync.Remote{}, err
	}
	if mask := f.applyFields(e, c, base); mask != nil {
		f.masks = append(f.masks, mask)
	}
	if ft != nil {
		return sync.Remote{}, ft.Err
	}
	return clone(e.r), nil
}

// CreateBatch creates contacts, each checked alone.
func (f *Fake) CreateBatch(ctx context.Context, cs []sync.Contact) ([]sync.BatchResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("createBatch")
	if err != nil {
		return nil, err
	}
	if limit, _, _ := f.limits(); len(cs) > limit {
		return nil, overLimit("create", len(cs), limit)
	}
	out := make([]sync.BatchResult, len(cs))
	for i, c := range cs {
		if err := f.validate(c); err != nil {
			out[i].Err = err
			continue
		}
		out[i].Remote = clone(f.create(c).r)
	}
	if ft != nil {
		return nil, ft.Err
	}
	return out, nil
}

// UpdateBatch updates contacts as UpdateFields does, each checked alone.
func (f *Fake) UpdateBatch(ctx context.Context, items []sync.BatchUpdate) ([]sync.BatchResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("updateBatch")
	if err != nil {
		return nil, err
	}
	if _, limit, _ := f.limits(); len(items) > limit {
		return nil, overLimit("update", len(items), limit)
	}
	out := make([]sync.BatchResult, len(items))
	for i, it := range items {
		e, err := f.check(it.ID, it.ETag, it.Contact)
		if err != nil {
			out[i].Err = err
			continue
		}
		if mask := f.applyFields(e, it.Contact, it.Base); mask != nil {
			f.masks = append(f.masks, mask)
		}
		out[i].Remote = clone(e.r)
	}
	if ft != nil {
		return nil, ft.Err
	}
	return out, nil
}

// DeleteBatch deletes contacts without etags; when one is gone the batch
// fails whole and nothing is deleted.
func (f *Fake) DeleteBatch(ctx context.Context, ids []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("deleteBatch")
	if err != nil {
		return err
	}
	if _, _, limit := f.limits(); len(ids) > limit {
		return overLimit("delete", len(ids), limit)
	}
	for _, id := range ids {
		if e, ok := f.byID[id]; !ok || e.r.Deleted {
			return fmt.Errorf("%s: %w", id, sync.ErrRemoteNotFound)
		}
	}
	for _, id := range ids {
		e := f.byID[id]
		e.r.Deleted, e.r.Contact = true, sync.Contact{}
		f.bump(e)
	}
	if ft != nil {
		return ft.Err
	}
	return nil
}

// FetchPhoto returns the bytes of a photo URL.
func (f *Fake) FetchPhoto(ctx context.Context, url string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("fetchPhoto")
	if err != nil {
		return nil, err
	}
	data, ok := f.photos[url]
	if !ok {
		return nil, fmt.Errorf("fake: no photo at %s (404)", url)
	}
	if ft != nil {
		return nil, ft.Err
	}
	return slices.Clone(data), nil
}

// PutPhoto sets (or with nil removes) the photo of contact id: JPEG or
// PNG only, as updateContactPhoto.
func (f *Fake) PutPhoto(ctx context.Context, id string, data []byte) (sync.Remote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("putPhoto")
	if err != nil {
		return sync.Remote{}, err
	}
	e, ok := f.byID[id]
	if !ok || e.r.Deleted {
		return sync.Remote{}, fmt.Errorf("%s: %w", id, sync.ErrRemoteNotFound)
	}
	if data != nil {
		if t := http.DetectContentType(data); t != "image/jpeg" && t != "image/png" {
			return sync.Remote{}, &store.ValidationError{Fields: map[string]string{"photo": "must be JPEG or PNG (got " + t + ")"}}
		}
	}
	f.setPhoto(e, data)
	if ft != nil {
		return sync.Remote{}, ft.Err
	}
	return clone(e.r), nil
}

func (f *Fake) setPhoto(e *entry, data []byte) {
	if f.photos == nil {
		f.photos = make(map[string][]byte)
	}
	f.bump(e)
	if data == nil {
		e.r.Contact.PhotoURL = ""
		return
	}
	url := "https://photos.fake/" + e.r.ID + "/" + strings.TrimPrefix(e.r.ETag, "e")
	f.photos[url] = slices.Clone(data)
	e.r.Contact.PhotoURL = url
}

// SetPhoto sets (or removes) the photo of contact id as someone else
// using the remote would.
func (f *Fake) SetPhoto(id string, data []byte) (sync.Remote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.byID[id]
	if !ok || e.r.Deleted {
		return sync.Remote{}, errors.New("fake: no contact " + id)
	}
	f.setPhoto(e, data)
	return clone(e.r), nil
}

// PhotoOf returns the photo bytes of contact id, nil when it has none.
func (f *Fake) PhotoOf(id string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.byID[id]
	if !ok || e.r.Contact.PhotoURL == "" {
		return nil
	}
	return slices.Clone(f.photos[e.r.Contact.PhotoURL])
}
