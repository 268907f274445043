package store

import (
	"net/mail"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

func TestFoldText(t *testing.T) {
	long := strings.Repeat("Zoë Núñez ", 10_000)
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"   ", "   "},
		{"zoe", "zoe"},
		{"ZOE Smith-Jones", "zoe smith-jones"},
		{"Zoë", "zoe"},
		{"Núñez", "nunez"},
		{"François", "francois"},
		{"Jürgen Müller", "jurgen muller"},
		{"Søren Kierkegaard", "soren kierkegaard"},
		{"Øre", "ore"},
		{"Łukasz", "lukasz"},
		{"Straße", "strasse"},
		{"STRAẞE", "strasse"},
		{"Æsir", "aesir"},
		{"Œuvre", "oeuvre"},
		{"İstanbul", "istanbul"},
		{"ısparta", "isparta"},
		{"Çelik", "celik"},
		{"Nguyễn Thị Minh Khai", "nguyen thi minh khai"},
		{"Đặng", "dang"},
		{"Þórður", "thordur"},
		{"ǅemal", "dzemal"},
		{"ǄEMAL", "dzemal"},
		{"ĳssel", "ijssel"},
		{"ﬁle", "file"},
		{"Ａｂｃ１２３", "abc123"},
		{"①②", "12"},
		{"e\u0301cole", "ecole"}, // already decomposed
		{"Москва Ёлка", "москва елка"},
		{"ΟΔΥΣΣΕΥΣ Άλφα", "οδυσσευσ αλφα"},
		{"Οδυσσεύς", "οδυσσευσ"},
		{"東京 テスト", "東京 テスト"},
		{"한국어", "\u1112\u1161\u11ab\u1100\u116e\u11a8\u110b\u1165"}, // NFKD: conjoining jamo
		{"Zoë 👍🏽 ok", "zoe 👍🏽 ok"},
		{"Ψ-Zoë-Ω", "ψ-zoe-ω"},
		{"\xffab", "\ufffdab"},
		{long, strings.Repeat("zoe nunez ", 10_000)},
	}
	for _, tt := range tests {
		got := foldText(tt.in)
		if got != tt.want {
			t.Errorf("foldText(%.40q) = %.40q, want %.40q", tt.in, got, tt.want)
		}
		if again := foldText(got); again != got {
			t.Errorf("foldText not idempotent on %.40q: %.40q then %.40q", tt.in, got, again)
		}
	}
}

func TestFoldTextASCIIDoesNotCopy(t *testing.T) {
	s := "already folded ascii"
	if got := foldText(s); got != s || unsafe.StringData(got) != unsafe.StringData(s) {
		t.Errorf("foldText copied ASCII lower-case input")
	}
	if n := testing.AllocsPerRun(100, func() { foldText(s) }); n != 0 {
		t.Errorf("foldText(lower ASCII) allocates %v times, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { foldText("Jean-Luc PICARD") }); n != 1 {
		t.Errorf("foldText(mixed-case ASCII) allocates %v times, want 1", n)
	}
}

// TestFoldTextEveryRune checks, on every single code point, idempotence,
// that no non-spacing mark is left, and agreement with the plain x/text
// transform chain.
func TestFoldTextEveryRune(t *testing.T) {
	if testing.Short() {
		t.Skip("1.1 million code points")
	}
	fails := 0
	for r := rune(0); r <= unicode.MaxRune && fails < 20; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		f := foldText(s)
		if want := referenceFold(s); f != want {
			t.Errorf("U+%04X: foldText %+q, transform chain %+q", r, f, want)
			fails++
		}
		if g := foldText(f); g != f {
			t.Errorf("U+%04X: foldText %+q, then %+q", r, f, g)
			fails++
		}
		for _, c := range f {
			if unicode.Is(unicode.Mn, c) {
				t.Errorf("U+%04X: foldText %+q keeps a non-spacing mark", r, f)
				fails++
			}
		}
	}
}

