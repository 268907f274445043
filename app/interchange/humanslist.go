package interchange

import (
	"strings"
	"unicode"

	"github.com/humans-contacts/humans/store"
)

// The list cells of this app's CSV hold entries joined by " ::: ", each
// written "type:value" with a leading "*" on the primary entry:
//
//	phones     *mobile:+33 6 12 34 56 78 ::: work:+33 1 23 45 67 89;ext=12
//	emails     *work:zoe@example.org ::: home:zoe@example.net
//	addresses  *home:Rue Augusta;12;2º Esq.;1100-048;Lisboa;;Portugal
//	urls       *linkedin:https://www.linkedin.com/in/zoe ::: website:https://zoe.dev
//	ims        *skype:live:zoe.martin
//
// An address is its street, number, complement, zip, city, region and
// country separated by ";" (a ";" or "\" inside a part is escaped with
// "\"), so it reads back into the same parts. The type may be empty
// (":value"); a cell typed by hand without a type ("zoe@example.org") is
// read as a value.

// itemType makes a type safe to write before the ':'.
func itemType(t string) string {
	t = strings.TrimLeft(strings.TrimSpace(t), "*")
	return strings.ReplaceAll(t, ":", " ")
}

func writeItem(b *strings.Builder, primary bool, typ, val string) {
	if b.Len() > 0 {
		b.WriteString(multiSep)
	}
	if primary {
		b.WriteByte('*')
	}
	b.WriteString(itemType(typ))
	b.WriteByte(':')
	b.WriteString(val)
}

func formatPhones(ps []store.Phone) string {
	var b strings.Builder
	for _, p := range ps {
		v := p.Number
		if p.Extension != "" {
			v += ";ext=" + p.Extension
		}
		writeItem(&b, p.IsPrimary, p.Type, v)
	}
	return b.String()
}

func formatEmails(es []store.Email) string {
	var b strings.Builder
	for _, e := range es {
		writeItem(&b, e.IsPrimary, e.Type, e.Address)
	}
	return b.String()
}

var addrEscaper = strings.NewReplacer(`\`, `\\`, `;`, `\;`)

func formatAddress(a store.Address) string {
	parts := []string{a.Street, a.Number, a.Complement, a.Zip, a.City, a.Region, a.Country}
	for i, p := range parts {
		parts[i] = addrEscaper.Replace(p)
	}
	return strings.Join(parts, ";")
}

func formatAddresses(as []store.Address) string {
	var b strings.Builder
	for _, a := range as {
		writeItem(&b, a.IsPrimary, a.Type, formatAddress(a))
	}
	return b.String()
}

func formatURLs(us []store.URL) string {
	var b strings.Builder
	for _, u := range us {
		writeItem(&b, u.IsPrimary, u.Type, u.URL)
	}
	return b.String()
}

func formatIMs(ims []store.IM) string {
	var b strings.Builder
	for _, m := range ims {
		writeItem(&b, m.IsPrimary, m.Service, m.Handle)
	}
	return b.String()
}

// splitItem reads one "[*]type:value" entry.
func splitItem(item string, urlLike bool) (typ, val string, primary bool) {
	item = strings.TrimSpace(item)
	if rest, ok := strings.CutPrefix(item, "*"); ok {
		primary = true
		item = strings.TrimSpace(rest)
	}
	i := strings.IndexByte(item, ':')
	if i < 0 {
		return "", item, primary
	}
	t, rest := item[:i], item[i+1:]
	if !isTypeWord(t) || urlLike && strings.HasPrefix(rest, "//") {
		return "", item, primary
	}
	return strings.ToLower(strings.TrimSpace(t)), strings.TrimSpace(rest), primary
}

func isTypeWord(t string) bool {
	if len(t) > 64 {
		return false
	}
	letters := false
	for _, r := range t {
		switch {
		case unicode.IsLetter(r):
			letters = true
		case unicode.IsDigit(r) || r == ' ' || r == '-' || r == '_' || r == '.' || r == '\'':
		default:
			return false
		}
	}
	return letters || t == ""
}

func listItems(v string) []string { return strings.Split(v, multiSep) }

func parsePhoneList(v string) []store.Phone {
	var out []store.Phone
	for _, it := range listItems(v) {
		typ, val, primary := splitItem(it, false)
		if val == "" {
			continue
		}
		p := store.Phone{Type: typ, IsPrimary: primary, Number: val}
		if i := strings.LastIndex(val, ";ext="); i >= 0 {
			p.Number, p.Extension = strings.TrimSpace(val[:i]), strings.TrimSpace(val[i+len(";ext="):])
		}
		out = append(out, p)
	}
	return out
}

func parseEmailList(v string) []store.Email {
	var out []store.Email
	for _, it := range listItems(v) {
		if typ, val, primary := splitItem(it, false); val != "" {
			out = append(out, store.Email{Address: val, Type: typ, IsPrimary: primary})
		}
	}
	return out
}

func parseURLList(v string) []store.URL {
	var out []store.URL
	for _, it := range listItems(v) {
		if typ, val, primary := splitItem(it, true); val != "" {
			if typ == "" {
				typ = urlType("", val)
			}
			out = append(out, store.URL{URL: val, Type: typ, IsPrimary: primary})
		}
	}
	return out
}

func parseIMList(v string) []store.IM {
	var out []store.IM
	for _, it := range listItems(v) {
		if typ, val, primary := splitItem(it, false); val != "" {
			out = append(out, store.IM{Handle: val, Service: typ, IsPrimary: primary})
		}
	}
	return out
}

func parseAddressList(v string) []store.Address {
	var out []store.Address
	for _, it := range listItems(v) {
		typ, val, primary := splitItem(it, false)
		if val == "" {
			continue
		}
		p := splitEscaped(val)
		for len(p) < 7 {
			p = append(p, "")
		}
		a := store.Address{Type: typ, Street: p[0], Number: p[1], Complement: p[2], Zip: p[3], City: p[4],
			Region: p[5], Country: p[6], IsPrimary: primary}
		if len(p) > 7 { // not written by us: keep the rest in the country
			a.Country = strings.Join(p[6:], ";")
		}
		if !a.IsEmpty() {
			out = append(out, a)
		}
	}
	return out
}

// splitEscaped splits on ';', honouring '\' escapes.
func splitEscaped(s string) []string {
	var parts []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == ';':
			parts = append(parts, strings.TrimSpace(b.String()))
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(parts, strings.TrimSpace(b.String()))
}
