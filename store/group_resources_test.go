package store

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestPutGroupResource(t *testing.T) {
	ctx := context.Background()
	s, _ := openTest(t, newClock())
	a := mustCreate(t, s, &Human{UID: "a", FirstName: "A"})
	b := mustCreate(t, s, &Human{UID: "b", FirstName: "B"})
	friends, err := s.CreateGroup(ctx, &Group{Name: "Friends"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddGroupMembers(ctx, friends.ID, []int64{b.ID}); err != nil {
		t.Fatal(err)
	}
	// A card named like an existing group takes it over and sets its
	// members: Ann joins, Bob leaves.
	g, created, err := s.PutGroupResource(ctx, GroupWrite{Name: "f.vcf", UID: "g-1", GroupName: " friends ", MemberUIDs: []string{"a", "ghost"}})
	if err != nil || !created || g.ID != friends.ID || g.MemberCount != 1 {
		t.Fatalf("takeover: %+v %v %v", g, created, err)
	}
	if ha, _ := s.GetHuman(ctx, a.ID); !slices.Equal(ha.GroupIDs, []int64{friends.ID}) {
		t.Fatalf("Ann's groups %v", ha.GroupIDs)
	}
	if hb, _ := s.GetHuman(ctx, b.ID); len(hb.GroupIDs) != 0 {
		t.Fatalf("Bob's groups %v", hb.GroupIDs)
	}
	gr, err := s.ResolveGroupResource(ctx, "f.vcf")
	if err != nil || gr.ID != friends.ID || gr.UID != "g-1" || !gr.Named {
		t.Fatalf("resolve: %+v %v", gr, err)
	}
	// Preconditions and UID rules.
	if _, _, err := s.PutGroupResource(ctx, GroupWrite{Name: "f.vcf", UID: "g-1", GroupName: "Friends", MustNotExist: true}); !errors.Is(err, ErrConflict) {
		t.Fatalf("If-None-Match on an existing card: %v", err)
	}
	if _, _, err := s.PutGroupResource(ctx, GroupWrite{Name: "f.vcf", UID: "g-1", GroupName: "Friends", IfMatchRevision: gr.Revision + 100}); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale revision: %v", err)
	}
	if _, _, err := s.PutGroupResource(ctx, GroupWrite{Name: "other.vcf", UID: "g-1", GroupName: "Other"}); !errors.Is(err, ErrUIDConflict) {
		t.Fatalf("UID of another card: %v", err)
	}
	if _, err := s.CreateGroup(ctx, &Group{Name: "Work"}); err != nil {
		t.Fatal(err)
	}
	rev := s.Revision()
	if _, _, err := s.PutGroupResource(ctx, GroupWrite{Name: "f.vcf", UID: "g-1", GroupName: "Work"}); err == nil {
		t.Fatal("renamed onto another group's name")
	}
	if s.Revision() != rev {
		t.Fatal("a refused group card changed the store")
	}
	// Rename, with the right revision.
	g, created, err = s.PutGroupResource(ctx, GroupWrite{Name: "f.vcf", UID: "g-1", GroupName: "Close friends", MemberUIDs: []string{"a", "b"}, IfMatchRevision: gr.Revision})
	if err != nil || created || g.Name != "Close friends" || g.MemberCount != 2 {
		t.Fatalf("rename: %+v %v %v", g, created, err)
	}
	all, err := s.GroupResources(ctx, true)
	if err != nil || len(all) != 2 || all[0].Name != "f.vcf" || all[1].Named {
		t.Fatalf("all group resources: %+v %v", all, err)
	}
	named, _ := s.GroupResources(ctx, false)
	if len(named) != 1 {
		t.Fatalf("named group resources: %+v", named)
	}
	ch, err := s.ChangeAt(ctx, s.Revision())
	if err != nil || ch.Kind != KindGroup || ch.ID != g.ID {
		t.Fatalf("ChangeAt: %+v %v", ch, err)
	}
	if _, err := s.ChangeAt(ctx, s.Revision()+1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ChangeAt past the end: %v", err)
	}
}
