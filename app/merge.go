package app

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/humans-contacts/humans/carddav"
	"github.com/humans-contacts/humans/store"
)

// mergeInto folds incoming into base, the way an import updates a contact
// it recognised: what base lacks is taken from incoming, lists are
// united (an entry already there is not added twice), and where both have
// a different value for a single field base keeps its own and the
// incoming value is written into the notes, and the vCard lines the model
// does not hold are joined (carddav.MergeExtra), so nothing is lost. It
// reports whether base changed. Merging the same incoming twice changes
// nothing the second time.
func mergeInto(base, incoming *Human, region string) bool {
	before := fingerprint(base)
	var kept []string
	text := func(dst *string, src, label string) {
		switch {
		case src == "" || *dst == src:
		case *dst == "":
			*dst = src
		default:
			kept = append(kept, fmt.Sprintf("%s: %s", label, src))
		}
	}
	text(&base.FirstName, incoming.FirstName, "First name")
	text(&base.LastName, incoming.LastName, "Last name")
	text(&base.DisplayName, incoming.DisplayName, "Display name")
	text(&base.Nickname, incoming.Nickname, "Nickname")
	text(&base.Prefix, incoming.Prefix, "Prefix")
	text(&base.Suffix, incoming.Suffix, "Suffix")
	text(&base.Gender, incoming.Gender, "Gender")
	text(&base.JobTitle, incoming.JobTitle, "Job title")
	text(&base.Department, incoming.Department, "Department")
	text(&base.Language, incoming.Language, "Language")
	text(&base.PhotoURL, incoming.PhotoURL, "Photo")
	if base.CompanyID == 0 {
		base.CompanyID = incoming.CompanyID
	}
	switch {
	case incoming.Birthday == nil:
	case base.Birthday == nil:
		b := *incoming.Birthday
		base.Birthday = &b
	case *base.Birthday != *incoming.Birthday:
		kept = append(kept, "Birthday: "+incoming.Birthday.String())
	}
	base.IsFavorite = base.IsFavorite || incoming.IsFavorite

	base.Phones = unite(base.Phones, incoming.Phones, func(p Phone) string {
		if e164, ok := store.NormalizePhone(p.Number, region); ok {
			return e164
		}
		return digitsOf(p.Number)
	}, func(p *Phone) { p.IsPrimary = false })
	base.Emails = unite(base.Emails, incoming.Emails, func(e Email) string { return strings.ToLower(e.Address) },
		func(e *Email) { e.IsPrimary = false })
	base.Addresses = unite(base.Addresses, incoming.Addresses, func(a Address) string {
		return strings.ToLower(strings.Join([]string{a.Street, a.Number, a.Complement, a.Zip, a.City, a.Region, a.Country}, "|"))
	}, func(a *Address) { a.IsPrimary = false })
	base.URLs = unite(base.URLs, incoming.URLs, func(u URL) string { return strings.ToLower(u.URL) }, func(u *URL) { u.IsPrimary = false })
	base.IMs = unite(base.IMs, incoming.IMs, func(im IM) string { return im.Service + ":" + strings.ToLower(im.Handle) },
		func(im *IM) { im.IsPrimary = false })
	base.Consents = unite(base.Consents, incoming.Consents, func(c Consent) string { return c.Channel }, nil)
	for _, g := range incoming.GroupIDs {
		if !slices.Contains(base.GroupIDs, g) {
			base.GroupIDs = append(base.GroupIDs, g)
		}
	}
	for k, v := range incoming.CustomFields {
		switch old, ok := base.CustomFields[k]; {
		case !ok || old == "":
			if base.CustomFields == nil {
				base.CustomFields = map[string]string{}
			}
			base.CustomFields[k] = v
		case old != v && v != "":
			kept = append(kept, fmt.Sprintf("%s: %s", k, v))
		}
	}
	for k, v := range incoming.Extra {
		old, ok := base.Extra[k]
		switch {
		case !ok:
			if base.Extra == nil {
				base.Extra = map[string][]byte{}
			}
			base.Extra[k] = slices.Clone(v)
		case k == carddav.ExtraKey:
			// The vCard lines the model does not hold, of both cards.
			base.Extra[k] = carddav.MergeExtra(old, v)
		}
	}
	if incoming.Notes != "" && !strings.Contains(base.Notes, incoming.Notes) {
		base.Notes = joinNotes(base.Notes, incoming.Notes)
	}
	for _, line := range kept {
		if !strings.Contains(base.Notes, line) {
			base.Notes = joinNotes(base.Notes, line)
		}
	}
	return fingerprint(base) != before
}

// unite appends to base the entries of incoming whose key base does not
// have yet; demote, when not nil, clears an added entry's primary flag
// when base already has entries (base's primary stays primary).
func unite[T any](base, incoming []T, key func(T) string, demote func(*T)) []T {
	seen := make(map[string]bool, len(base))
	for _, b := range base {
		seen[key(b)] = true
	}
	hadAny := len(base) > 0
	for _, in := range incoming {
		k := key(in)
		if seen[k] {
			continue
		}
		seen[k] = true
		if hadAny && demote != nil {
			demote(&in)
		}
		base = append(base, in)
	}
	return base
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n" + b
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

// fingerprint is a comparable summary of every mergeable field, to tell
// whether a merge changed anything.
func fingerprint(h *Human) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q%q%q%q%q%q%q%q%q%q%q%q%d%v%v", h.FirstName, h.LastName, h.DisplayName, h.Nickname, h.Prefix,
		h.Suffix, h.Gender, h.JobTitle, h.Department, h.Language, h.PhotoURL, h.Notes, h.CompanyID, h.IsFavorite, h.GroupIDs)
	if h.Birthday != nil {
		b.WriteString(h.Birthday.String())
	}
	fmt.Fprintf(&b, "%v%v%v%v%v%v", h.Phones, h.Emails, h.Addresses, h.URLs, h.IMs, h.Consents)
	for _, k := range slices.Sorted(maps.Keys(h.CustomFields)) {
		fmt.Fprintf(&b, "%q=%q", k, h.CustomFields[k])
	}
	for _, k := range slices.Sorted(maps.Keys(h.Extra)) {
		fmt.Fprintf(&b, "%q=%x", k, h.Extra[k])
	}
	return b.String()
}

// patchOf is a patch that sets every field mergeInto may change to h's
// value.
func patchOf(h *Human) HumanPatch {
	return HumanPatch{
		FirstName: &h.FirstName, LastName: &h.LastName, DisplayName: &h.DisplayName, Nickname: &h.Nickname,
		Prefix: &h.Prefix, Suffix: &h.Suffix, Gender: &h.Gender, JobTitle: &h.JobTitle, Department: &h.Department,
		CompanyID: &h.CompanyID, Birthday: &h.Birthday, Notes: &h.Notes, Language: &h.Language,
		IsFavorite: &h.IsFavorite, PhotoURL: &h.PhotoURL, Phones: &h.Phones, Emails: &h.Emails,
		Addresses: &h.Addresses, URLs: &h.URLs, IMs: &h.IMs, GroupIDs: &h.GroupIDs,
		CustomFields: &h.CustomFields, Consents: &h.Consents, Extra: &h.Extra,
	}
}
