package carddav

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-vcard"
	"github.com/google/uuid"

	"github.com/humans-contacts/humans/store"
)

// Names resolves the ids a contact refers to into the names a card
// carries.
type Names interface {
	CompanyName(id int64) string
	GroupName(id int64) string
}

// Parsed is what Decode makes of a card: the contact with every mapped
// field, plus what the importer resolves or stores apart.
type Parsed struct {
	// Human has every mapped field; CompanyID and GroupIDs are zero (see
	// Company and Categories), Extra["vcard"] keeps what the model cannot
	// hold, PhotoHash and PhotoType describe Photo.
	Human *store.Human
	// Company is the first component of ORG, to resolve to a company id.
	Company string
	// Department is the second component of ORG (also in Human).
	Department string
	// Categories are the group names of CATEGORIES, to resolve to ids.
	Categories []string
	// Photo is the inline photo, for the store's photo bucket; PhotoType
	// its media type as the store sniffs it.
	Photo     []byte
	PhotoType string
}

// ExtraKey is the key of Human.Extra this package owns.
const ExtraKey = "vcard"

// ProductID is the PRODID Encode writes.
const ProductID = "-//Humans//Humans Contacts//EN"

// Errors of Encode and Decode.
var (
	ErrVersion   = errors.New("carddav: vCard version must be 3.0 or 4.0")
	ErrGroupCard = errors.New("carddav: the card is a group (KIND:group), not a contact")
)

// Humans' own properties and parameters.
const (
	propFavorite  = "X-HUMANS-FAVORITE"
	propSource    = "X-HUMANS-SOURCE"
	propField     = "X-HUMANS-FIELD"
	propConsent   = "X-HUMANS-CONSENT"
	paramExplicit = "X-HUMANS-EXPLICIT"
	paramMatch    = "X-HUMANS-MATCH"
	paramPrimary  = "X-HUMANS-PRIMARY"
)

// entry is one content line.
type entry struct {
	name string
	f    *vcard.Field
}

// item is what Encode writes for one model value: key names the value
// (without its primary flag), lines are the canonical lines.
type item struct {
	key     string
	list    bool // a list item, with a primary flag
	primary bool
	lines   []canonLine
}

// canonLine is a line Encode writes for a model value. Its parameters are
// a short list, not a vcard.Params map: Decode builds these lines for
// every card it reads only to compare them with the lines it read, which
// are most often the same to the byte (identicalLine), so the map is made
// only where a field is needed (field).
type canonLine struct {
	name   string
	value  string
	params []canonParam // distinct keys, each with one value or more
}

type canonParam struct {
	key  string
	vals []string
}

func line(name, value string) canonLine { return canonLine{name: name, value: value} }

// field returns the line as a go-vcard field (sharing the parameter
// values).
func (l canonLine) field() *vcard.Field {
	f := field(l.value)
	if len(l.params) > 0 {
		f.Params = make(vcard.Params, len(l.params))
		for _, p := range l.params {
			f.Params[p.key] = p.vals
		}
	}
	return f
}

// param returns the values of parameter key, nil if the line has none.
func (l canonLine) param(key string) []string {
	for _, p := range l.params {
		if p.key == key {
			return p.vals
		}
	}
	return nil
}

// set gives parameter key the single value v (vcard.Params.Set).
func (l *canonLine) set(key, v string) {
	for i := range l.params {
		if l.params[i].key == key {
			l.params[i].vals = []string{v}
			return
		}
	}
	l.params = append(l.params, canonParam{key, []string{v}})
}

// add appends v to the values of parameter key (vcard.Params.Add).
func (l *canonLine) add(key, v string) {
	for i := range l.params {
		if l.params[i].key == key {
			l.params[i].vals = append(l.params[i].vals, v)
			return
		}
	}
	l.params = append(l.params, canonParam{key, []string{v}})
}