// referenceFold is foldText written as the plain x/text transform chain
// (NFKD, remove Mn), then lower case and the table: foldText must agree.
func referenceFold(s string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)))
	d, _, err := transform.String(t, s)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, r := range d {
		r = unicode.ToLower(r)
		if sp := foldSpecial(r); sp != "" {
			b.WriteString(sp)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestFoldTextMatchesTransformChain(t *testing.T) {
	for _, s := range []string{
		"Zoë Núñez", "François", "İstanbul", "ǅ", "Ǆ", "ﬃ", "Ω Å K", "\u1e9b\u0323",
		"a\u0328\u0301", "ą́", "Nguyễn", "Ɗ", "Россия", "ÅÄÖ", "x\u0345\u0301",
		"한국어 Hangul", "\U0001D16D\U0001D165", "\U0001D15F\U0001D16D", "ᬓ᭄ᬱ", "\u302F\u302E\u0301",
	} {
		if got, want := foldText(s), referenceFold(s); got != want {
			t.Errorf("foldText(%+q) = %+q, the transform chain gives %+q", s, got, want)
		}
	}
}

func FuzzFoldText(f *testing.F) {
	for _, s := range []string{"", "Zoë", "Straße", "ǅ", "İ", "\xff", "Οδυσσεύς", "👍🏽", "a\u0328\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := foldText(s)
		if again := foldText(got); again != got {
			t.Errorf("not idempotent: %+q → %+q → %+q", s, got, again)
		}
		if utf8.ValidString(s) {
			if want := referenceFold(s); got != want {
				t.Errorf("foldText(%+q) = %+q, transform chain %+q", s, got, want)
			}
		}
		for _, w := range words(s) {
			if w == "" || foldText(w) != w {
				t.Errorf("words(%+q) has %+q", s, w)
			}
		}
	})
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"--//", nil},
		{"Zoë", []string{"zoe"}},
		{"Jean-Luc O'Brien", []string{"jean", "luc", "o", "brien"}},
		{"Zoë  zoe ZOË", []string{"zoe"}},
		{"Dr. Jürgen Müller, Jr.", []string{"dr", "jurgen", "muller", "jr"}},
		{"Anna Müller Anna", []string{"anna", "muller"}},
		{"R2-D2 (robot)", []string{"r2", "d2", "robot"}},
		{"Москва, Ёлка!", []string{"москва", "елка"}},
		{"Ἀθῆναι/Αθήνα", []string{"αθηναι", "αθηνα"}},
		{"東京タワー 東京", []string{"東京タワー", "東京"}},
		{"hello👋world", []string{"hello", "world"}},
		{"Straße\tNo.5", []string{"strasse", "no", "5"}},
		{"नमस्ते दुनिया", []string{"नमसत", "दनिया"}}, // spacing vowel signs stay inside the word
	}
	for _, tt := range tests {
		if got := words(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := strings.Repeat("Zoë Núñez ", 10_000)
	if got := words(long); !slices.Equal(got, []string{"zoe", "nunez"}) {
		t.Errorf("words(long) = %q", got)
	}
}

func TestEmailTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"   ", nil},
		{"jean-luc.picard+ent@starfleet.example.org",
			[]string{"jean-luc.picard+ent", "jean", "luc", "picard", "ent", "starfleet", "example"}},
		{"Zoë.Núñez@My-Company.co.uk", []string{"zoe.nunez", "zoe", "nunez", "my-company", "my", "company", "co"}},
		{"anna_mueller@gmail.com", []string{"anna_mueller", "anna", "mueller", "gmail"}},
		{" bob@example.com ", []string{"bob", "example"}},
		{"bob@bob.com", []string{"bob"}},
		{"root@localhost", []string{"root", "localhost"}},
		{"x@example.org.", []string{"x", "example"}},
		{"weird@", []string{"weird"}},
		{"@example.com", []string{"example"}},
		{"no-at-sign", []string{"no-at-sign", "no", "at", "sign"}},
		{`"a@b"@example.com`, []string{`"a@b"`, "a", "b", "example"}},
	}
	for _, tt := range tests {
		if got := emailTokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("emailTokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDigitsOnly(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"   ", ""},
		{"abc", ""},
		{"0612345678", "0612345678"},
		{"+33 6 12 34 56 78", "33612345678"},
		{"+1 (555) 010-9999 ext. 12", "1555010999912"},
		{"٠٦١٢", "0612"},     // Arabic-Indic digits
		{"۰۶۱۲", "0612"},     // Extended Arabic-Indic
		{"０６ １２", "0612"},    // full-width
		{"०६१२", "0612"},     // Devanagari
		{"𝟎𝟔𝟏𝟐", "0612"},     // mathematical bold
		{"①②", ""},           // not decimal digits (No)
		{"\xff12\xfe", "12"}, // invalid UTF-8
	}
	for _, tt := range tests {
		if got := digitsOnly(tt.in); got != tt.want {
			t.Errorf("digitsOnly(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPhoneDigits(t *testing.T) {
	tests := []struct {
		in, region string
		want       []string
	}{
		{"", "FR", nil},
		{"   ", "FR", nil},
		{"abc", "FR", nil},
		{"+33 6 12 34 56 78", "FR", []string{"33612345678", "0612345678"}},
		{"+33 6 12 34 56 78", "", []string{"33612345678", "0612345678"}},
		{"+33 6 12 34 56 78", "US", []string{"33612345678", "0612345678"}},
		{"06 12 34 56 78", "FR", []string{"0612345678", "33612345678"}},
		{"06 12 34 56 78", "fr", []string{"0612345678", "33612345678"}},
		{"06 12 34 56 78", "", []string{"0612345678"}},   // no country: raw only
		{"06 12 34 56 78", "ZZ", []string{"0612345678"}}, // unknown region
		{"00 33 6 12 34 56 78", "FR", []string{"0033612345678", "33612345678", "0612345678"}},
		{"+49 151 23456789", "FR", []string{"4915123456789", "015123456789"}},
		{"+1 415-555-0132", "FR", []string{"14155550132", "4155550132"}},
		{"+1 (555) 010-9999 ext. 12", "US", []string{"1555010999912", "15550109999", "5550109999"}},
		{"(415) 555-0132", "US", []string{"4155550132", "14155550132"}},
		{"+44 20 7946 0958", "FR", []string{"442079460958", "02079460958"}},
		{"020 7946 0958", "GB", []string{"02079460958", "442079460958"}},
		{"+34 612 34 56 78", "FR", []string{"34612345678", "612345678"}},
		{"+39 06 1234 5678", "FR", []string{"390612345678", "0612345678"}}, // Italy keeps the 0
		{"tel:+33-6-12-34-56-78", "FR", []string{"33612345678", "0612345678"}},
		{"٠٦١٢٣٤٥٦٧٨", "FR", []string{"0612345678", "33612345678"}},
		{"112", "FR", []string{"112"}}, // too short to be a number
		{"123", "FR", []string{"123"}},
		{"12345678901234567890", "FR", []string{"12345678901234567890"}},
		{"call me maybe 42", "FR", []string{"42"}},
		{strings.Repeat("1", 300), "FR", []string{strings.Repeat("1", 300)}},
	}
	for _, tt := range tests {
		if got := phoneDigits(tt.in, tt.region); !slices.Equal(got, tt.want) {
			t.Errorf("phoneDigits(%.40q, %q) = %q, want %q", tt.in, tt.region, got, tt.want)
		}
	}
}

// TestPhoneDigitsSearch is the point of phoneDigits: the ways a person
// types part of a number find it.
func TestPhoneDigitsSearch(t *testing.T) {
	found := func(number, region, query string) bool {
		q := digitsOnly(query)
		for _, d := range phoneDigits(number, region) {
			if strings.Contains(d, q) {
				return true
			}
		}
		return false
	}
	for _, tt := range []struct{ number, region, query string }{
		{"+33 6 12 34 56 78", "FR", "0612"},
		{"+33 6 12 34 56 78", "FR", "33612"},
		{"+33 6 12 34 56 78", "FR", "+33 6 12"},
		{"06 12 34 56 78", "FR", "+33612"},
		{"06 12 34 56 78", "FR", "345678"},
		{"+1 415-555-0132", "US", "415555"},
		{"+1 415-555-0132", "US", "(415) 555-01"},
	} {
		if !found(tt.number, tt.region, tt.query) {
			t.Errorf("%q (%s) not found by %q: %q", tt.number, tt.region, tt.query, phoneDigits(tt.number, tt.region))
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, region string
		want       string
		ok         bool
	}{
		{"+33 6 12 34 56 78", "FR", "+33612345678", true},
		{"06 12 34 56 78", "FR", "+33612345678", true},
		{"0612345678", "fr", "+33612345678", true},
		{"00 33 6 12 34 56 78", "FR", "+33612345678", true},
		{"+33 (0)6 12 34 56 78", "FR", "+33612345678", true},
		{"tel:+33-6-12-34-56-78", "", "+33612345678", true},
		{"+49 151 23456789", "FR", "+4915123456789", true},
		{"+1 (555) 010-9999 ext. 12", "US", "+15550109999", true},
		{"(415) 555-0132", "US", "+14155550132", true},
		{"020 7946 0958", "GB", "+442079460958", true},
		{"06 12 34 56 78", "", "", false},
		{"06 12 34 56 78", "XX", "", false},
		{"", "FR", "", false},
		{"   ", "FR", "", false},
		{"abc", "FR", "", false},
		{"112", "FR", "", false},
		{"+", "FR", "", false},
		{"+0 123", "FR", "", false},
		{"12345678901234567890", "FR", "", false},
		{"👍🏽", "FR", "", false},
		// Possible but not valid, and not a fixed point: phonenumbers
		// strips Japan's national prefix 0 even after +81.
		{"+8100000000000", "FR", "+810000000000", true},
		{"+810000000000", "FR", "+81000000000", true},
		{strings.Repeat("1", 300), "FR", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizePhone(tt.in, tt.region)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizePhone(%.40q, %q) = %q, %v; want %q, %v", tt.in, tt.region, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzPhoneDigits(f *testing.F) {
	for _, s := range []string{
		"", "abc", "+33 6 12 34 56 78", "06 12 34 56 78", "00 33 6 12 34 56 78",
		"+1 (555) 010-9999 ext. 12", "tel:+1-201-555-0123;phone-context=+1", ";phone-context=tel:+1",
		"+800 1234 5678", "٠٦١٢٣٤٥٦٧٨", "1-800-FLOWERS", "+44 (0) 20 7946 0958 x123", "+8100000000000",
	} {
		f.Add(s, "FR")
	}
	f.Add("020 7946 0958", "GB")
	f.Add("5550132", "")
	f.Fuzz(func(t *testing.T, number, region string) {
		got := phoneDigits(number, region) // must not panic
		raw := digitsOnly(number)
		if raw == "" {
			if got != nil {
				t.Errorf("phoneDigits(%q, %q) = %q without any digit", number, region, got)
			}
		} else if len(got) == 0 || got[0] != raw {
			t.Errorf("phoneDigits(%q, %q) = %q, want the raw digits %q first", number, region, got, raw)
		}
		for i, d := range got {
			if d == "" || digitsOnly(d) != d || slices.Contains(got[:i], d) {
				t.Errorf("phoneDigits(%q, %q) = %q: bad entry %q", number, region, got, d)
			}
		}
		if e, ok := NormalizePhone(number, region); ok {
			if len(e) < 3 || e[0] != '+' || digitsOnly(e[1:]) != e[1:] {
				t.Errorf("NormalizePhone(%q, %q) = %q", number, region, e)
			}
			if !slices.Contains(got, e[1:]) {
				t.Errorf("phoneDigits(%q, %q) = %q lacks E.164 %q", number, region, got, e)
			}
			// E.164 is a fixed point for valid numbers. Not for every
			// possible one: phonenumbers strips a national prefix even
			// after a country code, so "+8100000000000" gives
			// "+81000000000", which gives "+8100000000".
			if num, err := phonenumbers.Parse(e, ""); err == nil && phonenumbers.IsValidNumber(num) {
				if e2, ok := NormalizePhone(e, region); !ok || e2 != e {
					t.Errorf("NormalizePhone(%q) = %q, %v; want itself", e, e2, ok)
				}
			}
		} else if e != "" {
			t.Errorf("NormalizePhone(%q, %q) = %q, false", number, region, e)
		}
	})
}

var sinkString string
var sinkStrings []string

func BenchmarkFoldTextASCII(b *testing.B) {
	for _, s := range []string{"jean-luc picard", "Jean-Luc Picard"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkString = foldText(s)
			}
		})
	}
}

func BenchmarkFoldTextAccented(b *testing.B) {
	for _, s := range []string{"Zoë Núñez", "Łukasz Wójcik-Søndergaard", "Nguyễn Thị Minh Khai", "Москва"} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkString = foldText(s)
			}
		})
	}
}

