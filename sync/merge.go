package sync

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/humans-contacts/humans/store"
)

// Conflict policies: which side wins a field changed on both sides.
const (
	PolicyNewest = "newest" // the side changed last (remote on a tie)
	PolicyLocal  = "local"
	PolicyRemote = "remote"
)

// Sides of a conflict resolution.
const (
	SideLocal  = "local"
	SideRemote = "remote"
)

// FieldConflict is one field (or list element) changed on both sides to
// different values, and the side the policy chose.
type FieldConflict struct {
	Field      string
	Key        string // the element's key for a list field
	Base       json.RawMessage
	Local      json.RawMessage
	Remote     json.RawMessage
	Resolution string // SideLocal or SideRemote
}

// merger merges one contact: it knows the policy and when each side last
// changed, for "newest".
type merger struct {
	policy       string
	localTime    time.Time
	remoteTime   time.Time
	region       string
	conflicts    []FieldConflict
	noBase       bool // first sync: no agreed version, merge as a union
	localChanged bool
}

func (m *merger) winner() string {
	switch m.policy {
	case PolicyLocal:
		return SideLocal
	case PolicyRemote:
		return SideRemote
	}
	if m.localTime.After(m.remoteTime) {
		return SideLocal
	}
	return SideRemote
}

func rawJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

func (m *merger) conflict(field, key string, b, l, r any) string {
	side := m.winner()
	m.conflicts = append(m.conflicts, FieldConflict{
		Field: field, Key: key, Base: rawJSON(b), Local: rawJSON(l), Remote: rawJSON(r), Resolution: side,
	})
	return side
}

// scalar merges one value: a side that kept the base loses to the one
// that changed it; two different changes are a conflict.
func scalar[T comparable](m *merger, field string, b, l, r T) T {
	var zero T
	switch {
	case l == r:
		return l
	case m.noBase && l == zero:
		return r
	case m.noBase && r == zero:
		return l
	case !m.noBase && l == b:
		return r
	case !m.noBase && r == b:
		return l
	}
	if m.conflict(field, "", b, l, r) == SideLocal {
		return l
	}
	return r
}

// Merge merges local and remote against their base, field by field, and
// returns the result and the conflicts it resolved by policy. A nil base
// (a first sync matching two existing contacts) merges as a union: a
// value on one side only is kept, lists are joined.
func Merge(base *Contact, local, remote Contact, policy string, localTime, remoteTime time.Time, region string) (Contact, []FieldConflict) {
	m := &merger{policy: policy, localTime: localTime, remoteTime: remoteTime, region: region}
	var b Contact
	if base == nil {
		m.noBase = true
	} else {
		b = base.canonical()
	}
	l, r := local.canonical(), remote.canonical()
	out := Contact{UID: local.UID}
	if out.UID == "" {
		out.UID = remote.UID
	}
	for _, f := range stringFields {
		bv, lv, rv := *f.ptr(&b), *f.ptr(&l), *f.ptr(&r)
		if f.name == "company" && store.Fold(lv) == store.Fold(rv) {
			// One company, written two ways: the local spelling stays.
			rv = lv
		}
		if f.name == "company" && store.Fold(bv) == store.Fold(lv) {
			bv = lv
		}
		if f.name == "company" && store.Fold(bv) == store.Fold(rv) {
			bv = rv
		}
		*f.ptr(&out) = scalar(m, f.name, bv, lv, rv)
	}
	out.IsFavorite = scalar(m, "is_favorite", b.IsFavorite, l.IsFavorite, r.IsFavorite)
	pk := phoneKey(region)
	out.Phones = mergeList(m, "phone_numbers", b.Phones, l.Phones, r.Phones, pk, func(p store.Phone) store.Phone {
		p.Number = pk(p)
		return p
	})
	out.Emails = mergeList(m, "emails", b.Emails, l.Emails, r.Emails, emailKey, func(e store.Email) store.Email {
		e.Address = emailKey(e)
		return e
	})
	out.Addresses = mergeList(m, "addresses", b.Addresses, l.Addresses, r.Addresses, addressKey, nil)
	out.URLs = mergeList(m, "urls", b.URLs, l.URLs, r.URLs, urlKey, nil)
	out.IMs = mergeList(m, "ims", b.IMs, l.IMs, r.IMs, imKey, nil)
	out.Groups = mergeList(m, "groups", b.Groups, l.Groups, r.Groups, store.Fold, store.Fold)
	out.CustomFields = mergeMap(m, "custom_fields", b.CustomFields, l.CustomFields, r.CustomFields)
	fixPrimaries(&out)
	return out.canonical(), m.conflicts
}

