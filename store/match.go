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
	byEmail map[string][]int64
	byPhone map[string][]int64
	byName  map[string][]int64 // folded display name + birthday
}

// nameKey identifies a contact by its exact (folded) name and birthday;
// "" when the name is empty.
func nameKey(sortDisplay string, year, month, day int) string {
	if sortDisplay == "" {
		return ""
	}
	return fmt.Sprintf("%s\x00%d-%d-%d", sortDisplay, year, month, day)
}

func (m *matchIndex) add(r *indexRecord) {
	for _, e := range r.EmailKeys {
		m.byEmail[e] = append(m.byEmail[e], r.ID)
	}
	for _, p := range r.PhoneKeys {
		m.byPhone[p] = append(m.byPhone[p], r.ID)
	}
	if k := nameKey(r.SortDisplay, r.BirthYear, r.BirthMonth, r.BirthDay); k != "" {
		m.byName[k] = append(m.byName[k], r.ID)
	}
}

func (m *matchIndex) remove(r *indexRecord) {
	for _, e := range r.EmailKeys {
		removePosting(m.byEmail, e, r.ID)
	}
	for _, p := range r.PhoneKeys {
		removePosting(m.byPhone, p, r.ID)
	}
	if k := nameKey(r.SortDisplay, r.BirthYear, r.BirthMonth, r.BirthDay); k != "" {
		removePosting(m.byName, k, r.ID)
	}
}

// matches returns the match index, building it on first use. The caller
// holds the write lock.
func (ix *index) matchesIndex() *matchIndex {
	if ix.matching == nil {
		m := &matchIndex{
			byEmail: make(map[string][]int64),
			byPhone: make(map[string][]int64),
			byName:  make(map[string][]int64),
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
// the default region), else the same full name and birthday. It returns
// Match{} when nothing matches. Among several candidates of one rule the
// oldest contact wins.
func (s *Store) FindMatch(ctx context.Context, h *Human) (Match, error) {
	if h.UID != "" {
		var m Match
		err := s.view(func(tx *bolt.Tx) error {
			v := tx.Bucket(bucketUIDs).Get([]byte(h.UID))
			if v == nil {
				return nil
			}
			m = Match{ID: btoi(v), Rule: MatchUID}
			r, ok := s.idx.record(m.ID)
			m.Trashed = ok && !r.live()
			return nil
		})
		if err != nil || m.Rule != MatchNone {
			return m, err
		}
	}
	probe := newIndexRecord(h, s.opts.DefaultRegion)
	s.idx.mu.Lock()
	defer s.idx.mu.Unlock()
	mi := s.idx.matchesIndex()
	first := func(ids []int64) int64 {
		if len(ids) == 0 {
			return 0
		}
		return slices.Min(ids)
	}
	var best int64
	for _, e := range probe.EmailKeys {
		if id := first(mi.byEmail[e]); id != 0 && (best == 0 || id < best) {
			best = id
		}
	}
	if best != 0 {
		return Match{ID: best, Rule: MatchEmail}, nil
	}
	for _, p := range probe.PhoneKeys {
		if id := first(mi.byPhone[p]); id != 0 && (best == 0 || id < best) {
			best = id
		}
	}
	if best != 0 {
		return Match{ID: best, Rule: MatchPhone}, nil
	}
	if h.FirstName != "" || h.LastName != "" || h.DisplayName != "" {
		key := nameKey(strings.TrimSpace(probe.SortDisplay), probe.BirthYear, probe.BirthMonth, probe.BirthDay)
		if id := first(mi.byName[key]); id != 0 {
			return Match{ID: id, Rule: MatchName}, nil
		}
	}
	return Match{}, nil
}

// MatchKeys returns the keys FindMatch compares, in its order of
// precedence, each prefixed by its rule ("uid:…", "email:…", "phone:…",
// "name:…"). An importer uses them to recognise two records of one file
// as the same person before either is stored.
func (s *Store) MatchKeys(h *Human) []string {
	var keys []string
	if h.UID != "" {
		keys = append(keys, string(MatchUID)+":"+h.UID)
	}
	probe := newIndexRecord(h, s.opts.DefaultRegion)
	for _, e := range probe.EmailKeys {
		keys = append(keys, string(MatchEmail)+":"+e)
	}
	for _, p := range probe.PhoneKeys {
		keys = append(keys, string(MatchPhone)+":"+p)
	}
	if h.FirstName != "" || h.LastName != "" || h.DisplayName != "" {
		keys = append(keys, string(MatchName)+":"+nameKey(probe.SortDisplay, probe.BirthYear, probe.BirthMonth, probe.BirthDay))
	}
	return keys
}
