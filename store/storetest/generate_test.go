package storetest

import (
	"context"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/store"
)

func TestBookDeterministic(t *testing.T) {
	a, b := Book(2000, 42), Book(2000, 42)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Book(2000, 42) differs between two calls")
	}
	c := Book(2000, 43)
	if reflect.DeepEqual(a.Humans, c.Humans) {
		t.Fatal("Book(2000, 43) is the same as Book(2000, 42)")
	}
	// A smaller book of the same seed is not required to be a prefix,
	// but it must be deterministic too.
	if !reflect.DeepEqual(Book(10, 7), Book(10, 7)) {
		t.Fatal("Book(10, 7) differs between two calls")
	}
}

func TestBookSizes(t *testing.T) {
	for _, tt := range []struct{ n, humans, companies int }{
		{-1, 0, 5}, {0, 0, 5}, {1, 1, 5}, {249, 249, 5}, {300, 300, 6}, {5000, 5000, 100},
	} {
		b := Book(tt.n, 1)
		if len(b.Humans) != tt.humans || len(b.Companies) != tt.companies || len(b.Groups) != 8 {
			t.Errorf("Book(%d): %d humans, %d companies, %d groups; want %d, %d, 8",
				tt.n, len(b.Humans), len(b.Companies), len(b.Groups), tt.humans, tt.companies)
		}
	}
}

var (
	hexColour  = regexp.MustCompile(`^#[0-9A-F]{6}$`)
	asciiEmail = regexp.MustCompile(`^[a-z0-9._]+@[a-z0-9.-]+\.[a-z]+$`)
	phoneChars = regexp.MustCompile(`^[0-9 +\-().,/]+$`)
)

// countPrimaries counts the true values.
func countPrimaries(flags ...bool) int {
	n := 0
	for _, f := range flags {
		if f {
			n++
		}
	}
	return n
}

