package google_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/google/googletest"
)

func contacts(n int, prefix string) []sync.Contact {
	var cs []sync.Contact
	for i := range n {
		cs = append(cs, sync.Contact{UID: fmt.Sprintf("%s-%d", prefix, i), FirstName: fmt.Sprintf("%s%d", prefix, i),
			Emails: []store.Email{{Address: fmt.Sprintf("%s%d@example.org", prefix, i)}}})
	}
	return cs
}

func TestBatches(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := newProvider(t, f)
	create, update, del := p.BatchLimits()
	if create != 200 || update != 200 || del != 500 {
		t.Fatalf("limits %d %d %d", create, update, del)
	}
	if _, err := p.CreateBatch(ctx, contacts(201, "x")); err == nil {
		t.Fatal("201 creates accepted")
	}
	cs := contacts(200, "b")
	cs[7].Groups = []string{"Batch label"}
	res, err := p.CreateBatch(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	if f.Count(googletest.MethodBatchCreate) != 1 || f.MaxBatch(googletest.MethodBatchCreate) != 200 || f.Len() != 200 {
		t.Fatalf("%d batch calls, largest %d, %d contacts", f.Count(googletest.MethodBatchCreate), f.MaxBatch(googletest.MethodBatchCreate), f.Len())
	}
	for i, r := range res {
		if r.Err != nil || !r.Remote.Contact.Equal(cs[i]) || r.Remote.Contact.UID != cs[i].UID {
			t.Fatalf("result %d: %+v", i, r)
		}
	}

	// Updates: two sets of changed fields make two calls; unchanged
	// contacts are not sent.
	var items []sync.BatchUpdate
	for i, r := range res[:30] {
		c := r.Remote.Contact.Clone()
		switch {
		case i < 10:
			c.Nickname = "n"
		case i < 20:
			c.Phones = []store.Phone{{Number: "+33 6 00 00 00 " + fmt.Sprintf("%02d", i)}}
		}
		items = append(items, sync.BatchUpdate{ID: r.Remote.ID, ETag: r.Remote.ETag, Contact: c, Base: r.Remote.Contact})
	}
	ures, err := p.UpdateBatch(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	if n := f.Count(googletest.MethodBatchUpdate); n != 2 {
		t.Fatalf("%d update calls, want 2 (one per set of fields)", n)
	}
	for i, r := range ures {
		if r.Err != nil || !r.Remote.Contact.Equal(items[i].Contact) {
			t.Fatalf("update result %d: %+v", i, r)
		}
		if (i < 20) == (r.Remote.ETag == items[i].ETag) {
			t.Fatalf("update %d: etag moved=%v", i, r.Remote.ETag != items[i].ETag)
		}
	}

	// A stale etag in a batch: Google refuses the call; the contacts are
	// sent one by one and only the stale one fails.
	stale := []sync.BatchUpdate{}
	for i := range 5 {
		c := ures[i].Remote.Contact.Clone()
		c.Notes = "again"
		etag := ures[i].Remote.ETag
		if i == 2 {
			etag = items[i].ETag // from before the last update
		}
		stale = append(stale, sync.BatchUpdate{ID: ures[i].Remote.ID, ETag: etag, Contact: c, Base: ures[i].Remote.Contact})
	}
	sres, err := p.UpdateBatch(ctx, stale)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range sres {
		if (i == 2) != errors.Is(r.Err, sync.ErrPrecondition) {
			t.Fatalf("stale batch result %d: %v", i, r.Err)
		}
	}

	// A transient failure of the call is the batch's, nothing was done.
	f.FailNext(googletest.MethodBatchUpdate, 503, 1)
	var re *sync.RetryError
	if _, err := p.UpdateBatch(ctx, stale[:1]); !errors.As(err, &re) {
		t.Fatalf("update batch after a 503: %v", err)
	}

	// Deletes: 500 at most; a contact gone already refuses the batch,
	// and nothing of it is done.
	if err := p.DeleteBatch(ctx, make([]string, 501)); err == nil {
		t.Fatal("501 deletes accepted")
	}
	var ids []string
	for _, r := range res[100:] {
		ids = append(ids, r.Remote.ID)
	}
	if err := p.Delete(ctx, ids[0], ""); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteBatch(ctx, ids); !errors.Is(err, sync.ErrRemoteNotFound) {
		t.Fatalf("a batch with a contact gone: %v", err)
	}
	if f.Len() != 199 {
		t.Fatalf("a refused batch deleted %d contacts", 199-f.Len())
	}
	if err := p.DeleteBatch(ctx, ids[1:]); err != nil {
		t.Fatal(err)
	}
	if f.Len() != 100 {
		t.Fatalf("%d contacts left, want 100", f.Len())
	}
	for _, m := range []string{googletest.MethodBatchCreate, googletest.MethodBatchUpdate, googletest.MethodBatchDelete} {
		if f.MaxBatch(m) > map[string]int{googletest.MethodBatchCreate: 200, googletest.MethodBatchUpdate: 200, googletest.MethodBatchDelete: 500}[m] {
			t.Fatalf("%s sent %d", m, f.MaxBatch(m))
		}
	}
}

// TestCreateBatchRefused: a contact Google refuses in a batch refuses
// the whole call; the provider then creates them one by one, and only
// the bad one fails.
func TestCreateBatchRefused(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := newProvider(t, f)
	cs := contacts(3, "r")
	cs[1].FirstName = strings.Repeat("n", 1100) // too long for Google
	res, err := p.CreateBatch(ctx, cs)
	if err != nil {
		t.Fatal(err)
	}
	var verr *store.ValidationError
	for i, r := range res {
		if (i == 1) != errors.As(r.Err, &verr) {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if f.Len() != 2 || f.Count(googletest.MethodBatchCreate) != 1 || f.Count(googletest.MethodCreate) != 3 {
		t.Fatalf("%d contacts created, want 2 (one refused batch, then one by one)", f.Len())
	}
	if verr.Fields["name"] == "" {
		t.Fatalf("the refusal names no field: %v", verr)
	}
}

// TestUpdateBatchLabels: a label given to many contacts reads them in
// one batchGet (for their system groups) and writes them in one batch.
func TestUpdateBatchLabels(t *testing.T) {
	f := newFake(t, googletest.Options{})
	p := newProvider(t, f)
	res, err := p.CreateBatch(ctx, contacts(5, "l"))
	if err != nil {
		t.Fatal(err)
	}
	var items []sync.BatchUpdate
	for _, r := range res {
		c := r.Remote.Contact.Clone()
		c.Groups, c.IsFavorite = []string{"Bulk"}, true
		items = append(items, sync.BatchUpdate{ID: r.Remote.ID, ETag: r.Remote.ETag, Contact: c, Base: r.Remote.Contact})
	}
	f.Remove(items[3].ID)
	f.ResetCounts()
	ures, err := p.UpdateBatch(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range ures {
		if (i == 3) != errors.Is(r.Err, sync.ErrRemoteNotFound) || (i != 3 && !r.Remote.Contact.Equal(items[i].Contact)) {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if f.Count(googletest.MethodBatchGet) != 1 || f.Count(googletest.MethodGet) != 0 || f.Count(googletest.MethodBatchUpdate) != 1 {
		t.Fatalf("%d batch reads, %d reads, %d batch updates", f.Count(googletest.MethodBatchGet), f.Count(googletest.MethodGet), f.Count(googletest.MethodBatchUpdate))
	}
	person, _ := f.Person(items[0].ID)
	if len(person.Memberships) != 3 {
		t.Fatalf("memberships: %s", jsonOf(person.Memberships))
	}
}
