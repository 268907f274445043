package carddav

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"golang.org/x/text/language"

	"github.com/humans-contacts/humans/store"
)

// splitStructured splits a structured value (N, ADR, ORG, ...) on the
// semicolons that are not escaped, and unescapes \; in the components.
func splitStructured(v string) []string {
	var out []string
	start := 0
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			i++
		case ';':
			out = append(out, unescSemi(v[start:i]))
			start = i + 1
		}
	}
	return append(out, unescSemi(v[start:]))
}

func unescSemi(s string) string {
	if strings.Contains(s, `\;`) {
		return strings.ReplaceAll(s, `\;`, ";")
	}
	return s
}

func escSemi(s string) string {
	if strings.IndexByte(s, ';') >= 0 {
		return strings.ReplaceAll(s, ";", `\;`)
	}
	return s
}

// joinStructured escapes and joins components, dropping empty trailing
// components beyond min.
func joinStructured(min int, comps ...string) string {
	n := len(comps)
	for n > min && comps[n-1] == "" {
		n--
	}
	var b strings.Builder
	for i, c := range comps[:n] {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(escSemi(c))
	}
	return b.String()
}

func comp(c []string, i int) string {
	if i < len(c) {
		return c[i]
	}
	return ""
}

// textValue reads a single text value: \; unescaped, surrounding space
// trimmed as the store trims it.
func textValue(f *vcard.Field) string { return strings.TrimSpace(unescSemi(f.Value)) }

// types returns the lower-case TYPE values of f, split on commas, without
// "pref"; pref reports whether "pref" was among them.
func types(f *vcard.Field) (out []string, pref bool) {
	for _, v := range f.Params[vcard.ParamType] {
		for {
			part, rest, more := strings.Cut(v, ",")
			switch t := lowerType(strings.TrimSpace(part)); t {
			case "":
			case "pref":
				pref = true
			default:
				out = append(out, t)
			}
			if !more {
				break
			}
			v = rest
		}
	}
	return out, pref
}

// hasPrefType reports whether f has TYPE=pref: types' pref, without
// collecting the other types.
func hasPrefType(f *vcard.Field) bool {
	for _, v := range f.Params[vcard.ParamType] {
		for {
			part, rest, more := strings.Cut(v, ",")
			if lowerType(strings.TrimSpace(part)) == "pref" {
				return true
			}
			if !more {
				break
			}
			v = rest
		}
	}
	return false
}

// knownTypes are the TYPE values cards usually carry, in lower case.
var knownTypes = func() map[string]string {
	m := map[string]string{}
	for _, t := range []string{"pref", "home", "work", "cell", "mobile", "iphone", "voice", "fax", "pager", "other",
		"internet", "x400", "main", "text", "video", "textphone", "msg", "car", "isdn", "bbs", "modem", "pcs",
		"dom", "intl", "postal", "parcel", "x-other", "x-mobile", "x-work", "x-home", "jpeg", "png", "gif"} {
		m[t] = t
	}
	return m
}()

// lowerType is strings.ToLower(t), without an allocation for the usual
// TYPE values written in upper case (as 3.0 cards write them).
func lowerType(t string) string {
	var buf [16]byte
	if len(t) > len(buf) {
		return strings.ToLower(t)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(t) // non-ASCII letters can lower-case to ASCII
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	if k, ok := knownTypes[string(buf[:len(t)])]; ok {
		return k
	}
	return strings.ToLower(t)
}

// prefRank is how preferred f is: 1 for TYPE=pref, its PREF value (1 to
// 100) otherwise, 0 when it is not marked.
func prefRank(f *vcard.Field) int {
	rank := 0
	if p := f.Params.Get(vcard.ParamPreferred); p != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 {
			rank = n
		}
	}
	if hasPrefType(f) && (rank == 0 || rank > 1) {
		rank = 1
	}
	return rank
}

