package carddav

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"

	"github.com/humans-contacts/humans/store"
)

// mergeCards decodes two cards of one person, merges the second into the
// first as an import does (the values the first lacks added, Extra
// joined by MergeExtra) and encodes the result.
func mergeCards(t *testing.T, baseText, inText, version string) (vcard.Card, []byte) {
	t.Helper()
	base, in := decodeText(t, baseText).Human, decodeText(t, inText).Human
	for _, p := range in.Phones {
		if !slices.ContainsFunc(base.Phones, func(b store.Phone) bool { return b.Number == p.Number }) {
			p.IsPrimary = false
			base.Phones = append(base.Phones, p)
		}
	}
	merged := MergeExtra(base.Extra[ExtraKey], in.Extra[ExtraKey])
	if again := MergeExtra(merged, in.Extra[ExtraKey]); !bytes.Equal(again, merged) {
		t.Errorf("merging the same card twice added more:\n%s\nthen:\n%s", merged, again)
	}
	base.Extra = map[string][]byte{ExtraKey: merged}
	card, err := Encode(base, nil, nil, version)
	if err != nil {
		t.Fatal(err)
	}
	return card, merged
}

// labels returns the X-ABLabel of each line of prop, by value.
func labels(card vcard.Card, prop string) map[string]string {
	byGroup := map[string]string{}
	for _, f := range card["X-ABLABEL"] {
		byGroup[strings.ToLower(f.Group)] = f.Value
	}
	out := map[string]string{}
	for _, f := range card[prop] {
		out[f.Value] = byGroup[strings.ToLower(f.Group)]
	}
	return out
}

func TestMergeExtraKeepsEachLabelWithItsValue(t *testing.T) {
	base := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\n" +
		"item1.TEL;TYPE=CELL:+1 555 0101\r\nitem1.X-ABLabel:Boat\r\n" +
		"X-FOO:1\r\nEND:VCARD\r\n"
	// The same export later: the first phone (labelled differently),
	// a new phone whose group has base's name, a new unmapped line and a
	// new date with its label.
	incoming := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\n" +
		"item1.TEL;TYPE=CELL:+1 555 0202\r\nitem1.X-ABLabel:Office\r\n" +
		"item2.TEL;TYPE=CELL:+1 555 0101\r\nitem2.X-ABLabel:Yacht\r\n" +
		"item3.X-ABDATE:2010-06-05\r\nitem3.X-ABLabel:_$!<Anniversary>!$_\r\n" +
		"X-FOO:1\r\nX-BAR:2\r\nEND:VCARD\r\n"
	card, merged := mergeCards(t, base, incoming, "3.0")
	got := labels(card, vcard.FieldTelephone)
	want := map[string]string{"+1 555 0101": "Boat", "+1 555 0202": "Office"}
	if len(got) != len(want) || got["+1 555 0101"] != "Boat" || got["+1 555 0202"] != "Office" {
		t.Errorf("phones and their labels: %v, want %v\n%s", got, want, merged)
	}
	if n := len(card["X-ABLABEL"]); n != 3 {
		t.Errorf("%d labels, want 3 (two phones and the date):\n%s", n, merged)
	}
	if dates := card["X-ABDATE"]; len(dates) != 1 || labels(card, "X-ABDATE")["2010-06-05"] != "_$!<Anniversary>!$_" {
		t.Errorf("the date and its label: %+v\n%s", dates, merged)
	}
	if len(card["X-FOO"]) != 1 || card.Value("X-BAR") != "2" {
		t.Errorf("unmapped lines: X-FOO %d, X-BAR %q\n%s", len(card["X-FOO"]), card.Value("X-BAR"), merged)
	}
}

func TestMergeExtraRecognisesARenamedGroup(t *testing.T) {
	// Base already holds the date, under another group name: nothing
	// to add.
	base := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nitem7.X-ABDATE:2010-06-05\r\nitem7.X-ABLabel:Wedding\r\nEND:VCARD\r\n"
	incoming := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nitem1.X-ABDATE:2010-06-05\r\nitem1.X-ABLabel:Wedding\r\nEND:VCARD\r\n"
	b, in := decodeText(t, base).Human.Extra[ExtraKey], decodeText(t, incoming).Human.Extra[ExtraKey]
	if got := MergeExtra(b, in); !bytes.Equal(got, b) {
		t.Errorf("MergeExtra added a group base has:\n%s", got)
	}
	// A date with another label is another group: both stay.
	other := strings.ReplaceAll(incoming, "Wedding", "First met")
	card, merged := mergeCards(t, base, other, "3.0")
	if n := len(card["X-ABDATE"]); n != 2 {
		t.Errorf("%d dates, want 2:\n%s", n, merged)
	}
}

func TestMergeExtraConvertsToBasesVersion(t *testing.T) {
	base := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nX-FOO:1\r\nEND:VCARD\r\n"
	incoming := "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ada\r\nX-ABC;PREF=1:x\r\nEND:VCARD\r\n"
	card, merged := mergeCards(t, base, incoming, "3.0")
	f := card["X-ABC"]
	if len(f) != 1 || f[0].Params.Get(vcard.ParamPreferred) != "" || !slices.Contains(f[0].Params[vcard.ParamType], "pref") {
		t.Errorf("the 4.0 line in a 3.0 card: %+v\n%s", f, merged)
	}
}

func TestMergeExtraWithNothingOnOneSide(t *testing.T) {
	in := decodeText(t, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nX-FOO:1\r\nEND:VCARD\r\n").Human.Extra[ExtraKey]
	if got := MergeExtra(nil, in); !bytes.Equal(got, in) {
		t.Errorf("MergeExtra(nil, in) = %q", got)
	}
	if got := MergeExtra(in, nil); !bytes.Equal(got, in) {
		t.Errorf("MergeExtra(in, nil) = %q", got)
	}
}

// A value the contact has as a plain line gets the label the incoming
// card gives it.
func TestMergeExtraLabelsAPlainValue(t *testing.T) {
	base := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nTEL;TYPE=CELL:+1 555 0101\r\nX-FOO:1\r\nEND:VCARD\r\n"
	incoming := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nitem1.TEL;TYPE=CELL:+1 555 0101\r\nitem1.X-ABLabel:Boat\r\nEND:VCARD\r\n"
	card, merged := mergeCards(t, base, incoming, "3.0")
	if got := labels(card, vcard.FieldTelephone); len(got) != 1 || got["+1 555 0101"] != "Boat" {
		t.Errorf("phone labels %v, want the incoming Boat\n%s", got, merged)
	}
}
