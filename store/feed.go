package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"
)

// ListUpdatedSince returns one page of the contacts updated at or after
// since, oldest change first (ties by id): the change feed a sync client
// pages through. With trashed, contacts in the trash are listed too
// (DeletedAt set) as tombstones; a contact deleted for good is not.
func (s *Store) ListUpdatedSince(ctx context.Context, since time.Time, trashed bool, page, perPage int) (Page, error) {
	q := Query{Page: page, PerPage: perPage}
	if err := normalizeQuery(&q); err != nil {
		return Page{}, err
	}
	from := since.UnixNano()
	if since.IsZero() {
		from = 0
	}
	ix := s.idx
	ix.mu.RLock()
	// The live contacts come from the updated_at order (ascending, ties
	// by id): a binary search finds the first; the trash is scanned.
	order := ix.orders[SortUpdatedAt]
	at := sort.Search(len(order), func(i int) bool { return order[i].UpdatedAt >= from })
	sel := order[at:]
	if trashed {
		var dead []*indexRecord
		for _, r := range ix.recs {
			if !r.live() && r.UpdatedAt >= from {
				dead = append(dead, r)
			}
		}
		if len(dead) > 0 {
			slices.SortFunc(dead, compareBy(SortUpdatedAt))
			sel = mergeSorted(slices.Clone(sel), dead, compareBy(SortUpdatedAt))
		}
	}
	total := len(sel)
	start := (q.Page - 1) * q.PerPage
	var ids []int64
	for i := start; i < start+q.PerPage && i < total; i++ {
		ids = append(ids, sel[i].ID)
	}
	ix.mu.RUnlock()
	humans, err := s.getHumans(ids)
	if err != nil {
		return Page{}, fmt.Errorf("store: listing changes: %w", err)
	}
	return Page{Humans: humans, Page: q.Page, PerPage: q.PerPage, Total: total,
		TotalPages: (total + q.PerPage - 1) / q.PerPage}, nil
}
