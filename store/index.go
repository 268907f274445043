package store

import (
	"cmp"
	"slices"
	"strings"
	"sync"
)

// index holds the in-memory view of the book that listing, sorting,
// filtering and searching read: one indexRecord per contact (live or in
// the trash), the live contacts in every sort order, and the search
// postings. It is rebuilt from the summaries bucket on open and updated
// after every committed write.

// postings maps folded tokens of the live contacts to their ids.
type postings struct {
	name  map[string][]int64 // tokens of names and nickname
	other map[string][]int64 // pieces of e-mail addresses
	// list is every key of name, other and the index's companyTokens,
	// sorted, for prefix lookups.
	list []string
}
type index struct {
	mu sync.RWMutex

	recs map[int64]*indexRecord // every contact, live and trashed

	// orders holds the live contacts sorted ascending by each sort key.
	orders map[SortKey][]*indexRecord

	// post is the search index. It is built in the background after a
	// load, so that opening a large book does not wait for it; until it
	// is ready post is nil, searches scan the records, and applied
	// changes queue in pending.
	post      *postings
	pending   []humanDelta
	gen       uint64        // counts loads; a stale build is dropped
	postReady chan struct{} // closed when post is ready for this load
	// beforeInstall, when set (tests), runs in the build goroutine before
	// it installs the postings.
	beforeInstall func()

	companies     map[int64]string   // id → name
	companyTokens map[string][]int64 // folded token → company ids
	byCompany     map[int64][]int64  // company id → live members

	groups      map[int64]string // id → name
	groupCounts map[int64]int    // live members per group

	favorites    int            // live favourites
	sourceCounts map[Source]int // live contacts per source

	blobHolder // phone digits for digit searches, rebuilt lazily

	maxID int64 // the largest contact id ever indexed

	matching *matchIndex // nil until FindMatch first needs it
}

func newIndex() *index {
	ix := &index{
		recs:          make(map[int64]*indexRecord),
		orders:        make(map[SortKey][]*indexRecord, len(SortKeys)),
		post:          &postings{name: map[string][]int64{}, other: map[string][]int64{}},
		postReady:     closedChan(),
		companies:     make(map[int64]string),
		companyTokens: make(map[string][]int64),
		byCompany:     make(map[int64][]int64),
		groups:        make(map[int64]string),
		groupCounts:   make(map[int64]int),
		sourceCounts:  make(map[Source]int),
	}
	return ix
}

// compareBy returns the ascending order of key. Ties are broken by id so
// every order is total and pages are stable.
func compareBy(key SortKey) func(a, b *indexRecord) int {
	switch key {
	case SortUpdatedAt:
		return func(a, b *indexRecord) int {
			if a.UpdatedAt != b.UpdatedAt {
				return cmp.Compare(a.UpdatedAt, b.UpdatedAt)
			}
			return cmp.Compare(a.ID, b.ID)
		}
	case SortFirstName:
		return func(a, b *indexRecord) int {
			if c := compareKey(a.prefixFirst, b.prefixFirst, a.SortFirst, b.SortFirst); c != 0 {
				return c
			}
			if c := compareKey(a.prefixLast, b.prefixLast, a.SortLast, b.SortLast); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		}
	case SortLastName:
		return func(a, b *indexRecord) int {
			if c := compareKey(a.prefixLast, b.prefixLast, a.SortLast, b.SortLast); c != 0 {
				return c
			}
			if c := compareKey(a.prefixFirst, b.prefixFirst, a.SortFirst, b.SortFirst); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		}
	case SortDisplayName:
		return compareDisplay
	default: // SortCreatedAt
		return func(a, b *indexRecord) int {
			if a.CreatedAt != b.CreatedAt {
				return cmp.Compare(a.CreatedAt, b.CreatedAt)
			}
			return cmp.Compare(a.ID, b.ID)
		}
	}
}

