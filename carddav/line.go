package carddav

import (
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
)

// rawLine is a content line split into its parts, with the value still as
// written (escaped, possibly quoted-printable or in a legacy charset).
type rawLine struct {
	group  string
	name   string // upper case
	params vcard.Params
	value  string
}

var (
	errNoColon  = errors.New("no colon after the property name")
	errBadName  = errors.New("invalid property name")
	errBadParam = errors.New("malformed parameter")
)

// bareEncodings are vCard 2.1 parameters written without a name that are
// ENCODING values, not TYPE values.
var bareEncodings = map[string]bool{"QUOTED-PRINTABLE": true, "BASE64": true, "B": true, "8BIT": true, "7BIT": true}

func isNameChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

// parseLine splits a logical (unfolded) content line. It accepts what real
// exports write: lower-case names, 2.1 bare parameters (TEL;CELL:, which
// become TYPE=CELL), quoted parameter values with RFC 6868 escapes, and
// empty values.
func parseLine(l string) (rawLine, error) { return parseLineIn(l, nil) }

// parseLineIn is parseLine taking the parameter values' slices from sl
// (when not nil).
func parseLineIn(l string, sl *cardSlab) (rawLine, error) {
	var rl rawLine
	i := 0
	for i < len(l) && isNameChar(l[i]) {
		i++
	}
	if i < len(l) && l[i] == '.' {
		rl.group = l[:i]
		l = l[i+1:]
		i = 0
		for i < len(l) && isNameChar(l[i]) {
			i++
		}
	}
	if i == 0 {
		if strings.IndexByte(l, ':') < 0 {
			return rl, errNoColon
		}
		return rl, errBadName
	}
	rl.name = strings.ToUpper(l[:i])
	l = l[i:]
	for len(l) > 0 && (l[0] == ' ' || l[0] == '\t') { // "TEL ;TYPE=x" and "NOTE :x"
		l = l[1:]
	}
	for len(l) > 0 && l[0] == ';' {
		l = l[1:]
		var err error
		l, err = parseParam(&rl, l, sl)
		if err != nil {
			return rl, err
		}
	}
	if len(l) == 0 || l[0] != ':' {
		if len(l) == 0 {
			return rl, errNoColon
		}
		return rl, errBadName
	}
	rl.value = l[1:]
	return rl, nil
}

// parseParam reads one parameter at the start of l (after its ';') and
// returns the rest, which starts at ';' or ':'.
func parseParam(rl *rawLine, l string, sl *cardSlab) (string, error) {
	i := 0
	for i < len(l) && l[i] != '=' && l[i] != ';' && l[i] != ':' {
		i++
	}
	key := strings.ToUpper(strings.TrimSpace(l[:i]))
	if i == len(l) {
		return l, errBadParam
	}
	if rl.params == nil {
		rl.params = make(vcard.Params, 2)
	}
	if l[i] != '=' { // 2.1 bare parameter
		if key == "" {
			return l[i:], nil // ";;" or ";:"
		}
		if bareEncodings[key] {
			rl.params.Add("ENCODING", key)
		} else {
			rl.params.Add(vcard.ParamType, l[:i])
		}
		return l[i:], nil
	}
	if key == "" {
		return l, errBadParam
	}
	l = l[i+1:]
	for {
		var v string
		if len(l) > 0 && l[0] == '"' {
			end := strings.IndexByte(l[1:], '"')
			if end < 0 {
				return l, errBadParam
			}
			v = caretDecode(l[1 : 1+end])
			l = l[2+end:]
		} else {
			j := 0
			for j < len(l) && l[j] != ',' && l[j] != ';' && l[j] != ':' {
				j++
			}
			v = caretDecode(unescapeValue(l[:j]))
			l = l[j:]
		}
		vals, ok := rl.params[key]
		if !ok && sl != nil {
			vals = sl.strings()
		}
		rl.params[key] = append(vals, v)
		if len(l) == 0 {
			return l, errBadParam
		}
		if l[0] != ',' {
			return l, nil
		}
		l = l[1:]
	}
}

