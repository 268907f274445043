package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// normalizeQuery fills defaults and validates q.
func normalizeQuery(q *Query) error {
	v := &ValidationError{}
	switch {
	case q.Page == 0:
		q.Page = 1
	case q.Page < 0:
		v.Add("page", "must be 1 or more")
	}
	switch {
	case q.PerPage == 0:
		q.PerPage = DefaultPerPage
	case q.PerPage < 1 || q.PerPage > MaxPerPage:
		v.Add("per_page", fmt.Sprintf("must be between 1 and %d", MaxPerPage))
	}
	q.Q = strings.TrimSpace(q.Q)
	if q.Sort == "" {
		q.Sort = SortCreatedAt
		if q.Q != "" {
			q.Sort = SortRelevance
		}
	}
	switch {
	case q.Sort == SortRelevance && q.Q == "":
		v.Add("sort", "relevance needs a search text (q)")
	case q.Sort != SortRelevance && !slices.Contains(SortKeys, q.Sort):
		v.Add("sort", fmt.Sprintf("must be one of created_at, updated_at, first_name, last_name, display_name (got %q)", q.Sort))
	}
	q.Order = Order(strings.ToLower(string(q.Order)))
	if q.Order == "" {
		q.Order = Asc
		if q.Sort == SortCreatedAt || q.Sort == SortUpdatedAt || q.Sort == SortRelevance {
			q.Order = Desc
		}
	} else if q.Order != Asc && q.Order != Desc {
		v.Add("order", fmt.Sprintf("must be asc or desc (got %q)", q.Order))
	}
	if q.Source != "" && !q.Source.Valid() {
		v.Add("source", fmt.Sprintf("must be one of manual, google, hub, carddav, import (got %q)", q.Source))
	}
	if q.CompanyID < 0 {
		v.Add("company_id", "must be a positive id")
	}
	if q.GroupID < 0 {
		v.Add("group_id", "must be a positive id")
	}
	return v.OrNil()
}

// filter returns the test of q's field filters (favourite, source,
// company, group), or nil when q has none.
func (q Query) filter() func(r *indexRecord) bool {
	if q.IsFavorite == nil && q.Source == "" && q.CompanyID == 0 && q.GroupID == 0 {
		return nil
	}
	return func(r *indexRecord) bool {
		if q.IsFavorite != nil && r.IsFavorite != *q.IsFavorite {
			return false
		}
		if q.Source != "" && r.Source != q.Source {
			return false
		}
		if q.CompanyID != 0 && r.CompanyID != q.CompanyID {
			return false
		}
		if q.GroupID != 0 && !slices.Contains(r.GroupIDs, q.GroupID) {
			return false
		}
		return true
	}
}

func keepAll(*indexRecord) bool { return true }

// selectRecords returns the records q selects, in q's order, without
// paging. The caller holds the index read lock.
func (ix *index) selectRecords(q Query) []*indexRecord {
	if q.Trashed || q.Q != "" {
		return ix.selectMatches(q)
	}
	out := make([]*indexRecord, 0, len(ix.orders[q.Sort]))
	ix.walkOrder(q, func(r *indexRecord) bool {
		out = append(out, r)
		return true
	})
	return out
}

// walkOrder calls fn with the live records q's filters keep, in q's sort
// order and direction, until fn returns false. It reads the sort order in
// place: no copy, no sort.
func (ix *index) walkOrder(q Query, fn func(r *indexRecord) bool) {
	order := ix.orders[q.Sort]
	keep := q.filter()
	for i := range order {
		r := order[i]
		if q.Order == Desc {
			r = order[len(order)-1-i]
		}
		if keep != nil && !keep(r) {
			continue
		}
		if !fn(r) {
			return
		}
	}
}

