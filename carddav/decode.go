package carddav

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-vcard"

	"github.com/humans-contacts/humans/store"
)

// Limits of the store that Decode respects, so that a value the store
// would reject stays an unmapped line instead of failing the import.
const (
	maxShortText = 1024
	maxNotes     = 100_000
	maxListItems = 100
)

// decodeOrder is the order in which Decode reads properties, so that the
// lists of the model come out in the same order whatever the card's.
var decodeOrder = []string{
	vcard.FieldFormattedName, vcard.FieldName, vcard.FieldNickname, vcard.FieldOrganization, vcard.FieldTitle,
	vcard.FieldBirthday, vcard.FieldNote, vcard.FieldPhoto, vcard.FieldGender, "X-GENDER", "X-WAB-GENDER",
	vcard.FieldLanguage, vcard.FieldUID, vcard.FieldRevision, vcard.FieldCategories,
	vcard.FieldTelephone, vcard.FieldEmail, vcard.FieldAddress, vcard.FieldURL, "X-SOCIALPROFILE", vcard.FieldIMPP,
	"X-AIM", "X-GADUGADU", "X-GOOGLE-TALK", "X-GTALK", "X-ICQ", "X-JABBER", "X-MS-IMADDRESS", "X-MSN", "X-QQ",
	"X-SKYPE", "X-SKYPE-USERNAME", "X-YAHOO",
	propFavorite, propSource, propField, propConsent,
}

// decodeIndex is the place of each property of decodeOrder.
var decodeIndex = func() map[string]int {
	m := map[string]int{}
	for i, n := range decodeOrder {
		m[n] = i
	}
	return m
}()

// decodeScratch is what Decode uses only while it runs, kept from card
// to card (decodePool).
type decodeScratch struct {
	orig   map[string][]entry
	single map[string]string
	known  [][]*vcard.Field // the card's lines by place in decodeOrder
	rest   []string
	ents   []entry // a slab for the lines of orig
	canon  canonScratch
}

var decodePool = sync.Pool{New: func() any {
	return &decodeScratch{orig: make(map[string][]entry, 24), single: make(map[string]string, 16),
		known: make([][]*vcard.Field, len(decodeOrder)), ents: make([]entry, 0, 64)}
}}

func (sc *decodeScratch) release() {
	clear(sc.orig)
	clear(sc.single)
	clear(sc.known)
	clear(sc.rest)
	sc.rest = sc.rest[:0]
	clear(sc.ents)
	sc.ents = sc.ents[:0]
	decodePool.Put(sc)
}

// listState is the bookkeeping of one list of the model.
type listState struct {
	ids   []string       // merge identity by index
	index map[string]int // merge identity → index, once the list is long
	keys  []string       // item key by index
	ranks []int          // best preference rank by index
}

// listIndexAt is the length from which a list finds identities with a
// map rather than by comparing them all (lists of consents have no
// bound).
const listIndexAt = 16

func (l *listState) find(id string) (int, bool) {
	if l.index != nil {
		i, ok := l.index[id]
		return i, ok
	}
	for i, x := range l.ids {
		if x == id {
			return i, true
		}
	}
	return 0, false
}

func (l *listState) add(id, key string, rank int) {
	if l.index == nil && len(l.ids) >= listIndexAt {
		l.index = make(map[string]int, 2*listIndexAt)
		for i, x := range l.ids {
			if _, dup := l.index[x]; !dup {
				l.index[x] = i
			}
		}
	}
	if l.index != nil {
		l.index[id] = len(l.keys)
	}
	l.ids = append(l.ids, id)
	l.keys = append(l.keys, key)
	l.ranks = append(l.ranks, rank)
}

func (l *listState) bump(i, rank int) {
	if rank > 0 && (l.ranks[i] == 0 || rank < l.ranks[i]) {
		l.ranks[i] = rank
	}
}

// primary returns the index of the preferred item, -1 if none is marked.
func (l *listState) primary() int {
	best := -1
	for i, r := range l.ranks {
		if r > 0 && (best < 0 || r < l.ranks[best]) {
			best = i
		}
	}
	return best
}

