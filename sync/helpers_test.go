package sync_test

import (
	"context"
	"path/filepath"
	"slices"
	"sort"
	stdsync "sync"
	"testing"
	"time"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/synctest"
)

var ctx = context.Background()

const account = "hub"

// clock is a shared, settable test clock: every reading moves it on a
// millisecond, so "newest" is well defined.
type clock struct {
	mu stdsync.Mutex
	t  time.Time
}

// advance moves the clock on d.
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *clock { return &clock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// env is one local book (a real bbolt file) syncing with a Fake.
type env struct {
	t      testing.TB
	path   string
	st     *store.Store
	eng    *sync.Engine
	fake   *synctest.Fake
	clock  *clock
	name   string
	policy string
	hook   func(point string) error
	sleeps []time.Duration
	// full: the engine sees the Fake's optional interfaces (batches,
	// field updates, photos); else the Fake is a plain provider.
	full bool
}

func newEnv(t testing.TB, fake *synctest.Fake, clk *clock) *env {
	t.Helper()
	if clk == nil {
		clk = newClock()
	}
	if fake == nil {
		fake = synctest.New(clk.Now)
	}
	e := &env{t: t, path: filepath.Join(t.TempDir(), "humans.db"), fake: fake, clock: clk, name: account, policy: sync.PolicyNewest}
	e.open()
	t.Cleanup(func() { e.st.Close() })
	if err := e.eng.SaveAccount(ctx, store.SyncAccount{Name: e.name, Kind: "hub", Direction: sync.DirectionBoth, Policy: e.policy}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) open() {
	st, err := store.Open(e.path, store.Options{Now: e.clock.Now, NoSync: true})
	if err != nil {
		e.t.Fatal(err)
	}
	e.st = st
	e.eng = sync.New(st, sync.Options{
		Open: func(acc *store.SyncAccount) (sync.Provider, error) {
			if e.full {
				return e.fake, nil
			}
			return e.fake.Plain(), nil
		},
		Now: e.clock.Now,
		Hook: func(p string) error {
			if e.hook != nil {
				return e.hook(p)
			}
			return nil
		},
		Backoff: sync.Backoff{Attempts: 4, Sleep: func(_ context.Context, d time.Duration) error {
			e.sleeps = append(e.sleeps, d)
			return nil
		}},
	})
}

// reopen closes the store and opens the same file again, as a restart
// after a crash does.
func (e *env) reopen() {
	e.t.Helper()
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

func (e *env) setPolicy(p string) {
	e.t.Helper()
	e.policy = p
	if err := e.eng.SaveAccount(ctx, store.SyncAccount{Name: e.name, Kind: "hub", Direction: sync.DirectionBoth, Policy: p}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) sync() *store.SyncJob {
	e.t.Helper()
	job, err := e.eng.Run(ctx, e.name)
	if err != nil {
		e.t.Fatalf("sync: %v (job %+v)", err, job)
	}
	return job
}

func (e *env) create(h *store.Human) *store.Human {
	e.t.Helper()
	out, err := e.st.CreateHuman(ctx, h)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) update(id int64, p store.HumanPatch) {
	e.t.Helper()
	if _, err := e.st.UpdateHuman(ctx, id, p, ""); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) get(id int64) *store.Human {
	e.t.Helper()
	h, err := e.st.GetHuman(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// live returns the live local contacts as sync contacts, sorted.
func (e *env) live() []sync.Contact {
	e.t.Helper()
	p := e.all()
	var out []sync.Contact
	for _, h := range p {
		c := sync.FromHuman(h, e.st)
		c.UID = ""
		out = append(out, c)
	}
	return sortContacts(out)
}

// remoteLive returns the live remote contacts, sorted.
func remoteLive(f *synctest.Fake) []sync.Contact {
	var out []sync.Contact
	for _, r := range f.Live() {
		c := r.Contact.Clone()
		c.UID = ""
		out = append(out, c)
	}
	return sortContacts(out)
}

func sortContacts(cs []sync.Contact) []sync.Contact {
	key := func(c sync.Contact) string {
		b, _ := jsonOf(c)
		return string(b)
	}
	sort.Slice(cs, func(i, j int) bool { return key(cs[i]) < key(cs[j]) })
	return cs
}

func ptr[T any](v T) *T { return &v }

// findRemote returns the live remote contact whose first name is name.
func findRemote(t testing.TB, f *synctest.Fake, first string) sync.Remote {
	t.Helper()
	var found []sync.Remote
	for _, r := range f.Live() {
		if r.Contact.FirstName == first {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("remote has %d contacts named %q, want 1", len(found), first)
	}
	return found[0]
}

// findLocal returns the id of the live local contact whose first name is
// first, failing unless there is exactly one.
func (e *env) findLocal(first string) int64 {
	e.t.Helper()
	p := e.all()
	var ids []int64
	for _, h := range p {
		if h.FirstName == first {
			ids = append(ids, h.ID)
		}
	}
	if len(ids) != 1 {
		e.t.Fatalf("local book has %d contacts named %q, want 1", len(ids), first)
	}
	return ids[0]
}

// assertConverged checks that the book and the remote hold the same
// contacts.
func assertConverged(t testing.TB, e *env) {
	t.Helper()
	l, r := e.live(), remoteLive(e.fake)
	if e.full {
		// Photos are bytes there, compared by the photo tests.
		for i := range l {
			l[i].PhotoURL = ""
		}
		for i := range r {
			r[i].PhotoURL = ""
		}
		l, r = sortContacts(l), sortContacts(r)
	}
	if len(l) != len(r) {
		t.Fatalf("local has %d contacts, remote %d\nlocal: %s\nremote: %s", len(l), len(r), dump(l), dump(r))
	}
	for i := range l {
		if !l[i].Equal(r[i]) {
			t.Fatalf("contact %d differs:\nlocal:  %s\nremote: %s", i, dump(l[i:i+1]), dump(r[i:i+1]))
		}
	}
}

func dump(cs []sync.Contact) string {
	b, _ := jsonIndent(cs)
	return string(b)
}

func names(cs []sync.Contact) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.FirstName)
	}
	slices.Sort(out)
	return out
}

// all returns every live local contact.
func (e *env) all() []*store.Human {
	e.t.Helper()
	ids, err := e.st.QueryIDs(ctx, store.Query{})
	if err != nil {
		e.t.Fatal(err)
	}
	hs, err := e.st.HumansByID(ctx, ids)
	if err != nil {
		e.t.Fatal(err)
	}
	return hs
}
