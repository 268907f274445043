package interchange

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/humans-contacts/humans/store"
)

// multiSep is how Google writes several values in one cell.
const multiSep = " ::: "

// splitMulti splits a cell on " ::: " and, when extra is not empty, on
// any of its characters too; parts are trimmed and empty ones dropped.
func splitMulti(v, extra string) []string {
	if !strings.Contains(v, ":::") && (extra == "" || !strings.ContainsAny(v, extra)) {
		if v = strings.TrimSpace(v); v == "" {
			return nil
		}
		return []string{v}
	}
	var out []string
	for _, p := range strings.Split(v, ":::") {
		if extra != "" {
			for _, q := range strings.FieldsFunc(p, func(r rune) bool { return strings.ContainsRune(extra, r) }) {
				if q = strings.TrimSpace(q); q != "" {
					out = append(out, q)
				}
			}
			continue
		}
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseLabel reads a Google label: "* Work" is the primary one, of type
// "work".
func parseLabel(l string) (typ string, primary bool) {
	l = strings.TrimSpace(l)
	if rest, ok := strings.CutPrefix(l, "*"); ok {
		primary = true
		l = strings.TrimSpace(rest)
	}
	return strings.ToLower(l), primary
}

var phoneLabels = map[string]string{
	"mobile": "mobile", "cell": "mobile", "cellular": "mobile", "work mobile": "mobile", "mobile phone": "mobile",
	"home": "home", "work": "work", "other": "other",
	"fax": "fax", "home fax": "fax", "work fax": "fax", "other fax": "fax",
	"pager": "pager", "work pager": "pager",
}

func phoneType(label string) string {
	if t, ok := phoneLabels[label]; ok {
		return t
	}
	return label
}

// googlePhoneLabel is the label Google Contacts shows for a phone type.
func googlePhoneLabel(typ string) string {
	switch typ {
	case "mobile":
		return "Mobile"
	case "work":
		return "Work"
	case "home":
		return "Home"
	case "fax":
		return "Work Fax"
	case "pager":
		return "Pager"
	case "other":
		return "Other"
	case "main":
		return "Main"
	}
	return typ
}

// googleLabel is Google's spelling of an e-mail, address or web type.
func googleLabel(typ string) string {
	switch typ {
	case "work", "home", "other":
		return strings.ToUpper(typ[:1]) + typ[1:]
	case "website":
		return "Homepage"
	}
	return typ
}

// urlType names a web address: the label when it says something, else
// the service its host belongs to, else "website".
func urlType(label, raw string) string {
	switch label {
	case "", "homepage", "home page", "website", "web", "profile", "other", "home", "work", "url":
		if t := urlHostType(raw); t != "" {
			return t
		}
		if label == "" || label == "homepage" || label == "home page" || label == "web" || label == "url" {
			return "website"
		}
	}
	return label
}

func urlHostType(raw string) string {
	s := raw
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	host := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	for _, k := range []struct{ host, typ string }{
		{"linkedin.com", "linkedin"}, {"xing.com", "xing"}, {"twitter.com", "twitter"}, {"x.com", "twitter"},
		{"facebook.com", "facebook"}, {"fb.com", "facebook"}, {"instagram.com", "instagram"},
	} {
		if host == k.host || strings.HasSuffix(host, "."+k.host) {
			return k.typ
		}
	}
	return ""
}

// gender reads a gender cell; ok is false for a value the model does not
// know (kept as a custom field by the caller).
func gender(v string) (g string, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "unspecified", "not specified":
		return "", true
	case "m", "male", "man", "homme", "männlich", "masculin":
		return "male", true
	case "f", "female", "woman", "femme", "weiblich", "féminin":
		return "female", true
	case "other", "diverse", "divers", "autre":
		return "other", true
	case "unknown":
		return "unknown", true
	}
	return "", false
}

// parseBool reads the ways spreadsheets write a yes.
func parseBool(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "y", "x", "oui", "ja", "sí", "si", "vrai", "wahr":
		return true
	}
	return false
}

// parseBirthday reads a birthday in the forms exports write it:
// "1995-05-20" and "--05-20" (ISO, Google), "5/20/1995" and "20/05/1995"
// (Outlook, read when the day is over 12 so the order is certain),
// "20.05.1995", "May 20, 1995". "0/0/00" (Outlook's "none") and "" give
// nil. ok is false when s is not a date that can be read without
// guessing; the caller keeps the text elsewhere.
func parseBirthday(s string) (b *store.Birthday, ok bool) {
	return parseBirthdayOrder(s, nil)
}

// parseBirthdayOrder is parseBirthday that learns, in *order, whether the
// file writes the month ('M') or the day ('D') first, from the first
// date that shows it, and reads the dates after it that way.
func parseBirthdayOrder(s string, order *byte) (b *store.Birthday, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, true
	}
	if b, err := store.ParseBirthday(s); err == nil {
		return b, true
	}
	// ISO date with a time: "1995-05-20T00:00:00Z", "1995-05-20 00:00:00".
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		if b, err := store.ParseBirthday(s[:10]); err == nil {
			return b, true
		}
	}
	if sep := strings.IndexAny(s, "/.-"); sep > 0 {
		parts := strings.Split(s, s[sep:sep+1])
		if len(parts) == 3 {
			return numericDate(parts, s[sep], order)
		}
	}
	for _, layout := range []string{"January 2, 2006", "Jan 2, 2006", "2 January 2006", "2 Jan 2006", "January 2 2006", "Jan 2 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return validBirthday(t.Year(), int(t.Month()), t.Day())
		}
	}
	return nil, false
}

func numericDate(parts []string, sep byte, order *byte) (*store.Birthday, bool) {
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || v < 0 {
			return nil, false
		}
		n[i] = v
	}
	if n[0] == 0 && n[1] == 0 && n[2] == 0 {
		return nil, true // Outlook's 0/0/00: no birthday
	}
	if len(strings.TrimSpace(parts[0])) == 4 { // 1995/05/20
		return validBirthday(n[0], n[1], n[2])
	}
	year := n[2]
	if len(strings.TrimSpace(parts[2])) <= 2 {
		year += 1900
		if year+100 <= time.Now().Year() {
			year += 100
		}
	}
	a, b := n[0], n[1]
	switch {
	case sep == '.': // 20.05.1995: day first wherever dots are used
		return validBirthday(year, b, a)
	case a > 12 && b <= 12:
		if order != nil {
			*order = 'D'
		}
		return validBirthday(year, b, a)
	case b > 12 && a <= 12:
		if order != nil {
			*order = 'M'
		}
		return validBirthday(year, a, b)
	case a == b:
		return validBirthday(year, a, b)
	case order != nil && *order == 'M':
		return validBirthday(year, a, b)
	case order != nil && *order == 'D':
		return validBirthday(year, b, a)
	}
	return nil, false
}

func validBirthday(y, m, d int) (*store.Birthday, bool) {
	b, err := store.ParseBirthday(store.Birthday{Year: y, Month: m, Day: d}.String())
	if err != nil {
		return nil, false
	}
	return b, true
}