type decoder struct {
	h       *store.Human
	p       *Parsed
	version string

	orig   map[string][]entry // original lines by item key
	keys   []string           // item keys in order of appearance
	sc     *decodeScratch
	kb     keyBuilder
	extras []entry
	single map[string]string // singleton kind → its item key

	fn       []entry
	fnValue  string
	explicit bool
	cats     []entry
	catSeen  map[string]bool

	tels, emails, adrs, urls, ims, consents listState
}

func (d *decoder) file(key string, e entry) {
	lines, ok := d.orig[key]
	if !ok {
		d.keys = append(d.keys, key)
		// Most items have one line: it takes a place in the card's
		// slab (a second line moves the item's lines out of it).
		lines = carve(&d.sc.ents, 1)
	}
	d.orig[key] = append(lines, e)
}

func (d *decoder) extra(e entry) { d.extras = append(d.extras, e) }

// setSingle maps a singleton: the first valid line sets the value, later
// lines with the same value join it, other lines stay unmapped.
func (d *decoder) setSingle(kind, key string, e entry, apply func()) {
	switch k, ok := d.single[kind]; {
	case !ok:
		d.single[kind] = key
		apply()
		d.file(key, e)
	case k == key:
		d.file(key, e)
	default:
		d.extra(e)
	}
}

func okText(s string, limit int) bool { return len(s) <= limit && utf8.ValidString(s) }