// keyed indexes a list by element key; a key repeated in the list gets
// "#2", "#3"... so that no element is lost.
func keyed[T any](list []T, key func(T) string) (keys []string, byKey map[string]T) {
	byKey = make(map[string]T, len(list))
	seen := make(map[string]int, len(list))
	for _, v := range list {
		k := key(v)
		seen[k]++
		if n := seen[k]; n > 1 {
			k = fmt.Sprintf("%s#%d", k, n)
		}
		keys = append(keys, k)
		byKey[k] = v
	}
	return keys, byKey
}

// mergeList merges a list by element: an element added on one side is
// added, one removed on one side (and unchanged on the other) is removed,
// one changed on both sides is a conflict; removed on one side and
// changed on the other keeps the changed element and is reported.
// The order is the local one, remote additions after, unless reorder
// takes the remote's (see there). norm, when not
// nil, gives the form elements are compared in ("06 12 34 56 78" and
// "+33612345678" are one number written two ways).
func mergeList[T comparable](m *merger, field string, b, l, r []T, key func(T) string, norm func(T) T) []T {
	same := func(x, y T) bool { return x == y || (norm != nil && norm(x) == norm(y)) }
	bk, bm := keyed(b, key)
	lk, lm := keyed(l, key)
	rk, rm := keyed(r, key)
	var out []T
	var outKeys []string
	add := func(k string, v T) {
		out = append(out, v)
		outKeys = append(outKeys, k)
	}
	for _, k := range lk {
		lv := lm[k]
		bv, inB := bm[k]
		rv, inR := rm[k]
		switch {
		case inR:
			if !inB {
				bv = *new(T)
				if m.noBase || same(lv, rv) {
					// Added on both sides: equal, or take the policy's
					// choice without a base to compare with.
					if !same(lv, rv) {
						if u, ok := union(lv, rv, norm); ok {
							lv = u
						} else if m.conflict(field, k, nil, lv, rv) == SideRemote {
							lv = rv
						}
					}
					add(k, lv)
					continue
				}
			}
			switch {
			case same(lv, rv) || same(rv, bv):
				add(k, lv)
			case same(lv, bv):
				add(k, rv)
			case m.conflict(field, k, bv, lv, rv) == SideLocal:
				add(k, lv)
			default:
				add(k, rv)
			}
		case !inB || m.noBase:
			add(k, lv) // added locally
		case same(lv, bv):
			// removed remotely, unchanged here: removed
		default:
			// removed remotely, changed here: keep the change, say so
			m.conflict(field, k, bv, lv, nil)
			add(k, lv)
		}
	}
	for _, k := range rk {
		if _, inL := lm[k]; inL {
			continue
		}
		rv := rm[k]
		bv, inB := bm[k]
		switch {
		case !inB || m.noBase:
			add(k, rv) // added remotely
		case same(rv, bv):
			// removed locally, unchanged remotely: removed
		default:
			m.conflict(field, k, bv, nil, rv)
			add(k, rv)
		}
	}
	return reorder(out, outKeys, bk, lk, rk)
}

