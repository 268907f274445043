package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/humans-contacts/humans/app"
)

// Book is the address book over the app: the served bytes of each card
// and their ETags (cached), listings, and the changes behind the sync
// token. The HTTP handler only translates requests into calls here.
type Book struct {
	svc   *app.Service
	cache *cardCache
	trk   tracker
	ep    epochState // epoch.go
}

// NewBook returns the address book of svc; cacheBytes bounds the memory
// the encoded cards take (0: DefaultCacheBytes).
func NewBook(svc *app.Service, cacheBytes int64) *Book {
	if cacheBytes <= 0 {
		cacheBytes = DefaultCacheBytes
	}
	b := &Book{svc: svc, cache: newCardCache(cacheBytes), trk: tracker{svc: svc}}
	b.watchResets()
	return b
}

// DefaultCacheBytes bounds the encoded-card cache. A generated card takes
// about 1.2 KB in both versions (117 MB for 100,000 cards, the cache-MB
// figure of the benchmarks); cards with photos are larger, and past the
// bound a quarter of the cache is dropped at random.
const DefaultCacheBytes = 256 << 20

// Card is one contact as served: its bytes in vCard 3.0 and 4.0 and the
// strong ETag of both. One ETag covers the two versions: clients compare
// the getetag of a PROPFIND (which names no version) with the one of a
// 4.0 multiget, so the tag must name the card's state, and it is the
// SHA-256 of exactly the bytes served in either version.
type Card struct {
	Name      string
	ID        int64
	Revision  uint64
	StoreETag string // the store's etag, for If-Match in the write
	ETag      string // quoted
	Modified  time.Time
	V3, V4    []byte
	epoch     uint64
	// Group cards: Group is the group's id (ID is then -Group, to share
	// the cache), members the revision of its last membership change.
	Group   int64
	members uint64
}

// Bytes returns the card in version "3.0" or "4.0".
func (c *Card) Bytes(version string) []byte {
	if version == "4.0" {
		return c.V4
	}
	return c.V3
}

func (c *Card) size() int64 { return int64(len(c.V3)+len(c.V4)+len(c.Name)) + 160 }

func etagOf(v3, v4 []byte) string {
	h := sha256.New()
	h.Write(v3)
	h.Write([]byte{0})
	h.Write(v4)
	var sum [sha256.Size]byte
	return `"` + hex.EncodeToString(h.Sum(sum[:0])[:16]) + `"`
}

// build encodes h into a Card.
func (b *Book) build(ctx context.Context, h *app.Human, name string, epoch uint64) (*Card, error) {
	v3, err := b.svc.EncodeCard(ctx, h, "3.0", nil)
	if err != nil {
		return nil, err
	}
	v4, err := b.svc.EncodeCard(ctx, h, "4.0", nil)
	if err != nil {
		return nil, err
	}
	return &Card{Name: name, ID: h.ID, Revision: h.Revision, StoreETag: h.ETag, ETag: etagOf(v3, v4),
		Modified: h.UpdatedAt, V3: v3, V4: v4, epoch: epoch}, nil
}

