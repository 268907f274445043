package carddav

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
)

// fieldsIdentical is the comparison sameLines made before canonical lines
// had their parameters as a list: two go-vcard fields, byte for byte.
func fieldsIdentical(a, b entry) bool {
	if a.name != b.name || a.f.Value != b.f.Value || a.f.Group != b.f.Group || len(a.f.Params) != len(b.f.Params) {
		return false
	}
	for k, va := range a.f.Params {
		if !slices.Equal(va, b.f.Params[k]) {
			return false
		}
	}
	return true
}

// fieldsSame is sameLines over two lists of go-vcard fields, as it was.
func fieldsSame(a, b []entry) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 1 && fieldsIdentical(a[0], b[0]) {
		return true
	}
	na := make([]string, len(a))
	nb := make([]string, len(b))
	for i := range a {
		na[i] = normLine(a[i].name, a[i].f)
		nb[i] = normLine(b[i].name, b[i].f)
	}
	slices.Sort(na)
	slices.Sort(nb)
	return slices.Equal(na, nb)
}

// equivalenceCards are the sample files' cards and generated cards in
// both versions, some of them edited the way other writers write (lower
// case types, more types, groups, no pref) so that the lines read differ
// from the canonical ones in every way the comparison looks at.
func equivalenceCards(t *testing.T) []vcard.Card {
	var cards []vcard.Card
	for _, name := range sampleFiles {
		cards = append(cards, readFile(t, name)...)
	}
	edits := []func(string) string{
		func(s string) string { return s },
		func(s string) string { return strings.ReplaceAll(s, "TYPE=", "type=") },
		func(s string) string { return strings.ReplaceAll(s, "TYPE=CELL", "TYPE=cell,VOICE") },
		func(s string) string { return strings.ReplaceAll(s, "\r\nTEL", "\r\nitem1.TEL") },
		func(s string) string { return strings.ReplaceAll(s, ",PREF", "") },
		func(s string) string { return strings.ReplaceAll(s, "PREF=1", "PREF=2") },
		func(s string) string { return strings.ReplaceAll(s, "TYPE=INTERNET,", "") },
		func(s string) string { return strings.ReplaceAll(s, "EMAIL;", "EMAIL;TYPE=pref;") },
		func(s string) string { return strings.ReplaceAll(s, "ADR;", "ADR;LABEL=\"x\";") },
	}
	nm, humans, photos := bookNames(t, 400, 9)
	for _, version := range []string{v3, v4} {
		for i, h := range humans {
			c, err := Encode(h, nm, photos[i], version)
			if err != nil {
				t.Fatal(err)
			}
			b, err := FormatCard(c)
			if err != nil {
				t.Fatal(err)
			}
			card, err := ParseCard([]byte(edits[i%len(edits)](string(b))))
			if err != nil {
				t.Fatal(err)
			}
			cards = append(cards, card)
		}
	}
	return cards
}

// TestCanonicalLinesCompareAsFields checks that comparing a line read
// with a canonical line (identicalLine, sameLines) says what comparing it
// with the canonical line as a go-vcard field says, for every line of
// every card against every canonical line of its contact.
func TestCanonicalLinesCompareAsFields(t *testing.T) {
	same, differ := 0, 0
	for _, card := range equivalenceCards(t) {
		p, err := Decode(card)
		if err != nil {
			continue
		}
		items := canonical(p.Human, p.Company, p.Categories, p.Photo, cardVersion(card))
		var read []entry
		for name, fs := range card {
			for _, f := range fs {
				read = append(read, entry{name, f})
			}
		}
		for _, it := range items {
			asFields := make([]entry, len(it.lines))
			for i, l := range it.lines {
				asFields[i] = entry{l.name, l.field()}
				if got, want := normCanon(l.name, l), normLine(l.name, asFields[i].f); got != want {
					t.Fatalf("normCanon %q, normLine of its field %q", got, want)
				}
			}
			for i, l := range it.lines {
				for _, e := range read {
					got, want := identicalLine(e, l), fieldsIdentical(e, asFields[i])
					if got != want {
						t.Fatalf("identicalLine(%s %+v, %+v) = %v, as fields %v", e.name, e.f, l, got, want)
					}
					if got {
						same++
					} else {
						differ++
					}
					pair := []entry{e}
					if got, want := sameLines(pair, it.lines), fieldsSame(pair, asFields); got != want {
						t.Fatalf("sameLines(%s %+v, %+v) = %v, as fields %v", e.name, e.f, l, got, want)
					}
				}
			}
			// Two lines read against the item's lines.
			if len(read) >= 2 {
				pair := read[:2]
				if got, want := sameLines(pair, it.lines), fieldsSame(pair, asFields); got != want {
					t.Fatalf("sameLines of two lines = %v, as fields %v", got, want)
				}
			}
		}
	}
	if same < 1000 || differ < 1000 {
		t.Fatalf("too few comparisons of each outcome: %d identical, %d not", same, differ)
	}
}

