package google_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/option"
	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/google"
	"github.com/humans-contacts/humans/sync/google/googletest"
)

var ctx = context.Background()

func newFake(t testing.TB, opts googletest.Options) *googletest.Server {
	t.Helper()
	f := googletest.New(opts)
	t.Cleanup(f.Close)
	return f
}

func newProvider(t testing.TB, f *googletest.Server) *google.Provider {
	t.Helper()
	p, err := google.New(ctx, google.Config{Endpoint: f.Endpoint(), HTTPClient: f.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pngBytes is a 1×1 PNG; jpegBytes starts like a JPEG.
var (
	pngBytes  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
)

func TestNewNeedsClientAndURL(t *testing.T) {
	if _, err := google.New(ctx, google.Config{}); err == nil {
		t.Fatal("New without an HTTP client succeeded")
	}
	if _, err := google.New(ctx, google.Config{Endpoint: "ftp://x", HTTPClient: http.DefaultClient}); err == nil {
		t.Fatal("New with an ftp endpoint succeeded")
	}
	f := newFake(t, googletest.Options{})
	p, err := google.New(ctx, google.Config{Endpoint: strings.TrimSuffix(f.Endpoint(), "/"), HTTPClient: f.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Probe(ctx); err != nil {
		t.Fatalf("probe without a trailing slash in the endpoint: %v", err)
	}
}

func TestProbeOffline(t *testing.T) {
	f := googletest.New(googletest.Options{})
	p := newProvider(t, f)
	if err := p.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := p.Probe(ctx); !errors.Is(err, sync.ErrOffline) {
		t.Fatalf("probe of a stopped server: %v", err)
	}
}

func TestProfile(t *testing.T) {
	f := newFake(t, googletest.Options{Token: "tok", Email: "ada@example.org", Name: "Ada Lovelace"})
	p := newProvider(t, f)
	email, name, err := p.Profile(ctx)
	if err != nil || email != "ada@example.org" || name != "Ada Lovelace" {
		t.Fatalf("Profile = %q, %q, %v", email, name, err)
	}
}

// TestRoundTrip: a contact created in Google and read back is the same
// contact, so that a sync after it changes nothing.
func TestRoundTrip(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := newProvider(t, f)
	f.AddGroup("Chess Club") // an existing label, named in another case below
	tests := []struct {
		name string
		c    sync.Contact
	}{
		{"names", sync.Contact{UID: "u-names", FirstName: "Ada", LastName: "Lovelace", Prefix: "Countess", Suffix: "FRS", Nickname: "Enchantress"}},
		{"display name of its own", sync.Contact{UID: "u-dn", FirstName: "Bob", DisplayName: "Bobby from accounting"}},
		{"display name alone", sync.Contact{UID: "u-dn2", DisplayName: "ACME Support"}},
		{"work", sync.Contact{UID: "u-work", FirstName: "Grace", Company: "US Navy", JobTitle: "Rear Admiral", Department: "Computing"}},
		{"title without company", sync.Contact{UID: "u-title", FirstName: "Tim", JobTitle: "Engineer"}},
		{"birthday with year", sync.Contact{UID: "u-b1", FirstName: "Alan", Birthday: "1912-06-23"}},
		{"birthday without year", sync.Contact{UID: "u-b2", FirstName: "Kurt", Birthday: "--04-28"}},
		{"notes and language", sync.Contact{UID: "u-n", FirstName: "Marie", Notes: "Line one\nLine two — accents: éàü", Language: "fr"}},
		{"genders", sync.Contact{UID: "u-g1", FirstName: "F", Gender: "female"}},
		{"gender unknown", sync.Contact{UID: "u-g2", FirstName: "U", Gender: "unknown"}},
		{"gender other", sync.Contact{UID: "u-g3", FirstName: "O", Gender: "other"}},
		{"phones", sync.Contact{UID: "u-ph", FirstName: "Phil", Phones: []store.Phone{
			{Number: "+33 6 12 34 56 78", Type: "mobile", IsPrimary: true},
			{Number: "+33 1 23 45 67 89", Type: "work", Extension: "42"},
			{Number: "01 98 76 54 32", Type: "home"},
			{Number: "+33 1 00 00 00 01", Type: "fax"},
			{Number: "555-0100", Type: "pager"},
			{Number: "555-0101", Type: "other"},
			{Number: "555-0102"},
		}}},
		{"emails", sync.Contact{UID: "u-em", FirstName: "Emma", Emails: []store.Email{
			{Address: "emma@work.example", Type: "work"}, {Address: "emma@home.example", Type: "home", IsPrimary: true}, {Address: "e@x.example"}}}},
		{"addresses", sync.Contact{UID: "u-ad", FirstName: "Adam", Addresses: []store.Address{
			{Type: "home", Number: "12 bis", Street: "rue de la Paix", Complement: "Bâtiment B", Zip: "75002", City: "Paris", Region: "IDF", Country: "France", IsPrimary: true},
			{Type: "work", Street: "Main Street", Number: "1600", City: "Springfield"},
			{City: "Berlin", Country: "DE"},
		}}},
		{"urls and ims", sync.Contact{UID: "u-web", FirstName: "Walt",
			URLs: []store.URL{{URL: "https://walt.example", Type: "website", IsPrimary: true}, {URL: "https://linkedin.com/in/walt", Type: "linkedin"}},
			IMs:  []store.IM{{Handle: "walt@jabber.example", Service: "xmpp"}, {Handle: "walt.s", Service: "skype", IsPrimary: true}}}},
		{"groups and favourite", sync.Contact{UID: "u-gr", FirstName: "Gus", IsFavorite: true, Groups: []string{"chess club", "Team Ω"}}},
		{"custom fields", sync.Contact{UID: "u-cf", FirstName: "Cus", CustomFields: map[string]string{"Badge": "42", "Shoe size": "44"}}},
		{"empty", sync.Contact{UID: "u-empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			created, err := p.Create(ctx, tc.c)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(created.ID, "people/c") || created.ETag == "" || created.Updated.IsZero() {
				t.Fatalf("created remote %+v lacks id, etag or time", created)
			}
			got, err := p.Get(ctx, created.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range []sync.Remote{created, got} {
				if !r.Contact.Equal(tc.c) || r.Contact.UID != tc.c.UID {
					t.Fatalf("round trip changed the contact:\n got %+v\nwant %+v", r.Contact, tc.c)
				}
			}
			// Sending it back unchanged sends nothing.
			before := f.Mutations()
			if _, err := p.UpdateFields(ctx, got.ID, got.ETag, got.Contact, tc.c); err != nil {
				t.Fatal(err)
			}
			if f.Mutations() != before {
				t.Fatalf("an unchanged contact was sent")
			}
		})
	}
	// Google's side: My Contacts membership, one "Chess Club" label,
	// fax as workFax, the UID in clientData.
	labels := f.Groups()
	n := 0
	for _, name := range labels {
		if strings.EqualFold(name, "chess club") {
			n++
		}
	}
	if n != 1 || len(labels) != 2 {
		t.Fatalf("labels = %v, want Chess Club once and Team Ω", labels)
	}
	if c := f.Count(googletest.MethodGroupsCreate); c != 1 {
		t.Fatalf("%d labels created, want 1 (Team Ω)", c)
	}
	for _, rn := range f.ResourceNames() {
		person, _ := f.Person(rn)
		if !slices.ContainsFunc(person.Memberships, func(m *people.Membership) bool {
			return m.ContactGroupMembership.ContactGroupResourceName == "contactGroups/myContacts"
		}) {
			t.Fatalf("%s is not in My Contacts: %+v", rn, person.Memberships)
		}
		if len(person.ClientData) != 1 || person.ClientData[0].Key != "humans.uid" {
			t.Fatalf("%s clientData = %+v", rn, person.ClientData)
		}
		for _, ph := range person.PhoneNumbers {
			if ph.Value == "+33 1 00 00 00 01" && ph.Type != "workFax" {
				t.Fatalf("fax sent as type %q", ph.Type)
			}
		}
	}
}

// TestFromGoogle: contacts as Google's own apps make them.
func TestFromGoogle(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := newProvider(t, f)
	label := f.AddGroup("Book club")
	rn := f.Add(&people.Person{
		Names:        []*people.Name{{GivenName: "John", MiddleName: "Quincy", FamilyName: "Adams"}},
		PhoneNumbers: []*people.PhoneNumber{{Value: "+1 202 555 0101", Type: "homeFax"}, {Value: "+1 202 555 0102", Type: "workMobile"}},
		Urls:         []*people.Url{{Value: "https://jqa.example", Type: "homePage"}},
		ImClients:    []*people.ImClient{{Username: "jqa", Protocol: "jabber"}},
		Birthdays:    []*people.Birthday{{Text: "1767-07-11"}},
		Genders:      []*people.Gender{{Value: "nonbinary"}},
		Memberships: []*people.Membership{
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/myContacts"}},
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/friends"}},
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/starred"}},
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: label}},
		},
		Relations: []*people.Relation{{Person: "Abigail", Type: "mother"}},
	})
	r, err := p.Get(ctx, rn)
	if err != nil {
		t.Fatal(err)
	}
	want := sync.Contact{FirstName: "John Quincy", LastName: "Adams", Birthday: "1767-07-11", Gender: "other", IsFavorite: true,
		Groups: []string{"Book club"},
		Phones: []store.Phone{{Number: "+1 202 555 0101", Type: "fax"}, {Number: "+1 202 555 0102", Type: "workMobile"}},
		URLs:   []store.URL{{URL: "https://jqa.example", Type: "website"}},
		IMs:    []store.IM{{Handle: "jqa", Service: "xmpp"}}}
	if !r.Contact.Equal(want) {
		t.Fatalf("mapped\n got %+v\nwant %+v", r.Contact, want)
	}
	if r.Contact.PhotoURL != "" {
		t.Fatalf("Google's placeholder photo was taken: %q", r.Contact.PhotoURL)
	}
}

func pullAll(t testing.TB, p *google.Provider, cursor string) (items []sync.Remote, pages []sync.Page) {
	t.Helper()
	for {
		page, err := p.Pull(ctx, cursor)
		if err != nil {
			t.Fatalf("pull from %q: %v", cursor, err)
		}
		pages = append(pages, page)
		items = append(items, page.Items...)
		cursor = page.Cursor
		if !page.More {
			return items, pages
		}
	}
}

func TestPullPagesAndSyncTokens(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := newProvider(t, f)
	google.SetPageSize(p, 40)
	var rns []string
	for i := range 100 {
		rns = append(rns, f.Add(&people.Person{Names: []*people.Name{{GivenName: "P", FamilyName: string(rune('A'+i%26)) + strings.Repeat("x", i/26)}}}))
	}
	items, pages := pullAll(t, p, "")
	if len(items) != 100 || len(pages) != 3 {
		t.Fatalf("full listing: %d items in %d pages, want 100 in 3", len(items), len(pages))
	}
	for i, pg := range pages {
		last := i == len(pages)-1
		if pg.More == last || pg.Complete != last {
			t.Fatalf("page %d: More=%v Complete=%v", i, pg.More, pg.Complete)
		}
		if strings.Contains(pg.Cursor, "sync=") != last {
			t.Fatalf("page %d cursor %q: a sync token only after the last page", i, pg.Cursor)
		}
	}
	if f.Count(googletest.MethodList) != 3 {
		t.Fatalf("%d list requests", f.Count(googletest.MethodList))
	}
	cursor := pages[2].Cursor

	// Nothing changed: one empty page.
	items, pages = pullAll(t, p, cursor)
	if len(items) != 0 || len(pages) != 1 || pages[0].Complete {
		t.Fatalf("incremental without changes: %d items, %d pages, complete=%v", len(items), len(pages), pages[0].Complete)
	}
	cursor = pages[0].Cursor

	// Changes in Google: edits, a deletion, an addition.
	for _, rn := range rns[:50] {
		f.Edit(rn, func(p *people.Person) { p.Nicknames = []*people.Nickname{{Value: "nick"}} })
	}
	f.Remove(rns[60])
	added := f.Add(&people.Person{Names: []*people.Name{{GivenName: "New"}}})
	items, pages = pullAll(t, p, cursor)
	if len(items) != 52 || len(pages) != 2 {
		t.Fatalf("incremental: %d items in %d pages, want 52 in 2", len(items), len(pages))
	}
	var deleted, sawAdded int
	for _, r := range items {
		if r.Deleted {
			deleted++
			if r.ID != rns[60] {
				t.Fatalf("tombstone for %s", r.ID)
			}
		}
		if r.ID == added {
			sawAdded++
		}
	}
	if deleted != 1 || sawAdded != 1 {
		t.Fatalf("deleted %d, added seen %d", deleted, sawAdded)
	}
	if strings.Contains(pages[0].Cursor, "sync=") == false || !strings.Contains(pages[0].Cursor, "page=") {
		t.Fatalf("an incremental page's cursor keeps the sync token and the page: %q", pages[0].Cursor)
	}
}

func TestExpiredSyncToken(t *testing.T) {
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	f := newFake(t, googletest.Options{Now: func() time.Time { return now }, TokenMaxAge: 7 * 24 * time.Hour})
	p := newProvider(t, f)
	f.Add(&people.Person{Names: []*people.Name{{GivenName: "A"}}})
	_, pages := pullAll(t, p, "")
	cursor := pages[len(pages)-1].Cursor

	f.ExpireSyncTokens()
	if _, err := p.Pull(ctx, cursor); !errors.Is(err, sync.ErrCursorExpired) {
		t.Fatalf("pull with an expired token: %v, want ErrCursorExpired", err)
	}
	_, pages = pullAll(t, p, "")
	cursor = pages[len(pages)-1].Cursor
	if _, err := p.Pull(ctx, cursor); err != nil {
		t.Fatalf("fresh token refused: %v", err)
	}
	now = now.Add(8 * 24 * time.Hour)
	if _, err := p.Pull(ctx, cursor); !errors.Is(err, sync.ErrCursorExpired) {
		t.Fatalf("pull with an 8-day-old token: %v, want ErrCursorExpired", err)
	}
	if _, err := p.Pull(ctx, "%zz"); !errors.Is(err, sync.ErrCursorExpired) {
		t.Fatalf("pull with a cursor that is not ours: %v", err)
	}
	if _, err := p.Pull(ctx, "page=pg999.1"); !errors.Is(err, sync.ErrCursorExpired) {
		t.Fatalf("pull with a page token Google does not know: %v", err)
	}
}

func TestErrors(t *testing.T) {
	f := newFake(t, googletest.Options{RetryAfter: 7 * time.Second})
	p := newProvider(t, f)
	r, err := p.Create(ctx, sync.Contact{FirstName: "E"})
	if err != nil {
		t.Fatal(err)
	}
	updated, err := p.Update(ctx, r.ID, r.ETag, sync.Contact{FirstName: "E2"})
	if err != nil {
		t.Fatal(err)
	}
	if updated.ETag == r.ETag {
		t.Fatal("the etag did not change on a write")
	}
	// A stale etag.
	if _, err := p.Update(ctx, r.ID, r.ETag, sync.Contact{FirstName: "E3"}); !errors.Is(err, sync.ErrPrecondition) {
		t.Fatalf("update with a stale etag: %v", err)
	}
	if _, err := p.UpdateFields(ctx, r.ID, r.ETag, sync.Contact{FirstName: "E3", Groups: []string{"G"}}, sync.Contact{FirstName: "E2"}); !errors.Is(err, sync.ErrPrecondition) {
		t.Fatalf("membership update with a stale etag: %v", err)
	}
	if err := p.Delete(ctx, r.ID, r.ETag); !errors.Is(err, sync.ErrPrecondition) {
		t.Fatalf("delete with a stale etag: %v", err)
	}
	if err := p.Delete(ctx, r.ID, updated.ETag); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(ctx, r.ID); !errors.Is(err, sync.ErrRemoteNotFound) {
		t.Fatalf("get of a deleted contact: %v", err)
	}
	if _, err := p.Update(ctx, r.ID, updated.ETag, sync.Contact{FirstName: "E3"}); !errors.Is(err, sync.ErrRemoteNotFound) {
		t.Fatalf("update of a deleted contact: %v", err)
	}
	// Transient failures.
	for _, status := range []int{429, 503, 500} {
		f.FailNext(googletest.MethodList, status, 1)
		_, err := p.Pull(ctx, "")
		var re *sync.RetryError
		if !errors.As(err, &re) || re.Status != status {
			t.Fatalf("pull answered %d: %v, want a RetryError", status, err)
		}
		if status == 429 && re.RetryAfter != 7*time.Second {
			t.Fatalf("Retry-After = %v", re.RetryAfter)
		}
	}
	// A contact Google refuses.
	if _, err := p.Create(ctx, sync.Contact{FirstName: "B", Birthday: "1990-02-30"}); err == nil {
		t.Fatal("a birthday on 30 February was taken")
	} else if verr := (*store.ValidationError)(nil); !errors.As(err, &verr) {
		t.Fatalf("invalid birthday: %v, want a ValidationError", err)
	}
	if _, err := p.PutPhoto(ctx, updated.ID, []byte("GIF89a")); err == nil {
		t.Fatal("a GIF was sent as a photo")
	}
}

func TestQuota(t *testing.T) {
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	f := newFake(t, googletest.Options{QuotaPerMinute: 3, Now: func() time.Time { return now }})
	p := newProvider(t, f)
	for range 3 {
		if _, err := p.Pull(ctx, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, err := p.Pull(ctx, "")
	var re *sync.RetryError
	if !errors.As(err, &re) || re.Status != 429 || !strings.Contains(err.Error(), "Quota exceeded") {
		t.Fatalf("4th request in a minute: %v", err)
	}
	now = now.Add(time.Minute)
	if _, err := p.Pull(ctx, ""); err != nil {
		t.Fatalf("next minute: %v", err)
	}
}

// TestSignIn: a revoked refresh token (invalid_grant) and a refused
// access token (401) put the account in the "sign in again" state, and
// no token shows in the errors.
func TestSignIn(t *testing.T) {
	f := newFake(t, googletest.Options{Token: "access-secret-1", RefreshToken: "refresh-secret-2"})
	client := oauthClient(t, f, "refresh-secret-2")
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := google.New(ctx, google.Config{Endpoint: f.Endpoint(), HTTPClient: client, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Pull(ctx, ""); err != nil {
		t.Fatalf("pull with a good token: %v", err)
	}
	if _, err := p.Create(ctx, sync.Contact{FirstName: "L", Groups: []string{"New label"}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "label created") || strings.Contains(logs.String(), "secret") {
		t.Fatalf("logs: %s", logs.String())
	}
	f.Revoke()
	// The access token is cached: Google refuses it (401).
	_, err = p.Pull(ctx, "")
	if !errors.Is(err, sync.ErrSignIn) {
		t.Fatalf("pull with a revoked access token: %v", err)
	}
	// A new client must refresh: invalid_grant.
	p2, _ := google.New(ctx, google.Config{Endpoint: f.Endpoint(), HTTPClient: oauthClient(t, f, "refresh-secret-2")})
	_, err2 := p2.Pull(ctx, "")
	if !errors.Is(err2, sync.ErrSignIn) {
		t.Fatalf("pull with a revoked refresh token: %v", err2)
	}
	for _, e := range []error{err, err2} {
		if strings.Contains(e.Error(), "secret") {
			t.Fatalf("a token shows in the error: %v", e)
		}
	}
	var re *sync.RetryError
	if errors.As(err2, &re) {
		t.Fatal("invalid_grant is not transient")
	}
}

func TestUnknownFieldsSurvive(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := newProvider(t, f)
	rn := f.Add(&people.Person{
		Names:        []*people.Name{{GivenName: "Keep", MiddleName: "Middle", FamilyName: "Fields", PhoneticGivenName: "Kiip"}},
		Relations:    []*people.Relation{{Person: "Spouse Name", Type: "spouse"}},
		Events:       []*people.Event{{Date: &people.Date{Year: 2001, Month: 5, Day: 6}, Type: "anniversary"}},
		ExternalIds:  []*people.ExternalId{{Value: "EMP-7", Type: "account"}},
		SipAddresses: []*people.SipAddress{{Value: "sip:keep@example.org"}},
		ClientData:   []*people.ClientData{{Key: "other.app", Value: "x"}},
		PhoneNumbers: []*people.PhoneNumber{{Value: "+1 555 0100", Type: "mobile"}},
	})
	before, _ := f.Person(rn)
	r, err := p.Get(ctx, rn)
	if err != nil {
		t.Fatal(err)
	}
	// Only the phone changes: names are not sent, so the middle name and
	// the phonetic name stay too.
	c := r.Contact.Clone()
	c.Phones = append(c.Phones, store.Phone{Number: "+1 555 0199", Type: "work"})
	if _, err := p.UpdateFields(ctx, rn, r.ETag, c, r.Contact); err != nil {
		t.Fatal(err)
	}
	after, _ := f.Person(rn)
	if len(after.PhoneNumbers) != 2 {
		t.Fatalf("phones = %+v", after.PhoneNumbers)
	}
	if after.Names[0].MiddleName != "Middle" || after.Names[0].PhoneticGivenName != "Kiip" {
		t.Fatalf("names were sent for a phone change: %+v", after.Names[0])
	}
	// A full update of every mapped field keeps the unmapped ones.
	r, _ = p.Get(ctx, rn)
	c = r.Contact.Clone()
	c.FirstName, c.Notes, c.Groups, c.IsFavorite = "Kept", "notes", []string{"L"}, true
	if _, err := p.Update(ctx, rn, r.ETag, c); err != nil {
		t.Fatal(err)
	}
	after, _ = f.Person(rn)
	for name, pair := range map[string][2]any{
		"relations":    {before.Relations, after.Relations},
		"events":       {before.Events, after.Events},
		"externalIds":  {before.ExternalIds, after.ExternalIds},
		"sipAddresses": {before.SipAddresses, after.SipAddresses},
		"clientData":   {before.ClientData, after.ClientData},
	} {
		if jsonOf(pair[0]) != jsonOf(pair[1]) {
			t.Fatalf("%s changed:\n%s\n%s", name, jsonOf(pair[0]), jsonOf(pair[1]))
		}
	}
	if after.Names[0].GivenName != "Kept" {
		t.Fatalf("names not updated: %+v", after.Names[0])
	}
}

func TestGroupsAndFavourite(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := newProvider(t, f)
	rn := f.Add(&people.Person{Names: []*people.Name{{GivenName: "Gina"}}, Memberships: []*people.Membership{
		{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/myContacts"}},
		{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/friends"}},
	}})
	r, err := p.Get(ctx, rn) // groups loaded now
	if err != nil {
		t.Fatal(err)
	}
	// A label made elsewhere after the provider read the labels: the
	// provider's create meets Google's 409 and reuses it.
	late := f.AddGroup("Late label")
	c := r.Contact.Clone()
	c.Groups, c.IsFavorite = []string{"late LABEL", "Fresh"}, true
	r2, err := p.UpdateFields(ctx, rn, r.ETag, c, r.Contact)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.Contact.Equal(c) {
		t.Fatalf("after the update: %+v, want %+v", r2.Contact, c)
	}
	labels := f.Groups()
	if len(labels) != 2 || labels[late] != "Late label" {
		t.Fatalf("labels = %v: a duplicate label was made", labels)
	}
	person, _ := f.Person(rn)
	var got []string
	for _, m := range person.Memberships {
		got = append(got, m.ContactGroupMembership.ContactGroupResourceName)
	}
	for _, want := range []string{"contactGroups/myContacts", "contactGroups/friends", "contactGroups/starred", late} {
		if !slices.Contains(got, want) {
			t.Fatalf("memberships %v lack %s", got, want)
		}
	}
	// A group named as one of Google's own labels cannot be sent: this
	// contact is refused, nothing is made.
	var verr *store.ValidationError
	if _, err := p.Create(ctx, sync.Contact{FirstName: "S", Groups: []string{"Starred"}}); !errors.As(err, &verr) {
		t.Fatalf("a group called Starred: %v", err)
	}
	// Out of a label and unstarred; the system groups stay.
	c2 := r2.Contact.Clone()
	c2.Groups, c2.IsFavorite = []string{"Fresh"}, false
	r3, err := p.UpdateFields(ctx, rn, r2.ETag, c2, r2.Contact)
	if err != nil {
		t.Fatal(err)
	}
	if !r3.Contact.Equal(c2) {
		t.Fatalf("after the second update: %+v", r3.Contact)
	}
	person, _ = f.Person(rn)
	if len(person.Memberships) != 3 {
		t.Fatalf("memberships = %s", jsonOf(person.Memberships))
	}
}

func TestPhotos(t *testing.T) {
	f := newFake(t, googletest.Options{Token: "t"})
	p := newProvider(t, f)
	r, err := p.Create(ctx, sync.Contact{FirstName: "Pic"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Contact.PhotoURL != "" {
		t.Fatalf("a new contact has photo %q (Google's placeholder?)", r.Contact.PhotoURL)
	}
	for _, data := range [][]byte{pngBytes, jpegBytes} {
		r2, err := p.PutPhoto(ctx, r.ID, data)
		if err != nil {
			t.Fatal(err)
		}
		if r2.Contact.PhotoURL == "" || r2.ETag == r.ETag {
			t.Fatalf("after the upload: photo %q etag %q", r2.Contact.PhotoURL, r2.ETag)
		}
		got, err := p.FetchPhoto(ctx, r2.Contact.PhotoURL)
		if err != nil || string(got) != string(data) {
			t.Fatalf("fetched %q, %v", got, err)
		}
		r = r2
	}
	r3, err := p.PutPhoto(ctx, r.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r3.Contact.PhotoURL != "" || f.Photo(r.ID) != nil {
		t.Fatalf("after the removal: %q", r3.Contact.PhotoURL)
	}
	if _, err := p.FetchPhoto(ctx, r.Contact.PhotoURL); !errors.Is(err, sync.ErrRemoteNotFound) {
		t.Fatalf("fetching a removed photo: %v", err)
	}
	// The photo is never sent through an update.
	c := r3.Contact.Clone()
	c.PhotoURL = "https://elsewhere.example/p.jpg"
	before := f.Mutations()
	if _, err := p.UpdateFields(ctx, r3.ID, r3.ETag, c, r3.Contact); err != nil {
		t.Fatal(err)
	}
	if f.Mutations() != before {
		t.Fatal("a photo URL change was sent as an update")
	}
}

func TestEventualConsistency(t *testing.T) {
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	f := newFake(t, googletest.Options{WriteDelay: 2 * time.Minute, Now: func() time.Time { return now }})
	p := newProvider(t, f)
	_, pages := pullAll(t, p, "")
	cursor := pages[len(pages)-1].Cursor
	r, err := p.Create(ctx, sync.Contact{FirstName: "Late"})
	if err != nil {
		t.Fatal(err)
	}
	items, pages := pullAll(t, p, cursor)
	if len(items) != 0 {
		t.Fatalf("a write showed before its delay: %+v", items)
	}
	cursor = pages[len(pages)-1].Cursor
	now = now.Add(3 * time.Minute)
	items, _ = pullAll(t, p, cursor)
	if len(items) != 1 || items[0].ID != r.ID || items[0].ETag != r.ETag {
		t.Fatalf("after the delay: %+v", items)
	}
}

// TestProfileDataNotTaken: a contact linked to the person's own Google
// profile is read without the profile's data, so the sync neither takes
// the profile's name and e-mails for the contact's nor writes them into
// it.
func TestProfileDataNotTaken(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := newProvider(t, f)
	rn := f.Add(&people.Person{Names: []*people.Name{{GivenName: "Bob", FamilyName: "Nick"}},
		EmailAddresses: []*people.EmailAddress{{Value: "bob@home.example"}}})
	f.LinkProfile(rn, &people.Person{Names: []*people.Name{{GivenName: "Robert", FamilyName: "Official"}},
		EmailAddresses: []*people.EmailAddress{{Value: "robert@profile.example"}}})
	// Google's default answer merges the profile in.
	svc, err := people.NewService(ctx, option.WithEndpoint(f.Endpoint()), option.WithHTTPClient(f.Client()))
	if err != nil {
		t.Fatal(err)
	}
	merged, err := svc.People.Get(rn).PersonFields("names,emailAddresses").Do()
	if err != nil || len(merged.EmailAddresses) != 2 || merged.Names[0].GivenName != "Robert" {
		t.Fatalf("Google's default answer: %s %v", jsonOf(merged), err)
	}
	want := sync.Contact{FirstName: "Bob", LastName: "Nick", Emails: []store.Email{{Address: "bob@home.example"}}}
	r, err := p.Get(ctx, rn)
	if err != nil || !r.Contact.Equal(want) {
		t.Fatalf("Get: %+v %v", r.Contact, err)
	}
	items, _ := pullAll(t, p, "")
	if len(items) != 1 || !items[0].Contact.Equal(want) {
		t.Fatalf("Pull: %+v", items)
	}
	c := r.Contact.Clone()
	c.Notes = "n"
	r2, err := p.UpdateFields(ctx, rn, r.ETag, c, r.Contact)
	if err != nil || !r2.Contact.Equal(c) {
		t.Fatalf("UpdateFields: %+v %v", r2.Contact, err)
	}
	stored, _ := f.Person(rn)
	if len(stored.EmailAddresses) != 1 || stored.Names[0].GivenName != "Bob" {
		t.Fatalf("the contact in Google: %s", jsonOf(stored))
	}
}