// appendItemKey appends the key of an item: its kind and a hash of the
// parts that identify its value ("tel-3k2j9x0a1b").
func appendItemKey(dst []byte, kind string, parts ...string) []byte {
	// FNV-1a, 64 bits, inline to spare the allocation of hash/fnv.
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			h ^= uint64(p[i])
			h *= prime
		}
		h *= prime // a 0 byte between parts
	}
	dst = append(dst, kind...)
	dst = append(dst, '-')
	return appendBase36(dst, h)
}

// appendBase36 appends h in base 36 as strconv.AppendUint(dst, h, 36)
// does (stored keys are written so), dividing by a constant, which the
// compiler turns into a multiplication: strconv's division by a variable
// base was the costliest step of decoding a card.
func appendBase36(dst []byte, h uint64) []byte {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	var buf [13]byte // 36^13 > 2^64
	i := len(buf)
	for h >= 36 {
		q := h / 36
		i--
		buf[i] = digits[h-q*36]
		h = q
	}
	i--
	buf[i] = digits[h]
	return append(dst, buf[i:]...)
}

// keyBuilder makes the item keys of one card (appendItemKey) in one buffer,
// in a few allocations rather than one each: a strings.Builder never
// changes what it wrote, so each key stays valid as the buffer grows.
type keyBuilder struct{ sb strings.Builder }

func (k *keyBuilder) key(kind string, parts ...string) string {
	var buf [40]byte
	b := appendItemKey(buf[:0], kind, parts...)
	start := k.sb.Len()
	k.sb.Write(b)
	return k.sb.String()[start:]
}

func field(v string) *vcard.Field { return &vcard.Field{Value: v} }

// canonArena holds the lines of one canonical call and the parameters of
// its typed lines, so that a card's lines take three allocations rather
// than one to three each. Each line gets a region of its own, with room
// for what linePref and set add, so that appending to one never writes
// into another's.
type canonArena struct {
	keys   keyBuilder
	all    []canonLine
	params []canonParam
	strs   []string
}

func newCanonArena(lines, typed int) *canonArena {
	a := &canonArena{}
	a.reset(lines, typed)
	return a
}

// reset readies a for a card of lines lines, typed of them typed, keeping
// the room it has. The keys it made before stay valid: a new key buffer
// is started.
func (a *canonArena) reset(lines, typed int) {
	a.all = reuse(a.all, lines)
	a.params = reuse(a.params, 2*typed)
	a.strs = reuse(a.strs, 3*typed)
	a.keys = keyBuilder{}
	a.keys.sb.Grow(20 * (lines + 8))
}

// reuse returns s emptied, with room for n, its old elements cleared so
// that they keep nothing alive.
func reuse[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, 0, n)
	}
	clear(s)
	return s[:0]
}

// canonScratch keeps what canonical allocates from one call to the next,
// for a caller that is done with the items before it calls again (Decode
// compares a card's lines with them, then drops them).
type canonScratch struct {
	items []item
	arena canonArena
}

// one returns the lines of an item of one line.
func (a *canonArena) one(l canonLine) []canonLine {
	s := carve(&a.all, 1)
	return append(s, l)
}

// lines returns a copy of the lines of an item in the arena (nil for
// none).
func (a *canonArena) lines(ls []canonLine) []canonLine {
	if len(ls) == 0 {
		return nil
	}
	return append(carve(&a.all, len(ls)), ls...)
}

func carve[T any](buf *[]T, n int) []T {
	b := *buf
	if cap(b)-len(b) < n {
		return make([]T, 0, n)
	}
	*buf = b[:len(b)+n]
	return b[len(b) : len(b) : len(b)+n]
}

// typed is a line with the TYPE values ts (the empty ones left out), in
// the case of version.
func (a *canonArena) typed(name, v, version string, ts ...string) canonLine {
	l := line(name, v)
	var types []string
	for _, t := range ts {
		if t != "" {
			if types == nil {
				// Room for a "pref" linePref may add, and in the
				// parameter list for a PREF or X-HUMANS-NUMBER (a
				// third parameter makes an allocation of its own).
				types = carve(&a.strs, len(ts)+1)
				l.params = carve(&a.params, 2)
			}
			types = append(types, typeCase(t, version))
		}
	}
	if types != nil {
		l.params = append(l.params, canonParam{vcard.ParamType, types})
	}
	return l
}