// TestCanonLineParams checks set and add against go-vcard's Params.
func TestCanonLineParams(t *testing.T) {
	var l canonLine
	want := vcard.Params{}
	steps := []struct {
		add        bool
		key, value string
	}{
		{true, "TYPE", "home"}, {true, "TYPE", "pref"}, {false, "PREF", "1"}, {false, "PREF", "2"},
		{false, "TYPE", "work"}, {true, "X-A", "b"}, {true, "X-A", "c"},
	}
	for _, s := range steps {
		if s.add {
			l.add(s.key, s.value)
			want.Add(s.key, s.value)
		} else {
			l.set(s.key, s.value)
			want.Set(s.key, s.value)
		}
		got := l.field().Params
		if len(got) != len(want) {
			t.Fatalf("after %+v: %v, want %v", s, got, want)
		}
		for k, v := range want {
			if !slices.Equal(got[k], v) || !slices.Equal(l.param(k), v) {
				t.Fatalf("after %+v: %v, want %v", s, got, want)
			}
		}
	}
	if l.param("NONE") != nil {
		t.Fatal("param of a missing key")
	}
}

// typesBySplit is types as it was written first (strings.Split and
// strings.ToLower on every value).
func typesBySplit(f *vcard.Field) (out []string, pref bool) {
	for _, t := range f.Params[vcard.ParamType] {
		for _, t := range strings.Split(t, ",") {
			t = strings.ToLower(strings.TrimSpace(t))
			switch t {
			case "":
			case "pref":
				pref = true
			default:
				out = append(out, t)
			}
		}
	}
	return out, pref
}

// TestTypesAsBySplit checks types, hasPrefType and lowerType against
// strings.Split and strings.ToLower, on TYPE values of every kind
// (upper, lower and mixed case, empty parts, spaces, non-ASCII letters
// that lower-case to ASCII, long values).
func TestTypesAsBySplit(t *testing.T) {
	values := [][]string{
		nil, {""}, {","}, {"CELL"}, {"cell,VOICE"}, {"HOME", "PREF"}, {"Work, Pref ,"}, {" INTERNET", "x400"},
		{"pref"}, {"PrEf"}, {"X-Custom-Label"}, {"ČELL"}, {"WORK\u212A"}, {"\u212Aey"}, {"İnternet"},
		{"a-very-long-type-value-beyond-sixteen", "HOME"}, {",,HOME,,"}, {"cell,cell"}, {"FAX ,pager", "OTHER"},
		{"Ünknown"}, {"IPHONE", "MAIN", "TEXTPHONE"}, {"ſtar"},
	}
	for _, vals := range values {
		f := &vcard.Field{Value: "x"}
		if vals != nil {
			f.Params = vcard.Params{vcard.ParamType: vals}
		}
		got, gotPref := types(f)
		want, wantPref := typesBySplit(f)
		if !slices.Equal(got, want) || gotPref != wantPref || hasPrefType(f) != wantPref {
			t.Errorf("%q: types %q %v, want %q %v (hasPrefType %v)", vals, got, gotPref, want, wantPref, hasPrefType(f))
		}
		for _, v := range vals {
			if got, want := lowerType(v), strings.ToLower(v); got != want {
				t.Errorf("lowerType(%q) = %q, want %q", v, got, want)
			}
		}
	}
	for k, v := range knownTypes {
		if k != v || strings.ToLower(k) != k || len(k) > 16 {
			t.Errorf("known type %q → %q", k, v)
		}
		if got := lowerType(strings.ToUpper(k)); got != k {
			t.Errorf("lowerType(%q) = %q", strings.ToUpper(k), got)
		}
	}
}

