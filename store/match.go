package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// MatchRule says how FindMatch recognised a contact.
type MatchRule string

// The rules, in the order FindMatch tries them.
const (
	MatchNone  MatchRule = ""
	MatchUID   MatchRule = "uid"
	MatchEmail MatchRule = "email"
	MatchPhone MatchRule = "phone"
	MatchName  MatchRule = "name"
)

// Match is the contact an incoming one was recognised as.
type Match struct {
	ID      int64
	Rule    MatchRule
	Trashed bool // only a UID match can be in the trash
}

// matchIndex maps the identifying keys of live contacts to their ids.
// It is built on the first FindMatch (imports and syncs need it, opening
// the window does not) and kept up to date after that.
type matchIndex struct {
	byEmail  map[string][]int64 // address → ids, ascending
	byPhone  map[string][]int64 // number → ids, ascending
	byName   map[string][]int64 // person name + birthday
	byPerson map[string][]int64 // person name alone (MatchKeySet.NameAlone)
	// bySig splits the long lists of byEmail and byPhone by the person
	// signature of the contacts (personSig): an office line or an info@
	// address shared by thousands would otherwise have every record that
	// has it compare names with all of them. Keyed "e"+address and
	// "p"+number, made by the first lookup that needs it, kept up to date
	// after that.
	bySig map[string]map[string][]int64
}

// longPostings is the length from which a list of byEmail or byPhone is
// looked up by signature (matchIndex.bySig).
const longPostings = 32

// personSig is what SamePerson compares of a non-empty folded name: two
// non-empty names are the same person exactly when their signatures are
// equal. A name of one word is its own signature; a longer one is its
// last word and the first byte of its first word.
func personSig(name string) string {
	w := strings.Fields(name)
	if len(w) < 2 {
		return "1\x00" + name
	}
	return "2\x00" + w[len(w)-1] + "\x00" + w[0][:1]
}

// nameKey identifies a contact by its exact (folded) name and birthday;
// "" when it has no name of its own or no birthday: a name alone is too
// common to say two contacts are one person.
func nameKey(personName string, year, month, day int) string {
	if personName == "" || month == 0 {
		return ""
	}
	return fmt.Sprintf("%s\x00%d-%d-%d", personName, year, month, day)
}

func (m *matchIndex) add(r *indexRecord) {
	for _, e := range r.EmailKeys {
		m.byEmail[e] = insertSorted(m.byEmail[e], r.ID)
		m.addSig("e"+e, r)
	}
	for _, p := range r.PhoneKeys {
		m.byPhone[p] = insertSorted(m.byPhone[p], r.ID)
		m.addSig("p"+p, r)
	}
	if k := nameKey(r.PersonName, r.BirthYear, r.BirthMonth, r.BirthDay); k != "" {
		m.byName[k] = append(m.byName[k], r.ID)
	}
	if r.PersonName != "" {
		m.byPerson[r.PersonName] = append(m.byPerson[r.PersonName], r.ID)
	}
}

func (m *matchIndex) remove(r *indexRecord) {
	for _, e := range r.EmailKeys {
		removeSorted(m.byEmail, e, r.ID)
		m.removeSig("e"+e, r)
	}
	for _, p := range r.PhoneKeys {
		removeSorted(m.byPhone, p, r.ID)
		m.removeSig("p"+p, r)
	}
	if k := nameKey(r.PersonName, r.BirthYear, r.BirthMonth, r.BirthDay); k != "" {
		removePosting(m.byName, k, r.ID)
	}
	if r.PersonName != "" {
		removePosting(m.byPerson, r.PersonName, r.ID)
	}
}

// addSig files r under the signature of its name in the split list of
// key, if that list is split.
func (m *matchIndex) addSig(key string, r *indexRecord) {
	if bucket := m.bySig[key]; bucket != nil {
		sig := sigOf(r.PersonName)
		bucket[sig] = insertSorted(bucket[sig], r.ID)
	}
}

func (m *matchIndex) removeSig(key string, r *indexRecord) {
	if bucket := m.bySig[key]; bucket != nil {
		removeSorted(bucket, sigOf(r.PersonName), r.ID)
	}
}