func BenchmarkWords(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkStrings = words("François Núñez-Müller François Frank")
	}
}

func BenchmarkPhoneDigits(b *testing.B) {
	for _, tt := range []struct{ name, number, region string }{
		{"FR-intl", "+33 6 12 34 56 78", "FR"},
		{"FR-national", "06 12 34 56 78", "FR"},
		{"US", "+1 415-555-0132", "FR"},
		{"garbage", "abc", "FR"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkStrings = phoneDigits(tt.number, tt.region)
			}
		})
	}
}

func TestValidEmail(t *testing.T) {
	for addr, want := range map[string]bool{
		"ada@example.org":                 true,
		"ada.lovelace+news@a-b.io":        true,
		"a@b":                             true,
		"o'brien@example.ie":              true, // not plain: mail.ParseAddress decides
		"\"quoted\"@example.org":          false,
		"ada@@example.org":                false,
		".ada@example.org":                false,
		"ada.@example.org":                false,
		"a..b@example.org":                false,
		"ada@example..org":                false,
		"ada@-example.org":                true, // what mail.ParseAddress accepts
		"ada@":                            false,
		"@example.org":                    false,
		"Ada <ada@example.org>":           false,
		"ada@exam ple.org":                false,
		"zoë@example.org":                 true,
		"":                                false,
		strings.Repeat("a", 251) + "@b.c": false, // 255 bytes
	} {
		if got := ValidEmail(addr); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", addr, got, want)
		}
	}
}

