// Package synctest provides Fake, an in-memory remote contacts service
// that behaves like a real one for the sync engine's tests and
// benchmarks: etags checked on update and delete, paged listings,
// cursors that expire, tombstones, and failures injected on demand
// (errors between pages and between pushes, 429 with Retry-After, 500,
// connections dropped after the request was done). It also has the
// optional interfaces (sync.FieldUpdater, sync.Batcher,
// sync.PhotoSyncer) with Google's rules; Plain hides them.
package synctest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	stdsync "sync"
	"time"

	"github.com/humans-contacts/humans/sync"
)

type entry struct {
	r   sync.Remote
	seq int64
}

// logRec is one change in seq order; superseded when its entry's seq
// moved on.
type logRec struct {
	seq int64
	e   *entry
}

// Fault is a failure injected into the Fake.
type Fault struct {
	Op   string // probe, pull, get, create, update, delete
	Skip int    // calls of Op that succeed before this one fails
	Err  error
	// Done: the request is carried out and then its answer is lost (a
	// dropped connection), so the caller sees Err.
	Done bool
}

// Fake is a remote contacts service in memory; safe for concurrent use.
// Every method call counts as one request.
type Fake struct {
	mu       stdsync.Mutex
	byID     map[string]*entry
	log      []logRec // every change, in seq order
	seq      int64
	nextID   int
	expired  int64 // cursors at or below this seq have expired
	faults   []*Fault
	requests map[string]int
	offline  bool
	now      func() time.Time

	// PageSize is the number of contacts per page; 0 means 100.
	PageSize int
	// Feat is what the Fake advertises; Feed false makes every pull a
	// full listing by pages ("p<offset>" cursors).
	Feat sync.Features

	// Limits are the batch limits; zeros mean Google's (200, 200, 500).
	// A batch over its limit is refused whole.
	Limits struct{ Create, Update, Delete int }
	// Validate, when set, is the remote's check of a contact it is sent
	// (create or update, alone or in a batch); its error refuses that
	// contact alone.
	Validate func(c sync.Contact) error
	// Photos: photos are bytes set only through PutPhoto (as Google's
	// updateContactPhoto); creates and updates leave PhotoURL alone.
	Photos bool

	// Unlisted contacts are left out of full listings while Get still
	// finds them: a listing that lags behind a write, or is cut short.
	Unlisted map[string]bool

	photos map[string][]byte // photo URL → bytes
	masks  [][]string        // the fields of every UpdateFields sent
}

// New returns an empty Fake with a change feed that reports deletions.
func New(now func() time.Time) *Fake {
	if now == nil {
		now = time.Now
	}
	return &Fake{byID: make(map[string]*entry), requests: make(map[string]int), now: now,
		Feat: sync.Features{Feed: true, Tombstones: true, ListingComplete: true}}
}

// Inject adds a fault.
func (f *Fake) Inject(ft Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &ft)
}

// ClearFaults removes the faults not fired yet.
func (f *Fake) ClearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// SetOffline makes every request fail as a network error (and the probe).
func (f *Fake) SetOffline(off bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offline = off
}

// ExpireCursors makes every cursor handed out so far expire.
func (f *Fake) ExpireCursors() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expired = f.seq
}

// Requests returns how many requests of op were made ("" for all).
func (f *Fake) Requests(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if op == "" {
		n := 0
		for _, v := range f.requests {
			n += v
		}
		return n
	}
	return f.requests[op]
}

// ResetRequests sets the request counts to zero.
func (f *Fake) ResetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.requests)
}

// begin counts a request and returns the fault that fires on it, if any.
// The caller holds mu.
func (f *Fake) begin(op string) (*Fault, error) {
	f.requests[op]++
	if f.offline {
		return nil, &sync.RetryError{Err: errors.New("connection refused")}
	}
	for i, ft := range f.faults {
		if ft.Op != op {
			continue
		}
		if ft.Skip > 0 {
			ft.Skip--
			continue
		}
		f.faults = slices.Delete(f.faults, i, i+1)
		if ft.Done {
			return ft, nil
		}
		return nil, ft.Err
	}
	return nil, nil
}