// setPref marks f as preferred in the form of version.
func setPref(f *vcard.Field, version string) {
	if f.Params == nil {
		f.Params = vcard.Params{}
	}
	if version == v3 {
		f.Params.Add(vcard.ParamType, "pref")
	} else {
		f.Params.Set(vcard.ParamPreferred, "1")
	}
}

// linePref marks l as preferred in the form of version, as setPref does
// a field.
func linePref(l *canonLine, version string) {
	if version == v3 {
		l.add(vcard.ParamType, "pref")
	} else {
		l.set(vcard.ParamPreferred, "1")
	}
}

// clearPref removes the marks that make f primary (TYPE=pref, PREF=1).
func clearPref(f *vcard.Field) {
	removeTypes(f, "pref")
	if strings.TrimSpace(f.Params.Get(vcard.ParamPreferred)) == "1" {
		delete(f.Params, vcard.ParamPreferred)
	}
}

// derivedName is the name the store derives for h, ignoring DisplayName.
func derivedName(h *store.Human) string {
	c := *h
	c.DisplayName = ""
	return c.Name()
}

// canonLineCount is at least the number of lines of the singletons
// canonical lists for h (not counting the lists).
func canonLineCount(h *store.Human, company string, categories []string, photo []byte) int {
	n := 2 + len(h.CustomFields) + len(h.Consents) // FN, N
	for _, v := range []bool{h.Nickname != "", company != "" || h.Department != "", h.JobTitle != "",
		h.Birthday != nil, h.Notes != "", len(photo) > 0, h.PhotoURL != "", h.Gender != "", h.Language != "",
		h.UID != "", !h.UpdatedAt.IsZero(), len(categories) > 0, h.IsFavorite, h.Source != ""} {
		if v {
			n++
		}
	}
	return n
}

// canonical lists what Encode writes for h, item by item, in the order of
// the card. Singletons are listed even when empty (with no lines), so
// that every value Decode reads has a key here.
func canonical(h *store.Human, company string, categories []string, photo []byte, version string) []item {
	return canonicalIn(nil, h, company, categories, photo, version)
}

