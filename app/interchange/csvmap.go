package interchange

import (
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/humans-contacts/humans/store"
)

// slotVals holds the cells of one group of columns on one row.
type slotVals [partExtended + 1]string

// rowMapper turns the cells of a row into a Record, following a plan.
type rowMapper struct {
	p     *plan
	order []int // slot indices by family, then number
	vals  []slotVals
	// dateOrder is the order of day and month in the file's numeric
	// dates, once a date has shown it ('M' or 'D').
	dateOrder byte
}

func newRowMapper(p *plan) *rowMapper {
	m := &rowMapper{p: p, vals: make([]slotVals, len(p.slots))}
	for i := range p.slots {
		m.order = append(m.order, i)
	}
	slices.SortStableFunc(m.order, func(a, b int) int {
		sa, sb := p.slots[a], p.slots[b]
		if sa.fam != sb.fam {
			return int(sa.fam) - int(sb.fam)
		}
		return sa.n - sb.n
	})
	return m
}

// builder collects one contact.
type builder struct {
	h            *store.Human
	company      string
	groups       []string
	custom       map[string]string
	primaryEmail string
	primaryPhone string
}

func (b *builder) setCustom(key, v string) {
	if b.custom == nil {
		b.custom = make(map[string]string)
	}
	if old, ok := b.custom[key]; ok && old != "" && old != v {
		v = old + multiSep + v
	}
	b.custom[key] = v
}

func setIfEmpty(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

func (b *builder) addGroups(v, extra string) {
	for _, g := range splitMulti(v, extra) {
		if rest, ok := strings.CutPrefix(g, "*"); ok {
			// Google's system labels: "* myContacts", "* starred".
			g = strings.TrimSpace(rest)
			switch strings.ToLower(strings.ReplaceAll(g, " ", "")) {
			case "mycontacts", "othercontacts", "":
				continue
			case "starred":
				b.h.IsFavorite = true
				continue
			}
		}
		if !slices.Contains(b.groups, g) {
			b.groups = append(b.groups, g)
		}
	}
}

// record maps one row. cells may be shorter or longer than the header.
func (m *rowMapper) record(cells []string) Record {
	b := &builder{h: &store.Human{Source: store.SourceImport}}
	h := b.h
	for i := range m.vals {
		m.vals[i] = slotVals{}
	}
	for i, c := range m.p.cols {
		if i >= len(cells) {
			break
		}
		v := strings.TrimSpace(cells[i])
		if v == "" {
			continue
		}
		switch c.kind {
		case colIgnore:
		case colCustom:
			b.setCustom(c.header, v)
		case colDefault:
			if !strings.EqualFold(v, c.typ) {
				b.setCustom(c.header, v)
			}
		case colFirst:
			setIfEmpty(&h.FirstName, v)
		case colMiddle:
			b.setCustom("Middle Name", v)
		case colLast:
			setIfEmpty(&h.LastName, v)
		case colFullName:
			setIfEmpty(&h.DisplayName, v)
		case colNickname:
			setIfEmpty(&h.Nickname, v)
		case colPrefix:
			setIfEmpty(&h.Prefix, v)
		case colSuffix:
			setIfEmpty(&h.Suffix, v)
		case colGender:
			if g, ok := gender(v); ok {
				h.Gender = g
			} else {
				b.setCustom(c.header, v)
			}
		case colJobTitle:
			setIfEmpty(&h.JobTitle, v)
		case colDepartment:
			setIfEmpty(&h.Department, v)
		case colCompany:
			if b.company == "" {
				b.company = firstValue(v)
			}
		case colBirthday:
			if bd, ok := parseBirthdayOrder(v, &m.dateOrder); ok && h.Birthday == nil {
				h.Birthday = bd
			} else if !ok {
				b.setCustom(c.header, v)
			}
		case colNotes:
			if h.Notes != "" {
				h.Notes += "\n"
			}
			h.Notes += v
		case colLanguage:
			if tag, err := language.Parse(v); err == nil {
				h.Language = tag.String()
			} else {
				b.setCustom(c.header, v)
			}
		case colPhotoURL:
			if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
				h.PhotoURL = v
			} else {
				b.setCustom(c.header, v)
			}
		case colGroups:
			b.addGroups(v, c.sep)
		case colFavorite:
			h.IsFavorite = h.IsFavorite || parseBool(v)
		case colSource:
			if s := store.Source(strings.ToLower(v)); s.Valid() {
				h.Source = s
			}
		case colUID:
			h.UID = v
		case colCreatedAt:
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				h.CreatedAt = t
			}
		case colUpdatedAt:
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				h.UpdatedAt = t
			}
		case colEmail:
			for _, e := range splitMulti(v, c.sep) {
				h.Emails = append(h.Emails, store.Email{Address: e, Type: c.typ})
			}
		case colPhone:
			for _, p := range splitMulti(v, c.sep) {
				if c.typ == "primary" {
					n, _ := splitExtension(p)
					setIfEmpty(&b.primaryPhone, n)
					continue
				}
				n, ext := splitExtension(p)
				h.Phones = append(h.Phones, store.Phone{Number: n, Extension: ext, Type: c.typ})
			}
		case colURL:
			for _, u := range splitMulti(v, "") {
				h.URLs = append(h.URLs, store.URL{URL: u, Type: urlType(c.typ, u)})
			}
		case colPrimaryEmail:
			b.primaryEmail = v
		case colPrimaryPhone:
			b.primaryPhone = v
		case colEmailList:
			h.Emails = append(h.Emails, parseEmailList(v)...)
		case colPhoneList:
			h.Phones = append(h.Phones, parsePhoneList(v)...)
		case colAddressList:
			h.Addresses = append(h.Addresses, parseAddressList(v)...)
		case colURLList:
			h.URLs = append(h.URLs, parseURLList(v)...)
		case colIMList:
			h.IMs = append(h.IMs, parseIMList(v)...)
		case colSlot:
			sv := &m.vals[c.slot]
			if sv[c.part] != "" {
				sv[c.part] += "\n" + v
			} else {
				sv[c.part] = v
			}
		}
	}
	for _, i := range m.order {
		m.assemble(b, m.p.slots[i], &m.vals[i])
	}
	return b.finish()
}