func (f *Fake) bump(e *entry) {
	f.seq++
	e.seq = f.seq
	f.log = append(f.log, logRec{seq: f.seq, e: e})
	e.r.ETag = "e" + strconv.FormatInt(f.seq, 10)
	e.r.Updated = f.now().UTC()
}

// Features reports the Fake's features.
func (f *Fake) Features() sync.Features { return f.Feat }

// Probe fails when the Fake is offline.
func (f *Fake) Probe(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, err := f.begin("probe")
	return err
}

// Pull lists changes after cursor: "" starts a full listing of the live
// contacts in change order ("f<seq>" cursors between its pages); after
// it, "s<seq>" cursors follow the change feed, tombstones included.
// Without a feed, cursors are "p<offset>" pages of a listing by id.
func (f *Fake) Pull(ctx context.Context, cursor string) (sync.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("pull")
	if err != nil {
		return sync.Page{}, err
	}
	size := f.PageSize
	if size <= 0 {
		size = 100
	}
	var page sync.Page
	if !f.Feat.Feed {
		off := 0
		if cursor != "" {
			if !strings.HasPrefix(cursor, "p") {
				return sync.Page{}, fmt.Errorf("fake: bad cursor %q", cursor)
			}
			if off, err = strconv.Atoi(cursor[1:]); err != nil {
				return sync.Page{}, fmt.Errorf("fake: bad cursor %q", cursor)
			}
		}
		var live []*entry
		for _, e := range f.byID {
			if !e.r.Deleted && !f.Unlisted[e.r.ID] {
				live = append(live, e)
			}
		}
		sort.Slice(live, func(i, j int) bool { return idLess(live[i].r.ID, live[j].r.ID) })
		end := min(off+size, len(live))
		for _, e := range live[min(off, len(live)):end] {
			page.Items = append(page.Items, clone(e.r))
		}
		if end < len(live) {
			page.Cursor, page.More = "p"+strconv.Itoa(end), true
		} else {
			page.Complete = true
			page.Notes = []string{"full listing: the remote has no change feed"}
		}
		return f.answer(ft, page)
	}
	full, after := cursor == "", int64(0)
	if cursor != "" {
		if len(cursor) < 2 || (cursor[0] != 'f' && cursor[0] != 's') {
			return sync.Page{}, fmt.Errorf("fake: bad cursor %q", cursor)
		}
		full = cursor[0] == 'f'
		if after, err = strconv.ParseInt(cursor[1:], 10, 64); err != nil {
			return sync.Page{}, fmt.Errorf("fake: bad cursor %q", cursor)
		}
		if f.expired > 0 && after <= f.expired {
			return sync.Page{}, sync.ErrCursorExpired
		}
	}
	// The changes after the cursor, from the change log (each contact
	// once, at its latest change), one more than a page to know if more
	// follow.
	from := sort.Search(len(f.log), func(i int) bool { return f.log[i].seq > after })
	var changed []*entry
	for _, rec := range f.log[from:] {
		e := rec.e
		if e.seq != rec.seq || (full && (e.r.Deleted || f.Unlisted[e.r.ID])) || (!f.Feat.Tombstones && e.r.Deleted) {
			continue
		}
		changed = append(changed, e)
		if len(changed) > size {
			break
		}
	}
	last := after
	for i, e := range changed {
		if i == size {
			break
		}
		page.Items = append(page.Items, clone(e.r))
		last = e.seq
	}
	page.More = len(changed) > size
	if full && !page.More {
		page.Complete = true
	}
	prefix := "s"
	if full && page.More {
		prefix = "f"
	}
	if last == 0 {
		last = f.seq
	}
	page.Cursor = prefix + strconv.FormatInt(last, 10)
	return f.answer(ft, page)
}

func (f *Fake) answer(ft *Fault, page sync.Page) (sync.Page, error) {
	if ft != nil {
		return sync.Page{}, ft.Err
	}
	return page, nil
}

func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func clone(r sync.Remote) sync.Remote {
	r.Contact = r.Contact.Clone()
	return r
}

