package store

import (
	"testing"
	"time"
)

func TestListUpdatedSinceIsAChangeFeedWithTombstones(t *testing.T) {
	clock := newClock()
	s, _ := openTest(t, clock)
	a := mustCreate(t, s, &Human{FirstName: "Ada"})
	b := mustCreate(t, s, &Human{FirstName: "Bob"})
	c := mustCreate(t, s, &Human{FirstName: "Carl"})
	mid := clock.Now()
	if _, err := s.UpdateHuman(ctx, a.ID, HumanPatch{Notes: ptrTo("x")}, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.TrashHuman(ctx, b.ID, ""); err != nil {
		t.Fatal(err)
	}
	ids := func(p Page) []int64 {
		var out []int64
		for _, h := range p.Humans {
			out = append(out, h.ID)
		}
		return out
	}
	p, err := s.ListUpdatedSince(ctx, time.Time{}, false, 1, 10)
	if err != nil || p.Total != 2 || ids(p)[0] != c.ID || ids(p)[1] != a.ID {
		t.Fatalf("all live, oldest change first: %v total %d, %v", ids(p), p.Total, err)
	}
	p, _ = s.ListUpdatedSince(ctx, mid, true, 1, 10)
	if got := ids(p); len(got) != 2 || got[0] != a.ID || got[1] != b.ID || p.Humans[1].DeletedAt == nil {
		t.Fatalf("since mid with tombstones: %v", got)
	}
	p, _ = s.ListUpdatedSince(ctx, mid, false, 1, 10)
	if got := ids(p); len(got) != 1 || got[0] != a.ID {
		t.Fatalf("since mid without tombstones: %v", got)
	}
	p, _ = s.ListUpdatedSince(ctx, time.Time{}, true, 2, 2)
	if got := ids(p); len(got) != 1 || got[0] != b.ID || p.TotalPages != 2 {
		t.Fatalf("page 2: %v of %d pages", got, p.TotalPages)
	}
	if _, err := s.ListUpdatedSince(ctx, time.Time{}, true, 1, 1000); err == nil {
		t.Error("per_page 1000 accepted")
	}
}

func ptrTo[T any](v T) *T { return &v }