// Decode maps a card onto a contact (see the package comment for the
// rules). Every line it does not map, and the original form of mapped
// lines that say more than the model holds, go to
// Human.Extra["vcard"]. It fails only for a nil card and for a group card
// (ErrGroupCard).
func Decode(card vcard.Card) (*Parsed, error) {
	if card == nil {
		return nil, errors.New("carddav: nil card")
	}
	if IsGroupCard(card) {
		return nil, ErrGroupCard
	}
	sc := decodePool.Get().(*decodeScratch)
	defer sc.release()
	d := &decoder{
		h:       &store.Human{},
		p:       &Parsed{},
		version: cardVersion(card),
		orig:    sc.orig,
		single:  sc.single,
		sc:      sc,
	}
	d.p.Human = d.h
	d.kb.sb.Grow(24 * len(card))
	// The properties of decodeOrder in its order, then the others by
	// name.
	rest := sc.rest
	for name, fs := range card {
		if i, ok := decodeIndex[name]; ok {
			sc.known[i] = fs
		} else {
			rest = append(rest, name)
		}
	}
	sc.rest = rest
	for i, fs := range sc.known {
		for _, f := range fs {
			if f != nil {
				d.add(decodeOrder[i], f)
			}
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		switch name {
		case vcard.FieldVersion, vcard.FieldProductID, "BEGIN", "END":
			continue
		}
		for _, f := range card[name] {
			if f != nil {
				d.extra(entry{name, f})
			}
		}
	}
	d.finish()
	return d.p, nil
}

func (d *decoder) add(name string, f *vcard.Field) {
	e := entry{name, f}
	h := d.h
	switch name {
	case vcard.FieldFormattedName:
		v := textValue(f)
		if !okText(v, maxShortText) {
			d.extra(e)
			return
		}
		if len(d.fn) == 0 {
			d.fnValue = v
			d.explicit = f.Params.Get(paramExplicit) == "1"
		} else if v != d.fnValue {
			d.extra(e)
			return
		}
		d.fn = append(d.fn, e)
	case vcard.FieldName:
		c := splitStructured(f.Value)
		last, first, prefix, suffix := strings.TrimSpace(comp(c, 0)), strings.TrimSpace(comp(c, 1)), strings.TrimSpace(comp(c, 3)), strings.TrimSpace(comp(c, 4))
		for _, s := range []string{last, first, prefix, suffix} {
			if !okText(s, maxShortText) {
				d.extra(e)
				return
			}
		}
		d.setSingle("n", d.kb.key("n", last, first, prefix, suffix), e, func() {
			h.LastName, h.FirstName, h.Prefix, h.Suffix = last, first, prefix, suffix
		})
	case vcard.FieldNickname:
		d.text(e, "nick", &h.Nickname, maxShortText)
	case vcard.FieldTitle:
		d.text(e, "title", &h.JobTitle, maxShortText)
	case vcard.FieldNote:
		d.text(e, "note", &h.Notes, maxNotes)
	case vcard.FieldLanguage:
		v := textValue(f)
		if v != "" && !validLanguage(v) {
			d.extra(e)
			return
		}
		d.text(e, "lang", &h.Language, maxShortText)
	case vcard.FieldOrganization:
		c := splitStructured(f.Value)
		company, dept := strings.TrimSpace(comp(c, 0)), strings.TrimSpace(comp(c, 1))
		if !okText(company, maxShortText) || !okText(dept, maxShortText) {
			d.extra(e)
			return
		}
		d.setSingle("org", d.kb.key("org", company, dept), e, func() {
			d.p.Company, d.p.Department, h.Department = company, dept, dept
		})
	case vcard.FieldBirthday:
		b, ok := parseDate(f)
		if !ok {
			d.extra(e)
			return
		}
		d.setSingle("bday", d.kb.key("bday", b.String()), e, func() { h.Birthday = b })
	case vcard.FieldPhoto:
		d.photo(e)
	case vcard.FieldGender, "X-GENDER", "X-WAB-GENDER":
		g, ok := parseGender(name, f.Value)
		if !ok {
			d.extra(e)
			return
		}
		d.setSingle("gender", d.kb.key("gender", g), e, func() { h.Gender = g })
	case vcard.FieldUID:
		v := textValue(f)
		if len(v) > 9 && strings.EqualFold(v[:9], "urn:uuid:") {
			v = v[9:]
		}
		if !okText(v, maxShortText) {
			d.extra(e)
			return
		}
		d.setSingle("uid", d.kb.key("uid", v), e, func() { h.UID = v })
	case vcard.FieldRevision:
		t, ok := parseRev(f.Value)
		if !ok {
			d.extra(e)
			return
		}
		d.setSingle("rev", d.kb.key("rev", formatRev(t)), e, func() { h.UpdatedAt = t })
	case vcard.FieldCategories:
		d.cats = append(d.cats, e)
		for _, c := range strings.Split(unescSemi(f.Value), ",") {
			if c = strings.TrimSpace(c); c != "" && !d.catSeen[c] {
				if d.catSeen == nil {
					d.catSeen = map[string]bool{}
				}
				d.catSeen[c] = true
				d.p.Categories = append(d.p.Categories, c)
			}
		}
	case vcard.FieldTelephone:
		d.tel(e)
	case vcard.FieldEmail:
		d.email(e)
	case vcard.FieldAddress:
		d.adr(e)
	case vcard.FieldURL, "X-SOCIALPROFILE":
		d.url(e)
	case propFavorite:
		v := strings.ToLower(textValue(f))
		fav := v == "1" || v == "true" || v == "yes"
		if !fav && v != "0" && v != "false" && v != "no" && v != "" {
			d.extra(e)
			return
		}
		k := ""
		if fav {
			k = "1"
		}
		d.setSingle("fav", d.kb.key("fav", k), e, func() { h.IsFavorite = fav })
	case propSource:
		s := store.Source(strings.ToLower(textValue(f)))
		if !s.Valid() {
			d.extra(e)
			return
		}
		d.setSingle("src", d.kb.key("src", string(s)), e, func() { h.Source = s })
	case propField:
		c := splitStructured(f.Value)
		k, v := comp(c, 0), strings.Join(c[min(1, len(c)):], ";")
		if strings.TrimSpace(k) == "" || len(k) > 128 || !okText(v, maxNotes) || len(c) < 2 {
			d.extra(e)
			return
		}
		d.setSingle("field:"+k, d.kb.key("field", k+"\x00"+v), e, func() {
			if h.CustomFields == nil {
				h.CustomFields = map[string]string{}
			}
			h.CustomFields[k] = v
		})
	case propConsent:
		d.consent(e)
	default: // IMPP and the older IM properties
		d.im(e)
	}
}

func (d *decoder) text(e entry, kind string, dst *string, limit int) {
	v := textValue(e.f)
	if !okText(v, limit) {
		d.extra(e)
		return
	}
	d.setSingle(kind, d.kb.key(kind, v), e, func() { *dst = v })
}

func (d *decoder) photo(e entry) {
	f := e.f
	if data, _, ok := inlineData(f); ok {
		mt, accepted := acceptedImage(data)
		if !accepted {
			d.extra(e)
			return
		}
		d.setSingle("photo", d.kb.key("photo", photoHash(data)), e, func() {
			d.p.Photo, d.p.PhotoType = data, mt
			d.h.PhotoHash, d.h.PhotoType = photoHash(data), mt
		})
		return
	}
	v := strings.TrimSpace(f.Value)
	if isURLValue(f) && okText(v, maxShortText) && v != "" {
		d.setSingle("photourl", d.kb.key("photourl", v), e, func() { d.h.PhotoURL = v })
		return
	}
	d.extra(e)
}

func (d *decoder) tel(e entry) {
	number, ext := parseTel(e.f)
	ts, _ := types(e.f)
	typ := telType(ts)
	if !validPhone(number) || len(ext) > 32 || len(typ) > 64 {
		d.extra(e)
		return
	}
	key := d.kb.key("tel", number, ext, typ)
	d.listItem(&d.tels, key, key, e, func() {
		d.h.Phones = append(d.h.Phones, store.Phone{Number: number, Extension: ext, Type: typ})
	})
}

func (d *decoder) email(e entry) {
	addr := strings.TrimSpace(e.f.Value)
	if len(addr) > 7 && strings.EqualFold(addr[:7], "mailto:") {
		addr = addr[7:]
	}
	ts, _ := types(e.f)
	typ := emailType(ts)
	if !store.ValidEmail(addr) || len(typ) > 64 {
		d.extra(e)
		return
	}
	id := strings.ToLower(addr)
	d.listItem(&d.emails, id, d.kb.key("email", id, typ), e, func() {
		d.h.Emails = append(d.h.Emails, store.Email{Address: addr, Type: typ})
	})
}

func (d *decoder) adr(e entry) {
	c := splitStructured(e.f.Value)
	for i := range c {
		c[i] = strings.TrimSpace(c[i])
	}
	number, street := readStreet(e.f, comp(c, 2))
	ts, _ := types(e.f)
	a := store.Address{Type: adrType(ts), Street: street, Number: number, Complement: comp(c, 1),
		City: comp(c, 3), Region: comp(c, 4), Zip: comp(c, 5), Country: comp(c, 6)}
	if a.IsEmpty() {
		d.extra(e)
		return
	}
	for _, s := range []string{a.Type, a.Street, a.Number, a.Complement, a.City, a.Region, a.Zip, a.Country} {
		if !okText(s, maxShortText) {
			d.extra(e)
			return
		}
	}
	key := d.kb.key("adr", a.Type, a.Street, a.Number, a.Complement, a.Zip, a.City, a.Region, a.Country)
	d.listItem(&d.adrs, key, key, e, func() { d.h.Addresses = append(d.h.Addresses, a) })
}

func (d *decoder) url(e entry) {
	u := strings.ReplaceAll(strings.TrimSpace(unescSemi(e.f.Value)), `\:`, ":") // Google writes http\://
	ts, _ := types(e.f)
	typ := firstOther(ts)
	if e.name == "X-SOCIALPROFILE" {
		if st := normService(e.f.Params.Get("X-SERVICE-TYPE")); typ == "" && st != "" {
			typ = st
		}
		if !has(socialTypes, typ) {
			d.extra(e)
			return
		}
	}
	if !validWebAddress(u) || len(typ) > 64 {
		d.extra(e)
		return
	}
	key := d.kb.key("url", u, typ)
	d.listItem(&d.urls, key, key, e, func() { d.h.URLs = append(d.h.URLs, store.URL{URL: u, Type: typ}) })
}

func (d *decoder) im(e entry) {
	var service, handle string
	if e.name == vcard.FieldIMPP {
		service, handle = parseIMPP(e.f)
	} else {
		service, handle = imProps[e.name], textValue(e.f)
		if s := e.f.Params.Get("X-SERVICE-TYPE"); s != "" {
			service = normService(s)
		}
	}
	handle = strings.TrimSpace(handle)
	if handle == "" || !okText(handle, maxShortText) || len(service) > 64 {
		d.extra(e)
		return
	}
	key := d.kb.key("im", service, handle)
	d.listItem(&d.ims, key, key, e, func() { d.h.IMs = append(d.h.IMs, store.IM{Handle: handle, Service: service}) })
}

func (d *decoder) consent(e entry) {
	c := splitStructured(e.f.Value)
	ch, src := strings.TrimSpace(comp(c, 0)), comp(c, 2)
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(comp(c, 1)))
	if ch == "" || err != nil || t.IsZero() || len(c) > 3 {
		d.extra(e)
		return
	}
	t = t.UTC()
	key := d.kb.key("consent", ch, t.Format(time.RFC3339Nano), src)
	if _, dup := d.consents.find(key); dup {
		d.file(key, e)
		return
	}
	d.consents.add(key, key, 0)
	d.h.Consents = append(d.h.Consents, store.Consent{Channel: ch, GrantedAt: t, Source: src})
	d.file(key, e)
}