func has(list []string, vals ...string) bool {
	for _, l := range list {
		for _, v := range vals {
			if l == v {
				return true
			}
		}
	}
	return false
}

// firstOther returns the first of list that is not in skip.
func firstOther(list []string, skip ...string) string {
	for _, l := range list {
		if !has(skip, l) {
			return l
		}
	}
	return ""
}

// upper30 writes TYPE values in upper case for 3.0, as Apple and Google
// do, and in lower case for 4.0, as RFC 6350 does.
func typeCase(t, version string) string {
	if version == v3 {
		return strings.ToUpper(t)
	}
	return t
}

const (
	v3 = "3.0"
	v4 = "4.0"
)

// --- phones

// extMarker finds an extension at the end of a text number.
var extMarker = regexp.MustCompile(`(?i)^(.*?[0-9)])\s*(?:;\s*ext=|,?\s*(?:ext\.?|extension|x)\s*)([0-9]+)$`)

// telType maps TYPE values to a phone type.
func telType(ts []string) string {
	switch {
	case has(ts, "cell", "mobile", "iphone"):
		return "mobile"
	case has(ts, "fax"):
		return "fax"
	case has(ts, "pager"):
		return "pager"
	case has(ts, "work"):
		return "work"
	case has(ts, "home"):
		return "home"
	case has(ts, "other"):
		return "other"
	}
	if t := firstOther(ts, "voice", "internet"); t != "" {
		return t
	}
	if has(ts, "voice") {
		return "other"
	}
	return ""
}

func telTypeParam(t string) string {
	switch t {
	case "mobile":
		return "cell"
	case "other":
		return "voice"
	}
	return t
}

// cleanNumber removes what phones add around numbers: direction marks and
// no-break spaces.
func cleanNumber(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u200e', '\u200f', '\u2066', '\u2067', '\u2068', '\u2069':
			return -1
		case '\u00a0', '\u2007', '\u202f', '\u2009':
			return ' '
		case '\u2010', '\u2011', '\u2012', '\u2013':
			return '-'
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// parseTel reads a TEL value: a tel: URI or free text, with an extension.
func parseTel(f *vcard.Field) (number, ext string) {
	v := strings.TrimSpace(unescSemi(f.Value))
	if len(v) > 4 && strings.EqualFold(v[:4], "tel:") {
		v = v[4:]
		parts := strings.Split(v, ";")
		number = parts[0]
		if u, err := url.PathUnescape(number); err == nil {
			number = u
		}
		for _, p := range parts[1:] {
			if k, val, ok := strings.Cut(p, "="); ok && strings.EqualFold(k, "ext") {
				ext = val
			}
		}
		return cleanNumber(number), strings.TrimSpace(ext)
	}
	v = cleanNumber(v)
	if len(v) > 80 || !strings.ContainsAny(v, "xXeE;") {
		return v, "" // no extension marker (or not a phone number at all)
	}
	if m := extMarker.FindStringSubmatch(v); m != nil {
		return strings.TrimSpace(m[1]), m[2]
	}
	return v, ""
}

func formatTel(number, ext string) string {
	if ext == "" {
		return number
	}
	return number + " ext. " + ext
}

// validPhone accepts what the store accepts: the characters of
// store/validate.go's phoneChars, at most 64 bytes, two digits or more.
func validPhone(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	digits := 0
	for i := 0; i < len(n); i++ {
		switch c := n[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || strings.IndexByte(" +-().,/#*;", c) >= 0:
		default:
			return false
		}
	}
	return digits >= 2
}

// --- e-mail

func emailType(ts []string) string {
	switch {
	case has(ts, "work"):
		return "work"
	case has(ts, "home"):
		return "home"
	}
	return firstOther(ts, "internet", "x400")
}

// --- addresses

func adrType(ts []string) string {
	switch {
	case has(ts, "work"):
		return "work"
	case has(ts, "home"):
		return "home"
	}
	return firstOther(ts, "postal", "parcel", "dom", "intl")
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// splitStreet is the rule that reads "number street" back: a leading word
// with a digit is the number, else a trailing word with a digit, else
// there is no number.
func splitStreet(s string) (number, street string) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", ""
	}
	if i := strings.IndexAny(s, " \t\n"); i < 0 {
		if hasDigit(s) {
			return s, ""
		}
		return "", s
	} else if first := s[:i]; hasDigit(first) {
		rest := strings.TrimSpace(s[i+1:])
		// "12 bis rue de la Paix", "7 B Main Street": a suffix of the number.
		if j := strings.IndexAny(rest, " \t\n"); j > 0 && numberSuffix(rest[:j]) {
			return first + " " + rest[:j], strings.TrimSpace(rest[j+1:])
		}
		return first, rest
	}
	if i := strings.LastIndexAny(s, " \t\n"); i >= 0 && hasDigit(s[i+1:]) {
		return s[i+1:], strings.TrimSpace(s[:i])
	}
	return "", s
}

