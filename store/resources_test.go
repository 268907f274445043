package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestResourceNameOf(t *testing.T) {
	for _, c := range []struct {
		id   int64
		uid  string
		want string
	}{
		{1, "0b7c3f9e-7c1e-4f55-9a8f-6c2d9b1f0e11", "0b7c3f9e-7c1e-4f55-9a8f-6c2d9b1f0e11.vcf"},
		{2, "a/b", "humans-2.vcf"},
		{3, "", "humans-3.vcf"},
		{4, "urn:uuid:x", "humans-4.vcf"},
		{5, "..", "humans-5.vcf"},
	} {
		if got := ResourceNameOf(c.id, c.uid); got != c.want {
			t.Errorf("ResourceNameOf(%d, %q) = %q, want %q", c.id, c.uid, got, c.want)
		}
	}
	for name, want := range map[string]bool{"a.vcf": true, "": false, "..": false, "a/b.vcf": false, "a\nb": false, "ÿ.vcf": true} {
		if ValidResourceName(name) != want {
			t.Errorf("ValidResourceName(%q) = %v", name, !want)
		}
	}
}

func TestPutResourceCreatesAndReplaces(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, newClock())
	h, created, err := s.PutResource(ctx, ResourceWrite{
		Name:    "Phone-Chosen.vcf",
		Human:   &Human{UID: "u-1", FirstName: "Ada", LastName: "Lovelace", Emails: []Email{{Address: "ada@example.org"}}},
		Company: "Analytical Engines",
		Groups:  []string{"Friends", "friends ", "Family"},
		Photo:   pngPixel,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !created || h.ID == 0 || h.Source != SourceCardDAV || h.PhotoHash == "" || h.CompanyID == 0 || len(h.GroupIDs) != 2 {
		t.Fatalf("created=%v, stored %+v", created, h)
	}
	got, err := s.ResolveResource(ctx, "Phone-Chosen.vcf")
	if err != nil || got.ID != h.ID {
		t.Fatalf("resolve: %v %v", got, err)
	}
	// The derived name does not name it: it has a client name.
	if _, err := s.ResolveResource(ctx, "u-1.vcf"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("derived name resolved: %v", err)
	}
	// App-only data the card cannot carry.
	if _, err := s.ToggleFavorite(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	cur, _ := s.GetHuman(ctx, h.ID)
	if _, err := s.UpdateHuman(ctx, h.ID, HumanPatch{
		CustomFields: &map[string]string{"tier": "gold"},
		Extra:        &map[string][]byte{"google": []byte("g"), "vcard": []byte("VERSION:3.0\r\n")},
	}, cur.ETag); err != nil {
		t.Fatal(err)
	}
	cur, _ = s.GetHuman(ctx, h.ID)

	// A stale etag changes nothing.
	if _, _, err := s.PutResource(ctx, ResourceWrite{Name: "Phone-Chosen.vcf", Human: &Human{UID: "u-1", FirstName: "X"}, IfMatch: h.ETag}); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale If-Match: %v", err)
	}
	if _, _, err := s.PutResource(ctx, ResourceWrite{Name: "Phone-Chosen.vcf", Human: &Human{UID: "u-1", FirstName: "X"}, MustNotExist: true}); !errors.Is(err, ErrConflict) {
		t.Fatalf("If-None-Match on an existing name: %v", err)
	}
	rev := s.Revision()
	h2, created, err := s.PutResource(ctx, ResourceWrite{
		Name:    "Phone-Chosen.vcf",
		Human:   &Human{UID: "u-1", FirstName: "Ada", LastName: "King", Extra: map[string][]byte{"vcard": []byte("VERSION:4.0\r\nX-A:1\r\n")}},
		IfMatch: cur.ETag,
	})
	if err != nil {
		t.Fatal(err)
	}
	if created || h2.ID != h.ID || h2.LastName != "King" || len(h2.Emails) != 0 || h2.CompanyID != 0 || len(h2.GroupIDs) != 0 || h2.PhotoHash != "" {
		t.Fatalf("replace: created=%v %+v", created, h2)
	}
	if !h2.IsFavorite || h2.CustomFields["tier"] != "gold" || string(h2.Extra["google"]) != "g" || string(h2.Extra["vcard"]) != "VERSION:4.0\r\nX-A:1\r\n" || !h2.CreatedAt.Equal(h.CreatedAt) {
		t.Fatalf("app-only data lost: %+v", h2)
	}
	if _, _, err := s.Photo(ctx, h.PhotoHash); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the dropped photo is still stored: %v", err)
	}
	ch, _, err := s.ChangesSince(ctx, rev)
	if err != nil || len(ch) != 1 || ch[0].ID != h.ID {
		t.Fatalf("changes after the replace: %+v %v", ch, err)
	}
}