func compareDisplay(a, b *indexRecord) int {
	if c := compareKey(a.prefixDisplay, b.prefixDisplay, a.SortDisplay, b.SortDisplay); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// compareKey compares two sort keys by their cached prefixes, and by the
// whole strings only when the prefixes are equal.
func compareKey(pa, pb uint64, a, b string) int {
	if pa != pb {
		return cmp.Compare(pa, pb)
	}
	return strings.Compare(a, b)
}

// load replaces the whole index with recs, companies and groups. Used on
// open and after a restore.
// saved, when not nil, returns sort orders saved for exactly these
// records (byID[id] is the record of id), sparing the sorts; it returns
// nil when there are none.
func (ix *index) load(recs []*indexRecord, companies map[int64]string, groups map[int64]string,
	saved func(byID []*indexRecord, live int) map[SortKey][]*indexRecord) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	fresh := newIndex()
	fresh.companies = companies
	fresh.groups = groups
	fresh.byCompany = make(map[int64][]int64, len(companies))
	for id, name := range companies {
		for _, t := range words(name) {
			fresh.companyTokens[t] = append(fresh.companyTokens[t], id)
		}
	}
	live := make([]*indexRecord, 0, len(recs))
	fresh.recs = make(map[int64]*indexRecord, len(recs))
	for _, r := range recs {
		fresh.recs[r.ID] = r
		fresh.maxID = max(fresh.maxID, r.ID)
		if r.live() {
			live = append(live, r)
		}
	}
	// Sort the orders on the other cores while this one builds the
	// search postings, unless the orders were saved at the last Close.
	var wg sync.WaitGroup
	orders := make([][]*indexRecord, len(SortKeys))
	var savedOrders map[SortKey][]*indexRecord
	if saved != nil {
		byID := make([]*indexRecord, fresh.maxID+1)
		for _, r := range recs {
			byID[r.ID] = r
		}
		savedOrders = saved(byID, len(live))
	}
	for i, key := range SortKeys {
		if savedOrders != nil {
			orders[i] = savedOrders[key]
			continue
		}
		wg.Go(func() {
			order := slices.Clone(live)
			slices.SortFunc(order, compareBy(key))
			orders[i] = order
		})
	}
	for _, r := range live {
		fresh.addLiveRefs(r)
	}
	wg.Wait()
	for i, key := range SortKeys {
		fresh.orders[key] = orders[i]
	}
	ix.recs, ix.orders = fresh.recs, fresh.orders
	ix.companies, ix.companyTokens, ix.byCompany = fresh.companies, fresh.companyTokens, fresh.byCompany
	ix.groups, ix.groupCounts = fresh.groups, fresh.groupCounts
	ix.favorites, ix.sourceCounts = fresh.favorites, fresh.sourceCounts
	ix.maxID = fresh.maxID
	ix.matching = nil
	ix.blob.Store(nil)
	ix.startPostings()
}

// addLiveRefs adds r to the counters and company membership; the caller
// holds the lock and maintains orders and postings itself.
func (ix *index) addLiveRefs(r *indexRecord) {
	for _, g := range r.GroupIDs {
		ix.groupCounts[g]++
	}
	if r.IsFavorite {
		ix.favorites++
	}
	ix.sourceCounts[r.Source]++
	if r.CompanyID != 0 {
		ix.byCompany[r.CompanyID] = append(ix.byCompany[r.CompanyID], r.ID)
	}
}

// removeLiveRefs undoes addLiveRefs.
func (ix *index) removeLiveRefs(r *indexRecord) {
	for _, g := range r.GroupIDs {
		if ix.groupCounts[g]--; ix.groupCounts[g] <= 0 {
			delete(ix.groupCounts, g)
		}
	}
	if r.IsFavorite {
		ix.favorites--
	}
	ix.sourceCounts[r.Source]--
	if r.CompanyID != 0 {
		removeID(ix.byCompany, r.CompanyID, r.ID)
	}
}

// removeID removes id from members[key], dropping the key when empty.
func removeID(members map[int64][]int64, key, id int64) {
	ids := members[key]
	if i := slices.Index(ids, id); i >= 0 {
		ids = slices.Delete(ids, i, i+1)
	}
	if len(ids) == 0 {
		delete(members, key)
	} else {
		members[key] = ids
	}
}

