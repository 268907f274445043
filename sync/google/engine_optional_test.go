package google_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/google/googletest"
)

// Scenarios of the engine's use of the provider's optional interfaces
// (FieldUpdater, Batcher, PhotoSyncer), of ErrSignIn, of held deletions
// and of Google's propagation delay.

// TestEngineMinimalUpdates: a local edit sends only the changed field
// (one updateContact, no read), so what Google has inside a field the
// book does not map (a middle name, a phonetic name) stays.
func TestEngineMinimalUpdates(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := person("Mia", "Middle", "mia@example.org")
	p.Names[0].MiddleName = "Q"
	p.Names[0].PhoneticFamilyName = "Midl"
	rn := f.Add(p)
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.sync("g")
	mia := b.live()["Mia Q"]
	if mia == nil {
		t.Fatalf("book: %v", b.names())
	}
	phones := []store.Phone{{Number: "+33 6 11 22 33 44", Type: "mobile"}}
	if _, err := b.st.UpdateHuman(ctx, mia.ID, store.HumanPatch{Phones: &phones}, ""); err != nil {
		t.Fatal(err)
	}
	f.ResetCounts()
	b.sync("g")
	if f.Count(googletest.MethodUpdate) != 1 || f.Count(googletest.MethodGet) != 0 || f.Mutations() != 1 {
		t.Fatalf("%d updates, %d reads, %d mutations", f.Count(googletest.MethodUpdate), f.Count(googletest.MethodGet), f.Mutations())
	}
	after, _ := f.Person(rn)
	if after.Names[0].MiddleName != "Q" || after.Names[0].PhoneticFamilyName != "Midl" || len(after.PhoneNumbers) != 1 {
		t.Fatalf("Google's Mia: %s", jsonOf(after))
	}
	f.ResetCounts()
	b.sync("g")
	if f.Mutations() != 0 {
		t.Fatal("the settled contact was sent again")
	}
}

// TestEngineBatchLimits: a large push goes in batches that never exceed
// Google's limits, and no contact is made twice.
func TestEngineBatchLimits(t *testing.T) {
	f := newFake(t, googletest.Options{})
	b := newBook(t, map[string]*googletest.Server{"g": f})
	var hs []*store.Human
	for i := range 620 {
		hs = append(hs, &store.Human{FirstName: fmt.Sprintf("B%03d", i), LastName: "Batch"})
	}
	ids, err := b.st.CreateHumans(ctx, hs)
	if err != nil {
		t.Fatal(err)
	}
	b.sync("g")
	if f.Len() != 620 || f.Made() != 620 {
		t.Fatalf("Google has %d, made %d", f.Len(), f.Made())
	}
	if c := f.Count(googletest.MethodBatchCreate); c != 4 || f.MaxBatch(googletest.MethodBatchCreate) != 200 {
		t.Fatalf("%d create batches, largest %d", c, f.MaxBatch(googletest.MethodBatchCreate))
	}
	for _, id := range ids {
		note := "bulk edit"
		if _, err := b.st.UpdateHuman(ctx, id, store.HumanPatch{Notes: &note}, ""); err != nil {
			t.Fatal(err)
		}
	}
	b.sync("g")
	if c := f.Count(googletest.MethodBatchUpdate); c != 4 || f.MaxBatch(googletest.MethodBatchUpdate) != 200 {
		t.Fatalf("%d update batches, largest %d", c, f.MaxBatch(googletest.MethodBatchUpdate))
	}
	for _, id := range ids {
		if err := b.st.TrashHuman(ctx, id, ""); err != nil {
			t.Fatal(err)
		}
	}
	b.sync("g")
	if f.Len() != 0 || f.MaxBatch(googletest.MethodBatchDelete) != 500 {
		t.Fatalf("Google has %d left; largest delete batch %d", f.Len(), f.MaxBatch(googletest.MethodBatchDelete))
	}
}

