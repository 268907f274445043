package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"strings"
)

// indexRecord is everything the in-memory indexes need to know about one
// contact: sort keys, filter fields, search tokens and the list-row text.
// It is derived from a Human when the Human is written and persisted in
// the summaries bucket, so that opening the store reads these compact
// records instead of decoding every contact (and parsing every phone
// number) again.
type indexRecord struct {
	ID        int64
	Revision  uint64
	CreatedAt int64 // unix nanoseconds
	UpdatedAt int64
	DeletedAt int64 // 0 while live

	IsFavorite bool
	HasPhoto   bool
	HasPhone   bool
	HasEmail   bool
	Source     Source
	CompanyID  int64
	GroupIDs   []int64

	BirthYear, BirthMonth, BirthDay int

	DisplayName  string // as shown: explicit or derived
	JobTitle     string
	PrimaryEmail string
	PrimaryPhone string

	// Folded sort keys: lower case, accent free.
	SortFirst   string
	SortLast    string
	SortDisplay string

	prefixFirst, prefixLast, prefixDisplay uint64 // see setSortPrefixes

	NameTokens  []string // folded words of the names and nickname
	OtherTokens []string // folded pieces of the e-mail addresses
	PhoneDigits []string // digit strings of the phone numbers

	// Keys that identify the same person across sources, for matching
	// before creating: lower-case e-mail addresses and phone numbers in
	// E.164 (or their digits when they do not parse).
	EmailKeys []string
	PhoneKeys []string
	// PersonName is the folded name a person was given ("jean dupont"),
	// "" when the contact has none of its own (its display name derives
	// from an e-mail or phone): FindMatch checks it before trusting a
	// shared e-mail or phone.
	PersonName string
}

func (r *indexRecord) live() bool { return r.DeletedAt == 0 }

// newIndexRecord derives the index record of h; region is the default
// phone region for numbers written without a country code.
func newIndexRecord(h *Human, region string) *indexRecord {
	r := &indexRecord{
		ID:          h.ID,
		Revision:    h.Revision,
		CreatedAt:   h.CreatedAt.UnixNano(),
		UpdatedAt:   h.UpdatedAt.UnixNano(),
		IsFavorite:  h.IsFavorite,
		HasPhoto:    h.PhotoHash != "" || h.PhotoURL != "",
		HasPhone:    len(h.Phones) > 0,
		HasEmail:    len(h.Emails) > 0,
		Source:      h.Source,
		CompanyID:   h.CompanyID,
		GroupIDs:    append([]int64(nil), h.GroupIDs...),
		DisplayName: h.Name(),
		JobTitle:    h.JobTitle,
	}
	if h.DeletedAt != nil {
		r.DeletedAt = h.DeletedAt.UnixNano()
	}
	if h.Birthday != nil {
		r.BirthYear, r.BirthMonth, r.BirthDay = h.Birthday.Year, h.Birthday.Month, h.Birthday.Day
	}
	if e := h.PrimaryEmail(); e != nil {
		r.PrimaryEmail = e.Address
	}
	if p := h.PrimaryPhone(); p != nil {
		r.PrimaryPhone = p.Number
	}
	r.SortDisplay = foldText(r.DisplayName)
	r.SortFirst = r.SortDisplay
	if h.FirstName != "" {
		r.SortFirst = foldText(h.FirstName)
	}
	r.SortLast = r.SortDisplay
	if h.LastName != "" {
		r.SortLast = foldText(h.LastName)
	}
	r.NameTokens = uniqueStrings(words(strings.Join([]string{
		h.FirstName, h.LastName, r.DisplayName, h.Nickname,
	}, " ")))
	var other []string
	for _, e := range h.Emails {
		other = append(other, emailTokens(e.Address)...)
	}
	r.OtherTokens = uniqueStrings(other)
	r.PhoneKeys, r.PhoneDigits = phoneKeys(h, region, true)
	r.EmailKeys = emailKeys(h)
	r.PersonName = personName(h)
	r.setSortPrefixes()
	return r
}

