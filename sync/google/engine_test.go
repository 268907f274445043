package google_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/google"
	"github.com/humans-contacts/humans/sync/google/googletest"
)

// book is a Humans book (a real bbolt store) syncing with Google
// accounts (fakes) through the real engine.
type book struct {
	t        testing.TB
	path     string
	st       *store.Store
	eng      *sync.Engine
	accounts map[string]*googletest.Server
	// client, when set, is the HTTP client of an account (a transport
	// that loses answers, an OAuth client).
	client   map[string]*http.Client
	pageSize int64
	hook     func(point string) error
	mu       stdsync.Mutex
	slept    time.Duration
	sleep    func(d time.Duration) // called for every backoff wait
}

func newBook(t testing.TB, accounts map[string]*googletest.Server) *book {
	t.Helper()
	b := &book{t: t, path: filepath.Join(t.TempDir(), "humans.db"), accounts: accounts, client: map[string]*http.Client{}}
	b.open()
	t.Cleanup(func() { b.st.Close() })
	for name := range accounts {
		if err := b.eng.SaveAccount(ctx, store.SyncAccount{Name: name, Kind: "google", Direction: sync.DirectionBoth, Policy: sync.PolicyNewest}); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func (b *book) open() {
	st, err := store.Open(b.path, store.Options{NoSync: true})
	if err != nil {
		b.t.Fatal(err)
	}
	b.st = st
	b.eng = sync.New(st, sync.Options{
		Open: func(acc *store.SyncAccount) (sync.Provider, error) {
			f := b.accounts[acc.Name]
			client := b.client[acc.Name]
			if client == nil {
				client = f.Client()
			}
			p, err := google.New(ctx, google.Config{Endpoint: f.Endpoint(), HTTPClient: client})
			if err == nil && b.pageSize > 0 {
				google.SetPageSize(p, b.pageSize)
			}
			return p, err
		},
		Backoff: sync.Backoff{Attempts: 8, Base: 10 * time.Second, Sleep: func(_ context.Context, d time.Duration) error {
			b.mu.Lock()
			b.slept += d
			b.mu.Unlock()
			if b.sleep != nil {
				b.sleep(d)
			}
			return nil
		}},
		Hook: func(point string) error {
			if b.hook != nil {
				return b.hook(point)
			}
			return nil
		},
	})
}

func (b *book) sync(account string) *store.SyncJob {
	b.t.Helper()
	job, err := b.eng.Run(ctx, account)
	if err != nil {
		b.t.Fatalf("sync %s: %v (job %+v)", account, err, job)
	}
	return job
}

func (b *book) create(h *store.Human) *store.Human {
	b.t.Helper()
	out, err := b.st.CreateHuman(ctx, h)
	if err != nil {
		b.t.Fatal(err)
	}
	return out
}

// live returns the live contacts by first name; it fails on a name
// twice (a duplicate).
func (b *book) live() map[string]*store.Human {
	b.t.Helper()
	ids, err := b.st.QueryIDs(ctx, store.Query{})
	if err != nil {
		b.t.Fatal(err)
	}
	hs, err := b.st.HumansByID(ctx, ids)
	if err != nil {
		b.t.Fatal(err)
	}
	out := map[string]*store.Human{}
	for _, h := range hs {
		if out[h.FirstName] != nil {
			b.t.Fatalf("the book has %q twice", h.FirstName)
		}
		out[h.FirstName] = h
	}
	return out
}

// everyoneIn fails t for each live contact whose Google person is not in
// the label rn.
func everyoneIn(t *testing.T, b *book, f *googletest.Server, rn string) {
	t.Helper()
	for _, h := range b.live() {
		link, _ := b.st.SyncLinkByLocal(ctx, "g", h.ID)
		p, _ := f.Person(link.RemoteID)
		if !slices.ContainsFunc(p.Memberships, func(m *people.Membership) bool {
			return m.ContactGroupMembership != nil && m.ContactGroupMembership.ContactGroupResourceName == rn
		}) {
			t.Errorf("%s is not in label %s: %s", h.FirstName, rn, jsonOf(p.Memberships))
		}
	}
}

func (b *book) names() []string {
	var out []string
	for n := range b.live() {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// googleNames are the given names of an account's live contacts, sorted;
// it fails on a name twice.
func googleNames(t testing.TB, f *googletest.Server) []string {
	t.Helper()
	var out []string
	for _, rn := range f.ResourceNames() {
		p, _ := f.Person(rn)
		n := ""
		if len(p.Names) > 0 {
			n = p.Names[0].GivenName
		}
		if slices.Contains(out, n) {
			t.Fatalf("Google has %q twice", n)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// googlePerson returns the live contact whose given name is given.
func googlePerson(t testing.TB, f *googletest.Server, given string) *people.Person {
	t.Helper()
	for _, rn := range f.ResourceNames() {
		p, _ := f.Person(rn)
		if len(p.Names) > 0 && p.Names[0].GivenName == given {
			return p
		}
	}
	t.Fatalf("Google has no %q", given)
	return nil
}

func person(given, family, email string) *people.Person {
	p := &people.Person{Names: []*people.Name{{GivenName: given, FamilyName: family}},
		Memberships: []*people.Membership{{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/myContacts"}}}}
	if email != "" {
		p.EmailAddresses = []*people.EmailAddress{{Value: email}}
	}
	return p
}

// setup is a book and an account that know four contacts each, two of
// them the same people: Ada (same e-mail) and Bob (same phone); Carol is
// only here, Dan only in Google.
func setup(t *testing.T) (*book, *googletest.Server) {
	f := newFake(t, googletest.Options{})
	ada := person("Ada", "Lovelace", "ada@example.org")
	ada.PhoneNumbers = []*people.PhoneNumber{{Value: "+44 20 7946 0001", Type: "home"}}
	f.Add(ada)
	bob := person("Bob", "Builder", "")
	bob.PhoneNumbers = []*people.PhoneNumber{{Value: "+33 6 12 34 56 78", Type: "mobile"}}
	bob.Organizations = []*people.Organization{{Name: "Fix-it Ltd"}}
	f.Add(bob)
	f.Add(person("Dan", "Google", "dan@example.org"))
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.create(&store.Human{FirstName: "Ada", LastName: "Lovelace", Emails: []store.Email{{Address: "ADA@example.org"}}, JobTitle: "Analyst"})
	b.create(&store.Human{FirstName: "Bob", LastName: "Builder", Phones: []store.Phone{{Number: "06 12 34 56 78", Type: "mobile"}}})
	b.create(&store.Human{FirstName: "Carol", LastName: "Local", Notes: "only here"})
	return b, f
}

// TestEngineFirstSync: a first sync of two non-empty books matches the
// same people (no duplicate on either side), joins what each knows, and
// a second sync with no change sends nothing.
func TestEngineFirstSync(t *testing.T) {
	b, f := setup(t)
	job := b.sync("g")
	want := []string{"Ada", "Bob", "Carol", "Dan"}
	if got := b.names(); !slices.Equal(got, want) {
		t.Fatalf("book: %v, want %v (job %+v)", got, want, job)
	}
	if got := googleNames(t, f); !slices.Equal(got, want) {
		t.Fatalf("Google: %v, want %v", got, want)
	}
	live := b.live()
	if len(live["Ada"].Phones) != 1 || live["Ada"].JobTitle != "Analyst" {
		t.Fatalf("Ada was not joined: %+v", live["Ada"])
	}
	if ada := googlePerson(t, f, "Ada"); len(ada.Organizations) != 1 || ada.Organizations[0].Title != "Analyst" {
		t.Fatalf("Google's Ada lacks the local job title: %s", jsonOf(ada.Organizations))
	}
	if live["Bob"].CompanyID == 0 {
		t.Fatalf("Bob's company from Google was not taken")
	}
	if carol := googlePerson(t, f, "Carol"); len(carol.Biographies) != 1 || len(carol.ClientData) != 1 || carol.ClientData[0].Value != live["Carol"].UID {
		t.Fatalf("Carol in Google: %s", jsonOf(carol))
	}

	if n := f.MaxWritesInFlight(); n != 1 {
		t.Fatalf("%d writes in flight at once, want 1 (Google wants them sequential)", n)
	}
	// Checklist 5: two syncs with no changes make zero mutate calls.
	for range 2 {
		f.ResetCounts()
		b.sync("g")
		if n := f.Mutations(); n != 0 {
			t.Fatalf("a sync with no change made %d mutate calls", n)
		}
		if n := f.Requests(); n != 1 {
			t.Fatalf("a sync with no change made %d requests, want 1 (the incremental list)", n)
		}
	}
}

func TestEngineEditsOnBothSides(t *testing.T) {
	b, f := setup(t)
	b.sync("g")
	ada := b.live()["Ada"]
	// Different fields: both survive.
	if _, err := b.st.UpdateHuman(ctx, ada.ID, store.HumanPatch{Department: ptr("Engines")}, ""); err != nil {
		t.Fatal(err)
	}
	f.Edit(googlePerson(t, f, "Ada").ResourceName, func(p *people.Person) {
		p.Nicknames = []*people.Nickname{{Value: "Enchantress"}}
	})
	b.sync("g")
	ada = b.live()["Ada"]
	g := googlePerson(t, f, "Ada")
	if ada.Nickname != "Enchantress" || ada.Department != "Engines" {
		t.Fatalf("book's Ada: nickname %q department %q", ada.Nickname, ada.Department)
	}
	if len(g.Nicknames) != 1 || g.Organizations[0].Department != "Engines" {
		t.Fatalf("Google's Ada: %s %s", jsonOf(g.Nicknames), jsonOf(g.Organizations))
	}
	// The same field: a conflict is recorded, one side wins everywhere.
	if _, err := b.st.UpdateHuman(ctx, ada.ID, store.HumanPatch{Notes: ptr("local note")}, ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // Google's edit is the newer
	f.Edit(g.ResourceName, func(p *people.Person) { p.Biographies = []*people.Biography{{Value: "google note"}} })
	job := b.sync("g")
	if job.Conflicts != 1 {
		t.Fatalf("job: %+v, want 1 conflict", job)
	}
	cs, err := b.st.SyncConflicts(ctx, "g", 10)
	if err != nil || len(cs) != 1 || cs[0].Field != "notes" || cs[0].Resolution != sync.SideRemote {
		t.Fatalf("conflicts: %+v, %v", cs, err)
	}
	if got := b.live()["Ada"].Notes; got != "google note" {
		t.Fatalf("notes: %q", got)
	}
	f.ResetCounts()
	b.sync("g")
	if f.Mutations() != 0 {
		t.Fatal("the resolved conflict was sent again")
	}
}

func TestEngineDeleteVsEdit(t *testing.T) {
	b, f := setup(t)
	b.sync("g")
	live := b.live()
	// Deleted here, edited in Google: the edit wins, Bob comes back.
	if err := b.st.TrashHuman(ctx, live["Bob"].ID, ""); err != nil {
		t.Fatal(err)
	}
	f.Edit(googlePerson(t, f, "Bob").ResourceName, func(p *people.Person) { p.Biographies = []*people.Biography{{Value: "edited in Google"}} })
	// Deleted in Google, edited here: the edit wins, Carol is made again.
	f.Remove(googlePerson(t, f, "Carol").ResourceName)
	if _, err := b.st.UpdateHuman(ctx, live["Carol"].ID, store.HumanPatch{JobTitle: ptr("edited here")}, ""); err != nil {
		t.Fatal(err)
	}
	b.sync("g")
	live = b.live()
	if live["Bob"] == nil || live["Bob"].Notes != "edited in Google" {
		t.Fatalf("Bob: %+v", live["Bob"])
	}
	if live["Carol"] == nil || live["Carol"].JobTitle != "edited here" {
		t.Fatalf("Carol: %+v", live["Carol"])
	}
	want := []string{"Ada", "Bob", "Carol", "Dan"}
	if got := googleNames(t, f); !slices.Equal(got, want) {
		t.Fatalf("Google: %v", got)
	}
	cs, _ := b.st.SyncConflicts(ctx, "g", 10)
	if n := len(cs); n != 2 {
		t.Fatalf("%d conflicts, want 2 (two deletions): %+v", n, cs)
	}
}

// TestEngineExpiredToken: an expired sync token leads to one full
// listing that creates no duplicate, resurrects nothing, applies the
// deletion whose tombstone was lost, and keeps the local edits.
func TestEngineExpiredToken(t *testing.T) {
	b, f := setup(t)
	b.sync("g")
	live := b.live()
	if err := b.st.TrashHuman(ctx, live["Carol"].ID, ""); err != nil {
		t.Fatal(err)
	}
	b.sync("g") // Carol is deleted in Google too
	f.Remove(googlePerson(t, f, "Dan").ResourceName)
	f.Edit(googlePerson(t, f, "Ada").ResourceName, func(p *people.Person) { p.Nicknames = []*people.Nickname{{Value: "A"}} })
	if _, err := b.st.UpdateHuman(ctx, live["Bob"].ID, store.HumanPatch{Notes: ptr("unsynced local edit")}, ""); err != nil {
		t.Fatal(err)
	}
	f.ExpireSyncTokens()
	f.ResetCounts()
	job := b.sync("g")
	if !slices.ContainsFunc(job.Notes, func(n string) bool { return strings.Contains(n, "listed everything again") }) {
		t.Fatalf("job notes: %v", job.Notes)
	}
	if n := f.Count(googletest.MethodList); n != 2 {
		t.Fatalf("%d list requests, want 2 (the refused one and one full listing)", n)
	}
	want := []string{"Ada", "Bob"}
	if got := b.names(); !slices.Equal(got, want) {
		t.Fatalf("book: %v, want %v", got, want)
	}
	if got := googleNames(t, f); !slices.Equal(got, want) {
		t.Fatalf("Google: %v, want %v", got, want)
	}
	live = b.live()
	if live["Ada"].Nickname != "A" || live["Bob"].Notes != "unsynced local edit" {
		t.Fatalf("Ada %q, Bob %q", live["Ada"].Nickname, live["Bob"].Notes)
	}
	if g := googlePerson(t, f, "Bob"); len(g.Biographies) != 1 || g.Biographies[0].Value != "unsynced local edit" {
		t.Fatalf("Google's Bob: %s", jsonOf(g.Biographies))
	}
}

// TestEngineCrashMidPull: a sync killed in the middle of a page's
// transaction, run again, ends with every contact once.
func TestEngineCrashMidPull(t *testing.T) {
	f := newFake(t, googletest.Options{})
	for i := range 35 {
		f.Add(person("P"+string(rune('a'+i)), "Paged", ""))
	}
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.pageSize = 10
	for _, crashAt := range []int{5, 17} {
		n := 0
		b.hook = func(point string) error {
			if point == "pull-item" {
				n++
				if n == crashAt {
					return errors.New("killed")
				}
			}
			return nil
		}
		if _, err := b.eng.Run(ctx, "g"); err == nil {
			t.Fatalf("crash at item %d: the sync succeeded", crashAt)
		}
	}
	b.hook = nil
	b.st.Close()
	b.open() // as after a restart
	b.sync("g")
	if got := len(b.names()); got != 35 {
		t.Fatalf("book has %d contacts, want 35", got)
	}
	if f.Len() != 35 || f.Mutations() != 0 {
		t.Fatalf("Google has %d contacts after %d mutations", f.Len(), f.Mutations())
	}
}

// loseAnswer is a transport that lets a request reach Google and loses
// its answer, once, for the first request whose path has part.
type loseAnswer struct {
	base http.RoundTripper
	part string
	done bool
}

func (l *loseAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(r)
	if err == nil && !l.done && strings.Contains(r.URL.Path, l.part) {
		l.done = true
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, err
}

// TestEngineCreateAnswerLost: the crash between a create and saving its
// mapping causes no duplicate: the next pull finds the contact by the
// UID it carries in clientData.
func TestEngineCreateAnswerLost(t *testing.T) {
	f := newFake(t, googletest.Options{})
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.sync("g")
	// Two people of the same name: only the UID tells which one Google
	// has.
	z1 := b.create(&store.Human{FirstName: "Zoe", LastName: "Twin", Notes: "one"})
	z2 := b.create(&store.Human{FirstName: "Zoe", LastName: "Twin", Notes: "two"})
	b.client["g"] = &http.Client{Transport: &loseAnswer{base: f.Client().Transport, part: "reateContact"}}
	if _, err := b.eng.Run(ctx, "g"); err == nil {
		t.Fatal("the sync whose create answer was lost succeeded")
	}
	made := f.Made() // one, or two in a batch
	if made == 0 || f.Len() != made {
		t.Fatalf("Google has %d contacts", f.Len())
	}
	delete(b.client, "g")
	b.sync("g")
	b.sync("g")
	if f.Len() != 2 || f.Made() != 2 {
		t.Fatalf("Google has %d contacts, %d ever made, want 2 and 2", f.Len(), f.Made())
	}
	ids, _ := b.st.QueryIDs(ctx, store.Query{})
	if len(ids) != 2 {
		t.Fatalf("the book has %d contacts", len(ids))
	}
	for _, h := range []*store.Human{z1, z2} {
		link, err := b.st.SyncLinkByLocal(ctx, "g", h.ID)
		if err != nil || link == nil {
			t.Fatalf("%s is not mapped: %v", h.Notes, err)
		}
		p, ok := f.Person(link.RemoteID)
		if !ok || len(p.Biographies) != 1 || p.Biographies[0].Value != h.Notes {
			t.Fatalf("%s is mapped to %s", h.Notes, jsonOf(p))
		}
	}
}

// TestEngineTwoAccounts: the same person in two Google accounts is one
// contact here, linked to both, and an edit in one reaches the other.
func TestEngineTwoAccounts(t *testing.T) {
	work, home := newFake(t, googletest.Options{}), newFake(t, googletest.Options{})
	grace := person("Grace", "Hopper", "grace@navy.example")
	work.Add(grace)
	home.Add(grace)
	home.Add(person("Hal", "Home", ""))
	b := newBook(t, map[string]*googletest.Server{"work": work, "home": home})
	b.sync("work")
	b.sync("home")
	b.sync("work")
	if got := b.names(); !slices.Equal(got, []string{"Grace", "Hal"}) {
		t.Fatalf("book: %v", got)
	}
	id := b.live()["Grace"].ID
	for _, acc := range []string{"work", "home"} {
		if l, err := b.st.SyncLinkByLocal(ctx, acc, id); err != nil || l == nil {
			t.Fatalf("Grace not linked to %s: %v", acc, err)
		}
	}
	if got := googleNames(t, work); !slices.Equal(got, []string{"Grace", "Hal"}) {
		t.Fatalf("work account: %v", got)
	}
	work.Edit(googlePerson(t, work, "Grace").ResourceName, func(p *people.Person) {
		p.Organizations = []*people.Organization{{Name: "US Navy", Title: "Rear Admiral"}}
	})
	b.sync("work")
	b.sync("home")
	if g := googlePerson(t, home, "Grace"); len(g.Organizations) != 1 || g.Organizations[0].Title != "Rear Admiral" {
		t.Fatalf("home account's Grace: %s", jsonOf(g.Organizations))
	}
	for _, f := range []*googletest.Server{work, home} {
		f.ResetCounts()
	}
	b.sync("work")
	b.sync("home")
	if work.Mutations()+home.Mutations() != 0 {
		t.Fatal("settled accounts were written to")
	}
}

// TestEngineQuota: bursts of 429 (injected, and the per-minute quota of a
// large first sync) are waited out; the sync completes.
func TestEngineQuota(t *testing.T) {
	var mu stdsync.Mutex
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	f := newFake(t, googletest.Options{QuotaPerMinute: 8, Now: clock})
	for i := range 60 {
		f.Add(person("Q"+string(rune('A'+i%26))+strings.Repeat("q", i/26), "Quota", ""))
	}
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.pageSize = 5
	b.sleep = func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
	}
	for i := range 6 {
		b.create(&store.Human{FirstName: "L" + string(rune('a'+i)), LastName: "Local"})
	}
	f.FailNext(googletest.MethodList, 429, 2)
	f.FailNext(googletest.MethodCreate, 429, 2)
	job := b.sync("g")
	if len(b.names()) != 66 || f.Len() != 66 {
		t.Fatalf("book %d, Google %d, want 66 (job %+v)", len(b.names()), f.Len(), job)
	}
	if b.slept < time.Minute {
		t.Fatalf("waited %v only", b.slept)
	}
	if n := f.MaxWritesInFlight(); n != 1 {
		t.Fatalf("%d writes in flight at once", n)
	}
}

// TestEngineUnknownFieldsSurvive: a local edit pushed to Google keeps
// what Google has and the book does not.
func TestEngineUnknownFieldsSurvive(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := person("Una", "Known", "una@example.org")
	p.Relations = []*people.Relation{{Person: "Ulf", Type: "spouse"}}
	p.Events = []*people.Event{{Date: &people.Date{Year: 2010, Month: 6, Day: 1}, Type: "anniversary"}}
	p.ExternalIds = []*people.ExternalId{{Value: "CRM-1", Type: "account"}}
	rn := f.Add(p)
	before, _ := f.Person(rn)
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.sync("g")
	una := b.live()["Una"]
	if _, err := b.st.UpdateHuman(ctx, una.ID, store.HumanPatch{Notes: ptr("pushed"), Emails: &[]store.Email{{Address: "una@new.example"}}}, ""); err != nil {
		t.Fatal(err)
	}
	b.sync("g")
	after, _ := f.Person(rn)
	if len(after.Biographies) != 1 || after.EmailAddresses[0].Value != "una@new.example" {
		t.Fatalf("the edit was not pushed: %s", jsonOf(after))
	}
	for _, pair := range [][2]any{{before.Relations, after.Relations}, {before.Events, after.Events}, {before.ExternalIds, after.ExternalIds}} {
		if jsonOf(pair[0]) != jsonOf(pair[1]) {
			t.Fatalf("changed: %s → %s", jsonOf(pair[0]), jsonOf(pair[1]))
		}
	}
}

// TestEngineGroups: labels ⇄ groups by name, an existing label reused,
// starred ⇄ favourite, and a settled second sync.
func TestEngineGroups(t *testing.T) {
	f := newFake(t, googletest.Options{})
	club := f.AddGroup("Book club")
	f.AddGroup("family TIES")
	p := person("Gil", "Grouped", "")
	p.Memberships = append(p.Memberships,
		&people.Membership{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: club}},
		&people.Membership{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/starred"}})
	f.Add(p)
	b := newBook(t, map[string]*googletest.Server{"g": f})
	fam, err := b.st.CreateGroup(ctx, &store.Group{Name: "Family Ties"})
	if err != nil {
		t.Fatal(err)
	}
	work, err := b.st.CreateGroup(ctx, &store.Group{Name: "Work"})
	if err != nil {
		t.Fatal(err)
	}
	b.create(&store.Human{FirstName: "Fay", LastName: "Family", GroupIDs: []int64{fam.ID, work.ID}})
	b.sync("g")
	gil := b.live()["Gil"]
	if !gil.IsFavorite || len(gil.GroupIDs) != 1 || b.st.GroupName(gil.GroupIDs[0]) != "Book club" {
		t.Fatalf("Gil: favourite %v groups %v", gil.IsFavorite, gil.GroupIDs)
	}
	labels := f.Groups()
	if len(labels) != 3 || f.Count(googletest.MethodGroupsCreate) != 1 {
		t.Fatalf("labels %v after %d creates, want Book club, family TIES and Work", labels, f.Count(googletest.MethodGroupsCreate))
	}
	f.ResetCounts()
	b.sync("g")
	if f.Mutations() != 0 {
		t.Fatal("a settled sync wrote to Google")
	}
}

func ptr[T any](v T) *T { return &v }

// TestEngineGroupRenamed: a group renamed in the book renames its label
// in Google (one label, its members kept), instead of a new label beside
// an emptied old one; a rename to a label Google has already moves the
// contacts to it.
func TestEngineGroupRenamed(t *testing.T) {
	f := newFake(t, googletest.Options{})
	b := newBook(t, map[string]*googletest.Server{"g": f})
	club, err := b.st.CreateGroup(ctx, &store.Group{Name: "Book club"})
	if err != nil {
		t.Fatal(err)
	}
	b.create(&store.Human{FirstName: "Rita", LastName: "Reader", GroupIDs: []int64{club.ID}})
	b.create(&store.Human{FirstName: "Rob", LastName: "Reader", GroupIDs: []int64{club.ID}})
	b.sync("g")
	labels := f.Groups()
	if len(labels) != 1 {
		t.Fatalf("labels %v", labels)
	}
	var rn string
	for k := range labels {
		rn = k
	}

	club.Name = "Readers"
	if _, err := b.st.UpdateGroup(ctx, club); err != nil {
		t.Fatal(err)
	}
	f.ResetCounts()
	job := b.sync("g")
	if got := f.Groups(); len(got) != 1 || got[rn] != "Readers" {
		t.Fatalf("labels after the rename: %v (job %+v)", got, job)
	}
	if f.Count(googletest.MethodGroupsUpdate) != 1 || f.Count(googletest.MethodGroupsCreate) != 0 {
		t.Errorf("%d label updates and %d creates, want 1 and 0", f.Count(googletest.MethodGroupsUpdate), f.Count(googletest.MethodGroupsCreate))
	}
	everyoneIn(t, b, f, rn)
	f.ResetCounts()
	b.sync("g")
	if f.Mutations() != 0 {
		t.Fatal("a settled sync after the rename wrote to Google")
	}

	// Renamed to a label Google has already: no rename, the contacts
	// move to that label.
	other := f.AddGroup("Neighbours")
	club.Name = "neighbours"
	if _, err := b.st.UpdateGroup(ctx, club); err != nil {
		t.Fatal(err)
	}
	f.ResetCounts()
	b.sync("g")
	if f.Count(googletest.MethodGroupsUpdate) != 0 {
		t.Error("a label renamed onto an existing one")
	}
	everyoneIn(t, b, f, other)
}

// TestEngineMessyGoogleContact: values Google took but the book refuses
// are left out (and said in the job); the rest of the contact is synced,
// and Google keeps them.
func TestEngineMessyGoogleContact(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := person("Messy", "Data", "")
	p.EmailAddresses = []*people.EmailAddress{{Value: "messy at example dot com"}, {Value: "messy@example.org"}}
	p.PhoneNumbers = []*people.PhoneNumber{{Value: "ask reception"}, {Value: "+33 6 98 76 54 32", Metadata: &people.FieldMetadata{SourcePrimary: true}}}
	p.Birthdays = []*people.Birthday{{Date: &people.Date{Month: 2, Day: 30}}}
	p.Urls = []*people.Url{{Value: "my site"}}
	rn := f.Add(p)
	b := newBook(t, map[string]*googletest.Server{"g": f})
	job := b.sync("g")
	m := b.live()["Messy"]
	if m == nil || len(m.Emails) != 1 || len(m.Phones) != 1 || m.Birthday != nil || len(m.URLs) != 0 {
		t.Fatalf("book's Messy: %+v (job %+v)", m, job)
	}
	if !slices.ContainsFunc(job.Notes, func(n string) bool { return strings.Contains(n, `"ask reception"`) }) {
		t.Fatalf("job notes: %v", job.Notes)
	}
	// An edit of another field leaves Google's values as they are.
	if _, err := b.st.UpdateHuman(ctx, m.ID, store.HumanPatch{Notes: ptr("tidy")}, ""); err != nil {
		t.Fatal(err)
	}
	b.sync("g")
	after, _ := f.Person(rn)
	if len(after.EmailAddresses) != 2 || len(after.PhoneNumbers) != 2 || len(after.Urls) != 1 || len(after.Biographies) != 1 {
		t.Fatalf("Google's Messy: %s", jsonOf(after))
	}
	f.ResetCounts()
	b.sync("g")
	if f.Mutations() != 0 {
		t.Fatal("the left-out values make the contact look changed")
	}
}

// TestEngineResumesAfterQuota: a first sync that runs out of quota
// half-way fails with the pages it applied kept; the next run goes on
// from the page it stopped at instead of starting over.
func TestEngineResumesAfterQuota(t *testing.T) {
	var mu stdsync.Mutex
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	f := newFake(t, googletest.Options{QuotaPerMinute: 2, Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}})
	for i := range 30 {
		f.Add(person(fmt.Sprintf("R%02d", i), "Resume", ""))
	}
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.pageSize = 10
	if _, err := b.eng.Run(ctx, "g"); err == nil {
		t.Fatal("a sync over quota for good succeeded")
	}
	if n := len(b.names()); n != 20 {
		t.Fatalf("%d contacts kept from the failed sync, want the 2 pages applied (20)", n)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	f.ResetCounts()
	b.sync("g")
	if n := len(b.names()); n != 30 || f.Count(googletest.MethodList) != 1 {
		t.Fatalf("after the rerun: %d contacts, %d list requests (want 30 and 1: the last page)", n, f.Count(googletest.MethodList))
	}
}
