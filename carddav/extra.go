package carddav

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/emersion/go-vcard"
)

// extra is Human.Extra["vcard"], parsed.
type extra struct {
	version      string             // of the card the lines came from
	shadows      map[string][]entry // original lines of mapped values, by item key
	extras       []entry            // unmapped lines
	mappedGroups map[string]bool    // groups (lower case) that had mapped lines
	middle       string             // additional names of the original N
}

// parseExtra reads what formatExtra wrote. It is lenient: a line it
// cannot read is skipped.
func parseExtra(b []byte) (*extra, error) {
	ex := &extra{}
	if len(b) == 0 {
		return ex, nil
	}
	ex.shadows = map[string][]entry{}
	ex.mappedGroups = map[string]bool{}
	for _, l := range unfoldLines(b) {
		rl, err := parseLine(l)
		if err != nil {
			continue
		}
		f := &vcard.Field{Value: unescapeValue(rl.value), Params: rl.params, Group: rl.group}
		if rl.name == vcard.FieldVersion && rl.group == "" && ex.version == "" {
			ex.version = f.Value
			continue
		}
		if key := f.Params.Get(paramMatch); key != "" {
			ex.shadows[key] = append(ex.shadows[key], entry{rl.name, f})
			if f.Group != "" {
				ex.mappedGroups[strings.ToLower(f.Group)] = true
			}
			if rl.name == vcard.FieldName && ex.middle == "" {
				ex.middle = comp(splitStructured(f.Value), 2)
			}
			continue
		}
		ex.extras = append(ex.extras, entry{rl.name, f})
	}
	return ex, nil
}

// MergeExtra joins what Decode kept (Human.Extra[ExtraKey]) of two cards
// of one person, as an import merging a record into a contact does:
// base's lines stay as they are, followed by incoming's original forms of
// the values base keeps none for and by incoming's unmapped lines that
// base does not have (an item group, such as an X-ABDATE with its
// X-ABLabel, counts as one). Incoming's lines are converted to base's
// vCard version and their item groups renamed where base uses the same
// names, so that a label stays with its own value; the label of a value
// both have is base's. The result is base itself when there is nothing to
// add, so merging the same incoming again adds nothing.
func MergeExtra(base, incoming []byte) []byte {
	if len(incoming) == 0 {
		return base
	}
	if len(base) == 0 {
		return slices.Clone(incoming)
	}
	bx, _ := parseExtra(base)
	ix, _ := parseExtra(incoming)
	if bx.version != "" && ix.version != "" && major(bx.version) != major(ix.version) {
		// Compared and written in base's version.
		for _, es := range ix.shadows {
			convertEntries(es, bx.version)
		}
		convertEntries(ix.extras, bx.version)
	}

	// Original forms of values base has none of, and the groups they
	// bring along.
	var add []entry
	withShadow := map[string]bool{}
	for _, key := range slices.Sorted(maps.Keys(ix.shadows)) {
		if _, ok := bx.shadows[key]; ok {
			continue
		}
		for _, e := range ix.shadows[key] {
			add = append(add, e)
			if e.f.Group != "" {
				withShadow[strings.ToLower(e.f.Group)] = true
			}
		}
	}
	// Unmapped lines: a line outside any group by itself, a group of
	// unmapped lines as a whole, whatever its name.
	have := map[string]bool{}
	for _, e := range bx.extras {
		if e.f.Group == "" {
			have[normLine(e.name, e.f)] = true
		}
	}
	for g, es := range groupsOf(bx.extras) {
		if !bx.mappedGroups[g] {
			have[groupSignature(es)] = true
		}
	}
	inGroups := groupsOf(ix.extras)
	for _, e := range ix.extras {
		g := strings.ToLower(e.f.Group)
		switch {
		case g == "":
			if n := normLine(e.name, e.f); !have[n] {
				have[n] = true
				add = append(add, e)
			}
		case ix.mappedGroups[g]:
			// The label of a value: it comes with the value's original
			// form, or not at all.
			if withShadow[g] {
				add = append(add, e)
			}
		case inGroups[g] != nil:
			if sig := groupSignature(inGroups[g]); !have[sig] {
				have[sig] = true
				add = append(add, inGroups[g]...)
			}
			inGroups[g] = nil // the group is handled at its first line
		}
	}
	if len(add) == 0 {
		return base
	}

	renamed := groupRenames(bx, ix, add)
	out := slices.Clone(base)
	if !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out, "\r\n"...)
	}
	for _, e := range add {
		f := e.f
		if g, ok := renamed[strings.ToLower(f.Group)]; ok {
			f = copyField(f)
			f.Group = g
		}
		out = appendLine(out, e.name, f)
	}
	return out
}