// phoneKeys returns the match keys of h's phone numbers (E.164, or the
// digits of a number that does not parse) and, when withDigits is set,
// the digit strings a search matches (as written, international and
// national).
func phoneKeys(h *Human, region string, withDigits bool) (keys, digits []string) {
	for _, p := range h.Phones {
		raw := digitsOnly(p.Number)
		if raw == "" {
			continue
		}
		if withDigits {
			digits = append(digits, raw)
		}
		if parsed, ok := parsePhone(p.Number, region); ok {
			if withDigits {
				digits = append(digits, strings.TrimPrefix(parsed.e164, "+"), digitsOnly(parsed.national))
			}
			keys = append(keys, parsed.e164)
		} else if len(raw) >= minPhoneKeyDigits {
			keys = append(keys, raw)
		}
	}
	return uniqueStrings(keys), uniqueStrings(digits)
}

// emailKeys returns h's e-mail addresses in lower case, each once.
func emailKeys(h *Human) []string {
	if len(h.Emails) == 0 {
		return nil
	}
	keys := make([]string, 0, len(h.Emails))
	for _, e := range h.Emails {
		keys = append(keys, strings.ToLower(e.Address))
	}
	return uniqueStrings(keys)
}

// personName is the folded name h was given: first and last name, else
// an explicit display name, else the nickname; "" when it has none.
func personName(h *Human) string {
	if n := strings.TrimSpace(h.FirstName + " " + h.LastName); n != "" {
		return strings.Join(strings.Fields(foldText(n)), " ")
	}
	if h.DisplayName != "" {
		return strings.Join(strings.Fields(foldText(h.DisplayName)), " ")
	}
	return strings.Join(strings.Fields(foldText(h.Nickname)), " ")
}

func uniqueStrings(in []string) []string {
	if len(in) < 2 {
		return in
	}
	seen := make(map[string]struct{}, len(in))
	out := in[:0]
	for _, s := range in {
		if _, ok := seen[s]; ok || s == "" {
			continue
		}
		seen[s] = struct{}{}
		out = append(out, s)
	}
	return out
}

// recordFormat is the version byte of the binary index record encoding.
// Bump it when the layout changes: Open rebuilds records of another
// format from the contacts.
const recordFormat = 3

const (
	flagFavorite = 1 << iota
	flagPhoto
	flagPhone
	flagEmail
)