// Lookup returns the live card named name, or app.ErrNotFound.
func (b *Book) Lookup(ctx context.Context, name string) (*Card, error) {
	st, err := b.trk.state(ctx)
	if err != nil {
		return nil, err
	}
	id, err := b.svc.CardID(ctx, name)
	if errors.Is(err, app.ErrNotFound) {
		return b.lookupGroup(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	if rev, live, ok := b.svc.HumanRevision(id); ok && live {
		if c := b.cache.get(id); c != nil && c.Revision == rev && c.epoch == st.epoch && c.Name == name {
			return c, nil
		}
	}
	h, err := b.svc.Human(ctx, id)
	if err != nil {
		return nil, err
	}
	if h.DeletedAt != nil {
		return nil, fmt.Errorf("card %q: %w", name, app.ErrNotFound)
	}
	c, err := b.build(ctx, h, name, st.epoch)
	if err != nil {
		return nil, err
	}
	b.cache.put(c)
	return c, nil
}

// lookupGroup returns the group card named name, when it is served.
func (b *Book) lookupGroup(ctx context.Context, name string) (*Card, error) {
	gr, err := b.svc.GroupCardByName(ctx, name)
	if err != nil {
		return nil, err
	}
	if !gr.Named && !b.svc.Settings().Server.GroupCards {
		return nil, fmt.Errorf("group card %q is not served: %w", name, app.ErrNotFound)
	}
	return b.groupCard(ctx, gr)
}

// groupCard returns the card of a served group, from the cache or
// encoded.
func (b *Book) groupCard(ctx context.Context, gr app.GroupResource) (*Card, error) {
	members := b.trk.groupChangedAt(gr.ID)
	if c := b.cache.get(-gr.ID); c != nil && c.Revision == gr.Revision && c.members == members && c.Name == gr.Name {
		return c, nil
	}
	v3, err := b.svc.EncodeGroupCard(ctx, gr, "3.0")
	if err != nil {
		return nil, err
	}
	v4, err := b.svc.EncodeGroupCard(ctx, gr, "4.0")
	if err != nil {
		return nil, err
	}
	g, err := b.svc.Group(ctx, gr.ID)
	if err != nil {
		return nil, err
	}
	c := &Card{Name: gr.Name, ID: -gr.ID, Group: gr.ID, Revision: gr.Revision, members: members,
		ETag: etagOf(v3, v4), Modified: g.UpdatedAt, V3: v3, V4: v4}
	b.cache.put(c)
	return c, nil
}

// servedGroups lists the groups served as cards.
func (b *Book) servedGroups(ctx context.Context) ([]app.GroupResource, error) {
	return b.svc.GroupCards(ctx, b.svc.Settings().Server.GroupCards)
}

// cards returns the cards of resources (all live), in order, from the
// cache or encoded in batches.
func (b *Book) cards(ctx context.Context, res []app.Resource, epoch uint64) ([]*Card, error) {
	out := make([]*Card, len(res))
	var missing []int
	for i, r := range res {
		if c := b.cache.get(r.ID); c != nil && c.Revision == r.Revision && c.epoch == epoch && c.Name == r.Name {
			out[i] = c
		} else {
			missing = append(missing, i)
		}
	}
	const batch = 256
	for start := 0; start < len(missing); start += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		idx := missing[start:min(start+batch, len(missing))]
		ids := make([]int64, len(idx))
		for j, i := range idx {
			ids[j] = res[i].ID
		}
		hs, err := b.svc.HumansByID(ctx, ids)
		if err != nil {
			return nil, err
		}
		byID := make(map[int64]*app.Human, len(hs))
		for _, h := range hs {
			byID[h.ID] = h
		}
		// Encode on every core.
		workers := max(1, min(runtime.GOMAXPROCS(0), len(idx)/32))
		errs := make([]error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for j := w; j < len(idx); j += workers {
					i := idx[j]
					h := byID[res[i].ID]
					if h == nil || h.DeletedAt != nil {
						continue // deleted meanwhile: left nil
					}
					c, err := b.build(ctx, h, res[i].Name, epoch)
					if err != nil {
						errs[w] = err
						return
					}
					b.cache.put(c)
					out[i] = c
				}
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// List returns every live card, in id order, and the sync token of that
// state.
func (b *Book) List(ctx context.Context) ([]*Card, uint64, error) {
	st, err := b.trk.state(ctx)
	if err != nil {
		return nil, 0, err
	}
	res, err := b.named(ctx, b.svc.CardRevisions())
	if err != nil {
		return nil, 0, err
	}
	cards, err := b.cards(ctx, res, st.epoch)
	if err != nil {
		return nil, 0, err
	}
	groups, err := b.servedGroups(ctx)
	if err != nil {
		return nil, 0, err
	}
	for _, gr := range groups {
		c, err := b.groupCard(ctx, gr)
		if err != nil {
			return nil, 0, err
		}
		cards = append(cards, c)
	}
	return slices.DeleteFunc(cards, func(c *Card) bool { return c == nil }), st.bookRev, nil
}

// named fills in the resource names of res from the tracker's name
// cache, reading only the names it does not have yet.
func (b *Book) named(ctx context.Context, res []app.Resource) ([]app.Resource, error) {
	var missing []int64
	b.trk.mu.Lock()
	for i := range res {
		if n, ok := b.trk.names[res[i].ID]; ok {
			res[i].Name = n
		} else {
			missing = append(missing, res[i].ID)
		}
	}
	b.trk.mu.Unlock()
	if len(missing) == 0 {
		return res, nil
	}
	names, err := b.svc.CardNames(ctx, missing)
	if err != nil {
		return nil, err
	}
	b.trk.mu.Lock()
	if b.trk.names == nil {
		b.trk.names = make(map[int64]string, len(res))
	}
	for id, n := range names {
		b.trk.names[id] = n
	}
	b.trk.mu.Unlock()
	out := res[:0]
	for _, r := range res {
		if r.Name == "" {
			r.Name = names[r.ID]
		}
		if r.Name != "" { // gone meanwhile
			out = append(out, r)
		}
	}
	return out, nil
}

// Token is the sync token (and CTag) of the book now: the revision of the
// last change that changed a card. It does not move for changes no card
// shows (an unused company renamed, a custom field defined).
func (b *Book) Token(ctx context.Context) (uint64, error) {
	st, err := b.trk.state(ctx)
	return st.bookRev, err
}

// ErrInvalidToken is a sync token this book never gave, or one from
// before its history (a restored backup).
var ErrInvalidToken = errors.New("carddav: invalid or outdated sync token")

// Changes is what changed since a sync token.
type Changes struct {
	Changed   []*Card  // live cards changed, oldest change first
	Removed   []string // names of cards deleted or trashed
	Token     uint64   // the token to ask from next time
	Truncated bool     // limit cut the list; ask again from Token
}

// ChangesSince returns what changed after token, at most limit entries
// when limit > 0 (cut after the last whole revision; a single revision
// that alone exceeds limit is returned whole). It costs O(changes), not
// O(book).
func (b *Book) ChangesSince(ctx context.Context, token uint64, limit int) (*Changes, error) {
	// The token is the last revision reported (nothing after it changed a
	// card), or the one asked from when nothing changed: it does not move.
	log, current, err := b.svc.ChangesSince(ctx, token)
	if errors.Is(err, app.ErrUnknownRevision) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	// The tracker, read after the log, has seen at least what it holds.
	st, err := b.trk.state(ctx)
	if err != nil {
		return nil, err
	}
	type hit struct {
		id      int64
		rev     uint64
		deleted bool
	}
	latest := make(map[int64]hit)
	add := func(id int64, rev uint64, deleted bool) {
		if old, ok := latest[id]; !ok || rev > old.rev {
			latest[id] = hit{id, rev, deleted}
		}
	}
	for _, ch := range log {
		switch ch.Kind {
		case app.KindHuman:
			add(ch.ID, ch.Revision, ch.Deleted)
		case app.KindCompany, app.KindGroup:
			// The ORG or CATEGORIES of their members changed.
			q := app.Query{CompanyID: ch.ID}
			if ch.Kind == app.KindGroup {
				q = app.Query{GroupID: ch.ID}
			}
			ids, err := b.svc.HumanIDs(ctx, q)
			if err != nil {
				return nil, err
			}
			for _, id := range ids {
				add(id, ch.Revision, false)
			}
		}
	}
	hits := make([]hit, 0, len(latest))
	for _, h := range latest {
		hits = append(hits, h)
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.rev != b.rev {
			return cmpU64(a.rev, b.rev)
		}
		return cmpI64(a.id, b.id)
	})
	out := &Changes{Token: token}
	if limit > 0 && len(hits) > limit {
		cut := limit
		for cut > 0 && hits[cut].rev == hits[cut-1].rev {
			cut--
		}
		if cut == 0 { // one revision alone is larger than limit
			for cut < len(hits) && hits[cut].rev == hits[0].rev {
				cut++
			}
		}
		out.Truncated = cut < len(hits)
		hits = hits[:cut]
	}
	if len(hits) > 0 {
		out.Token = hits[len(hits)-1].rev
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	names, err := b.svc.CardNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	if err := b.groupChanges(ctx, log, token, current, out); err != nil {
		return nil, err
	}
	var live []app.Resource
	for _, h := range hits {
		name, ok := names[h.id]
		if !ok {
			continue
		}
		rev, isLive, ok := b.svc.HumanRevision(h.id)
		if h.deleted || !ok || !isLive {
			out.Removed = append(out.Removed, name)
			continue
		}
		live = append(live, app.Resource{Name: name, ID: h.id, Revision: rev})
	}
	cards, err := b.cards(ctx, live, st.epoch)
	if err != nil {
		return nil, err
	}
	for i, c := range cards {
		if c == nil {
			out.Removed = append(out.Removed, live[i].Name)
			continue
		}
		out.Changed = append(out.Changed, c)
	}
	return out, nil
}

// groupChanges adds to out the served group cards changed after token
// and up to current, the revision the log was read to (up to out.Token
// when the list was cut), and those deleted.
func (b *Book) groupChanges(ctx context.Context, log []app.Change, token, current uint64, out *Changes) error {
	groups, err := b.servedGroups(ctx)
	if err != nil {
		return err
	}
	served := make(map[int64]bool, len(groups))
	for _, gr := range groups {
		served[gr.ID] = true
		at := b.trk.groupChangedAt(gr.ID)
		if at <= token || at > current || (out.Truncated && at > out.Token) {
			continue // unchanged, or for the next sync
		}
		c, err := b.groupCard(ctx, gr)
		if err != nil {
			return err
		}
		out.Changed = append(out.Changed, c)
		if !out.Truncated {
			out.Token = max(out.Token, at)
		}
	}
	var gone []int64
	for _, ch := range log {
		if ch.Kind == app.KindGroup && !served[ch.ID] && (!out.Truncated || ch.Revision <= out.Token) {
			gone = append(gone, ch.ID)
			if !out.Truncated {
				out.Token = max(out.Token, ch.Revision)
			}
		}
	}
	if len(gone) == 0 {
		return nil
	}
	names, err := b.svc.GroupCardNames(ctx, gone)
	if err != nil {
		return err
	}
	for _, id := range gone {
		if _, err := b.svc.Group(ctx, id); err == nil {
			continue // a group that is not a card
		}
		out.Removed = append(out.Removed, names[id])
	}
	return nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpI64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Put stores a card body under name; see app.Service.PutCard.
func (b *Book) Put(ctx context.Context, name string, body []byte, opts app.PutCardOptions) (*app.Human, bool, error) {
	return b.svc.PutCard(ctx, name, body, opts)
}

// PutGroup stores a group card body under name; see
// app.Service.PutGroupCard.
func (b *Book) PutGroup(ctx context.Context, name string, body []byte, opts app.PutGroupCardOptions) (*app.Group, bool, error) {
	return b.svc.PutGroupCard(ctx, name, body, opts)
}

// Delete moves the card's contact to the trash (restorable in the app).
// storeETag, when not empty, must still be the contact's store etag.
func (b *Book) Delete(ctx context.Context, c *Card, storeETag string) error {
	if c.Group != 0 {
		if err := b.svc.DeleteGroup(ctx, c.Group); err != nil {
			return fmt.Errorf("carddav: deleting group card %q: %w", c.Name, err)
		}
		b.cache.drop(c.ID)
		return nil
	}
	if err := b.svc.TrashHuman(ctx, c.ID, storeETag); err != nil {
		return fmt.Errorf("carddav: deleting %q: %w", c.Name, err)
	}
	b.cache.drop(c.ID)
	return nil
}

// Warm encodes every card into the cache (a server start does it in the
// background, so that a phone's first full sync is served from memory).
func (b *Book) Warm(ctx context.Context) error {
	_, _, err := b.List(ctx)
	return err
}

// tracker follows the store's change log to know the revision of the last
// change that changed a card (the sync token) and of the last company or
// group change (the names the cards carry: the cache's epoch).
type tracker struct {
	svc *app.Service
	mu  sync.Mutex
	st  trackState
	// names caches resource names by contact id; a contact's name
	// changes only with a change of the contact, which drops it here.
	names map[int64]string
	// memberships is the groups of each contact in one, as last seen;
	// groupChanged the revision at which each group's member list (or
	// the group) last changed; groupBase the revision of the first look,
	// before which nothing is known.
	memberships  map[int64][]int64
	groupChanged map[int64]uint64
	groupBase    uint64
}

// groupChangedAt is the revision of the last change of a group card.
func (t *tracker) groupChangedAt(id int64) uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return max(t.groupChanged[id], t.groupBase)
}

// membershipChanged notes the groups contact id joined or left.
func (t *tracker) membershipChanged(id int64, rev uint64) {
	old := t.memberships[id]
	cur := t.svc.HumanGroups(id)
	for _, g := range old {
		if !slices.Contains(cur, g) {
			t.groupChanged[g] = max(t.groupChanged[g], rev)
		}
	}
	for _, g := range cur {
		if !slices.Contains(old, g) {
			t.groupChanged[g] = max(t.groupChanged[g], rev)
		}
	}
	if len(cur) == 0 {
		delete(t.memberships, id)
	} else {
		t.memberships[id] = cur
	}
}

type trackState struct {
	checked uint64 // store revision examined up to
	bookRev uint64
	epoch   uint64
}

func (t *tracker) state(ctx context.Context) (trackState, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.svc.Revision() == t.st.checked && t.st.checked != 0 {
		return t.st, nil
	}
	changes, current, err := t.svc.ChangesSince(ctx, t.st.checked)
	if errors.Is(err, app.ErrUnknownRevision) {
		// The store went back (a restored backup): start over.
		t.st = trackState{}
		t.names = nil
		t.memberships = nil
		changes, current, err = t.svc.ChangesSince(ctx, 0)
	}
	if err != nil {
		return t.st, err
	}
	st := t.st
	first := t.memberships == nil
	if first {
		t.memberships = t.svc.GroupMemberships()
		t.groupChanged = make(map[int64]uint64)
	}
	// Contacts and groups first: a company change counts only when it is
	// newer than every card change and has members, which costs a query,
	// so ask only then (one pass from the newest would do the same).
	var companies []app.Change
	for _, ch := range changes {
		switch ch.Kind {
		case app.KindHuman:
			st.bookRev = max(st.bookRev, ch.Revision)
			delete(t.names, ch.ID)
			if !first {
				t.membershipChanged(ch.ID, ch.Revision)
			}
		case app.KindGroup:
			// The group card changed: a group counts even without members.
			st.epoch = max(st.epoch, ch.Revision)
			st.bookRev = max(st.bookRev, ch.Revision)
			t.groupChanged[ch.ID] = max(t.groupChanged[ch.ID], ch.Revision)
		case app.KindCompany:
			st.epoch = max(st.epoch, ch.Revision)
			companies = append(companies, ch)
		}
	}
	for i := len(companies) - 1; i >= 0; i-- {
		ch := companies[i]
		if ch.Revision <= st.bookRev {
			break // older ones are older still
		}
		ids, err := t.svc.HumanIDs(ctx, app.Query{CompanyID: ch.ID})
		if err != nil {
			return t.st, err
		}
		if len(ids) > 0 {
			st.bookRev = ch.Revision
		}
	}
	if first {
		t.groupBase = st.bookRev
	}
	st.checked = current
	t.st = st
	return st, nil
}

// cardCache holds encoded cards by contact id, within a byte budget; when
// full, about a quarter of the entries, chosen at random (map order), are
// dropped.
type cardCache struct {
	mu    sync.RWMutex
	m     map[int64]*Card
	bytes int64
	limit int64
}

func newCardCache(limit int64) *cardCache {
	return &cardCache{m: make(map[int64]*Card), limit: limit}
}

func (c *cardCache) get(id int64) *Card {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[id]
}

func (c *cardCache) put(card *Card) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[card.ID]; old != nil {
		if old.Revision > card.Revision {
			return // a newer one is cached already
		}
		c.bytes -= old.size()
	}
	c.m[card.ID] = card
	c.bytes += card.size()
	if c.bytes > c.limit {
		target := c.limit * 3 / 4
		for id, v := range c.m {
			if c.bytes <= target {
				break
			}
			delete(c.m, id)
			c.bytes -= v.size()
		}
	}
}

// clear empties the cache.
func (c *cardCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m, c.bytes = make(map[int64]*Card), 0
}

// size is the bytes the cache holds.
func (c *cardCache) size() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bytes
}

func (c *cardCache) drop(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.m[id]; old != nil {
		c.bytes -= old.size()
		delete(c.m, id)
	}
}