func TestBookShape(t *testing.T) {
	const n = 5000
	b := Book(n, 1)

	for i, g := range b.Groups {
		if g.Name == "" || !hexColour.MatchString(g.Color) || g.ID != 0 {
			t.Errorf("group %d: %+v", i, g)
		}
	}
	for i, c := range b.Companies {
		if c.Name == "" || c.ID != 0 || !c.CreatedAt.IsZero() || c.Revision != 0 {
			t.Errorf("company %d: %+v", i, c)
		}
		if c.ParentID < 0 || c.ParentID > int64(i) { // only earlier companies: ids 1..i
			t.Errorf("company %d (id %d) has parent %d", i, i+1, c.ParentID)
		}
		if c.Email != "" && !asciiEmail.MatchString(c.Email) {
			t.Errorf("company %d e-mail %q", i, c.Email)
		}
	}

	var withCompany, favourites, birthdays, noYear, inGroups, withAddress, withNotes, normalised, phones int
	sources := map[store.Source]int{}
	emails := map[string]bool{}
	names := map[string]bool{}
	for i, h := range b.Humans {
		if h.ID != 0 || h.UID != "" || !h.CreatedAt.IsZero() || !h.UpdatedAt.IsZero() || h.DeletedAt != nil ||
			h.Revision != 0 || h.ETag != "" {
			t.Fatalf("human %d has store-assigned fields set: %+v", i, h)
		}
		if h.FirstName == "" || h.LastName == "" {
			t.Errorf("human %d has no name: %+v", i, h)
		}
		names[h.FirstName] = true
		names[h.LastName] = true

		if len(h.Phones) < 1 || len(h.Phones) > 3 {
			t.Errorf("human %d has %d phones", i, len(h.Phones))
		}
		var prim []bool
		for _, p := range h.Phones {
			prim = append(prim, p.IsPrimary)
			if !phoneChars.MatchString(p.Number) || !slices.Contains(store.PhoneTypes, p.Type) {
				t.Errorf("human %d phone %+v", i, p)
			}
			phones++
			if _, ok := store.NormalizePhone(p.Number, "FR"); ok {
				normalised++
			}
		}
		if countPrimaries(prim...) != 1 {
			t.Errorf("human %d: %d primary phones: %+v", i, countPrimaries(prim...), h.Phones)
		}

		if len(h.Emails) < 1 || len(h.Emails) > 2 {
			t.Errorf("human %d has %d e-mails", i, len(h.Emails))
		}
		prim = prim[:0]
		for _, e := range h.Emails {
			prim = append(prim, e.IsPrimary)
			if !asciiEmail.MatchString(e.Address) || !store.ValidEmail(e.Address) {
				t.Errorf("human %d e-mail %q", i, e.Address)
			}
			if emails[e.Address] {
				t.Errorf("e-mail %q used twice", e.Address)
			}
			emails[e.Address] = true
		}
		if countPrimaries(prim...) != 1 {
			t.Errorf("human %d: %d primary e-mails", i, countPrimaries(prim...))
		}

		prim = prim[:0]
		for _, a := range h.Addresses {
			prim = append(prim, a.IsPrimary)
			if a.Street == "" || a.Number == "" || a.City == "" || a.Zip == "" || a.Country == "" ||
				strings.ContainsAny(a.Zip, "#@") {
				t.Errorf("human %d address %+v", i, a)
			}
		}
		if len(h.Addresses) > 0 {
			withAddress++
			if countPrimaries(prim...) != 1 {
				t.Errorf("human %d: %d primary addresses", i, countPrimaries(prim...))
			}
		}
		prim = prim[:0]
		for _, u := range h.URLs {
			prim = append(prim, u.IsPrimary)
			if !strings.HasPrefix(u.URL, "https://") || !slices.Contains(store.URLTypes, u.Type) {
				t.Errorf("human %d URL %+v", i, u)
			}
		}
		if len(h.URLs) > 0 && countPrimaries(prim...) != 1 {
			t.Errorf("human %d: %d primary URLs", i, countPrimaries(prim...))
		}
		for _, im := range h.IMs {
			if im.Handle == "" || !slices.Contains(store.IMServices, im.Service) || !im.IsPrimary {
				t.Errorf("human %d IM %+v", i, im)
			}
		}

		if h.CompanyID != 0 {
			withCompany++
			if h.CompanyID < 1 || h.CompanyID > int64(len(b.Companies)) {
				t.Errorf("human %d company id %d out of 1..%d", i, h.CompanyID, len(b.Companies))
			}
		}
		if h.IsFavorite {
			favourites++
		}
		if bd := h.Birthday; bd != nil {
			birthdays++
			y := bd.Year
			if y == 0 {
				noYear++
				y = 2000
			} else if y < 1900 || y > time.Now().Year() {
				t.Errorf("human %d born in %d", i, y)
			}
			d := time.Date(y, time.Month(bd.Month), bd.Day, 0, 0, 0, 0, time.UTC)
			if bd.Month < 1 || bd.Month > 12 || d.Day() != bd.Day {
				t.Errorf("human %d birthday %+v", i, *bd)
			}
		}
		if h.Notes != "" {
			withNotes++
		}
		if len(h.GroupIDs) > 0 {
			inGroups++
			if !slices.IsSorted(h.GroupIDs) || len(slices.Compact(slices.Clone(h.GroupIDs))) != len(h.GroupIDs) {
				t.Errorf("human %d group ids %v", i, h.GroupIDs)
			}
			for _, g := range h.GroupIDs {
				if g < 1 || g > int64(len(b.Groups)) {
					t.Errorf("human %d group id %d out of 1..%d", i, g, len(b.Groups))
				}
			}
		}
		if !h.Source.Valid() {
			t.Errorf("human %d source %q", i, h.Source)
		}
		sources[h.Source]++
		if !slices.Contains(store.Genders, h.Gender) {
			t.Errorf("human %d gender %q", i, h.Gender)
		}
	}

	share := func(name string, count, lo, hi int) {
		t.Helper()
		p := count * 100 / n
		t.Logf("%s: %d%%", name, p)
		if p < lo || p > hi {
			t.Errorf("%s: %d%% of the contacts, want %d–%d%%", name, p, lo, hi)
		}
	}
	share("with a company", withCompany, 55, 65)
	share("favourites", favourites, 16, 24)
	share("with a birthday", birthdays, 45, 55)
	share("in a group", inGroups, 26, 34)
	share("with an address", withAddress, 30, 40)
	share("with notes", withNotes, 11, 19)
	if noYear == 0 || noYear > birthdays/4 {
		t.Errorf("%d of %d birthdays without a year", noYear, birthdays)
	}
	for _, s := range store.Sources {
		if sources[s] < n/20 {
			t.Errorf("source %s: %d contacts", s, sources[s])
		}
	}
	for _, name := range []string{"Zoë", "Núñez", "François", "Jürgen", "Søren", "Łukasz", "Müller", "Çelik", "Nguyễn"} {
		if !names[name] {
			t.Errorf("no contact named %s in %d", name, n)
		}
	}
	// National formats of foreign numbers ("0151 …") do not parse with
	// FR as the default country, as in a real French book.
	p := normalised * 100 / phones
	t.Logf("phones normalised with region FR: %d%%", p)
	if p < 75 {
		t.Errorf("only %d%% of the phone numbers normalise with region FR", p)
	}
}

// TestBookLoadsIntoStore writes a book to a fresh store: everything must
// pass the store's validation, and the ids must be those the book's
// references assume.
func TestBookLoadsIntoStore(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(filepath.Join(t.TempDir(), "humans.db"), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := Book(500, 3)
	for i, c := range b.Companies {
		got, err := s.CreateCompany(ctx, c)
		if err != nil {
			t.Fatalf("company %d: %v", i, err)
		}
		if got.ID != int64(i+1) {
			t.Fatalf("company %d got id %d, want %d", i, got.ID, i+1)
		}
	}
	for i, g := range b.Groups {
		got, err := s.CreateGroup(ctx, g)
		if err != nil {
			t.Fatalf("group %d: %v", i, err)
		}
		if got.ID != int64(i+1) {
			t.Fatalf("group %d got id %d, want %d", i, got.ID, i+1)
		}
	}
	ids, err := s.CreateHumans(ctx, b.Humans)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(b.Humans) {
		t.Fatalf("%d ids for %d humans", len(ids), len(b.Humans))
	}
	h, err := s.GetHuman(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if h.FirstName != b.Humans[0].FirstName || h.LastName != b.Humans[0].LastName {
		t.Errorf("stored %q %q, generated %q %q", h.FirstName, h.LastName, b.Humans[0].FirstName, b.Humans[0].LastName)
	}
}

func BenchmarkBook(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Book(100_000, 1)
	}
}