// TestEnginePhotos: photos go both ways through the photo endpoints;
// Google's placeholder is never taken.
func TestEnginePhotos(t *testing.T) {
	f := newFake(t, googletest.Options{})
	withPhoto := f.Add(person("Pia", "Photo", ""))
	f.SetPhoto(withPhoto, pngBytes)
	f.Add(person("Nop", "Placeholder", ""))
	b := newBook(t, map[string]*googletest.Server{"g": f})
	local := b.create(&store.Human{FirstName: "Lou", LastName: "Local"})
	if _, err := b.st.SetPhoto(ctx, local.ID, jpegBytes, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	b.sync("g")
	live := b.live()
	if live["Nop"].PhotoHash != "" {
		t.Fatal("Google's placeholder was stored as a photo")
	}
	data, _, err := b.st.Photo(ctx, live["Pia"].PhotoHash)
	if err != nil || string(data) != string(pngBytes) {
		t.Fatalf("Pia's photo: %q %v", data, err)
	}
	lou := googlePerson(t, f, "Lou")
	if string(f.Photo(lou.ResourceName)) != string(jpegBytes) {
		t.Fatalf("Lou's photo in Google: %q", f.Photo(lou.ResourceName))
	}
	if f.Count(googletest.MethodUpdatePhoto) != 1 {
		t.Fatalf("%d photo uploads", f.Count(googletest.MethodUpdatePhoto))
	}
	// Changed in Google: changed here.
	f.SetPhoto(withPhoto, jpegBytes)
	b.sync("g")
	data, _, err = b.st.Photo(ctx, b.live()["Pia"].PhotoHash)
	if err != nil || string(data) != string(jpegBytes) {
		t.Fatalf("Pia's new photo: %q %v", data, err)
	}
	// Removed here: removed there.
	if _, err := b.st.SetPhoto(ctx, local.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	b.sync("g")
	if f.Photo(lou.ResourceName) != nil {
		t.Fatal("the removed photo is still in Google")
	}
	f.ResetCounts()
	b.sync("g")
	b.sync("g")
	if f.Mutations() != 0 || f.Count(googletest.MethodPhoto) != 0 {
		t.Fatalf("settled photos: %d mutations, %d downloads", f.Mutations(), f.Count(googletest.MethodPhoto))
	}
}

// TestEngineSignIn: a revoked authorization puts the account in the
// "sign in again" state, without a token in the error.
func TestEngineSignIn(t *testing.T) {
	f := newFake(t, googletest.Options{Token: "access-secret-9", RefreshToken: "refresh-secret-8"})
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.client["g"] = oauthClient(t, f, "refresh-secret-8")
	b.sync("g")
	f.Revoke()
	b.client["g"] = oauthClient(t, f, "refresh-secret-8") // a new job refreshes
	_, err := b.eng.Run(ctx, "g")
	if !errors.Is(err, sync.ErrSignIn) {
		t.Fatalf("sync after the revocation: %v", err)
	}
	st, err := b.eng.Status(ctx, "g")
	if err != nil || !st.NeedsSignIn {
		t.Fatalf("status %+v, %v", st, err)
	}
	acc, _ := b.st.GetSyncAccount(ctx, "g")
	for _, s := range []string{st.LastError, acc.LastError} {
		if s == "" || strings.Contains(s, "secret") {
			t.Fatalf("last error %q", s)
		}
	}
}

// TestEngineMassDeletionWaits: Google suddenly missing most contacts
// (here deleted) is not applied without the person's word.
func TestEngineMassDeletionWaits(t *testing.T) {
	f := newFake(t, googletest.Options{})
	var rns []string
	for i := range 40 {
		rns = append(rns, f.Add(person(fmt.Sprintf("M%02d", i), "Mass", "")))
	}
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.sync("g")
	for _, rn := range rns[:36] {
		f.Remove(rn)
	}
	b.sync("g")
	if n := len(b.names()); n != 40 {
		t.Fatalf("the book has %d contacts: deletions applied without confirmation", n)
	}
	st, _ := b.eng.Status(ctx, "g")
	if st.PendingDeletions != 36 {
		t.Fatalf("pending deletions %d", st.PendingDeletions)
	}
}

// TestEngineWriteDelay: Google lists a write only minutes after it was
// made. A full listing (the sync token expired) right after a create
// misses the new contact: it must not be taken as deleted.
func TestEngineWriteDelay(t *testing.T) {
	var mu stdsync.Mutex
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	later := func(d time.Duration) {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
	}
	f := newFake(t, googletest.Options{WriteDelay: 5 * time.Minute, Now: clock})
	f.Add(person("Old", "One", ""))
	later(10 * time.Minute)
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.sync("g")
	b.create(&store.Human{FirstName: "Fresh", LastName: "Write"})
	b.sync("g")
	f.ExpireSyncTokens()
	b.sync("g")
	if got := b.names(); len(got) != 2 {
		t.Fatalf("book after a full listing that missed a recent write: %v", got)
	}
	later(10 * time.Minute)
	b.sync("g")
	b.sync("g")
	if got := b.names(); len(got) != 2 || f.Len() != 2 || f.Made() != 2 {
		t.Fatalf("book %v, Google %d (made %d)", got, f.Len(), f.Made())
	}
}

// TestEngineCrashAfterCreateBatch: a sync killed after Google created a
// batch of contacts and before their links were saved, run again after a
// restart, recognises them by their UIDs (they all have the same name):
// no contact twice.
func TestEngineCrashAfterCreateBatch(t *testing.T) {
	f := newFake(t, googletest.Options{})
	b := newBook(t, map[string]*googletest.Server{"g": f})
	for i := range 5 {
		b.create(&store.Human{FirstName: "Cee", LastName: "Crash", Notes: fmt.Sprint(i)})
	}
	b.hook = func(point string) error {
		if point == "push-create-batch" || point == "push-create" {
			return errors.New("killed")
		}
		return nil
	}
	if _, err := b.eng.Run(ctx, "g"); err == nil {
		t.Fatal("the killed sync succeeded")
	}
	if f.Len() != 5 {
		t.Fatalf("Google has %d contacts before the rerun", f.Len())
	}
	b.hook = nil
	b.st.Close()
	b.open()
	b.sync("g")
	b.sync("g")
	ids, _ := b.st.QueryIDs(ctx, store.Query{})
	if f.Len() != 5 || f.Made() != 5 || len(ids) != 5 {
		t.Fatalf("Google %d (made %d), book %d", f.Len(), f.Made(), len(ids))
	}
	for _, id := range ids {
		h, _ := b.st.GetHuman(ctx, id)
		l, err := b.st.SyncLinkByLocal(ctx, "g", id)
		if err != nil || l == nil {
			t.Fatalf("contact %s not mapped", h.Notes)
		}
		if p, _ := f.Person(l.RemoteID); len(p.Biographies) != 1 || p.Biographies[0].Value != h.Notes {
			t.Fatalf("contact %s mapped to %s", h.Notes, jsonOf(p))
		}
	}
	f.ResetCounts()
	b.sync("g")
	if f.Mutations() != 0 {
		t.Fatal("the recovered contacts are sent again")
	}
}

// TestEngineGoogleMerge: two contacts merged in Google's UI arrive as an
// update of one and the deletion of the other; the book ends with the
// merged contact, nothing comes back.
func TestEngineGoogleMerge(t *testing.T) {
	f := newFake(t, googletest.Options{})
	a := f.Add(person("Max", "Merge", "max@work.example"))
	dup := f.Add(person("Maxi", "Merge", "max@home.example"))
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.sync("g")
	f.Edit(a, func(p *people.Person) {
		p.EmailAddresses = append(p.EmailAddresses, &people.EmailAddress{Value: "max@home.example"})
	})
	f.Remove(dup)
	b.sync("g")
	if got := b.names(); len(got) != 1 || got[0] != "Max" || len(b.live()["Max"].Emails) != 2 {
		t.Fatalf("book: %v", got)
	}
	f.ResetCounts()
	b.sync("g")
	if f.Len() != 1 || f.Mutations() != 0 {
		t.Fatalf("Google %d contacts, %d mutations", f.Len(), f.Mutations())
	}
}

// editDuring is a transport that, on the first write request, has the
// contact edited in Google first (as if someone edited it in Google's UI
// between the sync's pull and its push).
type editDuring struct {
	base http.RoundTripper
	edit func()
	done bool
}

func (e *editDuring) RoundTrip(r *http.Request) (*http.Response, error) {
	if !e.done && r.Method != http.MethodGet {
		e.done = true
		e.edit()
	}
	return e.base.RoundTrip(r)
}

// TestEngineEtagRace: the etag Google refuses (failedPrecondition) makes
// the engine read the contact again, merge and send again: both edits
// survive, nothing is overwritten blindly.
func TestEngineEtagRace(t *testing.T) {
	f := newFake(t, googletest.Options{})
	rn := f.Add(person("Eve", "Etag", "eve@example.org"))
	b := newBook(t, map[string]*googletest.Server{"g": f})
	b.sync("g")
	eve := b.live()["Eve"]
	if _, err := b.st.UpdateHuman(ctx, eve.ID, store.HumanPatch{Department: ptr("Research")}, ""); err != nil {
		t.Fatal(err)
	}
	b.client["g"] = &http.Client{Transport: &editDuring{base: f.Client().Transport, edit: func() {
		f.Edit(rn, func(p *people.Person) { p.Nicknames = []*people.Nickname{{Value: "Evie"}} })
	}}}
	b.sync("g")
	g, _ := f.Person(rn)
	if len(g.Nicknames) != 1 || len(g.Organizations) != 1 || g.Organizations[0].Department != "Research" {
		t.Fatalf("Google's Eve: %s", jsonOf(g))
	}
	if f.Count(googletest.MethodUpdate) < 2 {
		t.Fatalf("%d updates: the refused one was not sent again", f.Count(googletest.MethodUpdate))
	}
	delete(b.client, "g")
	b.sync("g")
	if got := b.live()["Eve"]; got.Nickname != "Evie" || got.Department != "Research" {
		t.Fatalf("book's Eve: %q %q", got.Nickname, got.Department)
	}
}