func numberSuffix(w string) bool {
	switch strings.ToLower(w) {
	case "bis", "ter", "quater":
		return true
	}
	return len(w) == 1 && (w[0] >= 'a' && w[0] <= 'z' || w[0] >= 'A' && w[0] <= 'Z')
}

// joinStreet writes the street component and tells whether the reader
// needs X-HUMANS-NUMBER to split it back.
func joinStreet(number, street string) (s string, needHint bool) {
	switch {
	case number == "":
		s = street
	case street == "":
		s = number
	default:
		s = number + " " + street
	}
	n, st := splitStreet(s)
	return s, n != number || st != street
}

const paramNumber = "X-HUMANS-NUMBER"

func readStreet(f *vcard.Field, comp string) (number, street string) {
	comp = strings.TrimSpace(comp)
	if hint, ok := f.Params[paramNumber]; ok && len(hint) > 0 {
		h := hint[0]
		switch {
		case h == "":
			return "", comp
		case comp == h:
			return h, ""
		case strings.HasPrefix(comp, h+" "):
			return h, strings.TrimSpace(comp[len(h)+1:])
		}
	}
	return splitStreet(comp)
}

// --- web addresses

var socialTypes = []string{"linkedin", "xing", "twitter", "facebook", "instagram"}

func validWebAddress(s string) bool {
	if s == "" || len(s) > 2048 || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	c := s
	if !strings.Contains(s, "://") {
		c = "https://" + s
	}
	u, err := url.Parse(c)
	return err == nil && u.Host != ""
}

// --- instant messaging

// imSchemes maps a service to its URI scheme; services without one are
// written with Apple's x-apple: scheme.
var imSchemes = map[string]string{
	"skype": "skype", "xmpp": "xmpp", "sip": "sip", "aim": "aim", "icq": "icq", "msn": "msnim",
	"yahoo": "ymsgr", "irc": "irc", "googletalk": "gtalk", "matrix": "matrix",
}

var schemeServices = func() map[string]string {
	m := map[string]string{"jabber": "xmpp", "callto": "skype"}
	for s, sch := range imSchemes {
		m[sch] = s
	}
	return m
}()

// serviceNames are the X-SERVICE-TYPE values Encode writes (Apple's).
var serviceNames = map[string]string{
	"skype": "Skype", "xmpp": "Jabber", "aim": "AIM", "icq": "ICQ", "msn": "MSN", "yahoo": "Yahoo",
	"googletalk": "GoogleTalk", "qq": "QQ", "gadugadu": "GaduGadu", "facebook": "Facebook",
	"telegram": "Telegram", "signal": "Signal", "whatsapp": "WhatsApp", "slack": "Slack",
	"teams": "Teams", "matrix": "Matrix", "workchat": "Workchat", "sip": "SIP", "irc": "IRC",
}