// selectMatches selects from the trash or by a search text, where the
// selection must be collected and sorted.
func (ix *index) selectMatches(q Query) []*indexRecord {
	keep := q.filter()
	if keep == nil {
		keep = keepAll
	}
	if q.Trashed {
		var out []*indexRecord
		for _, r := range ix.recs {
			if !r.live() && keep(r) && (q.Q == "" || matchesTrashed(r, q.Q)) {
				out = append(out, r)
			}
		}
		slices.SortFunc(out, func(a, b *indexRecord) int {
			return cmp.Or(cmp.Compare(b.DeletedAt, a.DeletedAt), cmp.Compare(a.ID, b.ID))
		})
		return out
	}
	ms := ix.matches(q.Q, keep)
	out := make([]*indexRecord, len(ms))
	if q.Sort == SortRelevance {
		slices.SortFunc(ms, byRelevance)
		for i, m := range ms {
			out[i] = m.r
		}
		if q.Order == Asc {
			slices.Reverse(out)
		}
		return out
	}
	for i, m := range ms {
		out[i] = m.r
	}
	slices.SortFunc(out, compareBy(q.Sort))
	if q.Order == Desc {
		slices.Reverse(out)
	}
	return out
}

// matchesTrashed is the search of the trash: a plain substring test of
// the folded name, e-mail and phone, since the trash is small and not in
// the search index.
func matchesTrashed(r *indexRecord, q string) bool {
	fq := foldText(q)
	return strings.Contains(r.SortDisplay, fq) || strings.Contains(foldText(r.PrimaryEmail), fq) ||
		(digitsOnly(q) != "" && strings.Contains(digitsOnly(r.PrimaryPhone), digitsOnly(q)))
}

// pageOf returns the ids of page q.Page of the selection, and the total.
func (ix *index) pageOf(q Query) (ids []int64, total int) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	start := (q.Page - 1) * q.PerPage
	if q.Trashed || q.Q != "" {
		recs := ix.selectMatches(q)
		for i := start; i < start+q.PerPage && i < len(recs); i++ {
			ids = append(ids, recs[i].ID)
		}
		return ids, len(recs)
	}
	if q.filter() == nil {
		// A page straight out of a sort order.
		order := ix.orders[q.Sort]
		for i := start; i < start+q.PerPage && i < len(order); i++ {
			j := i
			if q.Order == Desc {
				j = len(order) - 1 - i
			}
			ids = append(ids, order[j].ID)
		}
		return ids, len(order)
	}
	counted, known := ix.countFiltered(q)
	ix.walkOrder(q, func(r *indexRecord) bool {
		if total >= start && total < start+q.PerPage {
			ids = append(ids, r.ID)
		}
		total++
		// With the total known, stop once the page is full.
		return !known || total < start+q.PerPage
	})
	if known {
		total = counted
	}
	return ids, total
}

// countFiltered returns the number of live contacts a query with a single
// field filter selects, from the counters the index keeps; ok is false
// for combinations, which must be counted by walking.
func (ix *index) countFiltered(q Query) (n int, ok bool) {
	filters := 0
	for _, set := range []bool{q.IsFavorite != nil, q.Source != "", q.CompanyID != 0, q.GroupID != 0} {
		if set {
			filters++
		}
	}
	if filters != 1 {
		return 0, false
	}
	switch {
	case q.IsFavorite != nil && *q.IsFavorite:
		return ix.favorites, true
	case q.IsFavorite != nil:
		return len(ix.orders[SortCreatedAt]) - ix.favorites, true
	case q.Source != "":
		return ix.sourceCounts[q.Source], true
	case q.CompanyID != 0:
		return len(ix.byCompany[q.CompanyID]), true
	default:
		return ix.groupCounts[q.GroupID], true
	}
}

// ListHumans returns one page of the contacts q selects, with the Hub
// API's pagination numbers.
func (s *Store) ListHumans(ctx context.Context, q Query) (Page, error) {
	if err := normalizeQuery(&q); err != nil {
		return Page{}, err
	}
	ids, total := s.idx.pageOf(q)
	humans, err := s.getHumans(ids)
	if err != nil {
		return Page{}, err
	}
	return Page{
		Humans:     humans,
		Page:       q.Page,
		PerPage:    q.PerPage,
		Total:      total,
		TotalPages: (total + q.PerPage - 1) / q.PerPage,
	}, nil
}

