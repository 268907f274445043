package interchange

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/humans-contacts/humans/store"
)

func TestDetectDialect(t *testing.T) {
	for _, tc := range []struct {
		name   string
		header string
		want   Dialect
	}{
		{"google current", "First Name,Middle Name,Last Name,Labels,E-mail 1 - Label,E-mail 1 - Value", DialectGoogle},
		{"google current minimal", "First Name,Last Name,Phone 1 - Label,Phone 1 - Value", DialectGoogle},
		{"google legacy", "Name,Given Name,Additional Name,Family Name,Group Membership,E-mail 1 - Type,E-mail 1 - Value", DialectGoogleLegacy},
		{"google legacy orgs", "Name,Organization 1 - Name,Organization 1 - Title", DialectGoogleLegacy},
		{"outlook", "First Name,Middle Name,Last Name,Title,Suffix,E-mail Address,E-mail 2 Address,Mobile Phone,Categories", DialectOutlook},
		{"outlook web", "First Name,Last Name,Business Phone,Company", DialectOutlook},
		{"humans", strings.Join(HumansCSVHeader, ","), DialectHumans},
		{"generic english", "Name,Email,Phone", DialectGeneric},
		{"generic french accents", "Prénom,NOM,Téléphone", DialectGeneric},
		{"generic only company", "Firma,Notizen", DialectGeneric},
		{"nothing", "foo,bar,baz", DialectUnknown},
		{"empty", "", DialectUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := DetectDialect(strings.Split(tc.header, ",")); got != tc.want {
				t.Errorf("DetectDialect(%q) = %q, want %q", tc.header, got, tc.want)
			}
		})
	}
}

