package store

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Match scores: a search term that equals a name word counts most, a
// prefix of a name word less, a company, e-mail or phone match least.
const (
	scoreNameExact  = 8
	scoreNamePrefix = 4
	scoreOther      = 2
	scorePhone      = 2
)

// maxSearchTerms is how many words of a query are searched; the rest
// are ignored.
const maxSearchTerms = 16

// scored is a contact matching a search, with its score.
type scored struct {
	r     *indexRecord
	score int
}

// byRelevance orders best matches first, then by display name.
func byRelevance(a, b scored) int {
	if a.score != b.score {
		return cmp.Compare(b.score, a.score)
	}
	return compareDisplay(a.r, b.r)
}

// matches returns the live contacts matching every term of q and keep,
// with their scores, in no particular order. The caller holds the read
// lock.
func (ix *index) matches(q string, keep func(*indexRecord) bool) []scored {
	q = strings.TrimSpace(q)
	var terms []string
	phone := isPhoneQuery(q)
	if phone {
		terms = []string{digitsOnly(q)}
	} else {
		terms = words(q)
	}
	if len(terms) == 0 {
		return nil
	}
	if len(terms) > maxSearchTerms {
		terms = terms[:maxSearchTerms]
	}
	m := getMatcher(ix.maxID)
	defer matcherPool.Put(m)
	var candidates []int64
	for i, term := range terms {
		m.touched = m.touched[:0]
		if phone {
			ix.matchDigits(m, term)
		}
		ix.matchTerm(m, term)
		for _, id := range m.touched {
			if int(m.hits[id]) == i {
				m.hits[id]++
				m.total[id] += uint16(m.best[id])
			}
			m.best[id] = 0
		}
		if i == 0 {
			candidates = append(candidates, m.touched...)
		}
	}
	out := make([]scored, 0, len(candidates))
	for _, id := range candidates {
		if int(m.hits[id]) == len(terms) {
			if r := ix.recs[id]; r != nil && r.live() && keep(r) {
				out = append(out, scored{r, int(m.total[id])})
			}
		}
	}
	for _, id := range candidates {
		m.hits[id], m.total[id] = 0, 0
	}
	return out
}

// matcher holds a search's per-contact scratch arrays, indexed by id:
// array updates cost a fraction of map updates when a short prefix such
// as "ma" matches a third of the book. Matchers are pooled and handed out
// zeroed.
type matcher struct {
	best    []uint8  // the current term's best score
	total   []uint16 // the sum of the terms' scores
	hits    []uint8  // how many terms matched, in order
	touched []int64  // ids whose best is set for the current term
}

var matcherPool = sync.Pool{New: func() any { return &matcher{} }}

func getMatcher(maxID int64) *matcher {
	m := matcherPool.Get().(*matcher)
	if n := int(maxID) + 1; len(m.best) < n {
		n += n / 4
		m.best = make([]uint8, n)
		m.total = make([]uint16, n)
		m.hits = make([]uint8, n)
	}
	return m
}

func (m *matcher) bump(id int64, score uint8) {
	if id < 0 || int(id) >= len(m.best) {
		return
	}
	if m.best[id] == 0 {
		m.touched = append(m.touched, id)
	}
	if score > m.best[id] {
		m.best[id] = score
	}
}

// topMatches returns the k best of ms by relevance, in order, without
// sorting them all.
func topMatches(ms []scored, k int) []scored {
	if len(ms) <= k {
		slices.SortFunc(ms, byRelevance)
		return ms
	}
	top := make([]scored, 0, k+1)
	for _, m := range ms {
		if len(top) == k && byRelevance(m, top[k-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, m, byRelevance)
		top = slices.Insert(top, i, m)
		if len(top) > k {
			top = top[:k]
		}
	}
	return top
}

// isPhoneQuery reports whether q looks like (part of) a phone number:
// digits with the usual separators and at least two digits.
func isPhoneQuery(q string) bool {
	digits := 0
	for _, c := range q {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '+' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return false
		}
	}
	return digits >= 2
}

// digitBlob is every live contact's phone digits in one string, each
// contact's run starting after a separator, so a digits search is one
// vectorised substring scan instead of one test per number.
type digitBlob struct {
	text   string
	starts []int   // starts[i] is where owners[i]'s digits begin in text
	owners []int64 // contact ids, in the order of starts
}

func buildDigitBlob(live []*indexRecord) *digitBlob {
	var sb strings.Builder
	b := &digitBlob{}
	for _, r := range live {
		if len(r.PhoneDigits) == 0 {
			continue
		}
		b.starts = append(b.starts, sb.Len())
		b.owners = append(b.owners, r.ID)
		for _, d := range r.PhoneDigits {
			sb.WriteByte('|')
			sb.WriteString(d)
		}
	}
	b.text = sb.String()
	return b
}

// owner returns the contact whose digits contain offset off.
func (b *digitBlob) owner(off int) int64 {
	i := sort.SearchInts(b.starts, off+1) - 1
	return b.owners[i]
}

// digits returns the current digit blob, building it when a write has
// invalidated it. The caller holds the read lock.
func (ix *index) digits() *digitBlob {
	if b := ix.blob.Load(); b != nil {
		return b
	}
	b := buildDigitBlob(ix.orders[SortCreatedAt])
	ix.blob.CompareAndSwap(nil, b)
	return b
}

// matchDigits scores the contacts with a phone number containing d.
func (ix *index) matchDigits(m *matcher, d string) {
	blob := ix.digits()
	text := blob.text
	for off := 0; ; {
		i := strings.Index(text[off:], d)
		if i < 0 {
			return
		}
		m.bump(blob.owner(off+i), scorePhone)
		off += i + 1
	}
}

// matchTerm scores the contacts having a token that starts with term.
func (ix *index) matchTerm(m *matcher, term string) {
	if ix.post == nil {
		ix.scanTerm(m, term)
		return
	}
	start := sort.SearchStrings(ix.post.list, term)
	for _, tok := range ix.post.list[start:] {
		if !strings.HasPrefix(tok, term) {
			break
		}
		var nameScore uint8 = scoreNamePrefix
		if tok == term {
			nameScore = scoreNameExact
		}
		for _, id := range ix.post.name[tok] {
			m.bump(id, nameScore)
		}
		for _, id := range ix.post.other[tok] {
			m.bump(id, scoreOther)
		}
		for _, cid := range ix.companyTokens[tok] {
			for _, id := range ix.byCompany[cid] {
				m.bump(id, scoreOther)
			}
		}
	}
}

// scanTerm is matchTerm for the moments after opening, before the
// postings are built: it tests every live contact's tokens, which costs a
// few milliseconds at 100,000 contacts instead of a fraction of one.
func (ix *index) scanTerm(m *matcher, term string) {
	for _, r := range ix.orders[SortCreatedAt] {
		var best uint8
		for _, tok := range r.NameTokens {
			if tok == term {
				best = scoreNameExact
				break
			}
			if strings.HasPrefix(tok, term) {
				best = scoreNamePrefix
			}
		}
		if best == 0 {
			for _, tok := range r.OtherTokens {
				if strings.HasPrefix(tok, term) {
					best = scoreOther
					break
				}
			}
		}
		if best != 0 {
			m.bump(r.ID, best)
		}
	}
	for tok, cids := range ix.companyTokens {
		if !strings.HasPrefix(tok, term) {
			continue
		}
		for _, cid := range cids {
			for _, id := range ix.byCompany[cid] {
				m.bump(id, scoreOther)
			}
		}
	}
}

// blobHolder is embedded in index: the digit blob, dropped by every write.
type blobHolder struct {
	blob atomic.Pointer[digitBlob]
}