// getHumans reads the contacts with ids in one transaction, skipping any
// deleted since the ids were chosen.
func (s *Store) getHumans(ids []int64) ([]*Human, error) {
	humans := make([]*Human, 0, len(ids))
	err := s.view(func(tx *bolt.Tx) error {
		for _, id := range ids {
			h, err := getHumanTx(tx, id)
			if err != nil {
				if isNotFound(err) {
					continue
				}
				return err
			}
			humans = append(humans, h)
		}
		return nil
	})
	return humans, err
}

// QueryIDs returns the ids of every contact q selects, in q's order;
// Page and PerPage are ignored. A window's virtual list reads these and
// then one Summary per visible row.
func (s *Store) QueryIDs(ctx context.Context, q Query) ([]int64, error) {
	q.Page, q.PerPage = 1, 1
	if err := normalizeQuery(&q); err != nil {
		return nil, err
	}
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	recs := s.idx.selectRecords(q)
	ids := make([]int64, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return ids, nil
}

// HumansByID reads the contacts with ids (live or trashed) in one
// transaction, in order; ids that name no contact are skipped.
func (s *Store) HumansByID(ctx context.Context, ids []int64) ([]*Human, error) {
	return s.getHumans(ids)
}

// CompanyName returns the name of company id, from memory; "" if none.
func (s *Store) CompanyName(id int64) string {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	return s.idx.companies[id]
}

// GroupName returns the name of group id, from memory; "" if none.
func (s *Store) GroupName(id int64) string {
	s.idx.mu.RLock()
	defer s.idx.mu.RUnlock()
	return s.idx.groups[id]
}

// SearchReady returns a channel closed once the search index of the last
// open (or restore) is built. Searches work before that, scanning the
// records instead.
func (s *Store) SearchReady() <-chan struct{} { return s.idx.ready() }

// Summary returns the list-row data of a contact, from memory.
func (s *Store) Summary(id int64) (Summary, bool) { return s.idx.summary(id) }

// Search finds live contacts whose names, nickname, company, e-mail
// addresses or phone digits match q, best matches first. Every word of q
// must match the start of a word of the contact ("zoe" finds "Zoë",
// "nunez" finds "Núñez"); a run of digits matches anywhere in a phone
// number ("0612" finds "+33 6 12 34 56 78").
func (s *Store) Search(ctx context.Context, q string, limit int) ([]*Human, error) {
	ids, err := s.SearchIDs(ctx, q, limit)
	if err != nil {
		return nil, err
	}
	return s.getHumans(ids)
}

// SearchIDs is Search returning only ids.
func (s *Store) SearchIDs(ctx context.Context, q string, limit int) ([]int64, error) {
	v := &ValidationError{}
	q = strings.TrimSpace(q)
	if utf8.RuneCountInString(q) < MinSearchLength {
		v.Add("q", fmt.Sprintf("must be at least %d characters", MinSearchLength))
	}
	switch {
	case limit == 0:
		limit = DefaultSearchLimit
	case limit < 1 || limit > MaxSearchLimit:
		v.Add("limit", fmt.Sprintf("must be between 1 and %d", MaxSearchLimit))
	}
	if err := v.OrNil(); err != nil {
		return nil, err
	}
	s.idx.mu.RLock()
	top := topMatches(s.idx.matches(q, func(*indexRecord) bool { return true }), limit)
	s.idx.mu.RUnlock()
	recs := make([]*indexRecord, len(top))
	for i, m := range top {
		recs[i] = m.r
	}
	ids := make([]int64, len(recs))
	for i, r := range recs {
		ids[i] = r.ID
	}
	return ids, nil
}