// canonicalIn is canonical with its items and lines made in sc's room
// (fresh ones when sc is nil): they are valid until the next call with sc.
func canonicalIn(sc *canonScratch, h *store.Human, company string, categories []string, photo []byte, version string) []item {
	lists := len(h.Phones) + len(h.Emails) + len(h.Addresses) + len(h.URLs) + len(h.IMs)
	lines, typed := canonLineCount(h, company, categories, photo)+lists, len(h.Phones)+len(h.Emails)+len(h.Addresses)+len(h.URLs)
	var items []item
	var arena *canonArena
	if sc == nil {
		items = make([]item, 0, 24+lists)
		arena = newCanonArena(lines, typed)
	} else {
		sc.items = reuse(sc.items, 24+lists)
		items = sc.items
		arena = &sc.arena
		arena.reset(lines, typed)
		defer func() { sc.items = items[:0] }()
	}
	single := func(kind, val string, lines ...canonLine) {
		items = append(items, item{key: arena.keys.key(kind, val), lines: arena.lines(lines)})
	}

	// FN and N.
	name := h.Name()
	explicit := h.DisplayName != "" && h.DisplayName == derivedName(h)
	fn := line(vcard.FieldFormattedName, name)
	if explicit {
		fn.set(paramExplicit, "1")
	}
	items = append(items, item{key: arena.keys.key("fn", name, strconv.FormatBool(explicit)), lines: arena.one(fn)})
	nKey := arena.keys.key("n", h.LastName, h.FirstName, h.Prefix, h.Suffix)
	if h.LastName != "" || h.FirstName != "" || h.Prefix != "" || h.Suffix != "" || version == v3 {
		items = append(items, item{key: nKey, lines: arena.one(line(vcard.FieldName, joinStructured(5, h.LastName, h.FirstName, "", h.Prefix, h.Suffix)))})
	} else {
		items = append(items, item{key: nKey})
	}

	text := func(kind, prop, v string) {
		if v == "" {
			single(kind, v)
			return
		}
		single(kind, v, line(prop, v))
	}
	text("nick", vcard.FieldNickname, h.Nickname)

	orgKey := arena.keys.key("org", company, h.Department)
	switch {
	case company == "" && h.Department == "":
		items = append(items, item{key: orgKey})
	case h.Department == "":
		items = append(items, item{key: orgKey, lines: arena.one(line(vcard.FieldOrganization, escSemi(company)))})
	default:
		items = append(items, item{key: orgKey, lines: arena.one(line(vcard.FieldOrganization, joinStructured(2, company, h.Department)))})
	}
	text("title", vcard.FieldTitle, h.JobTitle)

	if b := h.Birthday; b != nil {
		v, omit := formatBirthday(*b, version)
		l := line(vcard.FieldBirthday, v)
		if omit != "" {
			l.set(paramOmitYear, omit)
		}
		single("bday", b.String(), l)
	} else {
		single("bday", "")
	}
	text("note", vcard.FieldNote, h.Notes)

	// Photos: the inline photo, then the URL.
	if len(photo) > 0 {
		mt := h.PhotoType
		if sniffed, ok := acceptedImage(photo); ok {
			mt = sniffed
		}
		b64 := base64.StdEncoding.EncodeToString(photo)
		var l canonLine
		if version == v3 {
			l = canonLine{name: vcard.FieldPhoto, value: b64,
				params: []canonParam{{paramEncoding, []string{"b"}}, {vcard.ParamType, []string{photoTypeParam(mt)}}}}
		} else {
			l = line(vcard.FieldPhoto, "data:"+mt+";base64,"+b64)
		}
		items = append(items, item{key: arena.keys.key("photo", photoHash(photo)), lines: arena.one(l)})
	}
	if h.PhotoURL != "" {
		l := line(vcard.FieldPhoto, h.PhotoURL)
		if version == v3 {
			l.set(vcard.ParamValue, "uri")
		}
		single("photourl", h.PhotoURL, l)
	}

	if g := genderLetters[h.Gender]; g != "" {
		single("gender", h.Gender, line(vcard.FieldGender, g))
	} else {
		single("gender", h.Gender)
	}
	text("lang", vcard.FieldLanguage, h.Language)

	if h.UID != "" {
		v := h.UID
		if version == v4 {
			if _, err := uuid.Parse(v); err == nil && len(v) == 36 {
				v = "urn:uuid:" + v
			}
		}
		single("uid", h.UID, line(vcard.FieldUID, v))
	} else {
		single("uid", "")
	}
	if !h.UpdatedAt.IsZero() {
		r := formatRev(h.UpdatedAt)
		single("rev", r, line(vcard.FieldRevision, r))
	} else {
		single("rev", "")
	}

	cats := make([]string, 0, len(categories))
	seen := make(map[string]bool, len(categories))
	for _, c := range categories {
		if c = strings.TrimSpace(c); c != "" && !seen[c] {
			seen[c] = true
			cats = append(cats, c)
		}
	}
	sorted := slices.Clone(cats)
	slices.Sort(sorted)
	if len(cats) > 0 {
		single("cat", strings.Join(sorted, "\x00"), line(vcard.FieldCategories, strings.Join(cats, ",")))
	} else {
		single("cat", "")
	}

	// Lists.
	for _, p := range h.Phones {
		l := arena.typed(vcard.FieldTelephone, formatTel(p.Number, p.Extension), version, telTypeParam(p.Type))
		if p.IsPrimary {
			linePref(&l, version)
		}
		items = append(items, item{key: arena.keys.key("tel", p.Number, p.Extension, p.Type), list: true, primary: p.IsPrimary,
			lines: arena.one(l)})
	}
	for _, e := range h.Emails {
		var l canonLine
		if version == v3 {
			l = arena.typed(vcard.FieldEmail, e.Address, version, "internet", e.Type)
		} else {
			l = arena.typed(vcard.FieldEmail, e.Address, version, e.Type)
		}
		if e.IsPrimary {
			linePref(&l, version)
		}
		items = append(items, item{key: arena.keys.key("email", strings.ToLower(e.Address), e.Type), list: true, primary: e.IsPrimary,
			lines: arena.one(l)})
	}
	for _, a := range h.Addresses {
		street, hint := joinStreet(a.Number, a.Street)
		l := arena.typed(vcard.FieldAddress, joinStructured(7, "", a.Complement, street, a.City, a.Region, a.Zip, a.Country), version, a.Type)
		if hint {
			l.set(paramNumber, a.Number)
		}
		if a.IsPrimary {
			linePref(&l, version)
		}
		items = append(items, item{key: arena.keys.key("adr", a.Type, a.Street, a.Number, a.Complement, a.Zip, a.City, a.Region, a.Country),
			list: true, primary: a.IsPrimary, lines: arena.one(l)})
	}
	for _, u := range h.URLs {
		l := arena.typed(vcard.FieldURL, u.URL, version, u.Type)
		if u.IsPrimary {
			linePref(&l, version)
		}
		items = append(items, item{key: arena.keys.key("url", u.URL, u.Type), list: true, primary: u.IsPrimary,
			lines: arena.one(l)})
	}
	for _, im := range h.IMs {
		v, st := formatIMPP(im.Service, im.Handle)
		l := line(vcard.FieldIMPP, v)
		if st != "" {
			l.set("X-SERVICE-TYPE", st)
		}
		if im.IsPrimary {
			linePref(&l, version)
		}
		items = append(items, item{key: arena.keys.key("im", im.Service, im.Handle), list: true, primary: im.IsPrimary,
			lines: arena.one(l)})
	}

	// Humans' own properties.
	if h.IsFavorite {
		single("fav", "1", line(propFavorite, "1"))
	} else {
		single("fav", "")
	}
	if h.Source != "" {
		single("src", string(h.Source), line(propSource, string(h.Source)))
	} else {
		single("src", "")
	}
	keys := make([]string, 0, len(h.CustomFields))
	for k := range h.CustomFields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := h.CustomFields[k]
		single("field", k+"\x00"+v, line(propField, escSemi(k)+";"+escSemi(v)))
	}
	for _, c := range h.Consents {
		t := c.GrantedAt.UTC().Format(time.RFC3339Nano)
		items = append(items, item{key: arena.keys.key("consent", c.Channel, t, c.Source),
			lines: arena.one(line(propConsent, joinStructured(2, c.Channel, t, c.Source)))})
	}
	return items
}