// removePosting removes id from postings[t] and reports whether the token
// has no posting left.
func removePosting(postings map[string][]int64, t string, id int64) bool {
	ids := postings[t]
	if i := slices.Index(ids, id); i >= 0 {
		ids = slices.Delete(ids, i, i+1)
	}
	if len(ids) == 0 {
		delete(postings, t)
		return true
	}
	postings[t] = ids
	return false
}

func (ix *index) hasToken(t string) bool {
	if _, ok := ix.post.name[t]; ok {
		return true
	}
	if _, ok := ix.post.other[t]; ok {
		return true
	}
	_, ok := ix.companyTokens[t]
	return ok
}

func (ix *index) addTokenToList(t string) {
	i, found := slices.BinarySearch(ix.post.list, t)
	if !found {
		ix.post.list = slices.Insert(ix.post.list, i, t)
	}
}

func (ix *index) dropTokenFromList(t string) {
	if ix.hasToken(t) {
		return
	}
	if i, found := slices.BinarySearch(ix.post.list, t); found {
		ix.post.list = slices.Delete(ix.post.list, i, i+1)
	}
}

// applyPostings updates the postings and the token list for deltas; the
// caller holds the lock and ix.post is set.
func (ix *index) applyPostings(deltas []humanDelta) {
	touched := make(map[string]struct{})
	for _, d := range deltas {
		if d.old != nil && d.old.live() {
			for _, t := range d.old.NameTokens {
				removePosting(ix.post.name, t, d.old.ID)
				touched[t] = struct{}{}
			}
			for _, t := range d.old.OtherTokens {
				removePosting(ix.post.other, t, d.old.ID)
				touched[t] = struct{}{}
			}
		}
		if d.new != nil && d.new.live() {
			for _, t := range d.new.NameTokens {
				ix.post.name[t] = append(ix.post.name[t], d.new.ID)
				touched[t] = struct{}{}
			}
			for _, t := range d.new.OtherTokens {
				ix.post.other[t] = append(ix.post.other[t], d.new.ID)
				touched[t] = struct{}{}
			}
		}
	}
	if len(touched) <= bulkThreshold {
		for t := range touched {
			if ix.hasToken(t) {
				ix.addTokenToList(t)
			} else {
				ix.dropTokenFromList(t)
			}
		}
		return
	}
	var newTokens []string
	gone := make(map[string]struct{})
	for t := range touched {
		if !ix.hasToken(t) {
			gone[t] = struct{}{}
		} else if _, found := slices.BinarySearch(ix.post.list, t); !found {
			newTokens = append(newTokens, t)
		}
	}
	slices.Sort(newTokens)
	list := ix.post.list
	if len(gone) > 0 {
		list = slices.DeleteFunc(list, func(t string) bool { _, ok := gone[t]; return ok })
	}
	ix.post.list = mergeSorted(list, newTokens, strings.Compare)
}

// startPostings builds the postings of the live contacts in the
// background; the caller holds the lock. Changes applied meanwhile queue
// in pending and are replayed when the build is installed.
func (ix *index) startPostings() {
	ix.gen++
	gen := ix.gen
	ix.post, ix.pending = nil, nil
	ready := make(chan struct{})
	ix.postReady = ready
	live := slices.Clone(ix.orders[SortCreatedAt])
	hook := ix.beforeInstall
	go func() {
		p := buildPostings(live)
		if hook != nil {
			hook()
		}
		ix.mu.Lock()
		defer ix.mu.Unlock()
		if ix.gen != gen {
			return // a newer load replaced this one
		}
		companyTokens := make([]string, 0, len(ix.companyTokens))
		for t := range ix.companyTokens {
			companyTokens = append(companyTokens, t)
		}
		slices.Sort(companyTokens)
		p.list = mergeSortedUnique(p.list, companyTokens)
		ix.post = p
		ix.applyPostings(ix.pending)
		ix.pending = nil
		close(ready)
	}()
}

