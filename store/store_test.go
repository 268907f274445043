package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

var ctx = context.Background()

// testClock is a settable clock for deterministic timestamps.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *testClock {
	return &testClock{t: time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)}
}

func openTest(t testing.TB, clock *testClock) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "humans.db")
	if clock == nil {
		clock = newClock()
	}
	s, err := Open(path, Options{Now: clock.Now, NoSync: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func mustCreate(t testing.TB, s *Store, h *Human) *Human {
	t.Helper()
	out, err := s.CreateHuman(ctx, h)
	if err != nil {
		t.Fatalf("CreateHuman(%+v): %v", h, err)
	}
	return out
}

func validationFields(t *testing.T, err error) map[string]string {
	t.Helper()
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("want a *ValidationError, got %v", err)
	}
	return verr.Fields
}

func TestOpenTwiceIsLocked(t *testing.T) {
	s, path := openTest(t, nil)
	_ = s
	start := time.Now()
	_, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open: got %v, want ErrLocked", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("second Open hung for %v", time.Since(start))
	}
}

func TestCreateGetAndPersist(t *testing.T) {
	clock := newClock()
	path := filepath.Join(t.TempDir(), "humans.db")
	s, err := Open(path, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	in := &Human{
		FirstName: "  Zoë ", LastName: "Núñez", JobTitle: "Engineer",
		Birthday:     &Birthday{Month: 5, Day: 20},
		Phones:       []Phone{{Number: "+33 6 12 34 56 78", Type: "Mobile", IsPrimary: true}},
		Emails:       []Email{{Address: "zoe@example.org", Type: "work"}},
		CustomFields: map[string]string{"shoe_size": "38"},
		Extra:        map[string][]byte{"vcard": []byte("X-FOO:bar")},
	}
	h := mustCreate(t, s, in)
	if h.ID != 1 || h.UID == "" || h.ETag == "" || h.Revision != 1 || h.CreatedAt.IsZero() {
		t.Fatalf("store-assigned fields missing: %+v", h)
	}
	if in.ID != 0 || in.FirstName != "  Zoë " {
		t.Fatalf("CreateHuman modified its argument: %+v", in)
	}
	if h.FirstName != "Zoë" || h.Phones[0].Type != "mobile" || h.Source != SourceManual {
		t.Fatalf("not normalised: %+v", h)
	}
	if h.Name() != "Zoë Núñez" {
		t.Fatalf("derived name %q", h.Name())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.GetHuman(ctx, h.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ETag != h.ETag || got.UID != h.UID || string(got.Extra["vcard"]) != "X-FOO:bar" || got.Birthday.String() != "--05-20" {
		t.Fatalf("after reopen got %+v", got)
	}
	byUID, err := s.GetHumanByUID(ctx, h.UID)
	if err != nil || byUID.ID != h.ID {
		t.Fatalf("GetHumanByUID: %v %v", byUID, err)
	}
	// The index was reloaded: search and summary work after reopen.
	ids, err := s.SearchIDs(ctx, "nunez", 0)
	if err != nil || !slices.Equal(ids, []int64{h.ID}) {
		t.Fatalf("search after reopen: %v %v", ids, err)
	}
	if sum, ok := s.Summary(h.ID); !ok || sum.DisplayName != "Zoë Núñez" || sum.PrimaryPhone != "+33 6 12 34 56 78" {
		t.Fatalf("summary after reopen: %+v", sum)
	}
	if _, err := s.GetHuman(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing contact: %v", err)
	}
}

func TestValidation(t *testing.T) {
	s, _ := openTest(t, nil)
	g, err := s.CreateGroup(ctx, &Group{Name: "VIP", Color: "#FF5733"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		h     Human
		field string
	}{
		{"empty contact", Human{}, "name"},
		{"bad email", Human{FirstName: "A", Emails: []Email{{Address: "not-an-email"}}}, "emails[0].address"},
		{"email with name", Human{FirstName: "A", Emails: []Email{{Address: "Bob <bob@example.org>"}}}, "emails[0].address"},
		{"duplicate email", Human{FirstName: "A", Emails: []Email{{Address: "a@x.org"}, {Address: "A@x.org"}}}, "emails[1].address"},
		{"two primaries", Human{FirstName: "A", Phones: []Phone{{Number: "0612345678", IsPrimary: true}, {Number: "0712345678", IsPrimary: true}}}, "phone_numbers"},
		{"bad phone", Human{FirstName: "A", Phones: []Phone{{Number: "call me"}}}, "phone_numbers[0].number"},
		{"empty phone", Human{FirstName: "A", Phones: []Phone{{Number: ""}}}, "phone_numbers[0].number"},
		{"bad date", Human{FirstName: "A", Birthday: &Birthday{Year: 2001, Month: 2, Day: 29}}, "birthday"},
		{"bad month", Human{FirstName: "A", Birthday: &Birthday{Month: 13, Day: 1}}, "birthday"},
		{"unknown company", Human{FirstName: "A", CompanyID: 42}, "company_id"},
		{"unknown group", Human{FirstName: "A", GroupIDs: []int64{g.ID, 77}}, "group_ids"},
		{"bad source", Human{FirstName: "A", Source: "fax"}, "source"},
		{"bad gender", Human{FirstName: "A", Gender: "robot"}, "gender"},
		{"bad language", Human{FirstName: "A", Language: "not a tag!"}, "language"},
		{"bad url", Human{FirstName: "A", URLs: []URL{{URL: "http://"}}}, "urls[0].url"},
		{"empty address", Human{FirstName: "A", Addresses: []Address{{Type: "home"}}}, "addresses[0]"},
		{"invalid utf8", Human{FirstName: "A\xff"}, "first_name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.Revision()
			_, err := s.CreateHuman(ctx, &tc.h)
			fields := validationFields(t, err)
			if _, ok := fields[tc.field]; !ok {
				t.Fatalf("want a message for %q, got %v", tc.field, fields)
			}
			if s.Revision() != before {
				t.Fatalf("a failed create moved the revision")
			}
		})
	}
	page, err := s.ListHumans(ctx, Query{})
	if err != nil || page.Total != 0 {
		t.Fatalf("failed creates left contacts: %+v %v", page, err)
	}
	// Several problems are reported at once.
	_, err = s.CreateHuman(ctx, &Human{FirstName: "A", Emails: []Email{{Address: "x"}}, CompanyID: 9})
	if f := validationFields(t, err); len(f) != 2 {
		t.Fatalf("want 2 problems, got %v", f)
	}
	// A leap day without a year is a valid birthday.
	mustCreate(t, s, &Human{FirstName: "Leap", Birthday: &Birthday{Month: 2, Day: 29}})
}

func TestUpdatePatchAndETag(t *testing.T) {
	s, _ := openTest(t, nil)
	c, err := s.CreateCompany(ctx, &Company{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	h := mustCreate(t, s, &Human{FirstName: "Jean", LastName: "Dupont", Notes: "keep me",
		Emails: []Email{{Address: "jean@example.org", IsPrimary: true}}})

	job := "CTO"
	cid := c.ID
	up, err := s.UpdateHuman(ctx, h.ID, HumanPatch{JobTitle: &job, CompanyID: &cid}, h.ETag)
	if err != nil {
		t.Fatal(err)
	}
	if up.JobTitle != "CTO" || up.CompanyID != c.ID || up.Notes != "keep me" || up.FirstName != "Jean" || len(up.Emails) != 1 {
		t.Fatalf("partial update lost or missed fields: %+v", up)
	}
	if up.ETag == h.ETag || up.Revision <= h.Revision || up.CreatedAt != h.CreatedAt || !up.UpdatedAt.After(h.UpdatedAt) {
		t.Fatalf("etag/revision/timestamps not advanced: before %+v after %+v", h, up)
	}
	// A stale etag is a conflict and changes nothing.
	stale := "Paul"
	if _, err := s.UpdateHuman(ctx, h.ID, HumanPatch{FirstName: &stale}, h.ETag); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale etag: got %v, want ErrConflict", err)
	}
	got, _ := s.GetHuman(ctx, h.ID)
	if got.FirstName != "Jean" || got.ETag != up.ETag {
		t.Fatalf("a conflicting update changed the contact: %+v", got)
	}
	// An invalid patch changes nothing either.
	bad := []Email{{Address: "nope"}}
	if _, err := s.UpdateHuman(ctx, h.ID, HumanPatch{FirstName: &stale, Emails: &bad}, ""); err == nil {
		t.Fatal("invalid patch accepted")
	}
	got, _ = s.GetHuman(ctx, h.ID)
	if got.FirstName != "Jean" || got.Emails[0].Address != "jean@example.org" {
		t.Fatalf("an invalid update changed the contact: %+v", got)
	}
	// Clearing: empty list and nil birthday.
	none := []Email{}
	var noBirthday *Birthday
	bday := &noBirthday
	cleared, err := s.UpdateHuman(ctx, h.ID, HumanPatch{Emails: &none, Birthday: bday}, "")
	if err != nil || len(cleared.Emails) != 0 || cleared.Birthday != nil {
		t.Fatalf("clearing: %+v %v", cleared, err)
	}
	// The search index followed the update: the e-mail is gone.
	if ids, _ := s.SearchIDs(ctx, "jean", 0); len(ids) != 1 {
		t.Fatalf("search by name after update: %v", ids)
	}
	if ids, _ := s.SearchIDs(ctx, "example", 0); len(ids) != 0 {
		t.Fatalf("removed e-mail still found: %v", ids)
	}
	if _, err := s.UpdateHuman(ctx, 999, HumanPatch{}, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update of a missing contact: %v", err)
	}
}

// waitSearchIndex waits for the background build of the search postings.
func waitSearchIndex(t testing.TB, s *Store) {
	t.Helper()
	select {
	case <-s.idx.ready():
	case <-time.After(10 * time.Second):
		t.Fatal("search postings not built within 10 s")
	}
}

func TestSearch(t *testing.T) {
	t.Run("postings", func(t *testing.T) { testSearch(t, false) })
	// Right after opening, before the postings are built, searches scan
	// the records and must find the same.
	t.Run("scan", func(t *testing.T) { testSearch(t, true) })
}

func testSearch(t *testing.T, scan bool) {
	s, _ := openTest(t, nil)
	waitSearchIndex(t, s)
	if scan {
		s.idx.mu.Lock()
		s.idx.post = nil
		s.idx.mu.Unlock()
	}
	acme, _ := s.CreateCompany(ctx, &Company{Name: "Acme Rockets"})
	zoe := mustCreate(t, s, &Human{FirstName: "Zoë", LastName: "Núñez", Phones: []Phone{{Number: "+33 6 12 34 56 78"}}})
	zoey := mustCreate(t, s, &Human{FirstName: "Zoey", LastName: "Martin", Emails: []Email{{Address: "zoey.martin@example.org"}}})
	francois := mustCreate(t, s, &Human{FirstName: "François", LastName: "Müller", CompanyID: acme.ID, Nickname: "Fanfan"})
	bob := mustCreate(t, s, &Human{FirstName: "Bob", LastName: "Zoellner", Phones: []Phone{{Number: "+1 415-555-0132"}}})

	for _, tc := range []struct {
		q    string
		want []int64 // in order
	}{
		{"zoe", []int64{zoe.ID, bob.ID, zoey.ID}}, // exact name word first, then prefixes by name
		{"ZOË", []int64{zoe.ID, bob.ID, zoey.ID}},
		{"nunez", []int64{zoe.ID}},
		{"núñez zoe", []int64{zoe.ID}},
		{"0612", []int64{zoe.ID}},
		{"06 12 34", []int64{zoe.ID}},
		{"+33 6 12", []int64{zoe.ID}},
		{"4155550132", []int64{bob.ID}},
		{"mull", []int64{francois.ID}},
		{"fanfan", []int64{francois.ID}},
		{"acme", []int64{francois.ID}},
		{"rock", []int64{francois.ID}},
		{"zoey.martin", []int64{zoey.ID}},
		{"example", []int64{zoey.ID}},
		{"nobody", nil},
	} {
		ids, err := s.SearchIDs(ctx, tc.q, 0)
		if err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("search %q = %v, want %v", tc.q, ids, tc.want)
		}
	}
	if _, err := s.SearchIDs(ctx, "z", 0); validationFields(t, err)["q"] == "" {
		t.Fatal("one-letter search accepted")
	}
	if _, err := s.SearchIDs(ctx, "zo", 101); validationFields(t, err)["limit"] == "" {
		t.Fatal("limit 101 accepted")
	}
	if ids, _ := s.SearchIDs(ctx, "zo", 1); len(ids) != 1 {
		t.Fatalf("limit not applied: %v", ids)
	}
	// Full contacts come back in the same order.
	hs, err := s.Search(ctx, "zoe", 50)
	if err != nil || len(hs) != 3 || hs[0].ID != zoe.ID {
		t.Fatalf("Search: %v %v", hs, err)
	}
	// Renaming the company updates company search.
	acme.Name = "Globex"
	if _, err := s.UpdateCompany(ctx, acme); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.SearchIDs(ctx, "acme", 0); len(ids) != 0 {
		t.Fatalf("old company name still matches: %v", ids)
	}
	if ids, _ := s.SearchIDs(ctx, "globex", 0); !slices.Equal(ids, []int64{francois.ID}) {
		t.Fatalf("new company name: %v", ids)
	}
	// Trashed contacts are not found.
	if err := s.TrashHuman(ctx, zoe.ID, ""); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.SearchIDs(ctx, "nunez", 0); len(ids) != 0 {
		t.Fatalf("trashed contact found: %v", ids)
	}
}

func TestListPagingSortingFilters(t *testing.T) {
	clock := newClock()
	s, _ := openTest(t, clock)
	g, _ := s.CreateGroup(ctx, &Group{Name: "Friends"})
	c, _ := s.CreateCompany(ctx, &Company{Name: "Initech"})
	names := [][2]string{{"Émile", "Zola"}, {"anna", "Berg"}, {"Zoë", "Adams"}, {"Bruno", "émond"}, {"Carl", "Young"}}
	var ids []int64
	for i, n := range names {
		h := &Human{FirstName: n[0], LastName: n[1], IsFavorite: i%2 == 0, Source: Sources[i%len(Sources)]}
		if i < 2 {
			h.GroupIDs = []int64{g.ID}
			h.CompanyID = c.ID
		}
		ids = append(ids, mustCreate(t, s, h).ID)
	}
	list := func(q Query) []string {
		t.Helper()
		p, err := s.ListHumans(ctx, q)
		if err != nil {
			t.Fatalf("ListHumans(%+v): %v", q, err)
		}
		var out []string
		for _, h := range p.Humans {
			out = append(out, h.FirstName)
		}
		return out
	}
	for _, tc := range []struct {
		q    Query
		want []string
	}{
		{Query{}, []string{"Carl", "Bruno", "Zoë", "anna", "Émile"}}, // created_at desc
		{Query{Sort: SortFirstName}, []string{"anna", "Bruno", "Carl", "Émile", "Zoë"}},
		{Query{Sort: SortFirstName, Order: Desc}, []string{"Zoë", "Émile", "Carl", "Bruno", "anna"}},
		{Query{Sort: SortLastName}, []string{"Zoë", "anna", "Bruno", "Carl", "Émile"}},
		{Query{Sort: SortDisplayName, PerPage: 2, Page: 2}, []string{"Carl", "Émile"}},
		{Query{Sort: SortDisplayName, PerPage: 2, Page: 3}, []string{"Zoë"}},
		{Query{Sort: SortDisplayName, PerPage: 2, Page: 4}, nil},
		{Query{Sort: SortFirstName, IsFavorite: ptr(true)}, []string{"Carl", "Émile", "Zoë"}},
		{Query{Sort: SortFirstName, GroupID: g.ID}, []string{"anna", "Émile"}},
		{Query{Sort: SortFirstName, CompanyID: c.ID, IsFavorite: ptr(false)}, []string{"anna"}},
		{Query{Sort: SortFirstName, Source: Sources[1]}, []string{"anna"}},
		{Query{Q: "em"}, []string{"Bruno", "Émile"}}, // relevance: both name prefixes, then by display name
		{Query{Q: "emile"}, []string{"Émile"}},
		{Query{Q: "em", Sort: SortFirstName}, []string{"Bruno", "Émile"}},
	} {
		if got := list(tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("ListHumans(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	// Totals of filtered pages (from counters or by walking) agree with
	// the full selection.
	for _, q := range []Query{{IsFavorite: ptr(true)}, {IsFavorite: ptr(false)}, {GroupID: g.ID}, {CompanyID: c.ID},
		{Source: Sources[1]}, {GroupID: g.ID, IsFavorite: ptr(true)}, {Q: "em"}} {
		q.PerPage = 1
		p, err := s.ListHumans(ctx, q)
		all, err2 := s.QueryIDs(ctx, q)
		if err != nil || err2 != nil || p.Total != len(all) || (len(all) > 0 && p.Humans[0].ID != all[0]) {
			t.Errorf("filter %+v: total %d, first %v; selection %v (%v %v)", q, p.Total, p.Humans, all, err, err2)
		}
	}
	p, err := s.ListHumans(ctx, Query{PerPage: 2})
	if err != nil || p.Total != 5 || p.TotalPages != 3 || p.Page != 1 || p.PerPage != 2 {
		t.Fatalf("pagination: %+v %v", p, err)
	}
	p, _ = s.ListHumans(ctx, Query{})
	if p.PerPage != DefaultPerPage || p.TotalPages != 1 {
		t.Fatalf("defaults: %+v", p)
	}
	for _, bad := range []Query{{PerPage: 101}, {PerPage: -1}, {Page: -2}, {Sort: "age"}, {Order: "up"}, {Source: "x"}, {Sort: SortRelevance}} {
		if _, err := s.ListHumans(ctx, bad); err == nil {
			t.Errorf("ListHumans(%+v) accepted", bad)
		} else {
			validationFields(t, err)
		}
	}
	// updated_at follows edits.
	clock.Advance(time.Hour)
	first := "Anna"
	if _, err := s.UpdateHuman(ctx, ids[1], HumanPatch{FirstName: &first}, ""); err != nil {
		t.Fatal(err)
	}
	if got := list(Query{Sort: SortUpdatedAt, PerPage: 1}); !slices.Equal(got, []string{"Anna"}) {
		t.Fatalf("updated_at desc: %v", got)
	}
	// QueryIDs returns every id in order, ignoring paging.
	all, err := s.QueryIDs(ctx, Query{Sort: SortFirstName, PerPage: 1})
	if err != nil || len(all) != 5 || all[0] != ids[1] {
		t.Fatalf("QueryIDs: %v %v", all, err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestFavoriteGroupsCompanies(t *testing.T) {
	s, _ := openTest(t, nil)
	h1 := mustCreate(t, s, &Human{FirstName: "A"})
	h2 := mustCreate(t, s, &Human{FirstName: "B"})
	fav, err := s.ToggleFavorite(ctx, h1.ID)
	if err != nil || !fav {
		t.Fatalf("toggle: %v %v", fav, err)
	}
	if fav, _ = s.ToggleFavorite(ctx, h1.ID); fav {
		t.Fatal("second toggle did not clear")
	}
	if _, err := s.ToggleFavorite(ctx, 404); !errors.Is(err, ErrNotFound) {
		t.Fatalf("toggle missing: %v", err)
	}

	g, err := s.CreateGroup(ctx, &Group{Name: "Team", Color: "#00AA00"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateGroup(ctx, &Group{Name: "team"}); validationFields(t, err)["name"] == "" {
		t.Fatal("duplicate group name accepted")
	}
	if _, err := s.CreateGroup(ctx, &Group{Name: "X", Color: "red"}); validationFields(t, err)["color"] == "" {
		t.Fatal("bad colour accepted")
	}
	res, err := s.AddGroupMembers(ctx, g.ID, []int64{h1.ID, h2.ID, h2.ID, 999})
	if err != nil || res != (MembershipResult{Changed: 2, Requested: 4, Valid: 2}) {
		t.Fatalf("add members: %+v %v", res, err)
	}
	res, _ = s.AddGroupMembers(ctx, g.ID, []int64{h1.ID})
	if res != (MembershipResult{Changed: 0, Requested: 1, Valid: 1}) {
		t.Fatalf("re-add: %+v", res)
	}
	if got, _ := s.GetGroup(ctx, g.ID); got.MemberCount != 2 {
		t.Fatalf("member count %d", got.MemberCount)
	}
	res, _ = s.RemoveGroupMembers(ctx, g.ID, []int64{h2.ID})
	if res.Changed != 1 {
		t.Fatalf("remove: %+v", res)
	}
	if _, err := s.AddGroupMembers(ctx, 999, []int64{h1.ID}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	groups, _ := s.ListGroups(ctx)
	if len(groups) != 1 || groups[0].MemberCount != 1 {
		t.Fatalf("groups: %+v", groups)
	}
	// Trashed members do not count; deleting the group unlinks members.
	if err := s.TrashHuman(ctx, h1.ID, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetGroup(ctx, g.ID); got.MemberCount != 0 {
		t.Fatalf("trashed member counted: %d", got.MemberCount)
	}
	if err := s.DeleteGroup(ctx, g.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetHuman(ctx, h1.ID); len(got.GroupIDs) != 0 {
		t.Fatalf("deleted group still on contact: %v", got.GroupIDs)
	}

	parent, _ := s.CreateCompany(ctx, &Company{Name: "Holding", VATNumber: "FR123"})
	branch, err := s.CreateCompany(ctx, &Company{Name: "Branch", ParentID: parent.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateCompany(ctx, &Company{Name: "Orphan", ParentID: 999}); validationFields(t, err)["parent_id"] == "" {
		t.Fatal("unknown parent accepted")
	}
	parent.ParentID = branch.ID
	if _, err := s.UpdateCompany(ctx, parent); validationFields(t, err)["parent_id"] == "" {
		t.Fatal("company cycle accepted")
	}
	cid := branch.ID
	if _, err := s.UpdateHuman(ctx, h2.ID, HumanPatch{CompanyID: &cid}, ""); err != nil {
		t.Fatal(err)
	}
	if sum, _ := s.Summary(h2.ID); sum.CompanyName != "Branch" {
		t.Fatalf("summary company name %q", sum.CompanyName)
	}
	if err := s.DeleteCompany(ctx, parent.ID); err != nil {
		t.Fatal(err)
	}
	if b, _ := s.GetCompany(ctx, branch.ID); b.ParentID != 0 {
		t.Fatal("branch kept a deleted parent")
	}
	if err := s.DeleteCompany(ctx, branch.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.GetHuman(ctx, h2.ID); got.CompanyID != 0 {
		t.Fatal("contact kept a deleted company")
	}
	if cs, _ := s.ListCompanies(ctx); len(cs) != 0 {
		t.Fatalf("companies left: %v", cs)
	}
}

func TestTrashRestorePurge(t *testing.T) {
	clock := newClock()
	s, _ := openTest(t, clock)
	h := mustCreate(t, s, &Human{FirstName: "Old"})
	keep := mustCreate(t, s, &Human{FirstName: "Recent"})
	if err := s.TrashHuman(ctx, h.ID, "wrong-etag"); !errors.Is(err, ErrConflict) {
		t.Fatalf("trash with stale etag: %v", err)
	}
	if err := s.TrashHuman(ctx, h.ID, h.ETag); err != nil {
		t.Fatal(err)
	}
	if err := s.TrashHuman(ctx, h.ID, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("trashing twice: %v", err)
	}
	got, _ := s.GetHuman(ctx, h.ID)
	if got.DeletedAt == nil {
		t.Fatal("no deleted_at")
	}
	if p, _ := s.ListHumans(ctx, Query{}); p.Total != 1 {
		t.Fatalf("trashed contact listed: %d", p.Total)
	}
	if p, _ := s.ListHumans(ctx, Query{Trashed: true}); p.Total != 1 || p.Humans[0].ID != h.ID {
		t.Fatalf("trash listing: %+v", p)
	}
	if _, err := s.UpdateHuman(ctx, h.ID, HumanPatch{}, ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("editing a trashed contact: %v", err)
	}
	restored, err := s.RestoreHuman(ctx, h.ID)
	if err != nil || restored.DeletedAt != nil {
		t.Fatalf("restore: %+v %v", restored, err)
	}
	if _, err := s.RestoreHuman(ctx, h.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("restoring a live contact: %v", err)
	}
	if p, _ := s.ListHumans(ctx, Query{}); p.Total != 2 {
		t.Fatalf("restored contact not listed: %d", p.Total)
	}

	// Purge takes only what went to the trash before the cutoff.
	if err := s.TrashHuman(ctx, h.ID, ""); err != nil {
		t.Fatal(err)
	}
	clock.Advance(31 * 24 * time.Hour)
	if err := s.TrashHuman(ctx, keep.ID, ""); err != nil {
		t.Fatal(err)
	}
	n, err := s.PurgeTrash(ctx, clock.Now().Add(-30*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("purge: %d %v", n, err)
	}
	if _, err := s.GetHuman(ctx, h.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("purged contact still there: %v", err)
	}
	if _, err := s.GetHuman(ctx, keep.ID); err != nil {
		t.Fatalf("recently trashed contact purged: %v", err)
	}
	if _, err := s.GetHumanByUID(ctx, h.UID); !errors.Is(err, ErrNotFound) {
		t.Fatal("UID of a purged contact still indexed")
	}
	if err := s.DeleteHuman(ctx, keep.ID); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Stats(ctx); st.Total != 0 || st.Trashed != 0 {
		t.Fatalf("stats after delete: %+v", st)
	}
}

var pngPixel = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

func TestPhotosSharedAndReleased(t *testing.T) {
	s, _ := openTest(t, nil)
	a := mustCreate(t, s, &Human{FirstName: "A"})
	b := mustCreate(t, s, &Human{FirstName: "B"})
	if _, err := s.SetPhoto(ctx, a.ID, []byte("not an image"), ""); validationFields(t, err)["photo"] == "" {
		t.Fatal("non-image accepted")
	}
	a, err := s.SetPhoto(ctx, a.ID, pngPixel, "")
	if err != nil || a.PhotoHash == "" || a.PhotoType != "image/png" {
		t.Fatalf("SetPhoto: %+v %v", a, err)
	}
	b, _ = s.SetPhoto(ctx, b.ID, pngPixel, "")
	if b.PhotoHash != a.PhotoHash {
		t.Fatal("same bytes, different hash")
	}
	if sum, _ := s.Summary(a.ID); !sum.HasPhoto {
		t.Fatal("summary has no photo")
	}
	// A contact created naming a stored photo shares it; naming an unknown
	// one, it has none.
	c := mustCreate(t, s, &Human{FirstName: "C", PhotoHash: a.PhotoHash, PhotoType: "image/png"})
	if c.PhotoHash != a.PhotoHash {
		t.Fatal("stored photo not kept on create")
	}
	if d := mustCreate(t, s, &Human{FirstName: "D", PhotoHash: "feedface"}); d.PhotoHash != "" {
		t.Fatal("unknown photo hash kept")
	}
	if err := s.DeleteHuman(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteHuman(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	data, mt, err := s.Photo(ctx, b.PhotoHash)
	if err != nil || !bytes.Equal(data, pngPixel) || mt != "image/png" {
		t.Fatalf("shared photo lost when one contact was deleted: %v", err)
	}
	if _, err := s.SetPhoto(ctx, b.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Photo(ctx, b.PhotoHash); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unused photo kept: %v", err)
	}
}

func TestChangesSince(t *testing.T) {
	s, _ := openTest(t, nil)
	start := s.Revision()
	a := mustCreate(t, s, &Human{FirstName: "A"})
	b := mustCreate(t, s, &Human{FirstName: "B"})
	mid := s.Revision()
	name := "A2"
	if _, err := s.UpdateHuman(ctx, a.ID, HumanPatch{FirstName: &name}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.TrashHuman(ctx, b.ID, ""); err != nil {
		t.Fatal(err)
	}
	g, _ := s.CreateGroup(ctx, &Group{Name: "G"})

	changes, cur, err := s.ChangesSince(ctx, start)
	if err != nil || cur != s.Revision() {
		t.Fatalf("ChangesSince: %v %v", cur, err)
	}
	want := []Change{
		{Revision: mid + 1, Kind: KindHuman, ID: a.ID},
		{Revision: mid + 2, Kind: KindHuman, ID: b.ID, Deleted: true},
		{Revision: mid + 3, Kind: KindGroup, ID: g.ID},
	}
	if !slices.Equal(changes, want) {
		t.Fatalf("changes = %+v, want %+v", changes, want)
	}
	if changes, _, _ = s.ChangesSince(ctx, cur); len(changes) != 0 {
		t.Fatalf("no change since current: %+v", changes)
	}
	if _, _, err := s.ChangesSince(ctx, cur+10); !errors.Is(err, ErrUnknownRevision) {
		t.Fatalf("future revision: %v", err)
	}
	// A no-op write (custom field definition) does not move the revision.
	before := s.Revision()
	if err := s.PutCustomFieldDef(ctx, CustomFieldDef{Key: "size", Type: FieldSelect, Options: []string{"S", "M"}}); err != nil {
		t.Fatal(err)
	}
	if s.Revision() != before {
		t.Fatal("field definition moved the contact revision")
	}
	if _, err := s.CreateHuman(ctx, &Human{FirstName: "C", CustomFields: map[string]string{"size": "XL"}}); validationFields(t, err)["custom_fields.size"] == "" {
		t.Fatal("select value outside the options accepted")
	}
}

func TestSubscribeCoalesces(t *testing.T) {
	s, _ := openTest(t, nil)
	events, cancel := s.Subscribe()
	defer cancel()
	for i := range 5 {
		mustCreate(t, s, &Human{FirstName: fmt.Sprint("P", i)})
	}
	select {
	case ev := <-events:
		if ev.Revision != s.Revision() {
			t.Fatalf("coalesced event at %d, store at %d", ev.Revision, s.Revision())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	select {
	case ev := <-events:
		t.Fatalf("more than one pending event: %+v", ev)
	default:
	}
	cancel()
	if _, ok := <-events; ok {
		t.Fatal("channel open after cancel")
	}
}

func TestStats(t *testing.T) {
	clock := newClock() // 2026-06-01
	s, _ := openTest(t, clock)
	mustCreate(t, s, &Human{FirstName: "Soon", Birthday: &Birthday{Year: 1990, Month: 6, Day: 10}, IsFavorite: true,
		Phones: []Phone{{Number: "0612345678"}}})
	mustCreate(t, s, &Human{FirstName: "Later", Birthday: &Birthday{Month: 12, Day: 1}, Source: SourceGoogle,
		Emails: []Email{{Address: "l@x.org"}}})
	clock.Advance(-60 * 24 * time.Hour)
	mustCreate(t, s, &Human{FirstName: "Old"})
	clock.Advance(60 * 24 * time.Hour)
	s.CreateGroup(ctx, &Group{Name: "G"})
	s.CreateCompany(ctx, &Company{Name: "C"})
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 3 || st.Favorites != 1 || st.WithPhone != 1 || st.WithEmail != 1 ||
		st.BySource[SourceManual] != 2 || st.BySource[SourceGoogle] != 1 || st.Groups != 1 || st.Companies != 1 ||
		st.AddedLast7Days != 2 || st.AddedLast30Days != 2 {
		t.Fatalf("stats: %+v", st)
	}
	if len(st.UpcomingBirthdays) != 1 || st.UpcomingBirthdays[0].DisplayName != "Soon" || st.UpcomingBirthdays[0].Age != 36 {
		t.Fatalf("upcoming: %+v", st.UpcomingBirthdays)
	}
}

func TestBackupRestore(t *testing.T) {
	s, _ := openTest(t, nil)
	mustCreate(t, s, &Human{FirstName: "Saved", Emails: []Email{{Address: "saved@example.org"}}})
	var backup bytes.Buffer
	if _, err := s.Backup(ctx, &backup); err != nil {
		t.Fatal(err)
	}
	after := mustCreate(t, s, &Human{FirstName: "After"})
	events, cancel := s.Subscribe()
	defer cancel()

	// A file that is not a backup is refused and changes nothing.
	if err := s.Restore(ctx, bytes.NewReader([]byte("garbage"))); err == nil {
		t.Fatal("garbage restored")
	}
	if _, err := s.GetHuman(ctx, after.ID); err != nil {
		t.Fatalf("failed restore lost data: %v", err)
	}
	if err := s.Restore(ctx, bytes.NewReader(backup.Bytes())); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetHuman(ctx, after.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("contact created after the backup survived: %v", err)
	}
	if ids, _ := s.SearchIDs(ctx, "saved", 0); len(ids) != 1 {
		t.Fatalf("index not reloaded: %v", ids)
	}
	select {
	case ev := <-events:
		if !ev.Reset {
			t.Fatalf("restore event without Reset: %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event after restore")
	}
	// The store still takes writes.
	mustCreate(t, s, &Human{FirstName: "Next"})
}

func TestConcurrentReadersAndWriters(t *testing.T) {
	s, _ := openTest(t, nil)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				h, err := s.CreateHuman(ctx, &Human{FirstName: fmt.Sprintf("W%d", w), LastName: fmt.Sprint("N", i)})
				if err != nil {
					t.Error(err)
					return
				}
				if i%3 == 0 {
					if _, err := s.ToggleFavorite(ctx, h.ID); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if _, err := s.ListHumans(ctx, Query{Sort: SortLastName}); err != nil {
					t.Error(err)
				}
				if _, err := s.SearchIDs(ctx, "w1", 10); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	p, _ := s.ListHumans(ctx, Query{})
	if p.Total != 200 {
		t.Fatalf("total %d", p.Total)
	}
	checkIndexConsistent(t, s)
}

// checkIndexConsistent compares the live index with one rebuilt from the
// file: incremental and bulk updates must land in the same state.
func checkIndexConsistent(t *testing.T, s *Store) {
	t.Helper()
	fresh := &Store{idx: newIndex(), opts: s.opts}
	if err := fresh.loadFrom(s.db); err != nil {
		t.Fatal(err)
	}
	waitSearchIndex(t, s)
	waitSearchIndex(t, fresh)
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	for _, key := range SortKeys {
		got, want := ids(s.idx.orders[key]), ids(fresh.idx.orders[key])
		if !slices.Equal(got, want) {
			t.Fatalf("order %s differs from a rebuilt index:\n got %v\nwant %v", key, got, want)
		}
	}
	if !slices.Equal(s.idx.post.list, fresh.idx.post.list) {
		t.Fatalf("token list differs from a rebuilt index (%d vs %d tokens)", len(s.idx.post.list), len(fresh.idx.post.list))
	}
	for tok, want := range fresh.idx.post.name {
		got := slices.Sorted(slices.Values(s.idx.post.name[tok]))
		if !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Fatalf("postings of %q differ", tok)
		}
	}
	if s.idx.favorites != fresh.idx.favorites {
		t.Fatalf("favourite count %d, rebuilt %d", s.idx.favorites, fresh.idx.favorites)
	}
	for src, n := range fresh.idx.sourceCounts {
		if s.idx.sourceCounts[src] != n {
			t.Fatalf("source %s count %d, rebuilt %d", src, s.idx.sourceCounts[src], n)
		}
	}
	for g, n := range fresh.idx.groupCounts {
		if s.idx.groupCounts[g] != n {
			t.Fatalf("group %d count %d, rebuilt %d", g, s.idx.groupCounts[g], n)
		}
	}
	if len(s.idx.post.name) != len(fresh.idx.post.name) || len(s.idx.post.other) != len(fresh.idx.post.other) {
		t.Fatal("posting maps differ in size from a rebuilt index")
	}
}

func ids(recs []*indexRecord) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}

func TestBulkCreate(t *testing.T) {
	s, _ := openTest(t, nil)
	mustCreate(t, s, &Human{FirstName: "Existing", LastName: "Zed"})
	var batch []*Human
	for i := range 5000 {
		batch = append(batch, &Human{FirstName: fmt.Sprintf("Bulk%04d", 4999-i), LastName: "Émond",
			Emails: []Email{{Address: fmt.Sprintf("b%d@example.org", i)}}})
	}
	ids, err := s.CreateHumans(ctx, batch)
	if err != nil || len(ids) != 5000 {
		t.Fatalf("CreateHumans: %d ids, %v", len(ids), err)
	}
	if batch[0].ID != 0 {
		t.Fatal("CreateHumans modified its argument")
	}
	checkIndexConsistent(t, s)
	p, _ := s.ListHumans(ctx, Query{Sort: SortFirstName, PerPage: 1})
	if p.Total != 5001 || p.Humans[0].FirstName != "Bulk0000" {
		t.Fatalf("after bulk: %d, first %q", p.Total, p.Humans[0].FirstName)
	}
	// One invalid contact rejects the whole batch, naming its position.
	bad := []*Human{{FirstName: "ok"}, {FirstName: "bad", Emails: []Email{{Address: "@"}}}}
	_, err = s.CreateHumans(ctx, bad)
	if f := validationFields(t, err); f["[1].emails[0].address"] == "" {
		t.Fatalf("batch error fields: %v", f)
	}
	if p, _ := s.ListHumans(ctx, Query{}); p.Total != 5001 {
		t.Fatalf("invalid batch wrote contacts: %d", p.Total)
	}
	// Bulk trash through the purge path keeps the index consistent too.
	for _, id := range ids[:100] {
		if err := s.TrashHuman(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.PurgeTrash(ctx, time.Now().Add(time.Hour)); err != nil || n != 100 {
		t.Fatalf("purge: %d %v", n, err)
	}
	checkIndexConsistent(t, s)
}

// A transaction of many kinds of changes at once (new contacts, renames
// that move contacts in every order, restores, a contact created and
// renamed in the same transaction) leaves the index as a rebuild would.
func TestBulkMixedTransaction(t *testing.T) {
	s, _ := openTest(t, nil)
	var existing []int64
	for i := range 60 {
		h := mustCreate(t, s, &Human{FirstName: fmt.Sprintf("Old%02d", i), LastName: "Mixte"})
		existing = append(existing, h.ID)
	}
	for _, id := range existing[40:] {
		if err := s.TrashHuman(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	err := s.Write(ctx, func(tx *Tx) error {
		var batch []*Human
		for i := range 40 {
			batch = append(batch, &Human{FirstName: fmt.Sprintf("New%02d", 39-i), LastName: "Aaron"})
		}
		ids, err := tx.CreateHumans(batch)
		if err != nil {
			return err
		}
		for i, id := range append(existing[:20], ids[:10]...) {
			name := fmt.Sprintf("Renamed%02d", 29-i)
			if _, err := tx.UpdateHuman(id, HumanPatch{FirstName: &name}, ""); err != nil {
				return err
			}
		}
		for _, id := range existing[40:50] {
			if _, err := tx.RestoreHuman(id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkIndexConsistent(t, s)
	p, err := s.ListHumans(ctx, Query{Sort: SortFirstName, PerPage: 100})
	if err != nil || p.Total != 90 || p.Humans[0].FirstName != "New00" {
		t.Fatalf("%d live contacts, first %q (%v); want 90, New00", p.Total, p.Humans[0].FirstName, err)
	}
}

func TestParseBirthday(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"1995-05-20", "1995-05-20", false},
		{"19950520", "1995-05-20", false},
		{"--05-20", "--05-20", false},
		{"--0520", "--05-20", false},
		{"--02-29", "--02-29", false},
		{"2001-02-29", "", true},
		{"20-05-1995", "", true},
		{"--13-01", "", true},
		{"tomorrow", "", true},
	} {
		b, err := ParseBirthday(tc.in)
		if tc.wantErr {
			if err == nil {
				t.Errorf("ParseBirthday(%q) accepted", tc.in)
			}
			continue
		}
		if err != nil || b.String() != tc.want {
			t.Errorf("ParseBirthday(%q) = %v, %v; want %s", tc.in, b, err, tc.want)
		}
	}
	if b, err := ParseBirthday("  "); b != nil || err != nil {
		t.Errorf("empty birthday: %v %v", b, err)
	}
}

func TestTopMatchesEqualsFullSort(t *testing.T) {
	var ms []scored
	for i := range 500 {
		r := &indexRecord{ID: int64(i), SortDisplay: fmt.Sprintf("name%03d", (i*37)%101)}
		r.setSortPrefixes()
		ms = append(ms, scored{r: r, score: (i * 13) % 7})
	}
	full := slices.Clone(ms)
	slices.SortFunc(full, byRelevance)
	for _, k := range []int{1, 7, 50, 499, 500, 600} {
		top := topMatches(slices.Clone(ms), k)
		want := full[:min(k, len(full))]
		if len(top) != len(want) {
			t.Fatalf("k=%d: %d results, want %d", k, len(top), len(want))
		}
		for i := range want {
			if top[i].r != want[i].r {
				t.Fatalf("k=%d: position %d is %d, want %d", k, i, top[i].r.ID, want[i].r.ID)
			}
		}
	}
}

func TestPhoneRegionReindexes(t *testing.T) {
	s, path := openTest(t, nil)
	h := mustCreate(t, s, &Human{FirstName: "Local", Phones: []Phone{{Number: "(415) 555-0132"}}})
	// Read as a French number, "(415) 555-0132" has no +1 form.
	if ids, _ := s.SearchIDs(ctx, "14155550132", 0); len(ids) != 0 {
		t.Fatalf("found under FR: %v", ids)
	}
	if err := s.SetDefaultRegion("US"); err != nil {
		t.Fatal(err)
	}
	if ids, _ := s.SearchIDs(ctx, "14155550132", 0); !slices.Equal(ids, []int64{h.ID}) {
		t.Fatalf("not found after switching to US: %v", ids)
	}
	s.Close()
	// Reopening with another region re-indexes too.
	s2, err := Open(path, Options{DefaultRegion: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if ids, _ := s2.SearchIDs(ctx, "14155550132", 0); len(ids) != 0 {
		t.Fatalf("still indexed as US after reopening as FR: %v", ids)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s, path := openTest(t, nil)
	err := s.db.Update(func(tx *bolt.Tx) error { return putUint(tx.Bucket(bucketMeta), keySchema, SchemaVersion+1) })
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "newer Humans") {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestFindMatch(t *testing.T) {
	s, _ := openTest(t, nil)
	jean := mustCreate(t, s, &Human{FirstName: "Jean", LastName: "Dupont", UID: "uid-jean",
		Emails: []Email{{Address: "Jean.Dupont@Example.org"}}, Phones: []Phone{{Number: "06 12 34 56 78"}}})
	zoe := mustCreate(t, s, &Human{FirstName: "Zoë", LastName: "Núñez", Birthday: &Birthday{Year: 1990, Month: 5, Day: 20}})
	gone := mustCreate(t, s, &Human{FirstName: "Gone", UID: "uid-gone", Emails: []Email{{Address: "gone@example.org"}}})
	if err := s.TrashHuman(ctx, gone.ID, ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		h    Human
		want Match
	}{
		{"uid", Human{UID: "uid-jean", FirstName: "Someone else"}, Match{ID: jean.ID, Rule: MatchUID}},
		{"uid in trash", Human{UID: "uid-gone"}, Match{ID: gone.ID, Rule: MatchUID, Trashed: true}},
		{"email ignoring case", Human{Emails: []Email{{Address: "jean.dupont@example.ORG"}}}, Match{ID: jean.ID, Rule: MatchEmail}},
		{"trashed email does not match", Human{Emails: []Email{{Address: "gone@example.org"}}}, Match{}},
		{"phone in another format", Human{Phones: []Phone{{Number: "+33 6 12 34 56 78"}}}, Match{ID: jean.ID, Rule: MatchPhone}},
		{"name and birthday", Human{FirstName: "zoe", LastName: "NUNEZ", Birthday: &Birthday{Year: 1990, Month: 5, Day: 20}}, Match{ID: zoe.ID, Rule: MatchName}},
		{"name with another birthday", Human{FirstName: "Zoë", LastName: "Núñez", Birthday: &Birthday{Year: 1991, Month: 5, Day: 20}}, Match{}},
		{"nothing", Human{FirstName: "New", Emails: []Email{{Address: "new@example.org"}}}, Match{}},
		{"shared e-mail, another person", Human{FirstName: "Marie", LastName: "Curie", Emails: []Email{{Address: "jean.dupont@example.org"}}}, Match{}},
		{"shared phone, another person", Human{FirstName: "Marie", LastName: "Curie", Phones: []Phone{{Number: "0612345678"}}}, Match{}},
		{"e-mail, initial of the same person", Human{FirstName: "J.", LastName: "Dupont", Emails: []Email{{Address: "jean.dupont@example.org"}}}, Match{ID: jean.ID, Rule: MatchEmail}},
		{"name without birthday", Human{FirstName: "Jean", LastName: "Dupont"}, Match{}},
	} {
		got, err := s.FindMatch(ctx, &tc.h)
		if err != nil || got != tc.want {
			t.Errorf("%s: FindMatch = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
	// The match index follows later writes.
	other := []Email{{Address: "jd@example.org"}}
	if _, err := s.UpdateHuman(ctx, jean.ID, HumanPatch{Emails: &other}, ""); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.FindMatch(ctx, &Human{Emails: []Email{{Address: "jean.dupont@example.org"}}}); m.Rule != MatchNone {
		t.Fatalf("old e-mail still matches: %+v", m)
	}
	if m, _ := s.FindMatch(ctx, &Human{Emails: []Email{{Address: "JD@example.org"}}}); m.ID != jean.ID {
		t.Fatalf("new e-mail does not match: %+v", m)
	}
}

// sortedIDs sorts the live records of s by key from scratch.
func sortedIDs(s *Store, key SortKey) []int64 {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	var live []*indexRecord
	for _, r := range s.idx.recs {
		if r.live() {
			live = append(live, r)
		}
	}
	slices.SortFunc(live, compareBy(key))
	return ids(live)
}

func TestSavedOrdersReusedOnlyWhenCurrent(t *testing.T) {
	clock := newClock()
	path := filepath.Join(t.TempDir(), "humans.db")
	s, err := Open(path, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var batch []*Human
	for i := range 300 {
		batch = append(batch, &Human{FirstName: fmt.Sprintf("F%03d", (i*7)%300), LastName: fmt.Sprintf("L%03d", (i*13)%300)})
	}
	if _, err := s.CreateHumans(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := s.TrashHuman(ctx, 5, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check := func(s *Store, wantSaved bool) {
		t.Helper()
		var usedSaved bool
		s.idx.mu.RLock()
		live := len(s.idx.orders[SortCreatedAt])
		s.idx.mu.RUnlock()
		s.view(func(tx *bolt.Tx) error {
			s.idx.mu.RLock()
			byID := make([]*indexRecord, s.idx.maxID+1)
			for id, r := range s.idx.recs {
				byID[id] = r
			}
			usedSaved = loadOrders(tx, s.Revision(), byID, live) != nil
			s.idx.mu.RUnlock()
			return nil
		})
		if usedSaved != wantSaved {
			t.Fatalf("saved orders usable: %v, want %v", usedSaved, wantSaved)
		}
		for _, key := range SortKeys {
			s.idx.mu.RLock()
			got := ids(s.idx.orders[key])
			s.idx.mu.RUnlock()
			if want := sortedIDs(s, key); !slices.Equal(got, want) {
				t.Fatalf("order %s after reopen differs from a fresh sort", key)
			}
		}
	}
	s, err = Open(path, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	check(s, true)
	// A write the saved orders do not know of makes them stale: a crash
	// now (no Close) must not reuse them.
	name := "AAA first now"
	if _, err := s.UpdateHuman(ctx, 200, HumanPatch{FirstName: &name}, ""); err != nil {
		t.Fatal(err)
	}
	check(s, false)
	s.dbMu.Lock()
	s.db.Close() // a crash: no saveOrders
	s.dbMu.Unlock()
	s2, err := Open(path, Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	check(s2, false)
	if p, _ := s2.ListHumans(ctx, Query{Sort: SortFirstName, PerPage: 1}); p.Humans[0].ID != 200 {
		t.Fatalf("first by first name after a crash: %d", p.Humans[0].ID)
	}
}

func TestChangesWhilePostingsBuildAreReplayed(t *testing.T) {
	s, _ := openTest(t, nil)
	var batch []*Human
	for i := range 500 {
		batch = append(batch, &Human{FirstName: fmt.Sprintf("Anna%d", i), LastName: "Berg",
			Emails: []Email{{Address: fmt.Sprintf("a%d@old.example", i)}}})
	}
	ids, err := s.CreateHumans(ctx, batch)
	if err != nil {
		t.Fatal(err)
	}
	// Reload with the build held back until the writes below are done.
	release := make(chan struct{})
	s.idx.mu.Lock()
	s.idx.beforeInstall = func() { <-release }
	s.idx.startPostings()
	s.idx.mu.Unlock()

	renamed := "Zed"
	for _, id := range ids[:40] {
		if _, err := s.UpdateHuman(ctx, id, HumanPatch{LastName: &renamed}, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids[40:50] {
		if err := s.TrashHuman(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate(t, s, &Human{FirstName: "Newcomer", Emails: []Email{{Address: "n@new.example"}}})
	// Searches work meanwhile, by scanning.
	if got, _ := s.SearchIDs(ctx, "zed", 100); len(got) != 40 {
		t.Fatalf("search while building: %d results", len(got))
	}
	close(release)
	waitSearchIndex(t, s)
	checkIndexConsistent(t, s)
	if got, _ := s.SearchIDs(ctx, "newcomer", 10); len(got) != 1 {
		t.Fatalf("contact created while building not found: %v", got)
	}
}

// TestPersonSigIsSamePerson: two names have equal signatures exactly when
// SamePerson says they can be the same person (a name missing matches
// anyone).
func TestPersonSigIsSamePerson(t *testing.T) {
	names := []string{"", "jean dupont", "j dupont", "jacques dupont", "marie dupont", "jean durand",
		"jean", "dupont", "jean pierre dupont", "j p dupont", "zoe nunez", "z nunez", "nunez zoe",
		"lukasz kowalski", "ł kowalski", "łukasz kowalski", "jean  dupont", "a b", "a  b c", "b"}
	for _, a := range names {
		for _, b := range names {
			bySig := a == "" || b == "" || personSig(a) == personSig(b)
			if want := SamePerson(a, b); bySig != want {
				t.Errorf("%q, %q: signatures say %v, SamePerson %v", a, b, bySig, want)
			}
		}
	}
}

// SamePerson is the rule of its doc comment over words as strings.Fields
// splits them, and compares without allocating.
func TestSamePersonByWords(t *testing.T) {
	byFields := func(a, b string) bool {
		if a == "" || b == "" || a == b {
			return true
		}
		wa, wb := strings.Fields(a), strings.Fields(b)
		return len(wa) >= 2 && len(wb) >= 2 && wa[len(wa)-1] == wb[len(wb)-1] && wa[0][0] == wb[0][0]
	}
	names := []string{"", " ", "jean dupont", "j dupont", "jean\tdupont", " jean dupont ", "jean\u00a0dupont",
		"jean pierre dupont", "marie dupont", "dupont", "łukasz kowalski", "ł kowalski", "a b", "b a"}
	for _, a := range names {
		for _, b := range names {
			if got, want := SamePerson(a, b), byFields(a, b); got != want {
				t.Errorf("SamePerson(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { SamePerson("jean pierre dupont", "j dupont") }); n != 0 {
		t.Errorf("SamePerson allocates %v times", n)
	}
}

// TestFindMatchOnASharedNumber: 120 contacts share an office line and an
// info@ address, more than longPostings, so lookups go by signature; every
// probe must find what comparing each candidate's name finds, also after
// contacts are renamed, lose the number or are deleted.
func TestFindMatchOnASharedNumber(t *testing.T) {
	s, _ := openTest(t, nil)
	office := []Phone{{Number: "+33 1 23 45 67 89", Type: "work"}}
	info := []Email{{Address: "info@acme.example"}}
	first := []string{"Jean", "Jacques", "Marie", "Zoë", "Ana", ""}
	last := []string{"Dupont", "Durand", "Núñez", "Martin", ""}
	var ids []int64
	for i := range 120 {
		h := &Human{FirstName: first[i%len(first)], LastName: last[(i/len(first))%len(last)], Phones: office}
		if h.FirstName == "" && h.LastName == "" {
			h.Nickname = "no name " + fmt.Sprint(i) // a contact needs something to call it by
		}
		if i%3 == 0 {
			h.Emails = info
		}
		ids = append(ids, mustCreate(t, s, h).ID)
	}
	probes := []*Human{
		{FirstName: "Jean", LastName: "Dupont"}, {FirstName: "J.", LastName: "Dupont"}, {FirstName: "Jules", LastName: "Dupont"},
		{FirstName: "Marie", LastName: "Núñez"}, {FirstName: "Zoe", LastName: "Nunez"}, {FirstName: "Paul", LastName: "Nobody"},
		{FirstName: "Ana"}, {LastName: "Martin"}, {Nickname: "just a nickname"}, {},
	}
	// want compares the name of every contact with the number or address.
	want := func(p *Human) Match {
		k := s.MatchKeysOf(p)
		page, err := s.ListHumans(ctx, Query{PerPage: 100, Page: 1})
		if err != nil {
			t.Fatal(err)
		}
		all := page.Humans
		for n := 2; n <= page.TotalPages; n++ {
			more, _ := s.ListHumans(ctx, Query{PerPage: 100, Page: n})
			all = append(all, more.Humans...)
		}
		for _, rule := range []MatchRule{MatchEmail, MatchPhone} {
			var best int64
			for _, h := range all {
				shares := rule == MatchPhone && len(h.Phones) > 0 && len(p.Phones) > 0 ||
					rule == MatchEmail && len(h.Emails) > 0 && len(p.Emails) > 0
				if shares && SamePerson(personName(h), k.PersonName) && (best == 0 || h.ID < best) {
					best = h.ID
				}
			}
			if best != 0 {
				return Match{ID: best, Rule: rule}
			}
		}
		return Match{}
	}
	check := func(when string) {
		t.Helper()
		for _, p := range probes {
			for _, withEmail := range []bool{false, true} {
				q := *p
				q.Phones = office
				if withEmail {
					q.Emails = info
				}
				got, err := s.FindMatch(ctx, &q)
				if w := want(&q); err != nil || got != w {
					t.Errorf("%s: %q %q (e-mail %v): FindMatch = %+v, %v; want %+v", when, q.FirstName, q.LastName, withEmail, got, err, w)
				}
			}
		}
	}
	check("created")
	renamed := "Dupont"
	for _, id := range ids[:40:40] {
		if _, err := s.UpdateHuman(ctx, id, HumanPatch{LastName: &renamed}, ""); err != nil {
			t.Fatal(err)
		}
	}
	none := []Phone{}
	for _, id := range ids[40:50] {
		if _, err := s.UpdateHuman(ctx, id, HumanPatch{Phones: &none}, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids[50:70] {
		if err := s.TrashHuman(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	check("renamed, number removed, deleted")
}

// TestTxWritesAContactTwice: a contact created, given a photo and renamed
// in one transaction reaches the index once, as it ends: searchable by
// its final name only, listed with its photo, counted once.
func TestTxWritesAContactTwice(t *testing.T) {
	s, _ := openTest(t, nil)
	var id int64
	err := s.Write(ctx, func(tx *Tx) error {
		ids, err := tx.CreateHumans([]*Human{{FirstName: "Alpha", LastName: "Zeppelin"}})
		if err != nil {
			return err
		}
		id = ids[0]
		if _, err := tx.SetPhoto(id, pngPixel); err != nil {
			return err
		}
		beta := "Bravo"
		_, err = tx.UpdateHuman(id, HumanPatch{FirstName: &beta}, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Search(ctx, "alpha", 10); len(got) != 0 {
		t.Fatalf("the name it had inside the transaction is searchable: %+v", got)
	}
	got, err := s.Search(ctx, "bravo", 10)
	if err != nil || len(got) != 1 || got[0].ID != id || got[0].PhotoHash == "" {
		t.Fatalf("search bravo: %+v %v", got, err)
	}
	page, err := s.ListHumans(ctx, Query{PerPage: 10})
	if err != nil || page.Total != 1 || len(page.Humans) != 1 {
		t.Fatalf("list: %+v %v", page, err)
	}
	if m, _ := s.FindMatch(ctx, &Human{FirstName: "Bravo", LastName: "Zeppelin"}); m.Rule != MatchNone {
		t.Fatalf("a name without birthday matched: %+v", m)
	}
	if sum, ok := s.idx.summary(id); !ok || !sum.HasPhoto || sum.DisplayName != "Bravo Zeppelin" {
		t.Fatalf("summary %+v %v", sum, ok)
	}
}

// TestPreparePhoto: a photo prepared in a transaction is stored with the
// contacts created with its hash (once, counted for each), and not at
// all when none is; what is not an image is refused.
func TestPreparePhoto(t *testing.T) {
	s, _ := openTest(t, nil)
	var a, b int64
	var hash string
	err := s.Write(ctx, func(tx *Tx) error {
		var mediaType string
		var err error
		if hash, mediaType, err = tx.PreparePhoto(pngPixel); err != nil || mediaType != "image/png" {
			return fmt.Errorf("prepare: %q %v", mediaType, err)
		}
		if _, _, err := tx.PreparePhoto([]byte("not an image")); err == nil {
			return errors.New("a text was taken for a photo")
		}
		unused, _, err := tx.PreparePhoto(append(slices.Clone(pngPixel), 0))
		if err != nil || unused == hash {
			return fmt.Errorf("second photo: %v", err)
		}
		ids, err := tx.CreateHumans([]*Human{
			{FirstName: "A", PhotoHash: hash, PhotoType: "image/png"},
			{FirstName: "B", PhotoHash: hash, PhotoType: "image/jpeg"},
		})
		if err != nil {
			return err
		}
		a, b = ids[0], ids[1]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{a, b} {
		h, err := s.GetHuman(ctx, id)
		if err != nil || h.PhotoHash != hash || h.PhotoType != "image/png" {
			t.Fatalf("contact %d: %+v %v", id, h, err)
		}
	}
	if data, mt, err := s.Photo(ctx, hash); err != nil || !bytes.Equal(data, pngPixel) || mt != "image/png" {
		t.Fatalf("photo: %d bytes, %q, %v", len(data), mt, err)
	}
	sum := sha256.Sum256(append(slices.Clone(pngPixel), 0))
	if _, _, err := s.Photo(ctx, hex.EncodeToString(sum[:])); err == nil {
		t.Fatal("a photo no contact took was stored")
	}
	// Counted once for each contact: deleting one keeps it.
	if err := s.DeleteHuman(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Photo(ctx, hash); err != nil {
		t.Fatalf("the photo went with the first contact: %v", err)
	}
	if err := s.DeleteHuman(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Photo(ctx, hash); err == nil {
		t.Fatal("the photo outlived its contacts")
	}
}

// TestValidateAllChangesNothing: ValidateAll reports for each contact what
// Validate reports, and leaves the contacts as they were (it normalises
// copies).
func TestValidateAllChangesNothing(t *testing.T) {
	s, _ := openTest(t, nil)
	hs := []*Human{
		{FirstName: "  Ada ", Phones: []Phone{{Number: " +44 20 7946 0958 ", Type: " WORK "}}, Emails: []Email{{Address: " ada@example.org ", Type: "Home"}}},
		{FirstName: "Bad", Emails: []Email{{Address: "not an address"}}, URLs: []URL{{URL: " https://example.org ", Type: " Blog"}}},
		{LastName: "Lovelace", Addresses: []Address{{City: " London ", Type: " HOME "}}, IMs: []IM{{Handle: " ada ", Service: " Skype "}}},
	}
	before, _ := json.Marshal(hs)
	problems, err := s.ValidateAll(ctx, hs)
	if err != nil || len(problems) != len(hs) {
		t.Fatalf("%v %v", problems, err)
	}
	for i, h := range hs {
		if one := s.Validate(ctx, h); fmt.Sprint(one) != fmt.Sprint(problems[i]) {
			t.Errorf("contact %d: ValidateAll says %v, Validate %v", i, problems[i], one)
		}
	}
	if problems[0] != nil || problems[1] == nil || problems[2] != nil {
		t.Fatalf("problems %v", problems)
	}
	if after, _ := json.Marshal(hs); string(after) != string(before) {
		t.Fatalf("ValidateAll changed its contacts:\n%s\n%s", before, after)
	}
}