// marshalBinary encodes r compactly: a format byte, varints and
// length-prefixed strings. Decoding 100,000 of these is what opening the
// store costs, so it avoids reflection.
func (r *indexRecord) marshalBinary() []byte {
	b := make([]byte, 0, 256)
	b = append(b, recordFormat)
	b = binary.AppendVarint(b, r.ID)
	b = binary.AppendUvarint(b, r.Revision)
	b = binary.AppendVarint(b, r.CreatedAt)
	b = binary.AppendVarint(b, r.UpdatedAt)
	b = binary.AppendVarint(b, r.DeletedAt)
	var flags byte
	if r.IsFavorite {
		flags |= flagFavorite
	}
	if r.HasPhoto {
		flags |= flagPhoto
	}
	if r.HasPhone {
		flags |= flagPhone
	}
	if r.HasEmail {
		flags |= flagEmail
	}
	b = append(b, flags)
	b = appendString(b, string(r.Source))
	b = binary.AppendVarint(b, r.CompanyID)
	b = binary.AppendUvarint(b, uint64(len(r.GroupIDs)))
	for _, g := range r.GroupIDs {
		b = binary.AppendVarint(b, g)
	}
	b = binary.AppendVarint(b, int64(r.BirthYear))
	b = binary.AppendVarint(b, int64(r.BirthMonth))
	b = binary.AppendVarint(b, int64(r.BirthDay))
	for _, s := range []string{r.DisplayName, r.JobTitle, r.PrimaryEmail, r.PrimaryPhone, r.SortFirst, r.SortLast, r.SortDisplay} {
		b = appendString(b, s)
	}
	b = appendString(b, r.PersonName)
	for _, list := range [][]string{r.NameTokens, r.OtherTokens, r.PhoneDigits, r.EmailKeys, r.PhoneKeys} {
		b = binary.AppendUvarint(b, uint64(len(list)))
		for _, s := range list {
			b = appendString(b, s)
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var (
	errBadRecord    = errors.New("store: corrupt index record")
	errRecordFormat = errors.New("store: index record of another format")
)

// minPhoneKeyDigits is the fewest digits an unparseable phone number
// needs to be used for matching.
const minPhoneKeyDigits = 6

// recordDecoder reads the fields marshalBinary wrote, remembering the
// first error so the caller checks once. Strings are cut from one copy of
// the whole record, so a record costs one allocation for all its text.
type recordDecoder struct {
	b    []byte
	s    string // the same bytes as b
	off  int
	err  error
	pool []string // backing array for the string lists
}

func (d *recordDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.err = errBadRecord
		return 0
	}
	d.off += n
	return v
}

func (d *recordDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.err = errBadRecord
		return 0
	}
	d.off += n
	return v
}

func (d *recordDecoder) byte() byte {
	if d.err != nil || d.off >= len(d.b) {
		d.err = errBadRecord
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

func (d *recordDecoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)-d.off) {
		d.err = errBadRecord
		return ""
	}
	str := d.s[d.off : d.off+int(n)]
	d.off += int(n)
	return str
}

func (d *recordDecoder) strings() []string {
	n := d.uvarint()
	if d.err != nil || n > uint64(len(d.b)-d.off) {
		d.err = errBadRecord
		return nil
	}
	if n == 0 {
		return nil
	}
	// Cut the list from the decoder's shared backing array: one record's
	// lists cost one allocation between them.
	if uint64(cap(d.pool)-len(d.pool)) < n {
		d.pool = make([]string, 0, max(int(n), 32))
	}
	start := len(d.pool)
	for range n {
		d.pool = append(d.pool, d.string())
	}
	return d.pool[start:len(d.pool):len(d.pool)]
}

func unmarshalIndexRecord(b []byte) (*indexRecord, error) {
	d := &recordDecoder{b: b, s: string(b)}
	if v := d.byte(); d.err == nil && v != recordFormat {
		return nil, fmt.Errorf("%w: format %d, want %d", errRecordFormat, v, recordFormat)
	}
	r := &indexRecord{}
	r.ID = d.varint()
	r.Revision = d.uvarint()
	r.CreatedAt = d.varint()
	r.UpdatedAt = d.varint()
	r.DeletedAt = d.varint()
	flags := d.byte()
	r.IsFavorite = flags&flagFavorite != 0
	r.HasPhoto = flags&flagPhoto != 0
	r.HasPhone = flags&flagPhone != 0
	r.HasEmail = flags&flagEmail != 0
	r.Source = Source(d.string())
	r.CompanyID = d.varint()
	if n := d.uvarint(); n > 0 && d.err == nil {
		if n > uint64(len(d.b)-d.off) {
			return nil, errBadRecord
		}
		r.GroupIDs = make([]int64, n)
		for i := range r.GroupIDs {
			r.GroupIDs[i] = d.varint()
		}
	}
	r.BirthYear = clampInt(d.varint())
	r.BirthMonth = clampInt(d.varint())
	r.BirthDay = clampInt(d.varint())
	r.DisplayName = d.string()
	r.JobTitle = d.string()
	r.PrimaryEmail = d.string()
	r.PrimaryPhone = d.string()
	r.SortFirst = d.string()
	r.SortLast = d.string()
	r.SortDisplay = d.string()
	r.PersonName = d.string()
	r.NameTokens = d.strings()
	r.OtherTokens = d.strings()
	r.PhoneDigits = d.strings()
	r.EmailKeys = d.strings()
	r.PhoneKeys = d.strings()
	if d.err != nil {
		return nil, d.err
	}
	r.setSortPrefixes()
	return r, nil
}

// setSortPrefixes caches the first eight bytes of each sort key as a
// number, so that sorting 100,000 records mostly compares integers.
func (r *indexRecord) setSortPrefixes() {
	r.prefixFirst = keyPrefix(r.SortFirst)
	r.prefixLast = keyPrefix(r.SortLast)
	r.prefixDisplay = keyPrefix(r.SortDisplay)
}

// keyPrefix is s's first eight bytes, big-endian, zero-padded: ordering
// by it agrees with strings.Compare wherever two prefixes differ.
func keyPrefix(s string) uint64 {
	var b [8]byte
	copy(b[:], s)
	return binary.BigEndian.Uint64(b[:])
}

func clampInt(v int64) int {
	if v > math.MaxInt32 || v < math.MinInt32 {
		return 0
	}
	return int(v)
}
