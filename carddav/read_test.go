package carddav

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/emersion/go-vcard"
)

type readResult struct {
	index int
	card  vcard.Card
	err   *CardError
}

func readAll(t testing.TB, r io.Reader) ([]readResult, error) {
	t.Helper()
	var out []readResult
	err := ReadCards(r, func(i int, c vcard.Card, err error) error {
		res := readResult{index: i, card: c}
		if err != nil {
			ce, ok := err.(*CardError)
			if !ok {
				t.Fatalf("card error of type %T", err)
			}
			res.err = ce
		}
		out = append(out, res)
		return nil
	})
	return out, err
}

func TestReadQuirks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		prop  string
		want  string
	}{
		{"CRLF", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada\r\nEND:VCARD\r\n", "FN", "Ada"},
		{"LF", "BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nEND:VCARD\n", "FN", "Ada"},
		{"no final newline", "BEGIN:VCARD\nFN:Ada\nEND:VCARD", "FN", "Ada"},
		{"UTF-8 BOM", "\xEF\xBB\xBFBEGIN:VCARD\r\nFN:Ada\r\nEND:VCARD\r\n", "FN", "Ada"},
		{"folded with space", "BEGIN:VCARD\r\nNOTE:one \r\n two\r\nEND:VCARD\r\n", "NOTE", "one two"},
		{"folded with tab", "BEGIN:VCARD\r\nNOTE:one\r\n\ttwo\r\nEND:VCARD\r\n", "NOTE", "onetwo"},
		{"folded inside UTF-8", "BEGIN:VCARD\r\nFN:Zo\xc3\r\n \xabe\r\nEND:VCARD\r\n", "FN", "Zoëe"},
		{"escapes", "BEGIN:VCARD\r\nNOTE:a\\nb\\Nc\\,d\\\\e\\;f\r\nEND:VCARD\r\n", "NOTE", "a\nb\nc,d\\e\\;f"},
		{"lower-case names", "begin:vcard\r\nversion:3.0\r\nfn:Ada\r\nend:vcard\r\n", "FN", "Ada"},
		{"empty value", "BEGIN:VCARD\r\nFN:Ada\r\nNOTE:\r\nEND:VCARD\r\n", "NOTE", ""},
		{"QP", "BEGIN:VCARD\r\nN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=C3=89mile;Zola\r\nEND:VCARD\r\n", "N", "Émile;Zola"},
		{"QP soft break", "BEGIN:VCARD\r\nNOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:abc=\r\ndef=C3=\r\n=A9\r\nEND:VCARD\r\n", "NOTE", "abcdefé"},
		{"QP bare 2.1", "BEGIN:VCARD\r\nNOTE;QUOTED-PRINTABLE:a=3Db\r\nEND:VCARD\r\n", "NOTE", "a=b"},
		{"QP line break", "BEGIN:VCARD\r\nNOTE;ENCODING=QUOTED-PRINTABLE:a=0D=0Ab\r\nEND:VCARD\r\n", "NOTE", "a\nb"},
		{"QP Latin-1", "BEGIN:VCARD\r\nN;CHARSET=ISO-8859-1;ENCODING=QUOTED-PRINTABLE:M=FCller;J=FCrgen\r\nEND:VCARD\r\n", "N", "Müller;Jürgen"},
		{"raw Latin-1 with charset", "BEGIN:VCARD\r\nFN;CHARSET=ISO-8859-1:J\xfcrgen\r\nEND:VCARD\r\n", "FN", "Jürgen"},
		{"raw Latin-1 without charset", "BEGIN:VCARD\r\nFN:Andr\xe9\r\nEND:VCARD\r\n", "FN", "André"},
		{"windows-1252", "BEGIN:VCARD\r\nNOTE;CHARSET=windows-1252:\x93quoted\x94\r\nEND:VCARD\r\n", "NOTE", "“quoted”"},
		{"Shift_JIS", "BEGIN:VCARD\r\nFN;CHARSET=SHIFT_JIS:\x93\xfa\x96\x7b\r\nEND:VCARD\r\n", "FN", "日本"},
		{"bare type", "BEGIN:VCARD\r\nTEL;CELL:+1 555\r\nEND:VCARD\r\n", "TEL", "+1 555"},
		{"raw line break", "BEGIN:VCARD\r\nNOTE:first\r\nsecond line\r\nFN:x\r\nEND:VCARD\r\n", "NOTE", "first\nsecond line"},
		{"quoted param", "BEGIN:VCARD\r\nADR;LABEL=\"1 Main St\\nTown, Land\";TYPE=home:;;1 Main St;Town\r\nEND:VCARD\r\n", "ADR", ";;1 Main St;Town"},
		{"space before colon", "BEGIN:VCARD\r\nFN :Ada\r\nEND:VCARD\r\n", "FN", "Ada"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := readAll(t, strings.NewReader(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			if len(res) != 1 || res[0].err != nil {
				t.Fatalf("got %+v", res)
			}
			f := res[0].card.Get(tc.prop)
			if f == nil {
				t.Fatalf("no %s in %v", tc.prop, res[0].card)
			}
			if f.Value != tc.want {
				t.Errorf("%s = %q, want %q", tc.prop, f.Value, tc.want)
			}
			if f.Params.Get("CHARSET") != "" || strings.EqualFold(f.Params.Get("ENCODING"), "QUOTED-PRINTABLE") {
				t.Errorf("transfer parameters kept: %v", f.Params)
			}
		})
	}
	card, _ := ParseCard([]byte("BEGIN:VCARD\r\nTEL;WORK;FAX;PREF:1\r\nEND:VCARD\r\n"))
	if got := card.Get("TEL").Params[vcard.ParamType]; strings.Join(got, ",") != "WORK,FAX,PREF" {
		t.Errorf("bare types: %q", got)
	}
	card, _ = ParseCard([]byte("BEGIN:VCARD\r\nADR;LABEL=\"1 Main St^nTown, ^'Land^'\":;;\r\nEND:VCARD\r\n"))
	if got := card.Get("ADR").Params.Get("LABEL"); got != "1 Main St\nTown, \"Land\"" {
		t.Errorf("RFC 6868: %q", got)
	}
}

func TestReadUTF16(t *testing.T) {
	text := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë\r\nEND:VCARD\r\n"
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xFE})
	for _, u := range utf16.Encode([]rune(text)) {
		b.Write([]byte{byte(u), byte(u >> 8)})
	}
	card, err := ParseCard(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if got := card.Value("FN"); got != "Zoë" {
		t.Errorf("FN = %q", got)
	}
}