// sigOf is personSig, and "" for a contact without a name (the same
// person as anyone).
func sigOf(name string) string {
	if name == "" {
		return ""
	}
	return personSig(name)
}

// split returns the list of key (ids) split by signature, splitting it
// now if it was not yet. The caller holds the index's write lock.
func (ix *index) split(mi *matchIndex, key string, ids []int64) map[string][]int64 {
	bucket := mi.bySig[key]
	if bucket == nil {
		bucket = make(map[string][]int64)
		for _, id := range ids {
			if r := ix.recs[id]; r != nil {
				sig := sigOf(r.PersonName)
				bucket[sig] = append(bucket[sig], id) // ids ascend
			}
		}
		mi.bySig[key] = bucket
	}
	return bucket
}

// insertSorted adds id to the ascending ids, once.
func insertSorted(ids []int64, id int64) []int64 {
	i, found := slices.BinarySearch(ids, id)
	if found {
		return ids
	}
	return slices.Insert(ids, i, id)
}

// removeSorted removes id from the ascending list of key.
func removeSorted(postings map[string][]int64, key string, id int64) {
	ids := postings[key]
	if i, found := slices.BinarySearch(ids, id); found {
		ids = slices.Delete(ids, i, i+1)
	}
	if len(ids) == 0 {
		delete(postings, key)
		return
	}
	postings[key] = ids
}

// matches returns the match index, building it on first use. The caller
// holds the write lock.
func (ix *index) matchesIndex() *matchIndex {
	if ix.matching == nil {
		m := &matchIndex{
			byEmail:  make(map[string][]int64),
			byPhone:  make(map[string][]int64),
			byName:   make(map[string][]int64),
			byPerson: make(map[string][]int64),
			bySig:    make(map[string]map[string][]int64),
		}
		for _, r := range ix.orders[SortCreatedAt] {
			m.add(r)
		}
		ix.matching = m
	}
	return ix.matching
}

// FindMatch looks for an existing contact that is the same person as h,
// by the rules import and first sync use, in order: the same UID (live or
// in the trash), else a live contact with one of h's e-mail addresses
// (ignoring case), else one of its phone numbers (compared in E.164 with
// the default region), else the same full name and birthday. An e-mail or
// phone is trusted only when the names agree (see SamePerson): an office
// line or an info@ address is shared by several people. It returns
// Match{} when nothing matches. Among several candidates of one rule the
// oldest contact wins.
func (s *Store) FindMatch(ctx context.Context, h *Human) (Match, error) {
	return s.FindMatchKeys(ctx, s.MatchKeysOf(h))
}

// MatchKeySet is what FindMatch compares of a contact; MatchKeysOf
// computes it once (it parses phone numbers) for callers that also
// compare records among themselves.
type MatchKeySet struct {
	UID        string
	Emails     []string // lower case
	Phones     []string // E.164, or digits when unparseable
	PersonName string   // folded; "" when the contact has no name
	Name       string   // name and birthday key; "" without both
	// NameAlone lets FindMatchKeys fall back on the exact name without a
	// birthday, when a single contact has it: a first sync with another
	// copy of the same book does; an import of any file does not.
	NameAlone bool
}

// MatchKeysOf returns h's match keys.
func (s *Store) MatchKeysOf(h *Human) MatchKeySet {
	phones, _ := phoneKeys(h, s.opts.DefaultRegion, false)
	k := MatchKeySet{UID: h.UID, Emails: emailKeys(h), Phones: phones, PersonName: personName(h)}
	if b := h.Birthday; b != nil {
		k.Name = nameKey(k.PersonName, b.Year, b.Month, b.Day)
	} else {
		k.Name = nameKey(k.PersonName, 0, 0, 0)
	}
	return k
}

// Keys lists k's keys, each prefixed by its rule (uid, email, phone,
// name), in FindMatch's order.
func (k MatchKeySet) Keys() []string {
	var keys []string
	if k.UID != "" {
		keys = append(keys, string(MatchUID)+":"+k.UID)
	}
	for _, e := range k.Emails {
		keys = append(keys, string(MatchEmail)+":"+e)
	}
	for _, p := range k.Phones {
		keys = append(keys, string(MatchPhone)+":"+p)
	}
	if k.Name != "" {
		keys = append(keys, string(MatchName)+":"+k.Name)
	}
	return keys
}