// FuzzPlainEmail checks the fast path never accepts what
// mail.ParseAddress would refuse or read differently.
func FuzzPlainEmail(f *testing.F) {
	for _, s := range []string{"ada@example.org", "a.b+c@d-e.f", "a@b", "a..b@c", "a@b.", "x%y@z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		if !plainEmail(addr) {
			return
		}
		a, err := mail.ParseAddress(addr)
		if err != nil || a.Address != addr {
			t.Fatalf("plainEmail(%q) but mail.ParseAddress: %v %v", addr, a, err)
		}
	})
}

// compactPhone must never change what phonenumbers makes of a number:
// every number here, written with spaces, dashes or dots, parses to the
// same E.164 and national forms (or fails the same way) with and without
// the compaction.
func TestCompactPhoneParsesTheSame(t *testing.T) {
	numbers := []struct{ digits, region string }{
		{"+33612345678", "FR"}, {"0612345678", "FR"}, {"0033612345678", "FR"},
		{"+330612345678", "FR"}, {"+4915123456789", "DE"}, {"015123456789", "DE"},
		{"+442079460958", "GB"}, {"02079460958", "GB"}, {"+4402079460958", "GB"},
		{"4155550132", "US"}, {"14155550132", "US"}, {"+14155550132", "FR"},
		{"+8100000000000", "FR"}, {"+390612345678", "IT"}, {"0612345678", "IT"},
		{"+61412345678", "AU"}, {"0412345678", "AU"}, {"+5511987654321", "BR"},
		{"11987654321", "BR"}, {"+919876543210", "IN"}, {"09876543210", "IN"},
		{"112", "FR"}, {"+0123", "FR"}, {"12345678901234567890", "FR"}, {"0612345678", ""},
		{"+352621123456", "LU"}, {"+3211223344", "BE"}, {"+41791234567", "CH"},
	}
	layouts := []func(string) string{
		func(s string) string { return s },
		func(s string) string { return group(s, " ", 2) },
		func(s string) string { return group(s, "-", 3) },
		func(s string) string { return group(s, ".", 2) },
		func(s string) string { return " " + group(s, " ", 4) + " " },
		func(s string) string { return group(s, " - ", 3) },
	}
	for _, n := range numbers {
		for _, layout := range layouts {
			in := layout(n.digits)
			want, wantOK := parseRaw(in, n.region)
			got, gotOK := parsePhoneUncached(in, n.region)
			if got != want || gotOK != wantOK {
				t.Errorf("%q (%s): compacted parse %+v %v, raw parse %+v %v", in, n.region, got, gotOK, want, wantOK)
			}
		}
	}
	for _, in := range []string{"+33 (0)6 12 34 56 78", "tel:+33-6-12", "06 12 34 56 78 #12", "1-800-FLOWERS", "06/12/34", "+33 6 12 34 56 78 ext. 12"} {
		if compactPhone(in) != in {
			t.Errorf("compactPhone(%q) = %q, want it unchanged (it means something to the parser)", in, compactPhone(in))
		}
	}
}

// group writes digits (after a leading "+") in groups of n joined by sep.
func group(s, sep string, n int) string {
	var b strings.Builder
	if strings.HasPrefix(s, "+") {
		b.WriteByte('+')
		s = s[1:]
	}
	for i := 0; i < len(s); i += n {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i:min(i+n, len(s))])
	}
	return b.String()
}

// parseRaw is parsePhoneUncached without the compaction.
func parseRaw(number, region string) (parsedPhone, bool) {
	num, err := phonenumbers.Parse(number, strings.ToUpper(strings.TrimSpace(region)))
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return parsedPhone{}, false
	}
	num.Extension = nil
	return parsedPhone{e164: phonenumbers.Format(num, phonenumbers.E164), national: phonenumbers.Format(num, phonenumbers.NATIONAL)}, true
}