func photoHash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Encode writes h as a card of version "3.0" or "4.0". names resolves
// CompanyID and GroupIDs (nil: no ORG company, no CATEGORIES); photo is
// the contact's photo bytes, if any. What Decode kept in
// h.Extra["vcard"] is written back (see the package comment).
func Encode(h *store.Human, names Names, photo []byte, version string) (vcard.Card, error) {
	if version != v3 && version != v4 {
		return nil, fmt.Errorf("%w (got %q)", ErrVersion, version)
	}
	var company string
	var cats []string
	if names != nil {
		if h.CompanyID != 0 {
			company = names.CompanyName(h.CompanyID)
		}
		for _, id := range h.GroupIDs {
			if n := names.GroupName(id); n != "" {
				cats = append(cats, n)
			}
		}
	}
	items := canonical(h, company, cats, photo, version)
	ex, err := parseExtra(h.Extra[ExtraKey])
	if err != nil {
		return nil, err
	}
	convert := ex.version != "" && major(ex.version) != major(version)

	card := make(vcard.Card, 24)
	card[vcard.FieldVersion] = []*vcard.Field{field(version)}
	card[vcard.FieldProductID] = []*vcard.Field{field(ProductID)}
	emittedGroups := map[string]bool{}
	emit := func(name string, f *vcard.Field) {
		if convert {
			name, f = convertField(name, f, version)
		}
		if f.Group != "" {
			emittedGroups[strings.ToLower(f.Group)] = true
		}
		card[name] = append(card[name], f)
	}
	used := map[string]bool{}
	for _, it := range items {
		sh, ok := ex.shadows[it.key]
		if !ok || used[it.key] {
			lines := withMiddleName(it.lines, ex)
			for _, l := range lines {
				card[l.name] = append(card[l.name], l.field())
			}
			continue
		}
		used[it.key] = true
		wasPrimary := false
		for _, l := range sh {
			wasPrimary = wasPrimary || l.f.Params.Get(paramPrimary) == "1"
		}
		for i, l := range sh {
			f := copyField(l.f)
			delete(f.Params, paramMatch)
			delete(f.Params, paramPrimary)
			if l.name == vcard.FieldPhoto && len(photo) > 0 && (f.Value == "" || strings.HasSuffix(strings.ToLower(f.Value), ";base64,")) {
				f.Value = photoValue(f, photo)
			}
			name := l.name
			if convert {
				name, f = convertField(name, f, version)
			}
			if it.list && wasPrimary != it.primary {
				if it.primary && i == 0 {
					setPref(f, version)
				} else if !it.primary {
					clearPref(f)
				}
			}
			if len(f.Params) == 0 {
				f.Params = nil
			}
			if f.Group != "" {
				emittedGroups[strings.ToLower(f.Group)] = true
			}
			card[name] = append(card[name], f)
		}
	}
	for _, l := range ex.extras {
		if g := strings.ToLower(l.f.Group); g != "" && ex.mappedGroups[g] && !emittedGroups[g] {
			continue // the rest of a group whose mapped lines are gone
		}
		emit(l.name, copyField(l.f))
	}
	return card, nil
}