// listItem adds a list value, or merges the line into an earlier item
// with the same identity.
func (d *decoder) listItem(l *listState, id, key string, e entry, add func()) {
	rank := prefRank(e.f)
	if i, ok := l.find(id); ok {
		l.bump(i, rank)
		d.file(l.keys[i], e)
		return
	}
	if len(l.keys) >= maxListItems {
		d.extra(e)
		return
	}
	l.add(id, key, rank)
	add()
	d.file(key, e)
}

func (d *decoder) finish() {
	h, p := d.h, d.p

	// FN, now that the name parts are known.
	if len(d.fn) > 0 {
		derived := derivedName(h)
		if d.explicit || d.fnValue != derived {
			h.DisplayName = d.fnValue
		}
		explicit := h.DisplayName != "" && h.DisplayName == derived
		key := d.kb.key("fn", h.Name(), boolString(explicit))
		for _, e := range d.fn {
			d.file(key, e)
		}
	}
	if len(d.cats) > 0 {
		sorted := slices.Clone(p.Categories)
		slices.Sort(sorted)
		key := d.kb.key("cat", strings.Join(sorted, "\x00"))
		for _, e := range d.cats {
			d.file(key, e)
		}
	}
	if i := d.tels.primary(); i >= 0 {
		h.Phones[i].IsPrimary = true
	}
	if i := d.emails.primary(); i >= 0 {
		h.Emails[i].IsPrimary = true
	}
	if i := d.adrs.primary(); i >= 0 {
		h.Addresses[i].IsPrimary = true
	}
	if i := d.urls.primary(); i >= 0 {
		h.URLs[i].IsPrimary = true
	}
	if i := d.ims.primary(); i >= 0 {
		h.IMs[i].IsPrimary = true
	}

	// Compare what was read with what Encode would write for it.
	items := canonicalIn(&d.sc.canon, h, p.Company, p.Categories, p.Photo, d.version)
	var shadows []entry
	for _, it := range items {
		orig, ok := d.orig[it.key]
		if !ok {
			continue
		}
		delete(d.orig, it.key)
		if sameLines(orig, it.lines) {
			continue
		}
		for i, e := range orig {
			f := copyField(e.f)
			if f.Params == nil {
				f.Params = vcard.Params{}
			}
			f.Params.Set(paramMatch, it.key)
			if it.primary && i == 0 {
				f.Params.Set(paramPrimary, "1")
			}
			if e.name == vcard.FieldPhoto && strings.HasPrefix(it.key, "photo-") {
				f.Value = stripPhotoData(f.Value)
			}
			shadows = append(shadows, entry{e.name, f})
		}
	}
	// Anything not matched by an item (it should not happen) stays as an
	// unmapped line rather than being lost.
	for _, k := range d.keys {
		d.extras = append(d.extras, d.orig[k]...)
	}
	if b := formatExtra(d.version, shadows, d.extras); b != nil {
		h.Extra = map[string][]byte{ExtraKey: b}
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// stripPhotoData keeps the form of an inline photo value without its data:
// the data: prefix of a data URI, nothing for base64.
func stripPhotoData(v string) string {
	if len(v) > 5 && strings.EqualFold(v[:5], "data:") {
		if i := strings.IndexByte(v, ','); i >= 0 {
			return v[:i+1]
		}
	}
	return ""
}