func TestReadSeveralCards(t *testing.T) {
	res, err := readAll(t, strings.NewReader(strings.Repeat("BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n\r\n", 5)))
	if err != nil || len(res) != 5 {
		t.Fatalf("%d cards, %v", len(res), err)
	}
	for i, r := range res {
		if r.index != i || r.err != nil {
			t.Errorf("card %d: %+v", i, r)
		}
	}
}

func TestBrokenFile(t *testing.T) {
	f, err := os.Open("testdata/broken.vcf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := readAll(t, f)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		fn   string // a good card's FN
		line int    // a broken card's line
		why  string
	}{
		{fn: "Good One"},
		{line: 9, why: "BEGIN:VCARD before"},
		{fn: "Good Two"},
		{line: 17, why: "malformed parameter"},
		{line: 19, why: "without BEGIN:VCARD"},
		{fn: "Good Three"},
		{line: 31, why: "malformed parameter"},
		{fn: "Good Four"},
		{line: 40, why: "ends before END:VCARD"},
	}
	if len(res) != len(want) {
		t.Fatalf("%d results, want %d: %+v", len(res), len(want), res)
	}
	for i, w := range want {
		r := res[i]
		if r.index != i {
			t.Errorf("result %d has index %d", i, r.index)
		}
		switch {
		case w.fn != "":
			if r.err != nil || r.card.Value("FN") != w.fn {
				t.Errorf("card %d: %+v, want %q", i, r, w.fn)
			}
		case r.err == nil:
			t.Errorf("card %d: no error", i)
		default:
			if r.err.Index != i || r.err.Line != w.line || !strings.Contains(r.err.Reason, w.why) {
				t.Errorf("card %d: %v, want line %d %q", i, r.err, w.line, w.why)
			}
		}
	}
	if got := res[5].card.Value("NOTE"); got != "first line\nsecond line" {
		t.Errorf("raw line break: %q", got)
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := readAll(t, strings.NewReader("name,email\nAda,ada@example.com\n")); !errors.Is(err, ErrNoCards) {
		t.Errorf("CSV: %v", err)
	}
	if res, err := readAll(t, strings.NewReader("")); err != nil || len(res) != 0 {
		t.Errorf("empty input: %v %v", res, err)
	}
	stop := errors.New("stop")
	n := 0
	err := ReadCards(strings.NewReader(strings.Repeat("BEGIN:VCARD\nFN:A\nEND:VCARD\n", 3)), func(int, vcard.Card, error) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("callback error: %v after %d", err, n)
	}
	// A line above the limit fails its card, not the next.
	big := "BEGIN:VCARD\nFN:big\nNOTE:" + strings.Repeat("x", maxLineBytes+10) + "\nEND:VCARD\nBEGIN:VCARD\nFN:next\nEND:VCARD\n"
	res, err := readAll(t, strings.NewReader(big))
	if err != nil || len(res) != 2 || res[0].err == nil || res[1].card.Value("FN") != "next" {
		t.Errorf("big line: %v %+v", err, res)
	}
}

// TestGoVcardAgreement reads the 3.0 and 4.0 samples with go-vcard too:
// both readers give the same cards.
func TestGoVcardAgreement(t *testing.T) {
	for _, name := range []string{"apple_contacts.vcf", "thunderbird.vcf", "evolution.vcf", "outlook.vcf"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		ours := readFile(t, name)
		dec := vcard.NewDecoder(bytes.NewReader(b))
		for i := 0; ; i++ {
			c, err := dec.Decode()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Value("VERSION") == "2.1" {
				continue // go-vcard does not read 2.1
			}
			if a, b := NormalizedLines(ours[i]), NormalizedLines(c); strings.Join(a, "\n") != strings.Join(b, "\n") {
				t.Errorf("%s card %d:\nours    %q\ngo-vcard %q", name, i, a, b)
			}
		}
	}
}

func TestConvertTo(t *testing.T) {
	jpg := testJPEG(t)
	v3, err := ParseCard([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:C\r\nN:C;;;;\r\n" +
		"TEL;TYPE=CELL,pref:+1 555\r\nEMAIL;TYPE=INTERNET,HOME:c@example.com\r\n" +
		"PHOTO;ENCODING=b;TYPE=JPEG:" + b64(jpg) + "\r\n" +
		"BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-20\r\nANNIVERSARY:2010-06-05\r\n" +
		"X-ADDRESSBOOKSERVER-KIND:group\r\nX-ADDRESSBOOKSERVER-MEMBER:urn:uuid:1\r\nEND:VCARD\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	v4 := ConvertTo(v3, "4.0")
	checks := []struct{ what, got, want string }{
		{"version", v4.Value("VERSION"), "4.0"},
		{"pref", v4.Get("TEL").Params.Get("PREF"), "1"},
		{"pref type gone", strings.Join(v4.Get("TEL").Params["TYPE"], ","), "CELL"},
		{"internet gone", strings.Join(v4.Get("EMAIL").Params["TYPE"], ","), "HOME"},
		{"photo", v4.Get("PHOTO").Value, "data:image/jpeg;base64," + b64(jpg)},
		{"photo params", strings.Join(NormalizedLines(vcard.Card{"PHOTO": v4["PHOTO"]}), ""), "PHOTO:inline:image/jpeg:" + photoHash(jpg)},
		{"bday", v4.Get("BDAY").Value, "--0520"},
		{"bday param", v4.Get("BDAY").Params.Get(paramOmitYear), ""},
		{"anniversary", v4.Get("ANNIVERSARY").Value, "20100605"},
		{"kind", v4.Value("KIND"), "group"},
		{"member", v4.Value("MEMBER"), "urn:uuid:1"},
	}
	back := ConvertTo(v4, "3.0")
	checks = append(checks, []struct{ what, got, want string }{
		{"3.0 version", back.Value("VERSION"), "3.0"},
		{"3.0 pref", strings.Join(back.Get("TEL").Params["TYPE"], ","), "CELL,pref"},
		{"3.0 photo", back.Get("PHOTO").Params.Get("ENCODING") + " " + back.Get("PHOTO").Params.Get("TYPE"), "b JPEG"},
		{"3.0 photo data", back.Get("PHOTO").Value, b64(jpg)},
		{"3.0 bday", back.Get("BDAY").Value + " " + back.Get("BDAY").Params.Get(paramOmitYear), "1604-05-20 1604"},
		{"3.0 anniversary", back.Get("ANNIVERSARY").Value, "2010-06-05"},
		{"3.0 kind", back.Value("X-ADDRESSBOOKSERVER-KIND"), "group"},
	}...)
	tel, _ := ParseCard([]byte("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:T\r\nTEL;VALUE=uri;TYPE=work:tel:+1-555-0100;ext=12\r\nPHOTO:https://example.com/p.jpg\r\nEND:VCARD\r\n"))
	tel3 := ConvertTo(tel, "3.0")
	checks = append(checks, []struct{ what, got, want string }{
		{"3.0 tel uri", tel3.Get("TEL").Value, "+1-555-0100 ext. 12"},
		{"3.0 tel value", tel3.Get("TEL").Params.Get("VALUE"), ""},
		{"3.0 photo uri", tel3.Get("PHOTO").Params.Get("VALUE"), "uri"},
		{"3.0 N added", tel3.Value("N"), ";;;;"},
	}...)
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}
	if v3.Value("VERSION") != "3.0" || v3.Get("TEL").Params.Get("PREF") != "" {
		t.Error("ConvertTo changed its input")
	}
	// A card already in the version is copied unchanged.
	if a, b := NormalizedLines(ConvertTo(v3, "3.0")), NormalizedLines(v3); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("same-version copy differs")
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// TestEncodingMarks checks the search of the QUOTED-PRINTABLE and base64
// marks against the upper-casing search it replaces, on ASCII heads and
// on heads whose non-ASCII letters upper-case to ASCII ("ſ" is "S").
func TestEncodingMarks(t *testing.T) {
	heads := []string{
		"NOTE;ENCODING=QUOTED-PRINTABLE", "note;encoding=quoted-printable;charset=utf-8", "NOTE;Quoted-Printable",
		"PHOTO;ENCODING=b;TYPE=JPEG", "photo;encoding=B", "PHOTO;BASE64", "photo;base64", "PHOTO;ENCODING=BASE64",
		"TEL;TYPE=CELL", "", "X", "QUOTED-PRINTABL", "item1.X-ABLABEL;ENCODING=BX",
		"NOTE;QUOTED-PRINTABLE-ſ", "NOTE;QUOTED-PRINTABLE-é", "NOTE;QUOTED-PRıNTABLE", "PHOTO;ENCODING=B-é", "PHOTO;BAſE64",
	}
	marks := []string{"QUOTED-PRINTABLE", "ENCODING=B", ";BASE64"}
	for _, h := range heads {
		for _, m := range marks {
			want := bytes.Contains(bytes.ToUpper([]byte(h)), []byte(m))
			var got bool
			if up := upperHead([]byte(h)); up != nil {
				got = bytes.Contains(up, []byte(m))
			} else {
				got = containsUpperASCII([]byte(h), m)
			}
			if got != want {
				t.Errorf("%q contains %q: %v, want %v", h, m, got, want)
			}
		}
	}
	card, err := ParseCard([]byte("BEGIN:VCARD\r\nVERSION:2.1\r\nNOTE;QUOTED-PRıNTABLE:a=\r\nb=C3=A9\r\nFN:X\r\nEND:VCARD\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := card.Value("NOTE"); got != "abé" {
		t.Fatalf("NOTE %q", got)
	}
}

// TestCardsShareNothing checks that the fields, lists and parameter
// values ReadCards hands out (from a slab per card) are the caller's:
// changing or growing those of one card or one line changes no other.
func TestCardsShareNothing(t *testing.T) {
	text := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:One\r\nTEL;TYPE=CELL:1\r\nEMAIL;TYPE=HOME:a@x.org\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Two\r\nTEL;TYPE=WORK:2\r\nEMAIL;TYPE=WORK:b@x.org\r\nEND:VCARD\r\n"
	var cards []vcard.Card
	err := ReadCards(strings.NewReader(text), func(_ int, c vcard.Card, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		cards = append(cards, c)
		return nil
	})
	if err != nil || len(cards) != 2 {
		t.Fatalf("%d cards, %v", len(cards), err)
	}
	one, two := cards[0], cards[1]
	one[vcard.FieldTelephone] = append(one[vcard.FieldTelephone], &vcard.Field{Value: "3"})
	one[vcard.FieldTelephone][0].Params.Add(vcard.ParamType, "VOICE")
	one[vcard.FieldTelephone][0].Value = "changed"
	one[vcard.FieldEmail][0].Params[vcard.ParamType][0] = "OTHER"
	one[vcard.FieldFormattedName] = append(one[vcard.FieldFormattedName], &vcard.Field{Value: "Extra"})
	for _, c := range []struct{ got, want string }{
		{two.Value(vcard.FieldFormattedName), "Two"},
		{two.Value(vcard.FieldTelephone), "2"},
		{strings.Join(two[vcard.FieldTelephone][0].Params[vcard.ParamType], ","), "WORK"},
		{strings.Join(two[vcard.FieldEmail][0].Params[vcard.ParamType], ","), "WORK"},
		{strings.Join(one[vcard.FieldTelephone][0].Params[vcard.ParamType], ","), "CELL,VOICE"},
		{one[vcard.FieldEmail][0].Value, "a@x.org"},
		{fmt.Sprint(len(two[vcard.FieldTelephone]), len(two[vcard.FieldFormattedName]), len(one[vcard.FieldEmail])), "1 1 1"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
