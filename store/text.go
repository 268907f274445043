package store

import (
	"hash/maphash"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// This file holds the pure text functions the search index is built
// from: accent folding, word splitting, e-mail and phone tokens. They run
// on every write and on every contact of a bulk import, so the common
// cases (pure ASCII text, short names) are kept allocation-light.

// foldText returns s in lower case and without accents, so that "Zoë",
// "ZOE" and "zoe" index and search alike: "Núñez" → "nunez", "Straße" →
// "strasse", "Łukasz" → "lukasz", "ǅ" → "dz". Other scripts keep their
// letters, in lower case ("ΟΔΥΣΣΕΥΣ" → "οδυσσευσ"). foldText is idempotent.
//
// It is NFKD (golang.org/x/text/unicode/norm) followed by the removal of
// non-spacing marks (unicode.Mn, what runes.Remove(runes.In(unicode.Mn))
// does), lower-casing and a small table for the letters that do not
// decompose (ø, ł, đ, ß, æ, œ, þ, ı, ...), done in one pass instead of a
// transform.Chain, which allocates its buffers on every call. So Hangul
// syllables become their jamo, as NFKD has it (a half-typed syllable
// still matches as a prefix), and Devanagari loses its non-spacing vowel
// signs and anusvara, in the index and the query alike. Invalid UTF-8
// bytes become U+FFFD.
//
// Pure ASCII costs no allocation when already in lower case and one
// otherwise; other text one allocation for names of up to ~56 bytes.
func foldText(s string) string {
	// Fast path: pure ASCII needs lower-casing only, and nothing at all
	// when it has no upper-case letter.
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return foldSlow(s)
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if !upper {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// foldSlow is foldText for text with non-ASCII runes. It decomposes rune
// by rune from the NFKD tables (norm.Properties), which gives NFKD but
// for the canonical reordering of adjacent combining marks; that matters
// only for the few spacing marks with a combining class (Mc viramas,
// musical symbols), since the non-spacing ones are dropped, and text that
// has them goes through the full norm.NFKD instead.
func foldSlow(s string) string {
	var buf [64]byte // names fit: the result string is then the only allocation
	out := buf[:0]
	if len(s)+8 > len(buf) {
		out = make([]byte, 0, len(s)+8)
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		p := norm.NFKD.PropertiesString(s[i:])
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		d := p.Decomposition()
		if p.LeadCCC() != 0 || p.TrailCCC() != 0 {
			if hasSpacingMark(r, d) {
				return foldFull(s)
			}
		}
		switch {
		case d != nil:
			for _, dr := range string(d) { // no copy: the compiler ranges over d
				out = appendFolded(out, dr)
			}
		case hangulBase <= r && r < hangulBase+hangulCount:
			out = appendHangul(out, r)
		default:
			out = appendFolded(out, r)
		}
	}
	return string(out)
}

// hasSpacingMark reports whether r, or its decomposition d, has a
// spacing combining mark (Mc); those with a combining class other than 0
// are the ones NFKD may reorder.
func hasSpacingMark(r rune, d []byte) bool {
	if d == nil {
		return unicode.Is(unicode.Mc, r)
	}
	for _, dr := range string(d) {
		if unicode.Is(unicode.Mc, dr) {
			return true
		}
	}
	return false
}

// foldFull is foldSlow through the complete NFKD algorithm.
func foldFull(s string) string {
	d := norm.NFKD.String(s)
	out := make([]byte, 0, len(d))
	for _, r := range d {
		out = appendFolded(out, r)
	}
	return string(out)
}

// Hangul syllables decompose algorithmically (Unicode 3.12); the norm
// tables do not list them.
const (
	hangulBase  = 0xAC00
	hangulCount = 11172
	jamoLBase   = 0x1100
	jamoVBase   = 0x1161
	jamoTBase   = 0x11A7
	jamoTCount  = 28
	jamoNCount  = 588 // V count × T count
)

// appendHangul appends the conjoining jamo of the Hangul syllable r, as
// NFKD does.
func appendHangul(out []byte, r rune) []byte {
	si := r - hangulBase
	out = utf8.AppendRune(out, jamoLBase+si/jamoNCount)
	out = utf8.AppendRune(out, jamoVBase+(si%jamoNCount)/jamoTCount)
	if t := si % jamoTCount; t != 0 {
		out = utf8.AppendRune(out, jamoTBase+t)
	}
	return out
}

// appendFolded appends the folded form of one rune of NFKD text.
func appendFolded(out []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(out, byte(r))
	}
	if r >= 0x300 && unicode.Is(unicode.Mn, r) { // no Mn below U+0300
		return out
	}
	r = unicode.ToLower(r)
	if s := foldSpecial(r); s != "" {
		return append(out, s...)
	}
	return utf8.AppendRune(out, r)
}

// foldSpecial spells the lower-case letters that have no Unicode
// decomposition (so NFKD leaves them whole) the way their users write
// them in ASCII; "" for any other rune.
func foldSpecial(r rune) string {
	switch r {
	case 'ø':
		return "o"
	case 'ł':
		return "l"
	case 'đ', 'ð':
		return "d"
	case 'ß':
		return "ss"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	case 'þ':
		return "th"
	case 'ı', 'ɨ':
		return "i"
	case 'ȷ':
		return "j"
	case 'ħ':
		return "h"
	case 'ŧ':
		return "t"
	case 'ŋ':
		return "ng"
	case 'ĸ':
		return "q"
	case 'ƀ':
		return "b"
	case 'ƒ':
		return "f"
	case 'ǥ':
		return "g"
	case 'ɍ':
		return "r"
	case 'ʉ':
		return "u"
	case 'ɏ':
		return "y"
	case 'ƶ':
		return "z"
	case 'ς': // Greek final sigma searches as sigma
		return "σ"
	}
	return ""
}

// isWordRune reports whether r belongs to a word: letters and digits, and
// the spacing marks (Mc, Me) that Indic and other scripts write inside
// words (foldText has already removed the non-spacing ones).
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// words returns the folded words of s: foldText(s) split on every rune
// that is not a letter or a digit, without empty strings or duplicates,
// in order of first appearance. "Jean-Luc O'Brien" → [jean luc o brien].
func words(s string) []string {
	f := foldText(s)
	var out []string
	start := -1
	for i, r := range f {
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = appendUnique(out, f[start:i])
			start = -1
		}
	}
	if start >= 0 {
		out = appendUnique(out, f[start:])
	}
	return out
}

// appendUnique appends s to list unless it is empty or already there.
// The lists it builds are short (the words of a name, the tokens of an
// address), where a linear scan beats a map.
func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, t := range list {
		if t == s {
			return list
		}
	}
	return append(list, s)
}