func TestParseBirthday(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // "" for none, "?" for not readable
	}{
		{"1995-05-20", "1995-05-20"},
		{"--05-20", "--05-20"},
		{"--0520", "--05-20"},
		{"1995-05-20T00:00:00Z", "1995-05-20"},
		{"1995-05-20 00:00:00", "1995-05-20"},
		{"5/20/1995", "1995-05-20"},
		{"20/05/1995", "1995-05-20"},
		{"20.05.1995", "1995-05-20"},
		{"5.6.1995", "1995-06-05"},
		{"5/5/1995", "1995-05-05"},
		{"5/20/95", "1995-05-20"},
		{"1995/05/20", "1995-05-20"},
		{"May 20, 1995", "1995-05-20"},
		{"20 May 1995", "1995-05-20"},
		{"0/0/00", ""},
		{"0/0/0000", ""},
		{"", ""},
		{"3/4/1975", "?"}, // March 4 or 3 April: not guessed
		{"31/02/1990", "?"},
		{"soon", "?"},
		{"13/13/2000", "?"},
	} {
		b, ok := parseBirthday(tc.in)
		got := "?"
		if ok {
			got = ""
			if b != nil {
				got = b.String()
			}
		}
		if got != tc.want {
			t.Errorf("parseBirthday(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestBirthdayOrderLearned(t *testing.T) {
	data := "First Name,Birthday\nA,3/4/1975\nB,5/20/1980\nC,3/4/1975\nD,20/5/1980\n"
	recs := readAll(t, func(fn func(Record) error) error { return ReadCSV(strings.NewReader(data), fn) })
	var got []string
	for _, r := range recs {
		s := "none"
		if r.Human.Birthday != nil {
			s = r.Human.Birthday.String()
		}
		got = append(got, s)
	}
	// A's order is unknown; B shows month first; so C is March 4; D shows
	// day first (the file is inconsistent) and is read as written.
	assertEqual(t, "birthdays", got, []string{"none", "1980-05-20", "1975-03-04", "1980-05-20"})
}

func readFile(t *testing.T, name string) ([]Record, Dialect) {
	t.Helper()
	var recs []Record
	d, err := ReadCSVDialect(openTestdata(t, name), func(r Record) error { recs = append(recs, r); return nil })
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for i, r := range recs {
		if r.Position != i+1 {
			t.Errorf("%s: record %d has position %d", name, i, r.Position)
		}
	}
	return recs, d
}

func TestReadGoogleCSV(t *testing.T) {
	recs, d := readFile(t, "google.csv")
	if d != DialectGoogle || len(recs) != 6 {
		t.Fatalf("dialect %q, %d records", d, len(recs))
	}
	zoe := recs[0]
	if zoe.Err != nil || zoe.Line != 2 {
		t.Fatalf("first record: %+v", zoe)
	}
	h := zoe.Human
	want := &store.Human{
		FirstName: "Zoë", LastName: "Martin", Nickname: "Zozo", Prefix: "Dr.", JobTitle: "CTO", Department: "Engineering",
		Birthday: &store.Birthday{Year: 1985, Month: 3, Day: 14}, Notes: "Met at the fair in Lyon.\nPrefers e-mail.",
		Source: store.SourceImport, IsFavorite: true, PhotoURL: "https://lh3.googleusercontent.com/contacts/zoe",
		Phones: []store.Phone{
			{Number: "+33 6 12 34 56 78", Type: "mobile", IsPrimary: true},
			{Number: "+33 1 23 45 67 89", Type: "work"},
			{Number: "+33 1 98 76 54 32", Type: "work"},
		},
		Emails: []store.Email{
			{Address: "zoe.martin@gmail.com", Type: "home"},
			{Address: "zozo@proton.me", Type: "home"},
			{Address: "zoe@lumiere-conseil.fr", Type: "work", IsPrimary: true},
		},
		Addresses: []store.Address{{Type: "home", Street: "12 Rue de la Paix", Complement: "Bâtiment B", Zip: "75002",
			City: "Paris", Country: "France", IsPrimary: true}},
		URLs: []store.URL{{URL: "https://www.linkedin.com/in/zoe-martin", Type: "linkedin", IsPrimary: true}},
		CustomFields: map[string]string{"Middle Name": "Claire", "Spouse": "Hugo", "Anniversary": "2012-06-30",
			"Shoe size": "38"},
	}
	assertEqual(t, "Zoë", h, want)
	assertEqual(t, "Zoë's company", zoe.Company, "Lumière Conseil")
	assertEqual(t, "Zoë's groups", zoe.Groups, []string{"Friends", "Club de lecture"})

	j := recs[1].Human
	assertEqual(t, "year-less birthday", j.Birthday, &store.Birthday{Month: 5, Day: 20})
	assertEqual(t, "custom label and fax", []any{j.Emails[0].Type, j.Phones[0].Type, j.Phones[0].Number, j.Phones[0].Extension},
		[]any{"uni", "fax", "+49 40 123456", "12"})
	assertEqual(t, "system labels dropped", recs[1].Groups, []string{"Kollegen"})

	if p := recs[2].Human; p.Name() != "+1 415-555-0132" || recs[2].Groups != nil {
		t.Errorf("phone-only row: %s", jsonText(recs[2]))
	}
	if recs[3].Company != "Acme Corp" || recs[3].Human.URLs[0].Type != "website" {
		t.Errorf("company-only row: %s", jsonText(recs[3]))
	}
	assertEqual(t, "formatted-only address", recs[4].Human.Addresses,
		[]store.Address{{Type: "work", Street: "Rua Augusta 12, 1100-048 Lisboa, Portugal", IsPrimary: true}})
	// An invalid address is kept: the store validates, the importer reports.
	if e := recs[5].Human.Emails; recs[5].Err != nil || len(e) != 1 || e[0].Address != "not-an-email" || store.ValidEmail(e[0].Address) {
		t.Errorf("invalid e-mail row: %s", jsonText(recs[5]))
	}
}

func TestReadGoogleLegacyCSV(t *testing.T) {
	recs, d := readFile(t, "google_legacy.csv")
	if d != DialectGoogleLegacy || len(recs) != 2 {
		t.Fatalf("dialect %q, %d records", d, len(recs))
	}
	h := recs[0].Human
	want := &store.Human{
		FirstName: "John", LastName: "Public", DisplayName: "John Q. Public", Suffix: "Jr.", Gender: "male",
		JobTitle: "Plumber", Department: "Pipes", Birthday: &store.Birthday{Year: 1970, Month: 1, Day: 31},
		Notes: "Old friend", Language: "en-US", Source: store.SourceImport,
		Phones: []store.Phone{{Number: "(415) 555-0100", Type: "mobile", IsPrimary: true}, {Number: "415-555-0101", Type: "home"}},
		Emails: []store.Email{{Address: "john@example.com", Type: "home", IsPrimary: true}, {Address: "jpublic@acme.example", Type: "work"}},
		Addresses: []store.Address{{Type: "home", Street: "1600 Amphitheatre Pkwy", Complement: "PO Box 42", Zip: "94043",
			City: "Mountain View", Region: "CA", Country: "United States", IsPrimary: true}},
		URLs:         []store.URL{{URL: "https://john.example.com", Type: "blog", IsPrimary: true}},
		IMs:          []store.IM{{Handle: "live:john.public", Service: "skype", IsPrimary: true}},
		CustomFields: map[string]string{"Middle Name": "Quincy", "Occupation": "Plumber", "Favourite colour": "blue"},
	}
	assertEqual(t, "John", h, want)
	assertEqual(t, "company", recs[0].Company, "Acme")
	assertEqual(t, "groups: old system groups are the person's own", recs[0].Groups, []string{"Friends", "Bowling"})
	if !recs[1].Human.IsFavorite || recs[1].Human.DisplayName != "" {
		t.Errorf("starred, derived name: %s", jsonText(recs[1].Human))
	}
}

func TestReadOutlookCSV(t *testing.T) {
	for _, file := range []string{"outlook.csv", "outlook_utf16.csv"} {
		t.Run(file, func(t *testing.T) {
			recs, d := readFile(t, file)
			if d != DialectOutlook || len(recs) != 4 {
				t.Fatalf("dialect %q, %d records", d, len(recs))
			}
			want := &store.Human{
				FirstName: "Björn", LastName: "Andersson", Prefix: "Mr.", Suffix: "Jr.", Gender: "male",
				JobTitle: "Säljchef", Department: "Sales", Birthday: &store.Birthday{Year: 1980, Month: 5, Day: 20},
				Notes: "Prefers calls in the morning.", Source: store.SourceImport,
				Phones: []store.Phone{
					{Number: "+46 8 123 456 79", Type: "fax"},
					{Number: "+46 8 123 456 78", Type: "work"},
					{Number: "+46 70 123 45 67", Type: "mobile", IsPrimary: true},
				},
				Emails: []store.Email{{Address: "bjorn@oresund.example", IsPrimary: true}, {Address: "bjorn.andersson@gmail.com"}},
				Addresses: []store.Address{
					{Type: "work", Street: "Drottninggatan 12", Complement: "Plan 3", Zip: "111 51", City: "Stockholm", Country: "Sweden", IsPrimary: true},
					{Type: "home", Street: "Storgatan 5", Zip: "411 38", City: "Göteborg", Country: "Sweden"},
				},
				URLs: []store.URL{{URL: "www.oresund.example", Type: "website", IsPrimary: true}},
				// Defaults (Priority Normal, Private False, 0/0/00) are
				// dropped; Initials and E-mail Display Name are derived.
				CustomFields: map[string]string{"Middle Name": "Erik", "Spouse": "Karin", "Language": "English"},
			}
			assertEqual(t, "Björn", recs[0].Human, want)
			assertEqual(t, "company", recs[0].Company, "Öresund Logistik AB")
			assertEqual(t, "categories", recs[0].Groups, []string{"Kunder", "VIP"})
			assertEqual(t, "day-first birthday", recs[1].Human.Birthday, &store.Birthday{Year: 1990, Month: 5, Day: 20})
			assertEqual(t, "a priority that is not the default", recs[1].Human.CustomFields, map[string]string{"Priority": "High"})
			// 3/4/1975 alone is ambiguous; the row before wrote the day
			// first (20/05/1990), so it is 3 April.
			assertEqual(t, "an ambiguous date read in the file's order", recs[2].Human.Birthday, &store.Birthday{Year: 1975, Month: 4, Day: 3})
			if !errors.Is(recs[3].Err, ErrEmptyRow) || recs[3].Line != 5 || recs[3].Human != nil {
				t.Errorf("row of defaults: %+v", recs[3])
			}
		})
	}
}

func TestReadSemicolonCSV(t *testing.T) {
	recs, d := readFile(t, "semicolon.csv")
	if d != DialectGeneric || len(recs) != 2 {
		t.Fatalf("dialect %q, %d records", d, len(recs))
	}
	want := &store.Human{
		FirstName: "Élodie", LastName: "Lefèvre", Birthday: &store.Birthday{Year: 1989, Month: 7, Day: 14},
		Source:       store.SourceImport,
		Phones:       []store.Phone{{Number: "06 12 34 56 78", Type: "mobile", IsPrimary: true}},
		Emails:       []store.Email{{Address: "elodie@exemple.fr", IsPrimary: true}},
		Addresses:    []store.Address{{City: "Lyon", IsPrimary: true}},
		CustomFields: map[string]string{"Remarques": "Rencontrée au salon; très sympa"},
	}
	assertEqual(t, "Élodie", recs[0].Human, want)
	assertEqual(t, "company", recs[0].Company, "Étoile SARL")
	assertEqual(t, "two addresses in one cell", recs[1].Human.Emails,
		[]store.Email{{Address: "luc@exemple.fr", IsPrimary: true}, {Address: "luc.moreau@gmail.com"}})
}

func TestReadBrokenCSV(t *testing.T) {
	recs, d := readFile(t, "broken.csv")
	if d != DialectGeneric {
		t.Fatalf("dialect %q", d)
	}
	type row struct {
		Line int
		Name string
		Err  error
	}
	var got []row
	for _, r := range recs {
		x := row{Line: r.Line}
		if r.Err != nil {
			x.Err = errors.Unwrap(r.Err)
			if r.Human != nil {
				t.Errorf("line %d: Human set with Err", r.Line)
			}
			if !strings.HasPrefix(r.Err.Error(), "line ") {
				t.Errorf("error %q does not say its line", r.Err)
			}
		} else {
			x.Name = r.Human.Name()
		}
		got = append(got, x)
	}
	want := []row{
		{2, "Alice Good", nil},
		{3, "", ErrBrokenQuotes}, // "Bob Unclosed...: its quote swallows the next lines
		{4, "Carol Good", nil},   // read again after Bob: a quoted two-line note
		{6, "Dan Short", nil},    // a short row is padded
		{7, "", ErrEmptyRow},     // ,,,
		{8, `Eve "The" Quote`, nil},
		{10, "Frank Extra", nil}, // extra cells ignored; the blank line 9 is no row
		{11, `Gina "Gee" Good`, nil},
		{12, "", ErrEmptyRow},     // a note alone is no contact
		{13, "Hank NoEmail", nil}, // an invalid e-mail address is the store's to refuse
		{14, "", ErrBrokenQuotes}, // unclosed until the end of the file
		{15, "Jack Last", nil},
	}
	assertEqual(t, "rows", got, want)
	if n := recs[2].Human.Notes; n != "multi\nline note" {
		t.Errorf("Carol's note = %q", n)
	}
}

func TestReadCSVEncodingsAndSeparators(t *testing.T) {
	const text = "First Name,Last Name,E-mail Address,Mobile Phone\r\nZoë,Núñez,zoe@example.org,+34 600 000 000\r\n"
	want := []string{"Zoë", "Núñez", "zoe@example.org", "+34 600 000 000"}
	utf16le := func(s string, bom bool) []byte {
		var b []byte
		if bom {
			b = append(b, 0xFF, 0xFE)
		}
		for _, u := range utf16.Encode([]rune(s)) {
			b = append(b, byte(u), byte(u>>8))
		}
		return b
	}
	utf16be := func(s string) []byte {
		b := []byte{0xFE, 0xFF}
		for _, u := range utf16.Encode([]rune(s)) {
			b = append(b, byte(u>>8), byte(u))
		}
		return b
	}
	cp1252 := bytes.ReplaceAll(bytes.ReplaceAll([]byte(text), []byte("ë"), []byte{0xEB}), []byte("ú"), []byte{0xFA})
	cp1252 = bytes.ReplaceAll(cp1252, []byte("ñ"), []byte{0xF1})
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"utf-8", []byte(text)},
		{"utf-8 bom", append([]byte("\uFEFF"), text...)},
		{"utf-16le bom", utf16le(text, true)},
		{"utf-16le no bom", utf16le(text, false)},
		{"utf-16be bom", utf16be(text)},
		{"windows-1252", cp1252},
		{"semicolons", []byte(strings.ReplaceAll(text, ",", ";"))},
		{"tabs", []byte(strings.ReplaceAll(text, ",", "\t"))},
		{"lf", []byte(strings.ReplaceAll(text, "\r\n", "\n"))},
		{"cr", []byte(strings.ReplaceAll(text, "\r\n", "\r"))},
		{"no final newline", []byte(strings.TrimSuffix(text, "\r\n"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := readAll(t, func(fn func(Record) error) error { return ReadCSV(bytes.NewReader(tc.data), fn) })
			if len(recs) != 1 || recs[0].Err != nil {
				t.Fatalf("records: %s", jsonText(recs))
			}
			h := recs[0].Human
			assertEqual(t, "fields", []string{h.FirstName, h.LastName, h.Emails[0].Address, h.Phones[0].Number}, want)
		})
	}
}

func TestReadCSVWholeFileErrors(t *testing.T) {
	if err := ReadCSV(strings.NewReader("foo,bar\n1,2\n"), func(Record) error { return nil }); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown header: %v", err)
	}
	if err := ReadCSV(strings.NewReader(""), func(Record) error { t.Error("record from nothing"); return nil }); err != nil {
		t.Errorf("empty file: %v", err)
	}
	stop := errors.New("stop")
	n := 0
	err := ReadCSV(strings.NewReader("Name\nA\nB\nC\n"), func(Record) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: %v after %d records", err, n)
	}
}