// photoValue regenerates the data of a PHOTO line kept without it.
func photoValue(f *vcard.Field, photo []byte) string {
	b64 := base64.StdEncoding.EncodeToString(photo)
	if strings.HasPrefix(strings.ToLower(f.Value), "data:") {
		return f.Value + b64
	}
	return b64
}

// withMiddleName keeps the additional names of the original N after the
// other parts of the name were edited.
func withMiddleName(lines []canonLine, ex *extra) []canonLine {
	if ex.middle == "" || len(lines) != 1 || lines[0].name != vcard.FieldName {
		return lines
	}
	c := splitStructured(lines[0].value)
	for len(c) < 5 {
		c = append(c, "")
	}
	c[2] = ex.middle
	return []canonLine{line(vcard.FieldName, joinStructured(5, c...))}
}

func copyField(f *vcard.Field) *vcard.Field {
	c := &vcard.Field{Value: f.Value, Group: f.Group}
	if len(f.Params) > 0 {
		c.Params = make(vcard.Params, len(f.Params))
		for k, v := range f.Params {
			c.Params[k] = slices.Clone(v)
		}
	}
	return c
}

func major(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '.'); i >= 0 {
		v = v[:i]
	}
	if v == "2" {
		return "3" // 2.1 lines were made 3.0-like by the reader
	}
	return v
}

// cardVersion is the version Decode compares a card against: 4.0 for 4.x
// cards, 3.0 for everything else.
func cardVersion(card vcard.Card) string {
	if major(card.Value(vcard.FieldVersion)) == "4" {
		return v4
	}
	return v3
}

// IsGroupCard reports whether card describes a group (vCard 4.0
// KIND:group or Apple's X-ADDRESSBOOKSERVER-KIND:group) rather than a
// contact.
func IsGroupCard(card vcard.Card) bool {
	return strings.EqualFold(strings.TrimSpace(card.Value(vcard.FieldKind)), "group") ||
		strings.EqualFold(strings.TrimSpace(card.Value("X-ADDRESSBOOKSERVER-KIND")), "group")
}