var serviceAliases = map[string]string{
	"jabber": "xmpp", "google talk": "googletalk", "gtalk": "googletalk", "msnim": "msn",
	"windows live": "msn", "microsoft teams": "teams", "msteams": "teams", "gadu-gadu": "gadugadu",
	"facebook messenger": "facebook", "ymsgr": "yahoo",
}

func normService(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if a, ok := serviceAliases[s]; ok {
		return a
	}
	return s
}

// imProps are the pre-IMPP properties read as IMs of a service.
var imProps = map[string]string{
	"X-SKYPE": "skype", "X-SKYPE-USERNAME": "skype", "X-JABBER": "xmpp", "X-AIM": "aim", "X-ICQ": "icq",
	"X-MSN": "msn", "X-YAHOO": "yahoo", "X-QQ": "qq", "X-GOOGLE-TALK": "googletalk", "X-GTALK": "googletalk",
	"X-GADUGADU": "gadugadu", "X-MS-IMADDRESS": "",
}

func parseIMPP(f *vcard.Field) (service, handle string) {
	v := strings.TrimSpace(unescSemi(f.Value))
	st := f.Params.Get("X-SERVICE-TYPE")
	if st != "" {
		service = normService(st)
		if sch, ok := imSchemes[service]; ok && len(v) > len(sch) && strings.EqualFold(v[:len(sch)+1], sch+":") {
			return service, v[len(sch)+1:]
		}
		if len(v) > 8 && strings.EqualFold(v[:8], "x-apple:") {
			return service, v[8:]
		}
		return service, v
	}
	if sch, rest, ok := strings.Cut(v, ":"); ok {
		if s, known := schemeServices[strings.ToLower(sch)]; known {
			return s, rest
		}
		if strings.EqualFold(sch, "x-apple") {
			return "", rest
		}
	}
	return "", v
}

func formatIMPP(service, handle string) (value, serviceType string) {
	if service == "" {
		return handle, ""
	}
	serviceType = service
	if n, ok := serviceNames[service]; ok {
		serviceType = n
	}
	if sch, ok := imSchemes[service]; ok {
		return sch + ":" + handle, serviceType
	}
	return "x-apple:" + handle, serviceType
}

// --- gender

func parseGender(name, v string) (string, bool) {
	c := splitStructured(v)
	g := strings.ToLower(strings.TrimSpace(c[0]))
	if name == "X-WAB-GENDER" {
		switch g {
		case "1":
			return "female", true
		case "2":
			return "male", true
		case "0", "":
			return "", true
		}
		return "", false
	}
	switch g {
	case "m", "male":
		return "male", true
	case "f", "female":
		return "female", true
	case "o", "other":
		return "other", true
	case "u", "unknown":
		return "unknown", true
	case "n", "none", "":
		return "", true
	}
	return "", false
}

var genderLetters = map[string]string{"male": "M", "female": "F", "other": "O", "unknown": "U"}

// --- dates

const paramOmitYear = "X-APPLE-OMIT-YEAR"