// buildPostings indexes the tokens of live, the name postings on another
// core.
func buildPostings(live []*indexRecord) *postings {
	p := &postings{
		name:  make(map[string][]int64, len(live)/2),
		other: make(map[string][]int64, len(live)),
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for _, r := range live {
			for _, t := range r.NameTokens {
				p.name[t] = append(p.name[t], r.ID)
			}
		}
	})
	for _, r := range live {
		for _, t := range r.OtherTokens {
			p.other[t] = append(p.other[t], r.ID)
		}
	}
	wg.Wait()
	nameList := make([]string, 0, len(p.name))
	for t := range p.name {
		nameList = append(nameList, t)
	}
	otherList := make([]string, 0, len(p.other))
	for t := range p.other {
		if _, dup := p.name[t]; !dup {
			otherList = append(otherList, t)
		}
	}
	wg.Go(func() { slices.Sort(nameList) })
	slices.Sort(otherList)
	wg.Wait()
	p.list = mergeSorted(nameList, otherList, strings.Compare)
	return p
}

// mergeSortedUnique merges two sorted lists of unique strings, keeping
// each string once.
func mergeSortedUnique(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

// ready returns a channel closed once the search postings are built.
func (ix *index) ready() <-chan struct{} {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.postReady
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// humanDelta is one contact changed by a committed transaction: old is
// its record before (nil when created), new after (nil when deleted for
// good).
type humanDelta struct {
	old, new *indexRecord
}

// bulkThreshold is the number of changes in one commit above which the
// sort orders and the token list are rebuilt by one merge pass instead of
// one binary-search insertion per change.
const bulkThreshold = 32

// applyHumans updates the index after a commit.
func (ix *index) applyHumans(deltas []humanDelta) {
	if len(deltas) == 0 {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.blob.Store(nil)
	// A bulk change merges into the sort orders on every core while the
	// rest of the index takes it in.
	bulk := len(deltas) > bulkThreshold
	var merging sync.WaitGroup
	var merged [][]*indexRecord
	if bulk {
		merged = make([][]*indexRecord, len(SortKeys))
		removed, added := bulkChanges(deltas)
		for i, key := range SortKeys {
			order := ix.orders[key]
			merging.Go(func() { merged[i] = mergeOrder(order, removed, added, compareBy(key)) })
		}
	}
	if ix.post != nil {
		ix.applyPostings(deltas)
	} else {
		ix.pending = append(ix.pending, deltas...)
	}
	for _, d := range deltas {
		if ix.matching != nil {
			if d.old != nil && d.old.live() {
				ix.matching.remove(d.old)
			}
			if d.new != nil && d.new.live() {
				ix.matching.add(d.new)
			}
		}
		if d.old != nil && d.old.live() {
			ix.removeLiveRefs(d.old)
			if !bulk {
				for _, key := range SortKeys {
					ix.orders[key] = removeFromOrder(ix.orders[key], d.old, compareBy(key))
				}
			}
		}
		if d.old != nil {
			delete(ix.recs, d.old.ID)
		}
		if d.new == nil {
			continue
		}
		ix.recs[d.new.ID] = d.new
		ix.maxID = max(ix.maxID, d.new.ID)
		if d.new.live() {
			ix.addLiveRefs(d.new)
			if !bulk {
				for _, key := range SortKeys {
					ix.orders[key] = insertIntoOrder(ix.orders[key], d.new, compareBy(key))
				}
			}
		}
	}
	if !bulk {
		return
	}
	merging.Wait()
	for i, key := range SortKeys {
		ix.orders[key] = merged[i]
	}
}

// bulkChanges returns the live contacts deltas remove from the sort
// orders, by id, and the live records they add: of a contact written
// twice, or added and removed again, only the version the index holds
// once deltas are applied.
func bulkChanges(deltas []humanDelta) (removed map[int64]struct{}, added []*indexRecord) {
	removed = make(map[int64]struct{})
	last := make(map[int64]*indexRecord, len(deltas)) // what ix.recs will hold
	for _, d := range deltas {
		if d.old != nil {
			if d.old.live() {
				removed[d.old.ID] = struct{}{}
			}
			last[d.old.ID] = nil
		}
		if d.new != nil {
			last[d.new.ID] = d.new
			if d.new.live() {
				added = append(added, d.new)
			}
		}
	}
	added = slices.DeleteFunc(added, func(r *indexRecord) bool { return last[r.ID] != r })
	return removed, added
}

// mergeOrder returns order without the removed ids, with added merged in
// at their places: O(len(order) + k log k) for k added records.
func mergeOrder(order []*indexRecord, removed map[int64]struct{}, added []*indexRecord, compare func(a, b *indexRecord) int) []*indexRecord {
	kept := order
	if len(removed) > 0 {
		kept = make([]*indexRecord, 0, len(order)+len(added))
		for _, r := range order {
			if _, gone := removed[r.ID]; !gone {
				kept = append(kept, r)
			}
		}
	}
	sortedAdded := slices.Clone(added)
	slices.SortFunc(sortedAdded, compare)
	return mergeSorted(kept, sortedAdded, compare)
}

// mergeSorted merges two sorted slices into a new sorted slice.
func mergeSorted[T any](a, b []T, compare func(x, y T) int) []T {
	if len(b) == 0 {
		return a
	}
	out := make([]T, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if compare(b[j], a[i]) < 0 {
			out = append(out, b[j])
			j++
		} else {
			out = append(out, a[i])
			i++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

func insertIntoOrder(order []*indexRecord, r *indexRecord, compare func(a, b *indexRecord) int) []*indexRecord {
	i, _ := slices.BinarySearchFunc(order, r, compare)
	return slices.Insert(order, i, r)
}

func removeFromOrder(order []*indexRecord, r *indexRecord, compare func(a, b *indexRecord) int) []*indexRecord {
	i, found := slices.BinarySearchFunc(order, r, compare)
	if found && order[i].ID == r.ID {
		return slices.Delete(order, i, i+1)
	}
	// The record's keys did not match its place (should not happen);
	// fall back to a scan so the order never keeps a stale entry.
	if j := slices.IndexFunc(order, func(x *indexRecord) bool { return x.ID == r.ID }); j >= 0 {
		return slices.Delete(order, j, j+1)
	}
	return order
}

// setCompany records a company's name (name "" with deleted removes it).
func (ix *index) setCompany(id int64, name string, deleted bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if old, ok := ix.companies[id]; ok {
		for _, t := range words(old) {
			ids := ix.companyTokens[t]
			if i := slices.Index(ids, id); i >= 0 {
				ids = slices.Delete(ids, i, i+1)
			}
			if len(ids) == 0 {
				delete(ix.companyTokens, t)
				if ix.post != nil {
					ix.dropTokenFromList(t)
				}
			} else {
				ix.companyTokens[t] = ids
			}
		}
		delete(ix.companies, id)
	}
	if deleted {
		return
	}
	ix.companies[id] = name
	for _, t := range words(name) {
		ix.companyTokens[t] = append(ix.companyTokens[t], id)
		if ix.post != nil {
			ix.addTokenToList(t)
		}
	}
}

// setGroup records a group's name, or removes it.
func (ix *index) setGroup(id int64, name string, deleted bool) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if deleted {
		delete(ix.groups, id)
		delete(ix.groupCounts, id)
		return
	}
	ix.groups[id] = name
}

func (ix *index) companyExists(id int64) bool {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	_, ok := ix.companies[id]
	return ok
}

func (ix *index) record(id int64) (*indexRecord, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	r, ok := ix.recs[id]
	return r, ok
}

func (ix *index) summary(id int64) (Summary, bool) {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	r, ok := ix.recs[id]
	if !ok {
		return Summary{}, false
	}
	return ix.summaryOf(r), true
}

func (ix *index) summaryOf(r *indexRecord) Summary {
	s := Summary{
		ID:           r.ID,
		DisplayName:  r.DisplayName,
		CompanyID:    r.CompanyID,
		CompanyName:  ix.companies[r.CompanyID],
		JobTitle:     r.JobTitle,
		PrimaryEmail: r.PrimaryEmail,
		PrimaryPhone: r.PrimaryPhone,
		IsFavorite:   r.IsFavorite,
		HasPhoto:     r.HasPhoto,
		Source:       r.Source,
	}
	if r.DeletedAt != 0 {
		s.DeletedAt = timeFromNanos(r.DeletedAt)
	}
	return s
}