// Get returns one contact.
func (f *Fake) Get(ctx context.Context, id string) (sync.Remote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("get")
	if err != nil {
		return sync.Remote{}, err
	}
	e, ok := f.byID[id]
	if !ok || e.r.Deleted {
		return sync.Remote{}, fmt.Errorf("%s: %w", id, sync.ErrRemoteNotFound)
	}
	if ft != nil {
		return sync.Remote{}, ft.Err
	}
	return clone(e.r), nil
}

// Create adds a contact.
func (f *Fake) Create(ctx context.Context, c sync.Contact) (sync.Remote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("create")
	if err != nil {
		return sync.Remote{}, err
	}
	if err := f.validate(c); err != nil {
		return sync.Remote{}, err
	}
	e := f.create(c)
	if ft != nil {
		return sync.Remote{}, ft.Err
	}
	return clone(e.r), nil
}

// Update replaces a contact's fields if etag matches.
func (f *Fake) Update(ctx context.Context, id, etag string, c sync.Contact) (sync.Remote, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("update")
	if err != nil {
		return sync.Remote{}, err
	}
	e, ok := f.byID[id]
	if !ok || e.r.Deleted {
		return sync.Remote{}, fmt.Errorf("%s: %w", id, sync.ErrRemoteNotFound)
	}
	if etag != e.r.ETag {
		return sync.Remote{}, fmt.Errorf("%s: %w", id, sync.ErrPrecondition)
	}
	if err := f.validate(c); err != nil {
		return sync.Remote{}, err
	}
	uid, photo := e.r.Contact.UID, e.r.Contact.PhotoURL
	e.r.Contact = c.Clone()
	if e.r.Contact.UID == "" {
		e.r.Contact.UID = uid
	}
	if f.Photos {
		e.r.Contact.PhotoURL = photo
	}
	f.bump(e)
	if ft != nil {
		return sync.Remote{}, ft.Err
	}
	return clone(e.r), nil
}

// Delete deletes a contact if etag matches, leaving a tombstone.
func (f *Fake) Delete(ctx context.Context, id, etag string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, err := f.begin("delete")
	if err != nil {
		return err
	}
	e, ok := f.byID[id]
	if !ok || e.r.Deleted {
		return fmt.Errorf("%s: %w", id, sync.ErrRemoteNotFound)
	}
	if etag != e.r.ETag {
		return fmt.Errorf("%s: %w", id, sync.ErrPrecondition)
	}
	e.r.Deleted = true
	e.r.Contact = sync.Contact{}
	f.bump(e)
	if ft != nil {
		return ft.Err
	}
	return nil
}

// Put creates or changes a contact as someone else using the remote
// would; id "" creates one. It returns the contact as stored.
func (f *Fake) Put(id string, c sync.Contact) sync.Remote {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.byID[id]
	if !ok {
		f.nextID++
		e = &entry{r: sync.Remote{ID: "r" + strconv.Itoa(f.nextID)}}
		f.byID[e.r.ID] = e
	}
	photo := e.r.Contact.PhotoURL
	e.r.Contact, e.r.Deleted = c.Clone(), false
	if f.Photos {
		e.r.Contact.PhotoURL = photo
	}
	f.bump(e)
	return clone(e.r)
}

// Remove deletes a contact as someone else would; false if there was none.
func (f *Fake) Remove(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.byID[id]
	if !ok || e.r.Deleted {
		return false
	}
	e.r.Deleted, e.r.Contact = true, sync.Contact{}
	f.bump(e)
	return true
}

// Live returns the live contacts, by id.
func (f *Fake) Live() []sync.Remote {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []sync.Remote
	for _, e := range f.byID {
		if !e.r.Deleted {
			out = append(out, clone(e.r))
		}
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out
}

// Errors to inject.
var (
	// Err500 is an internal server error.
	Err500 = &sync.RetryError{Status: 500, Err: errors.New("internal server error")}
	// ErrDropped is a connection dropped mid-answer.
	ErrDropped = &sync.RetryError{Err: io.ErrUnexpectedEOF}
	// ErrFatal is a failure that is not retried (a crash, as far as the
	// job is concerned).
	ErrFatal = errors.New("fake: injected failure")
)

// Err429 is a rate limit answer asking to wait d.
func Err429(d time.Duration) error {
	return &sync.RetryError{Status: 429, RetryAfter: d, Err: errors.New("too many requests")}
}