// emailTokens returns the folded tokens under which an e-mail address is
// found: the whole local part, its pieces (split on . _ - + and any other
// rune that is not a letter or digit), and the labels of the domain but
// the last (the top-level domain), with the pieces of hyphenated labels.
// "jean-luc.picard+ent@starfleet.example.org" → [jean-luc.picard+ent
// jean luc picard ent starfleet example]. Without an "@" the whole text
// is taken as a local part.
func emailTokens(addr string) []string {
	addr = strings.TrimSpace(foldText(addr))
	if addr == "" {
		return nil
	}
	local, domain := addr, ""
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		local, domain = addr[:at], addr[at+1:]
	}
	var out []string
	out = appendUnique(out, local)
	for _, w := range words(local) {
		out = appendUnique(out, w)
	}
	labels := strings.Split(strings.Trim(domain, "."), ".")
	if len(labels) > 1 {
		labels = labels[:len(labels)-1]
	}
	for _, l := range labels {
		if l == "" {
			continue
		}
		out = appendUnique(out, l)
		if strings.IndexFunc(l, func(r rune) bool { return !isWordRune(r) }) >= 0 {
			for _, w := range words(l) {
				out = appendUnique(out, w)
			}
		}
	}
	return out
}

// digitsOnly returns the decimal digits of s, in order, as ASCII: other
// scripts' digits ("٠٦", full-width "０６") count as their value.
func digitsOnly(s string) string {
	n, ascii := 0, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if '0' <= c && c <= '9' {
			n++
		} else if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if ascii && n == len(s) {
		return s
	}
	if ascii && n == 0 {
		return ""
	}
	b := make([]byte, 0, n)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if '0' <= c && c <= '9' {
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if v, ok := digitValue(r); ok {
			b = append(b, byte('0'+v))
		}
	}
	return string(b)
}

// digitValue returns the value of a decimal digit (Unicode category Nd)
// of any script. Unicode encodes each script's digits as a contiguous run
// from 0 to 9, and every range of unicode.Nd starts at a zero.
func digitValue(r rune) (int, bool) {
	if '0' <= r && r <= '9' {
		return int(r - '0'), true
	}
	if !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}

// phoneDigits returns the digit strings under which a phone number is
// found by a digits search (a substring test): the digits as typed, and
// when the number parses (region is the default ISO country, "FR", for
// numbers written without a country code) as a possible number, its E.164
// digits without "+" and its national format's digits, with the national
// prefix. "+33 6 12 34 56 78" → [33612345678 0612345678], so "0612" and
// "33612" both find it. Duplicates are removed; the result is nil when s
// has no digit at all.
func phoneDigits(number, region string) []string {
	raw := digitsOnly(number)
	if raw == "" {
		return nil
	}
	out := []string{raw}
	if p, ok := parsePhone(number, region); ok {
		out = appendUnique(out, strings.TrimPrefix(p.e164, "+"))
		out = appendUnique(out, digitsOnly(p.national))
	}
	return out
}

// NormalizePhone returns number in E.164 ("+33612345678"), reading it
// with region (an ISO country such as "FR") as the default country, and
// true; ("", false) when it is not a possible phone number. Import and
// sync match contacts by it, so it never panics on any input.
func NormalizePhone(number, region string) (string, bool) {
	p, ok := parsePhone(number, region)
	if !ok {
		return "", false
	}
	return p.e164, true
}