// reorder gives a merged list the remote's order when the local side
// did not reorder the elements it shares with the base (the remote's
// elements first, in its order, then local additions): two books that
// each added an element then end with one order, instead of sending
// their own order back and forth. A local reordering keeps the local
// order (the other side takes it on its next merge).
func reorder[T any](out []T, outKeys, bk, lk, rk []string) []T {
	inB := make(map[string]bool, len(bk))
	for _, k := range bk {
		inB[k] = true
	}
	inL := make(map[string]bool, len(lk))
	for _, k := range lk {
		inL[k] = true
	}
	var lOrder, bOrder []string
	for _, k := range lk {
		if inB[k] {
			lOrder = append(lOrder, k)
		}
	}
	for _, k := range bk {
		if inL[k] {
			bOrder = append(bOrder, k)
		}
	}
	if !slices.Equal(lOrder, bOrder) {
		return out
	}
	at := make(map[string]int, len(outKeys))
	for i, k := range outKeys {
		at[k] = i
	}
	sorted := make([]T, 0, len(out))
	used := make(map[string]bool, len(out))
	for _, k := range rk {
		if i, ok := at[k]; ok && !used[k] {
			sorted = append(sorted, out[i])
			used[k] = true
		}
	}
	for i, k := range outKeys {
		if !used[k] {
			sorted = append(sorted, out[i])
		}
	}
	return sorted
}

// mergeMap merges a map key by key, as scalar fields.
func mergeMap(m *merger, field string, b, l, r map[string]string) map[string]string {
	keys := make(map[string]bool)
	for _, mm := range []map[string]string{b, l, r} {
		for k := range mm {
			keys[k] = true
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	out := make(map[string]string)
	for _, k := range sorted {
		if v := scalar(m, field+"."+k, b[k], l[k], r[k]); v != "" {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// fixPrimaries keeps one primary element per list: merging two sides
// that each chose a new primary would otherwise give two.
func fixPrimaries(c *Contact) {
	one := func(n int, get func(i int) *bool) {
		seen := false
		for i := range n {
			p := get(i)
			if *p && seen {
				*p = false
			}
			seen = seen || *p
		}
	}
	one(len(c.Phones), func(i int) *bool { return &c.Phones[i].IsPrimary })
	one(len(c.Emails), func(i int) *bool { return &c.Emails[i].IsPrimary })
	one(len(c.Addresses), func(i int) *bool { return &c.Addresses[i].IsPrimary })
	one(len(c.URLs), func(i int) *bool { return &c.URLs[i].IsPrimary })
	one(len(c.IMs), func(i int) *bool { return &c.IMs[i].IsPrimary })
}

// The keys list elements are matched by across versions.

func phoneKey(region string) func(store.Phone) string {
	return func(p store.Phone) string {
		if e, ok := store.NormalizePhone(p.Number, region); ok {
			return e
		}
		return strings.Join(strings.Fields(p.Number), "")
	}
}

func emailKey(e store.Email) string { return strings.ToLower(e.Address) }

func addressKey(a store.Address) string {
	return store.Fold(strings.Join([]string{a.Street, a.Number, a.Complement, a.Zip, a.City, a.Region, a.Country}, "|"))
}

func urlKey(u store.URL) string { return u.URL }

func imKey(im store.IM) string { return strings.ToLower(im.Service + ":" + im.Handle) }

// union joins two versions of one list element known on both sides
// without a base (a first sync): an attribute set on one side only is
// taken, the local one kept where both agree (in their compared form).
// It reports false when an attribute is set on both sides differently.
func union[T any](l, r T, norm func(T) T) (T, bool) {
	toMap := func(v T) map[string]any {
		var m map[string]any
		b, err := json.Marshal(v)
		if err != nil || json.Unmarshal(b, &m) != nil {
			return nil
		}
		return m
	}
	lm, rm := toMap(l), toMap(r)
	nl, nr := lm, rm
	if norm != nil {
		nl, nr = toMap(norm(l)), toMap(norm(r))
	}
	if lm == nil || rm == nil {
		return l, false // not an object (a group name): nothing to join
	}
	for k, rv := range rm {
		_, ok := lm[k]
		switch {
		case !ok:
			lm[k] = rv
		case fmt.Sprint(nl[k]) != fmt.Sprint(nr[k]):
			return l, false
		}
	}
	var out T
	b, err := json.Marshal(lm)
	if err != nil || json.Unmarshal(b, &out) != nil {
		return l, false
	}
	return out, true
}