// TestLongListsMerge decodes lists longer than listIndexAt, where
// listState finds identities with a map instead of by comparing them:
// repeated values merge into the first, wherever they are, and the
// preference of a repeat counts.
func TestLongListsMerge(t *testing.T) {
	var b strings.Builder
	b.WriteString("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Long Lists\r\n")
	for i := range 30 {
		fmt.Fprintf(&b, "TEL;TYPE=HOME:+33 1 23 45 67 %02d\r\n", i)
	}
	// Repeats of an early item (indexed when the map was built from the
	// scanned identities), preferred, and of a late one.
	b.WriteString("TEL;TYPE=HOME,PREF:+33 1 23 45 67 03\r\nTEL;TYPE=HOME:+33 1 23 45 67 25\r\n")
	for i := range 40 {
		fmt.Fprintf(&b, "X-HUMANS-CONSENT:ch%d;2024-01-01T00:00:00Z;\r\n", i%25)
	}
	b.WriteString("END:VCARD\r\n")
	p := decodeText(t, b.String())
	h := p.Human
	if len(h.Phones) != 30 || len(h.Consents) != 25 {
		t.Fatalf("%d phones, %d consents", len(h.Phones), len(h.Consents))
	}
	for i, ph := range h.Phones {
		if want := fmt.Sprintf("+33 1 23 45 67 %02d", i); ph.Number != want || ph.IsPrimary != (i == 3) {
			t.Errorf("phone %d: %+v, want %s (primary %v)", i, ph, want, i == 3)
		}
	}
	for i, c := range h.Consents {
		if c.Channel != fmt.Sprint("ch", i) {
			t.Errorf("consent %d: %+v", i, c)
		}
	}
	// The repeated lines are kept, so the card comes back whole.
	out, err := Encode(h, nil, nil, "3.0")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(out[vcard.FieldTelephone]); got != 32 {
		t.Errorf("%d TEL lines written back, want 32", got)
	}
	if got := len(out[propConsent]); got != 40 {
		t.Errorf("%d consent lines written back, want 40", got)
	}
}

// TestDecodesShareNothing decodes every sample card one after the other,
// each card given back to the reader once decoded (Decode reuses its
// scratch room, and ReadCards the released cards' maps), and checks that
// what each Decode returned is still what it was right after it.
func TestDecodesShareNothing(t *testing.T) {
	files, err := filepath.Glob("testdata/*.vcf")
	if err != nil || len(files) == 0 {
		t.Fatalf("samples: %v %v", files, err)
	}
	type decoded struct {
		p    *Parsed
		snap string
	}
	var all []decoded
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		err = ReadCards(f, func(_ int, card vcard.Card, err error) error {
			if err != nil {
				return nil // broken.vcf's broken cards
			}
			p, err := Decode(card)
			ReleaseCard(card)
			if err != nil {
				return nil // group cards
			}
			snap, _ := json.Marshal(p)
			all = append(all, decoded{p, string(snap)})
			return nil
		})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(all) < 15 {
		t.Fatalf("only %d cards decoded", len(all))
	}
	for i, d := range all {
		if now, _ := json.Marshal(d.p); string(now) != d.snap {
			t.Errorf("card %d changed after later decodes:\nthen %s\nnow  %s", i, d.snap, now)
		}
	}
}