// parsedPhone is a phone number as phonenumbers formats it.
type parsedPhone struct {
	e164     string // "+33612345678"
	national string // "06 12 34 56 78"
}

// maxPhoneInput bounds what is handed to the parser; phonenumbers itself
// refuses more than 250 bytes.
const maxPhoneInput = 250

// parsePhone parses number with phonenumbers and formats it, reporting
// false when it does not parse or is not a possible number. phonenumbers
// has panicked on malformed input before (its 1.8.1 fixes one such
// panic), and a contact's phone comes from anywhere, so a panic counts as
// "does not parse".
func parsePhone(number, region string) (p parsedPhone, ok bool) {
	if len(number) > maxPhoneInput || !hasDigit(number) {
		return parsedPhone{}, false
	}
	key := region + "\x00" + number
	if c, found := phoneCache.get(key); found {
		return c.p, c.ok
	}
	p, ok = parsePhoneUncached(number, region)
	phoneCache.put(key, cachedPhone{p, ok})
	return p, ok
}

// phoneCache remembers recent parses: an import parses each number once
// to match the contact and again when the store indexes it, and
// phonenumbers takes about 10 µs a number. The workers of an import parse
// at the same time, so the cache is split in shards, each with its lock.
var phoneCache = newParseCache()

type cachedPhone struct {
	p  parsedPhone
	ok bool
}

// parseCache is a map of two generations per shard: when a shard's
// current map reaches its share of maxParseCache entries it becomes the
// previous one and a new one starts, so about the latest maxParseCache
// parses at least are kept (a batch of imported contacts is indexed after
// all of it was matched, its numbers spread evenly over the shards),
// bounded in memory.
type parseCache struct {
	seed   maphash.Seed
	shards [parseCacheShards]parseCacheShard
}

type parseCacheShard struct {
	mu   sync.Mutex
	m    map[string]cachedPhone
	prev map[string]cachedPhone
	_    [40]byte // keeps shards on their own cache lines
}

const (
	maxParseCache    = 1 << 16
	parseCacheShards = 16
	maxShardEntries  = maxParseCache / parseCacheShards
)

func newParseCache() *parseCache {
	c := &parseCache{seed: maphash.MakeSeed()}
	for i := range c.shards {
		c.shards[i].m = make(map[string]cachedPhone)
	}
	return c
}

func (c *parseCache) shard(key string) *parseCacheShard {
	return &c.shards[maphash.String(c.seed, key)%parseCacheShards]
}

func (c *parseCache) get(key string) (cachedPhone, bool) {
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if v, ok := sh.m[key]; ok {
		return v, true
	}
	v, ok := sh.prev[key]
	return v, ok
}

func (c *parseCache) put(key string, v cachedPhone) {
	sh := c.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if len(sh.m) >= maxShardEntries {
		sh.prev, sh.m = sh.m, make(map[string]cachedPhone, maxShardEntries)
	}
	sh.m[key] = v
}

func parsePhoneUncached(number, region string) (p parsedPhone, ok bool) {
	defer func() {
		if recover() != nil {
			p, ok = parsedPhone{}, false
		}
	}()
	num, err := phonenumbers.Parse(compactPhone(number), strings.ToUpper(strings.TrimSpace(region)))
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return parsedPhone{}, false
	}
	// The national format would carry the extension (" ext. 12"), whose
	// digits are no part of the number a search looks for.
	num.Extension = nil
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	if len(e164) < 2 || e164[0] != '+' {
		return parsedPhone{}, false
	}
	return parsedPhone{e164: e164, national: phonenumbers.Format(num, phonenumbers.NATIONAL)}, true
}

// compactPhone drops the spaces, dashes and dots of a number written with
// nothing else than those, ASCII digits and one leading "+": phonenumbers
// ignores them, and its extension pattern, a regular expression it runs
// over the whole input, costs a third of a parse and grows with the
// input's length. Anything else (letters, brackets, "#", "/", ";") may
// mean something to the parser and is passed as it was written.
func compactPhone(number string) string {
	var buf [maxPhoneInput]byte
	b := buf[:0]
	dropped := false
	for i := 0; i < len(number); i++ {
		switch c := number[i]; {
		case '0' <= c && c <= '9':
			b = append(b, c)
		case c == '+' && len(b) == 0:
			b = append(b, c)
		case c == ' ' || c == '-' || c == '.':
			dropped = true
		default:
			return number
		}
	}
	if !dropped {
		return number
	}
	return string(b)
}

// hasDigit reports whether s has an ASCII or other decimal digit.
func hasDigit(s string) bool {
	for _, r := range s {
		if '0' <= r && r <= '9' || r >= utf8.RuneSelf && unicode.Is(unicode.Nd, r) {
			return true
		}
	}
	return false
}

// Fold returns s in lower case without accents, as the search index and
// name comparisons see it ("Zoë" → "zoe").
func Fold(s string) string { return foldText(s) }