// convertEntries converts es, in place, to the vCard version.
func convertEntries(es []entry, version string) {
	for i, e := range es {
		es[i].name, es[i].f = convertField(e.name, copyField(e.f), version)
	}
}

// groupsOf returns the lines of es that have an item group, by group
// (lower case).
func groupsOf(es []entry) map[string][]entry {
	groups := map[string][]entry{}
	for _, e := range es {
		if g := strings.ToLower(e.f.Group); g != "" {
			groups[g] = append(groups[g], e)
		}
	}
	return groups
}

// groupSignature is what a group of lines says, without its name.
func groupSignature(es []entry) string {
	lines := make([]string, len(es))
	for i, e := range es {
		f := *e.f
		f.Group = ""
		lines[i] = normLine(e.name, &f)
	}
	slices.Sort(lines)
	return "group\x00" + strings.Join(lines, "\x00")
}

// groupRenames gives each group of incoming's lines in add that base
// also uses a name neither card uses (item1, item2...).
func groupRenames(bx, ix *extra, add []entry) map[string]string {
	taken := map[string]bool{}
	for _, x := range []*extra{bx, ix} {
		for _, sh := range x.shadows {
			for _, e := range sh {
				taken[strings.ToLower(e.f.Group)] = true
			}
		}
		for _, e := range x.extras {
			taken[strings.ToLower(e.f.Group)] = true
		}
	}
	inBase := map[string]bool{}
	for g := range groupsOf(bx.extras) {
		inBase[g] = true
	}
	for _, sh := range bx.shadows {
		for g := range groupsOf(sh) {
			inBase[g] = true
		}
	}
	renamed := map[string]string{}
	next := 1
	for _, e := range add {
		g := strings.ToLower(e.f.Group)
		if g == "" || !inBase[g] || renamed[g] != "" {
			continue
		}
		for taken[fmt.Sprintf("item%d", next)] {
			next++
		}
		renamed[g] = fmt.Sprintf("item%d", next)
		taken[renamed[g]] = true
	}
	return renamed
}

// unfoldLines splits text into logical lines.
func unfoldLines(b []byte) []string {
	var out []string
	var cur []byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		var l []byte
		if i < 0 {
			l, b = b, nil
		} else {
			l, b = b[:i], b[i+1:]
		}
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) > 0 && (l[0] == ' ' || l[0] == '\t') && cur != nil {
			cur = append(cur, l[1:]...)
			continue
		}
		if cur != nil {
			out = append(out, string(cur))
		}
		cur = append([]byte(nil), l...)
	}
	if len(cur) > 0 {
		out = append(out, string(cur))
	}
	return out
}