// caretDecode undoes RFC 6868 parameter escapes: ^n, ^^ and ^'.
func caretDecode(s string) string {
	if strings.IndexByte(s, '^') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '^' && i+1 < len(s) {
			switch s[i+1] {
			case 'n', 'N':
				b.WriteByte('\n')
				i++
				continue
			case '^':
				b.WriteByte('^')
				i++
				continue
			case '\'':
				b.WriteByte('"')
				i++
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// unescapeValue applies go-vcard's value convention: \\ → \, \n and \N →
// newline, \, → comma; \; stays escaped, and so does any other backslash.
func unescapeValue(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '\\':
			b.WriteByte('\\')
		case 'n', 'N':
			b.WriteByte('\n')
		case ',':
			b.WriteByte(',')
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i+1])
		}
		i++
	}
	return b.String()
}

// listValued are the properties whose unescaped commas separate values;
// WriteCard does not escape commas in them.
var listValued = map[string]bool{vcard.FieldCategories: true}

// appendValue escapes v for the wire: the inverse of unescapeValue.
func appendValue(dst []byte, name, v string) []byte {
	// The comma of a data: URI (a vCard 4.0 PHOTO) is part of the URI,
	// not a separator: escaping it breaks readers (nextcloud/server#23758).
	list := listValued[name] || strings.HasPrefix(v, "data:")
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '\\':
			// A backslash the reader would take as the start of an escape
			// (\\, \n, \N, \,) is doubled; before anything else it is
			// written as it is, so that \; and unknown escapes such as
			// Google's http\:// keep their form.
			if i+1 < len(v) && (v[i+1] == '\\' || v[i+1] == 'n' || v[i+1] == 'N' || v[i+1] == ',') {
				dst = append(dst, '\\', '\\')
			} else {
				dst = append(dst, '\\')
			}
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			if i+1 < len(v) && v[i+1] == '\n' {
				continue
			}
			dst = append(dst, '\\', 'n')
		case ',':
			if list {
				dst = append(dst, ',')
			} else {
				dst = append(dst, '\\', ',')
			}
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// paramNeedsQuotes reports whether a parameter value must be quoted.
func paramNeedsQuotes(v string) bool {
	if v == "" {
		return true
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == ';' || c == ':' || c == ',' || c == '"' || c == '\\' || c < ' ' || c == 0x7f:
			return true
		}
	}
	return false
}

// appendParamValue writes a parameter value, quoted when needed, with RFC
// 6868 escapes for newlines and double quotes (and for a caret that would
// otherwise read as one).
func appendParamValue(dst []byte, v string) []byte {
	quote := paramNeedsQuotes(v)
	if quote {
		dst = append(dst, '"')
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '^':
			if i+1 < len(v) && (v[i+1] == '^' || v[i+1] == 'n' || v[i+1] == 'N' || v[i+1] == '\'') {
				dst = append(dst, '^', '^')
			} else {
				dst = append(dst, '^')
			}
		case '\n':
			dst = append(dst, '^', 'n')
		case '\r':
		case '"':
			dst = append(dst, '^', '\'')
		default:
			dst = append(dst, c)
		}
	}
	if quote {
		dst = append(dst, '"')
	}
	return dst
}

// appendLine appends one content line, folded at 75 octets without
// splitting a UTF-8 sequence, ending in CRLF.
func appendLine(dst []byte, name string, f *vcard.Field) []byte {
	start := len(dst)
	if f.Group != "" {
		dst = append(dst, f.Group...)
		dst = append(dst, '.')
	}
	dst = append(dst, name...)
	for _, k := range sortedKeys(f.Params) {
		vals := f.Params[k]
		simple := true
		for _, v := range vals {
			simple = simple && !paramNeedsQuotes(v)
		}
		if simple && len(vals) > 0 {
			dst = append(dst, ';')
			dst = append(dst, k...)
			dst = append(dst, '=')
			for i, v := range vals {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendParamValue(dst, v)
			}
			continue
		}
		for _, v := range vals {
			dst = append(dst, ';')
			dst = append(dst, k...)
			dst = append(dst, '=')
			dst = appendParamValue(dst, v)
		}
	}
	dst = append(dst, ':')
	dst = appendValue(dst, name, f.Value)
	return fold(dst, start)
}

// fold folds the line that starts at dst[start:] and adds CRLF.
func fold(dst []byte, start int) []byte {
	const limit = 75
	if len(dst)-start <= limit {
		return append(dst, '\r', '\n')
	}
	line := append([]byte(nil), dst[start:]...)
	dst = dst[:start]
	width := limit
	for len(line) > width {
		cut := width
		for cut > 1 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		dst = append(dst, line[:cut]...)
		dst = append(dst, '\r', '\n', ' ')
		line = line[cut:]
		width = limit - 1
	}
	dst = append(dst, line...)
	return append(dst, '\r', '\n')
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