// parseDate reads a BDAY or ANNIVERSARY value as a birthday: full dates
// with or without hyphens (a time part is ignored), --MMDD and --MM-DD,
// Apple's placeholder year named by X-APPLE-OMIT-YEAR, and year 0000.
func parseDate(f *vcard.Field) (*store.Birthday, bool) {
	v := strings.TrimSpace(f.Value)
	if i := strings.IndexAny(v, "Tt"); i > 0 {
		v = v[:i]
	}
	var s string
	switch {
	case strings.HasPrefix(v, "--"):
		s = v
	case len(v) == 10 && v[4] == '-' && v[7] == '-':
		s = v
	case len(v) == 8 && allDigits(v):
		s = v[:4] + "-" + v[4:6] + "-" + v[6:]
	default:
		return nil, false
	}
	if !strings.HasPrefix(s, "--") {
		year := s[:4]
		if omit := f.Params.Get(paramOmitYear); omit != "" && strings.TrimSpace(omit) == year || year == "0000" {
			s = "--" + s[5:]
		}
	}
	b, err := store.ParseBirthday(s)
	if err != nil || b == nil {
		return nil, false
	}
	return b, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// formatBirthday returns the BDAY value and X-APPLE-OMIT-YEAR parameter
// (empty for none) for version.
func formatBirthday(b store.Birthday, version string) (value, omitYear string) {
	if version == v3 {
		if b.Year == 0 {
			return fmt.Sprintf("1604-%02d-%02d", b.Month, b.Day), "1604"
		}
		return fmt.Sprintf("%04d-%02d-%02d", b.Year, b.Month, b.Day), ""
	}
	if b.Year == 0 {
		return fmt.Sprintf("--%02d%02d", b.Month, b.Day), ""
	}
	return fmt.Sprintf("%04d%02d%02d", b.Year, b.Month, b.Day), ""
}

var revLayouts = []string{"20060102T150405Z07:00", "20060102T150405Z0700", "20060102T150405Z", "20060102T150405",
	time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02", "20060102"}

func parseRev(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, l := range revLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func formatRev(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func validLanguage(s string) bool {
	if len(s) > 64 {
		return false
	}
	_, err := language.Parse(s)
	return s != "" && err == nil
}

// --- photos

// mediaTypes maps what TYPE says in 3.0 to a media type.
func mediaType(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if strings.Contains(t, "/") {
		if t == "image/jpg" {
			return "image/jpeg"
		}
		return t
	}
	switch t {
	case "":
		return ""
	case "jpg", "jpeg":
		return "image/jpeg"
	}
	return "image/" + t
}

// photoTypeParam is the 3.0 TYPE of a media type: JPEG for image/jpeg.
func photoTypeParam(mt string) string {
	_, sub, ok := strings.Cut(mt, "/")
	if !ok {
		sub = mt
	}
	return strings.ToUpper(sub)
}

func acceptedImage(data []byte) (string, bool) {
	if len(data) == 0 || len(data) > store.MaxPhotoSize {
		return "", false
	}
	mt := http.DetectContentType(data)
	if !strings.HasPrefix(mt, "image/") || mt == "image/x-icon" || mt == "image/bmp" {
		return mt, false
	}
	return mt, true
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "-_") {
		return base64.RawURLEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// inlineData returns the bytes and declared media type of an inline value
// (ENCODING=b or a data: URI); ok is false for anything else.
func inlineData(f *vcard.Field) (data []byte, mt string, ok bool) {
	v := strings.TrimSpace(f.Value)
	if enc := strings.ToLower(f.Params.Get(paramEncoding)); enc == "b" || enc == "base64" {
		d, err := decodeBase64(v)
		if err != nil {
			return nil, "", false
		}
		return d, mediaType(firstNonEmpty(f.Params.Get(vcard.ParamType), f.Params.Get(vcard.ParamMediaType))), true
	}
	if len(v) > 5 && strings.EqualFold(v[:5], "data:") {
		meta, payload, found := strings.Cut(v[5:], ",")
		if !found {
			return nil, "", false
		}
		b64 := false
		if strings.HasSuffix(strings.ToLower(meta), ";base64") {
			b64, meta = true, meta[:len(meta)-7]
		}
		if i := strings.IndexByte(meta, ';'); i >= 0 {
			meta = meta[:i]
		}
		if b64 {
			d, err := decodeBase64(payload)
			if err != nil {
				return nil, "", false
			}
			return d, mediaType(meta), true
		}
		d, err := url.PathUnescape(payload)
		if err != nil {
			return nil, "", false
		}
		return []byte(d), mediaType(meta), true
	}
	return nil, "", false
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func isURLValue(f *vcard.Field) bool {
	if strings.EqualFold(f.Params.Get(vcard.ParamValue), "uri") || strings.EqualFold(f.Params.Get(vcard.ParamValue), "url") {
		return true
	}
	v := strings.ToLower(strings.TrimSpace(f.Value))
	return strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "ftp://") || strings.HasPrefix(v, "file:")
}