// firstAndLastWord returns the first and last of s's words (as
// strings.Fields splits them), and whether it has two at least, without
// splitting s: an import compares a name with every contact sharing a
// number or an address.
func firstAndLastWord(s string) (first, last string, ok bool) {
	n := 0
	for w := range strings.FieldsSeq(s) {
		if n == 0 {
			first = w
		}
		last = w
		n++
	}
	return first, last, n >= 2
}

// SamePerson reports whether two folded person names can name the same
// person: one is empty, they are equal, or they end with the same
// surname and start with the same letter ("j dupont", "jean dupont").
func SamePerson(a, b string) bool {
	if a == "" || b == "" || a == b {
		return true
	}
	fa, la, ok := firstAndLastWord(a)
	if !ok {
		return false
	}
	fb, lb, ok := firstAndLastWord(b)
	return ok && la == lb && fa[0] == fb[0]
}

// FindMatchKeys is FindMatch with the keys computed already.
func (s *Store) FindMatchKeys(ctx context.Context, k MatchKeySet) (Match, error) {
	ms, err := s.FindMatchesKeys(ctx, []MatchKeySet{k})
	if err != nil {
		return Match{}, err
	}
	return ms[0], nil
}

// FindMatchesKeys is FindMatchKeys for many contacts at once, with one
// read of the book for all their UIDs: an import matches its records a
// few hundred at a time this way.
func (s *Store) FindMatchesKeys(ctx context.Context, ks []MatchKeySet) ([]Match, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ms := make([]Match, len(ks))
	hasUID := false
	for _, k := range ks {
		hasUID = hasUID || k.UID != ""
	}
	if hasUID {
		err := s.view(func(tx *bolt.Tx) error {
			uids := tx.Bucket(bucketUIDs)
			for i, k := range ks {
				if k.UID == "" {
					continue
				}
				if v := uids.Get([]byte(k.UID)); v != nil {
					ms[i] = Match{ID: btoi(v), Rule: MatchUID}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	s.idx.mu.Lock()
	defer s.idx.mu.Unlock()
	mi := s.idx.matchesIndex()
	for i, k := range ks {
		if ms[i].Rule == MatchUID {
			r := s.idx.recs[ms[i].ID]
			ms[i].Trashed = r != nil && !r.live()
			continue
		}
		ms[i] = s.idx.matchOf(mi, k)
	}
	return ms, nil
}

// matchOf finds k's contact by e-mail, phone or name; the caller holds
// the index's lock.
func (ix *index) matchOf(mi *matchIndex, k MatchKeySet) Match {
	// oldest returns the oldest candidate whose name agrees.
	oldest := func(kind string, keys []string, postings map[string][]int64) int64 {
		var found int64
		older := func(id int64) {
			if found == 0 || id < found {
				found = id
			}
		}
		for _, key := range keys {
			ids := postings[key]
			if len(ids) > longPostings {
				if k.PersonName == "" {
					older(ids[0]) // anyone's
					continue
				}
				bucket := ix.split(mi, kind+key, ids)
				for _, sig := range []string{personSig(k.PersonName), ""} {
					if same := bucket[sig]; len(same) > 0 {
						older(same[0])
					}
				}
				continue
			}
			for _, id := range ids {
				if r := ix.recs[id]; r != nil && SamePerson(r.PersonName, k.PersonName) {
					older(id)
				}
			}
		}
		return found
	}
	if id := oldest("e", k.Emails, mi.byEmail); id != 0 {
		return Match{ID: id, Rule: MatchEmail}
	}
	if id := oldest("p", k.Phones, mi.byPhone); id != 0 {
		return Match{ID: id, Rule: MatchPhone}
	}
	if k.Name != "" {
		if ids := mi.byName[k.Name]; len(ids) > 0 {
			return Match{ID: slices.Min(ids), Rule: MatchName}
		}
	}
	// The exact name alone, when asked and when one contact has it: two
	// people of one name are told apart by nothing here.
	if k.NameAlone && k.PersonName != "" {
		if ids := mi.byPerson[k.PersonName]; len(ids) == 1 {
			return Match{ID: ids[0], Rule: MatchName}
		}
	}
	return Match{}
}