// splitExtension separates "+1 415 555 0132 ext. 12" (as the Google
// and Outlook writers put an extension) into number and extension.
func splitExtension(v string) (number, ext string) {
	l := strings.ToLower(v)
	for _, sep := range []string{" ext. ", " ext ", ";ext=", " x "} {
		if i := strings.LastIndex(l, sep); i > 0 {
			return strings.TrimSpace(v[:i]), strings.TrimSpace(v[i+len(sep):])
		}
	}
	return v, ""
}

func firstValue(v string) string {
	if vs := splitMulti(v, ""); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// assemble turns the cells of one group into list entries.
func (m *rowMapper) assemble(b *builder, s slotSpec, v *slotVals) {
	h := b.h
	label, primary := parseLabel(v[partLabel])
	switch s.fam {
	case famEmail:
		for i, e := range splitMulti(v[partValue], "") {
			h.Emails = append(h.Emails, store.Email{Address: e, Type: label, IsPrimary: primary && i == 0})
		}
	case famPhone:
		for i, p := range splitMulti(v[partValue], "") {
			n, ext := splitExtension(p)
			h.Phones = append(h.Phones, store.Phone{Number: n, Extension: ext, Type: phoneType(label), IsPrimary: primary && i == 0})
		}
	case famURL:
		for i, u := range splitMulti(v[partValue], "") {
			h.URLs = append(h.URLs, store.URL{URL: u, Type: urlType(label, u), IsPrimary: primary && i == 0})
		}
	case famIM:
		service := strings.ToLower(strings.TrimSpace(v[partService]))
		if service == "" {
			service = label
		}
		for i, x := range splitMulti(v[partValue], "") {
			h.IMs = append(h.IMs, store.IM{Handle: x, Service: service, IsPrimary: primary && i == 0})
		}
	case famCustom:
		if val := strings.TrimSpace(v[partValue]); val != "" {
			key := strings.TrimSpace(v[partLabel])
			if key == "" {
				key = s.typ
			}
			b.setCustom(key, val)
		}
	case famAddress:
		typ := s.typ
		if typ == "" {
			typ = label
		}
		parts := map[slotPart][]string{}
		n := 0
		for _, p := range []slotPart{partFormatted, partStreet, partStreet2, partStreet3, partCity, partPOBox, partRegion, partZip, partCountry, partExtended} {
			if v[p] == "" {
				continue
			}
			var vs []string
			if strings.Contains(v[p], ":::") {
				vs = strings.Split(v[p], ":::")
			} else {
				vs = []string{v[p]}
			}
			parts[p] = vs
			n = max(n, len(vs))
		}
		at := func(p slotPart, k int) string {
			if vs := parts[p]; k < len(vs) {
				return strings.TrimSpace(vs[k])
			}
			return ""
		}
		for k := range n {
			a := store.Address{
				Type:    typ,
				Street:  at(partStreet, k),
				City:    at(partCity, k),
				Region:  at(partRegion, k),
				Zip:     at(partZip, k),
				Country: at(partCountry, k),
			}
			var comp []string
			for _, p := range []slotPart{partStreet2, partStreet3, partExtended} {
				if x := at(p, k); x != "" {
					comp = append(comp, x)
				}
			}
			if x := at(partPOBox, k); x != "" {
				if strings.IndexFunc(x, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
					x = "PO Box " + x
				}
				comp = append(comp, x)
			}
			a.Complement = strings.Join(comp, ", ")
			if a.IsEmpty() {
				a.Street = strings.Join(strings.FieldsFunc(at(partFormatted, k), func(r rune) bool { return r == '\n' || r == '\r' }), ", ")
			}
			if a.IsEmpty() {
				continue
			}
			a.IsPrimary = primary && k == 0
			h.Addresses = append(h.Addresses, a)
		}
	}
}

// finish checks the contact has something to be known by, settles the
// primary entries and the display name.
func (b *builder) finish() Record {
	h := b.h
	h.Emails = dedupe(h.Emails, func(e store.Email) string { return strings.ToLower(e.Address) })
	// Outlook's "Primary Phone" and this app's primary_email and
	// primary_phone name the primary entry, unless an entry is already
	// marked ("*" in this app's lists, "* " in Google's labels).
	marked := func(n int, f func(i int) bool) bool {
		for i := range n {
			if f(i) {
				return true
			}
		}
		return false
	}
	if marked(len(h.Emails), func(i int) bool { return h.Emails[i].IsPrimary }) {
		b.primaryEmail = ""
	}
	if marked(len(h.Phones), func(i int) bool { return h.Phones[i].IsPrimary }) {
		b.primaryPhone = ""
	}
	if b.primaryEmail != "" {
		i := slices.IndexFunc(h.Emails, func(e store.Email) bool { return strings.EqualFold(e.Address, b.primaryEmail) })
		if i < 0 {
			h.Emails = append([]store.Email{{Address: b.primaryEmail}}, h.Emails...)
			i = 0
		}
		for k := range h.Emails {
			h.Emails[k].IsPrimary = k == i
		}
	}
	if b.primaryPhone != "" {
		i := slices.IndexFunc(h.Phones, func(p store.Phone) bool { return p.Number == b.primaryPhone })
		if i < 0 {
			h.Phones = append([]store.Phone{{Number: b.primaryPhone}}, h.Phones...)
			i = 0
		}
		for k := range h.Phones {
			h.Phones[k].IsPrimary = k == i
		}
	}
	onePrimary(h.Emails, func(e *store.Email) *bool { return &e.IsPrimary })
	onePrimary(h.Phones, func(p *store.Phone) *bool { return &p.IsPrimary })
	onePrimary(h.Addresses, func(a *store.Address) *bool { return &a.IsPrimary })
	onePrimary(h.URLs, func(u *store.URL) *bool { return &u.IsPrimary })
	onePrimary(h.IMs, func(m *store.IM) *bool { return &m.IsPrimary })
	if h.DisplayName != "" {
		d := h.DisplayName
		h.DisplayName = ""
		if h.Name() != d {
			h.DisplayName = d
		}
	}
	if h.FirstName == "" && h.LastName == "" && h.DisplayName == "" && h.Nickname == "" &&
		b.company == "" && len(h.Emails) == 0 && len(h.Phones) == 0 {
		return Record{Err: ErrEmptyRow}
	}
	if len(b.custom) > 0 {
		h.CustomFields = b.custom
	}
	return Record{Human: h, Company: b.company, Groups: b.groups}
}

func dedupe[T any](list []T, key func(T) string) []T {
	if len(list) < 2 {
		return list
	}
	seen := make(map[string]bool, len(list))
	out := list[:0]
	for _, x := range list {
		k := key(x)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, x)
	}
	return out
}

// onePrimary leaves exactly one entry primary: the first marked one, or
// the first one.
func onePrimary[T any](list []T, flag func(*T) *bool) {
	found := false
	for i := range list {
		p := flag(&list[i])
		if *p && !found {
			found = true
		} else {
			*p = false
		}
	}
	if !found && len(list) > 0 {
		*flag(&list[0]) = true
	}
}