func TestReadCSVRowTooLong(t *testing.T) {
	long := strings.Repeat("x", MaxRowBytes+10)
	data := "Name,Notes\nAnn,short\nBob," + long + "\nCid,short\n\"Dee," + long + "\nEve,short\n"
	recs := readAll(t, func(fn func(Record) error) error { return ReadCSV(strings.NewReader(data), fn) })
	var got []string
	for _, r := range recs {
		if r.Err != nil {
			got = append(got, errors.Unwrap(r.Err).Error())
		} else {
			got = append(got, r.Human.Name())
		}
	}
	want := []string{"Ann", ErrRowTooLong.Error(), "Cid", ErrRowTooLong.Error(), "Eve"}
	assertEqual(t, "rows", got, want)
}

// humansCSVFields is what this app's CSV carries of a contact.
func humansCSVFields(h *store.Human, names Names) *store.Human {
	c := *h
	c.ID, c.CompanyID, c.GroupIDs = 0, 0, nil
	c.CustomFields, c.Consents, c.Extra = nil, nil, nil
	c.PhotoHash, c.PhotoType, c.PhotoURL = "", "", ""
	c.DeletedAt = nil
	c.Revision, c.ETag = 0, ""
	return &c
}

func TestHumansCSVRoundTrip(t *testing.T) {
	b := newTestBook(2000, 7)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, Humans(b.Humans), b.names); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte(utf8BOM+"id,uid,first_name")) || !bytes.Contains(buf.Bytes(), []byte("\r\n")) {
		t.Fatalf("no BOM, header or CRLF: %q", buf.Bytes()[:80])
	}
	var recs []Record
	d, err := ReadCSVDialect(&buf, func(r Record) error { recs = append(recs, r); return nil })
	if err != nil || d != DialectHumans {
		t.Fatalf("read back: %v, %q", err, d)
	}
	if len(recs) != len(b.Humans) {
		t.Fatalf("%d records for %d contacts", len(recs), len(b.Humans))
	}
	for i, r := range recs {
		h := b.Humans[i]
		if r.Err != nil {
			t.Fatalf("contact %d: %v", i, r.Err)
		}
		want := humansCSVFields(h, b.names)
		if want.Source == "" {
			want.Source = store.SourceImport
		}
		assertEqual(t, "contact "+h.UID, r.Human, want)
		assertEqual(t, "company of "+h.UID, r.Company, b.names.CompanyName(h.CompanyID))
		var groups []string
		for _, id := range h.GroupIDs {
			groups = append(groups, b.names.GroupName(id))
		}
		assertEqual(t, "groups of "+h.UID, r.Groups, groups)
		if t.Failed() {
			return
		}
	}
}