func TestPutResourceUIDRules(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, newClock())
	app := mustCreate(t, s, &Human{UID: "app-made", FirstName: "Grace"})
	// A contact made in the app is known by its UID.
	got, err := s.ResolveResource(ctx, "app-made.vcf")
	if err != nil || got.ID != app.ID {
		t.Fatalf("derived name: %v %v", got, err)
	}
	var uc *UIDConflictError
	if _, _, err := s.PutResource(ctx, ResourceWrite{Name: "other.vcf", Human: &Human{UID: "app-made", FirstName: "G"}}); !errors.As(err, &uc) || uc.Name != "app-made.vcf" {
		t.Fatalf("UID of another resource: %v", err)
	}
	if _, _, err := s.PutResource(ctx, ResourceWrite{Name: "app-made.vcf", Human: &Human{UID: "changed", FirstName: "G"}}); !errors.Is(err, ErrUIDConflict) {
		t.Fatalf("UID change: %v", err)
	}
	if _, _, err := s.PutResource(ctx, ResourceWrite{Name: "a/b", Human: &Human{FirstName: "G"}}); err == nil {
		t.Fatal("a name with a slash was accepted")
	}
	// Invalid content: nothing written, no company created.
	rev := s.Revision()
	if _, _, err := s.PutResource(ctx, ResourceWrite{Name: "bad.vcf", Company: "New Co", Human: &Human{FirstName: "B", Emails: []Email{{Address: "not an address"}}}}); err == nil {
		t.Fatal("invalid e-mail accepted")
	}
	if s.Revision() != rev {
		t.Fatalf("a failed put moved the revision %d → %d", rev, s.Revision())
	}
	// Trash: the name is gone for GET, a PUT brings the contact back.
	if err := s.TrashHuman(ctx, app.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ResolveResource(ctx, "app-made.vcf"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("trashed contact resolves: %v", err)
	}
	back, created, err := s.PutResource(ctx, ResourceWrite{Name: "app-made.vcf", Human: &Human{UID: "app-made", FirstName: "Grace", LastName: "Hopper"}, MustNotExist: true})
	if err != nil || !created || back.ID != app.ID || back.DeletedAt != nil {
		t.Fatalf("put over the trash: %v created=%v %+v", err, created, back)
	}
	// Deleted for good: the name is still known, for sync.
	if err := s.DeleteHuman(ctx, app.ID); err != nil {
		t.Fatal(err)
	}
	names, err := s.ResourceNames(ctx, []int64{app.ID, 999})
	if err != nil || names[app.ID] != "app-made.vcf" || len(names) != 1 {
		t.Fatalf("names after delete: %v %v", names, err)
	}
}

func TestLiveResources(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, newClock())
	a := mustCreate(t, s, &Human{UID: "a", FirstName: "A"})
	b, _, err := s.PutResource(ctx, ResourceWrite{Name: "chosen.vcf", Human: &Human{UID: "b", FirstName: "B"}})
	if err != nil {
		t.Fatal(err)
	}
	c := mustCreate(t, s, &Human{UID: "c", FirstName: "C"})
	if err := s.TrashHuman(ctx, c.ID, ""); err != nil {
		t.Fatal(err)
	}
	res, err := s.LiveResources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Resource{{Name: "a.vcf", ID: a.ID, Revision: a.Revision}, {Name: "chosen.vcf", ID: b.ID, Revision: b.Revision}}
	if !slices.Equal(res, want) {
		t.Fatalf("LiveResources = %+v, want %+v", res, want)
	}
	if rev, live, ok := s.HumanRevision(c.ID); !ok || live || rev == 0 {
		t.Fatalf("HumanRevision of a trashed contact: %d %v %v", rev, live, ok)
	}
}

// TestPutResourceBatches: concurrent puts share transactions, and one
// invalid put neither fails nor undoes the others.
func TestPutResourceBatches(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, newClock())
	const n = 40
	errs := make(chan error, n)
	for i := range n {
		go func() {
			h := &Human{UID: fmt.Sprintf("b-%d", i), FirstName: "Batch", LastName: fmt.Sprint(i)}
			if i%10 == 3 {
				h.Emails = []Email{{Address: "not an address"}}
			}
			_, created, err := s.PutResource(ctx, ResourceWrite{Name: fmt.Sprintf("b-%d.vcf", i), Human: h, Company: "Shared Co", MustNotExist: true})
			if err == nil && !created {
				err = fmt.Errorf("put %d not created", i)
			}
			if i%10 == 3 {
				if err == nil {
					err = fmt.Errorf("invalid put %d accepted", i)
				} else {
					err = nil
				}
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	res, err := s.LiveResources(ctx)
	if err != nil || len(res) != n-4 {
		t.Fatalf("%d resources, want %d: %v", len(res), n-4, err)
	}
	cos, _ := s.ListCompanies(ctx)
	if len(cos) != 1 {
		t.Fatalf("%d companies, want one shared", len(cos))
	}
	for _, r := range res {
		h, err := s.GetHuman(ctx, r.ID)
		if err != nil || h.CompanyID != cos[0].ID || r.Name != h.UID+".vcf" {
			t.Fatalf("%+v: %+v %v", r, h, err)
		}
	}
}