// formatExtra writes the version line, the shadows (already tagged) and
// the unmapped lines. Unmapped lines are sorted by property name, keeping
// the order of the lines of one property, so that the text depends only
// on the card's content.
func formatExtra(version string, shadows, extras []entry) []byte {
	if len(shadows) == 0 && len(extras) == 0 {
		return nil
	}
	slices.SortStableFunc(extras, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	dst := appendLine(nil, vcard.FieldVersion, field(version))
	for _, e := range shadows {
		dst = appendLine(dst, e.name, e.f)
	}
	for _, e := range extras {
		dst = appendLine(dst, e.name, e.f)
	}
	return dst
}

// structuredProps are the properties whose values are split on
// semicolons; in the others an escaped semicolon is just a semicolon.
var structuredProps = map[string]bool{
	vcard.FieldName: true, vcard.FieldAddress: true, vcard.FieldOrganization: true, vcard.FieldGender: true,
	vcard.FieldClientPIDMap: true, propField: true, propConsent: true,
}

// binaryProps are the properties that can carry inline data.
var binaryProps = map[string]bool{vcard.FieldPhoto: true, vcard.FieldLogo: true, vcard.FieldSound: true, vcard.FieldKey: true}

// normalizedParams are the parameters whose values are compared without
// regard to case.
var normalizedParams = map[string]bool{vcard.ParamType: true, vcard.ParamValue: true, paramEncoding: true}

// normLine is the form in which two lines are compared: group and names
// without case, parameters sorted, TYPE values as a sorted set, inline
// data by its bytes, and \; as ; outside structured values. Humans'
// bookkeeping parameters (X-HUMANS-MATCH, X-HUMANS-PRIMARY) are left out.
func normLine(name string, f *vcard.Field) string {
	var b strings.Builder
	if f.Group != "" {
		b.WriteString(strings.ToLower(f.Group))
		b.WriteByte('.')
	}
	b.WriteString(strings.ToUpper(name))
	keys := make([]string, 0, len(f.Params))
	for k := range f.Params {
		if u := strings.ToUpper(k); u != paramMatch && u != paramPrimary {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int { return strings.Compare(strings.ToUpper(a), strings.ToUpper(b)) })
	for _, k := range keys {
		u := strings.ToUpper(k)
		vals := f.Params[k]
		if normalizedParams[u] {
			var set []string
			for _, v := range vals {
				for _, p := range strings.Split(v, ",") {
					if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
						set = append(set, p)
					}
				}
			}
			slices.Sort(set)
			vals = slices.Compact(set)
		}
		b.WriteByte(';')
		b.WriteString(u)
		b.WriteByte('=')
		b.WriteString(strings.Join(vals, ","))
	}
	b.WriteByte(':')
	v := f.Value
	switch {
	case binaryProps[strings.ToUpper(name)]:
		if data, mt, ok := inlineData(f); ok {
			sum := sha256.Sum256(data)
			v = "inline:" + mt + ":" + hex.EncodeToString(sum[:])
		}
	case structuredProps[strings.ToUpper(name)]:
		// Trailing empty components say nothing: ORG:Acme; is ORG:Acme.
		for strings.HasSuffix(v, ";") && !strings.HasSuffix(v, `\;`) {
			v = v[:len(v)-1]
		}
	default:
		v = unescSemi(v)
	}
	b.WriteString(v)
	return b.String()
}

// NormalizedLines returns the lines of card in the form the round-trip
// guarantee compares them: sorted, normalized as described in the package
// comment, without VERSION and PRODID.
func NormalizedLines(card vcard.Card) []string {
	var out []string
	for name, fs := range card {
		switch strings.ToUpper(name) {
		case vcard.FieldVersion, vcard.FieldProductID:
			continue
		}
		for _, f := range fs {
			if f != nil {
				out = append(out, normLine(name, f))
			}
		}
	}
	slices.Sort(out)
	return out
}

// sameLines reports whether the lines read (a) and the canonical lines
// (b) are equal as multisets of normalized lines.
func sameLines(a []entry, b []canonLine) bool {
	if len(a) != len(b) {
		return false
	}
	// Canonical lines have no group: a line read in one (Apple's item1.)
	// is not one of them, nor is one with more parameters, which their
	// normal forms would only show after building them.
	for _, e := range a {
		if e.f.Group != "" {
			return false
		}
	}
	if len(a) == 1 {
		if identicalLine(a[0], b[0]) {
			return true
		}
		if countParams(a[0].f) != len(b[0].params) {
			return false
		}
		return normLine(a[0].name, a[0].f) == normCanon(b[0].name, b[0])
	}
	na := make([]string, len(a))
	nb := make([]string, len(b))
	for i := range a {
		na[i] = normLine(a[i].name, a[i].f)
		nb[i] = normCanon(b[i].name, b[i])
	}
	slices.Sort(na)
	slices.Sort(nb)
	return slices.Equal(na, nb)
}

// countParams is the number of parameters of f that normLine writes
// (Humans' bookkeeping ones left out).
func countParams(f *vcard.Field) int {
	n := 0
	for k := range f.Params {
		if u := strings.ToUpper(k); u != paramMatch && u != paramPrimary {
			n++
		}
	}
	return n
}

// normScratch keeps the fields normCanon fills, from call to call.
var normScratch = sync.Pool{New: func() any { return &vcard.Field{Params: vcard.Params{}} }}

// normCanon is normLine of a canonical line, in a field kept from one
// call to the next rather than one built for it (canonLine.field): Decode
// compares every line of a card that is not canonical to the byte.
func normCanon(name string, l canonLine) string {
	f := normScratch.Get().(*vcard.Field)
	for _, p := range l.params {
		f.Params[p.key] = p.vals
	}
	f.Value = l.value
	s := normLine(name, f)
	f.Value = ""
	clear(f.Params)
	normScratch.Put(f)
	return s
}

// identicalLine reports whether a line read is the same to the byte as a
// canonical line (which has no group): the fast path of sameLines, which
// builds no map.
func identicalLine(a entry, b canonLine) bool {
	if a.name != b.name || a.f.Value != b.value || a.f.Group != "" || len(a.f.Params) != len(b.params) {
		return false
	}
	for k, va := range a.f.Params {
		if !slices.Equal(va, b.param(k)) {
			return false
		}
	}
	return true
}