func TestWriteGoogleAndOutlookReadBack(t *testing.T) {
	b := newTestBook(300, 11)
	for _, tc := range []struct {
		name    string
		write   func(io.Writer, func(func(*store.Human, error) bool), Names) error
		dialect Dialect
	}{
		{"google", func(w io.Writer, s func(func(*store.Human, error) bool), n Names) error {
			return WriteGoogleCSV(w, s, n)
		}, DialectGoogle},
		{"outlook", func(w io.Writer, s func(func(*store.Human, error) bool), n Names) error {
			return WriteOutlookCSV(w, s, n)
		}, DialectOutlook},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf, Humans(b.Humans), b.names); err != nil {
				t.Fatal(err)
			}
			var recs []Record
			d, err := ReadCSVDialect(&buf, func(r Record) error { recs = append(recs, r); return nil })
			if err != nil || d != tc.dialect || len(recs) != len(b.Humans) {
				t.Fatalf("read back: %v, %q, %d records", err, d, len(recs))
			}
			for i, r := range recs {
				h := b.Humans[i]
				if r.Err != nil {
					t.Fatalf("contact %d: %v", i, r.Err)
				}
				got := r.Human
				if got.FirstName != h.FirstName || got.LastName != h.LastName || got.JobTitle != h.JobTitle ||
					r.Company != b.names.CompanyName(h.CompanyID) || got.Notes != h.Notes {
					t.Fatalf("contact %d: names, organisation or notes differ:\n%s\n%s", i, jsonText(got), jsonText(h))
				}
				if tc.name == "google" && (len(got.Phones) != len(h.Phones) || got.IsFavorite != h.IsFavorite ||
					!slices.Equal(emailAddrs(got.Emails), emailAddrs(h.Emails)) || !birthdayEqual(got.Birthday, h.Birthday)) {
					t.Fatalf("contact %d: lists, favourite or birthday differ:\n%s\n%s", i, jsonText(got), jsonText(h))
				}
				// Outlook writes M/D/YYYY: read once a date in the file
				// has shown the order (a day over 12).
				if tc.name == "outlook" && h.Birthday != nil && h.Birthday.Year != 0 && h.Birthday.Day > 12 &&
					!birthdayEqual(got.Birthday, h.Birthday) {
					t.Fatalf("contact %d: birthday %v, want %v", i, got.Birthday, h.Birthday)
				}
			}
		})
	}
}

func emailAddrs(es []store.Email) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Address)
	}
	slices.Sort(out)
	return out
}

func birthdayEqual(a, b *store.Birthday) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}
