package carddav

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-vcard"
	"github.com/google/uuid"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/store/storetest"
)

// names is a Names over maps, with the reverse lookups an importer does.
type names struct {
	companies map[int64]string
	groups    map[int64]string
}

func (n names) CompanyName(id int64) string { return n.companies[id] }
func (n names) GroupName(id int64) string   { return n.groups[id] }

func (n names) companyID(name string) int64 {
	for id, c := range n.companies {
		if c == name {
			return id
		}
	}
	return 0
}

func (n names) groupIDs(cats []string) []int64 {
	var ids []int64
	for _, c := range cats {
		for id, g := range n.groups {
			if g == c {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// bookNames returns the names of a generated book and its humans, made
// ready to round-trip: what the store would have set, and every model
// field used somewhere.
func bookNames(t testing.TB, n int, seed int64) (names, []*store.Human, map[int][]byte) {
	t.Helper()
	book := storetest.Book(n, seed)
	nm := names{companies: map[int64]string{}, groups: map[int64]string{}}
	for i, c := range book.Companies {
		nm.companies[int64(i+1)] = c.Name
	}
	for i, g := range book.Groups {
		nm.groups[int64(i+1)] = g.Name
	}
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	photos := map[int][]byte{}
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for i, h := range book.Humans {
		h.UID = uuid.NewSHA1(uuid.NameSpaceOID, []byte(fmt.Sprint(seed, i))).String()
		h.UpdatedAt = base.Add(time.Duration(r.IntN(1e6)) * time.Second)
		switch r.IntN(10) {
		case 0:
			h.CustomFields = map[string]string{"shoe_size": "38", "notes; with semicolon": "a;b\nc, d", "empty": ""}
		case 1:
			h.Consents = []store.Consent{
				{Channel: "email", GrantedAt: base.Add(123456789 * time.Nanosecond), Source: "web form; v2"},
				{Channel: "sms", GrantedAt: base.Add(-time.Hour)},
			}
		case 2:
			h.PhotoURL = "https://cdn.example.com/p/" + h.UID + ".jpg"
		case 3:
			photos[i] = testJPEG(t)
			h.PhotoHash = photoHash(photos[i])
			h.PhotoType = "image/jpeg"
		case 4:
			h.DisplayName = derivedName(h) // explicit, equal to the derived one
		case 5:
			h.Phones = append(h.Phones, store.Phone{Number: "+1 (415) 555-0199", Type: "car"}, store.Phone{Number: "0800 123 456"})
			h.Emails = append(h.Emails, store.Email{Address: "x." + h.UID[:8] + "@example.org", Type: "other"})
		case 6:
			h.IMs = append(h.IMs, store.IM{Handle: "live:someone", Service: ""}, store.IM{Handle: "someone", Service: "workchat"})
			h.URLs = append(h.URLs, store.URL{URL: "example.org/me", Type: ""}, store.URL{URL: "https://x.example/u", Type: "xing"})
		case 7:
			h.Addresses = append(h.Addresses, store.Address{Type: "other", Street: "Route 66", City: "Kingman"},
				store.Address{Street: "B Street", Number: "7", Complement: "c/o Dahl; 2. th."})
			h.Gender = "unknown"
			h.Notes = "semi; colon, comma \\ backslash\nnew line"
		}
	}
	return nm, book.Humans, photos
}

var jpegCache []byte

func testJPEG(t testing.TB) []byte {
	if jpegCache == nil {
		b, err := os.ReadFile("testdata/apple_contacts.vcf")
		if err != nil {
			t.Fatal(err)
		}
		card, err := ParseCard(b)
		if err != nil {
			t.Fatal(err)
		}
		data, _, ok := inlineData(card.Get(vcard.FieldPhoto))
		if !ok {
			t.Fatal("no photo in apple_contacts.vcf")
		}
		jpegCache = data
	}
	return jpegCache
}

// expected is h as it comes back from a card: without what the store
// manages.
func expected(h *store.Human) *store.Human {
	c := *h
	c.ID, c.Revision, c.ETag, c.CreatedAt, c.DeletedAt = 0, 0, "", time.Time{}, nil
	c.UpdatedAt = c.UpdatedAt.UTC().Truncate(time.Second)
	return &c
}

func asJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wire writes card and reads it back, as a client or a file would.
func wire(t testing.TB, card vcard.Card) vcard.Card {
	t.Helper()
	b, err := FormatCard(card)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseCard(b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	return back
}

func TestModelRoundTrip(t *testing.T) {
	nm, humans, photos := bookNames(t, 2000, 42)
	for _, version := range []string{"3.0", "4.0"} {
		t.Run(version, func(t *testing.T) {
			for i, h := range humans {
				card, err := Encode(h, nm, photos[i], version)
				if err != nil {
					t.Fatal(err)
				}
				card = wire(t, card)
				if got := card.Value(vcard.FieldVersion); got != version {
					t.Fatalf("VERSION %q", got)
				}
				p, err := Decode(card)
				if err != nil {
					t.Fatal(err)
				}
				got := p.Human
				got.CompanyID = nm.companyID(p.Company)
				got.GroupIDs = nm.groupIDs(p.Categories)
				if !bytes.Equal(p.Photo, photos[i]) {
					t.Fatalf("human %d: photo of %d bytes, want %d", i, len(p.Photo), len(photos[i]))
				}
				if want := expected(h); asJSON(t, got) != asJSON(t, want) {
					b, _ := FormatCard(card)
					t.Fatalf("human %d does not round-trip:\n%s\ngot  %s\nwant %s", i, b, asJSON(t, got), asJSON(t, want))
				}
			}
		})
	}
}

// readFile reads every card of a testdata file.
func readFile(t testing.TB, name string) []vcard.Card {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cards []vcard.Card
	err = ReadCards(f, func(i int, c vcard.Card, err error) error {
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return nil
		}
		cards = append(cards, c)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return cards
}

var sampleFiles = []string{"apple_contacts.vcf", "google_contacts.vcf", "android.vcf", "outlook.vcf", "thunderbird.vcf", "evolution.vcf"}

// importNames resolves a parsed card as an importer would: company 1 and
// groups 1..n.
func importNames(p *Parsed) names {
	nm := names{companies: map[int64]string{}, groups: map[int64]string{}}
	if p.Company != "" {
		nm.companies[1] = p.Company
		p.Human.CompanyID = 1
	}
	p.Human.GroupIDs = nil
	for i, c := range p.Categories {
		nm.groups[int64(i+1)] = c
		p.Human.GroupIDs = append(p.Human.GroupIDs, int64(i+1))
	}
	return nm
}

// missing returns the lines of want that got lacks (as multisets).
func missing(want, got []string) []string {
	left := slices.Clone(got)
	var out []string
	for _, w := range want {
		if i := slices.Index(left, w); i >= 0 {
			left = slices.Delete(left, i, i+1)
		} else {
			out = append(out, w)
		}
	}
	return out
}

func TestCardRoundTrip(t *testing.T) {
	for _, name := range sampleFiles {
		t.Run(name, func(t *testing.T) {
			for i, card := range readFile(t, name) {
				version := cardVersion(card)
				p, err := Decode(card)
				if err != nil {
					t.Fatal(err)
				}
				nm := importNames(p)
				out, err := Encode(p.Human, nm, p.Photo, version)
				if err != nil {
					t.Fatal(err)
				}
				out = wire(t, out)
				if lost := missing(NormalizedLines(card), NormalizedLines(out)); len(lost) > 0 {
					b, _ := FormatCard(out)
					t.Errorf("card %d lost lines:\n  %s\nencoded:\n%s", i, strings.Join(lost, "\n  "), b)
				}
				if added := missing(NormalizedLines(out), NormalizedLines(card)); len(added) > 0 {
					t.Logf("card %d: lines added by Encode: %q", i, added)
				}
				// The second trip gives the same contact, Extra included.
				p2, err := Decode(out)
				if err != nil {
					t.Fatal(err)
				}
				importNames(p2)
				if a, b := asJSON(t, p.Human), asJSON(t, p2.Human); a != b {
					t.Errorf("card %d: second decode differs:\n%s\n%s\nextra1:\n%s\nextra2:\n%s", i, a, b,
						p.Human.Extra[ExtraKey], p2.Human.Extra[ExtraKey])
				}
				// The other version keeps the content too (converted).
				other := map[string]string{"3.0": "4.0", "4.0": "3.0"}[version]
				conv, err := Encode(p.Human, nm, p.Photo, other)
				if err != nil {
					t.Fatal(err)
				}
				p3, err := Decode(wire(t, conv))
				if err != nil {
					t.Fatal(err)
				}
				importNames(p3)
				a, b := *p.Human, *p3.Human
				a.Extra, b.Extra = nil, nil
				if asJSON(t, a) != asJSON(t, b) {
					t.Errorf("card %d via %s:\n%s\n%s", i, other, asJSON(t, a), asJSON(t, b))
				}
			}
		})
	}
}

// TestSamples checks what the mapping makes of each sample.
func TestSamples(t *testing.T) {
	decode := func(name string, i int) *Parsed {
		t.Helper()
		p, err := Decode(readFile(t, name)[i])
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	apple := decode("apple_contacts.vcf", 0)
	h := apple.Human
	checks := []struct {
		what      string
		got, want any
	}{
		{"apple name", [4]string{h.Prefix, h.FirstName, h.LastName, h.Suffix}, [4]string{"Dr.", "John", "Appleseed", "Jr."}},
		{"apple display", h.DisplayName, "Dr. John Quincy Appleseed Jr."},
		{"apple company", apple.Company, "Apple Inc."},
		{"apple department", h.Department, "Engineering"},
		{"apple categories", apple.Categories, []string{"Work", "Friends"}},
		{"apple phones", len(h.Phones), 4},
		{"apple mobile primary", h.Phones[0], store.Phone{Number: "+1 (408) 555-0101", Type: "mobile", IsPrimary: true}},
		{"apple fax", h.Phones[3].Type, "fax"},
		{"apple email", h.Emails[0], store.Email{Address: "john.appleseed@apple.example", Type: "work", IsPrimary: true}},
		{"apple address", h.Addresses[0], store.Address{Type: "home", Number: "1", Street: "Infinite Loop", City: "Cupertino",
			Region: "CA", Zip: "95014", Country: "United States", IsPrimary: true}},
		{"apple urls", len(h.URLs), 3},
		{"apple linkedin", h.URLs[1], store.URL{URL: "https://www.linkedin.com/in/jappleseed", Type: "linkedin"}},
		{"apple skype", h.IMs[0], store.IM{Handle: "john.appleseed", Service: "skype", IsPrimary: true}},
		{"apple jabber", h.IMs[1], store.IM{Handle: "john@jabber.example", Service: "xmpp"}},
		{"apple birthday", h.Birthday.String(), "1980-04-12"},
		{"apple note", h.Notes, "Met at WWDC 2019.\nLikes hiking, coffee and Go."},
		{"apple photo", apple.PhotoType, "image/jpeg"},
		{"apple uid", h.UID, "6B29FC40-CA47-1067-B31D-00DD010662DA"},
		{"apple rev", h.UpdatedAt, time.Date(2024, 3, 1, 10, 20, 30, 0, time.UTC)},
	}
	amelie := decode("apple_contacts.vcf", 2).Human
	checks = append(checks, []struct {
		what      string
		got, want any
	}{
		{"apple omit year", amelie.Birthday.String(), "--05-20"},
		{"apple direction marks", amelie.Phones[0].Number, "+33 6 12 34 56 78"},
		{"apple 12 bis", [3]string{amelie.Addresses[0].Number, amelie.Addresses[0].Street, amelie.Addresses[0].Complement},
			[3]string{"12 bis", "rue de la Paix", "Bâtiment B"}},
		{"apple telegram", amelie.IMs[0], store.IM{Handle: "amelie_m", Service: "telegram", IsPrimary: true}},
	}...)
	company := decode("apple_contacts.vcf", 1)
	checks = append(checks, []struct {
		what      string
		got, want any
	}{
		{"company card", [2]string{company.Human.DisplayName, company.Company}, [2]string{"Blue Harbor Logistics", "Blue Harbor Logistics"}},
		{"company main phone", company.Human.Phones[0].Type, "main"},
	}...)
	g := decode("google_contacts.vcf", 0)
	checks = append(checks, []struct {
		what      string
		got, want any
	}{
		{"google name", g.Human.FirstName + " " + g.Human.LastName, "Zoë Núñez"},
		{"google birthday", g.Human.Birthday.String(), "--05-20"},
		{"google escaped url", g.Human.URLs[0].URL, "http://www.zoe.example"},
		{"google address", g.Human.Addresses[0].Street + "|" + g.Human.Addresses[0].Number, "Calle Mayor|12"},
	}...)
	a := decode("android.vcf", 0)
	checks = append(checks, []struct {
		what      string
		got, want any
	}{
		{"android qp name", a.Human.FirstName, "Émile"},
		{"android qp soft break", a.Human.Notes, "J'accuse… une très longue note qui continue sur pluséieurs lignes à cause des sauts de ligne doux.\nFin."},
		{"android bare types", [3]string{a.Human.Phones[0].Type, a.Human.Phones[1].Type, a.Human.Phones[2].Type}, [3]string{"mobile", "home", "fax"}},
		{"android primary", a.Human.Phones[0].IsPrimary, true},
		{"android qp country", a.Human.Addresses[0].Country, "Françe"},
		{"android 2.1 photo", len(a.Photo) > 0, true},
	}...)
	latin := decode("android.vcf", 1)
	checks = append(checks, []struct {
		what      string
		got, want any
	}{
		{"latin1 qp", latin.Human.LastName, "Müller"},
		{"latin1 raw", latin.Human.Notes, "Gruß aus Köln"},
		{"latin1 charset", latin.Company, "Bärenstark GmbH"},
		{"lower-case names", decode("android.vcf", 2).Human.Emails[0].Address, "jane@example.com"},
	}...)
	o := decode("outlook.vcf", 0)
	checks = append(checks, []struct {
		what      string
		got, want any
	}{
		{"outlook extension", o.Human.Phones[0], store.Phone{Number: "+1 (425) 555-0110", Extension: "42", Type: "work"}},
		{"outlook gender", o.Human.Gender, "male"},
		{"outlook im", o.Human.IMs[0].Handle, "robert.smith@contoso.example"},
		{"outlook note", o.Human.Notes, "Prefers calls in the morning.\nBudget owner for FY25."},
		{"outlook birthday", o.Human.Birthday.String(), "1975-03-15"},
	}...)
	tb := decode("thunderbird.vcf", 0)
	checks = append(checks, []struct {
		what      string
		got, want any
	}{
		{"thunderbird tel uri", tb.Human.Phones[1], store.Phone{Number: "+48-22-123-45-67", Extension: "204", Type: "work"}},
		{"thunderbird pref", tb.Human.Emails[0].IsPrimary, true},
		{"thunderbird gender", tb.Human.Gender, "male"},
		{"thunderbird lang", tb.Human.Language, "pl"},
		{"thunderbird photo", tb.PhotoType, "image/png"},
		{"thunderbird street", tb.Human.Addresses[0].Street + "|" + tb.Human.Addresses[0].Number, "ul. Marszałkowska|12"},
		{"thunderbird xmpp", tb.Human.IMs[0], store.IM{Handle: "lukasz@jabber.example.org", Service: "xmpp"}},
	}...)
	tb2 := decode("thunderbird.vcf", 1)
	checks = append(checks, []struct {
		what      string
		got, want any
	}{
		{"urn:uuid stripped", tb2.Human.UID, "8d0c1c3e-7b1a-4e5f-9a0b-1c2d3e4f5a6b"},
		{"4.0 year-less", tb2.Human.Birthday.String(), "--02-29"},
		{"gender with identity", tb2.Human.Gender, "female"},
	}...)
	ev := decode("evolution.vcf", 0)
	checks = append(checks, []struct {
		what      string
		got, want any
	}{
		{"evolution x-jabber", ev.Human.IMs[0], store.IM{Handle: "jean@jabber.example.fr", Service: "xmpp"}},
		{"evolution x-skype", ev.Human.IMs[1], store.IM{Handle: "jean.dupont", Service: "skype"}},
		{"evolution uid", ev.Human.UID, "pas-id-5F1E2D3C00000001"},
	}...)
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestBirthdayForms(t *testing.T) {
	for _, tc := range []struct {
		line, want string
	}{
		{"BDAY:1995-05-20", "1995-05-20"},
		{"BDAY:19950520", "1995-05-20"},
		{"BDAY;VALUE=date:1995-05-20", "1995-05-20"},
		{"BDAY:1995-05-20T00:00:00Z", "1995-05-20"},
		{"BDAY:19950520T120000", "1995-05-20"},
		{"BDAY:--0520", "--05-20"},
		{"BDAY:--05-20", "--05-20"},
		{"BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-20", "--05-20"},
		{"BDAY;X-APPLE-OMIT-YEAR=1604;VALUE=date:16040229", "--02-29"},
		{"BDAY:1604-05-20", "1604-05-20"},
		{"BDAY:0000-05-20", "--05-20"},
		{"BDAY:1995-02-30", ""},
		{"BDAY;VALUE=text:circa 1800", ""},
		{"BDAY:--05", ""},
	} {
		card, err := ParseCard([]byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\n" + tc.line + "\r\nEND:VCARD\r\n"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Decode(card)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if p.Human.Birthday != nil {
			got = p.Human.Birthday.String()
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.line, got, tc.want)
		}
		if tc.want == "" && !strings.Contains(string(p.Human.Extra[ExtraKey]), "BDAY") {
			t.Errorf("%s: unread BDAY not kept in Extra", tc.line)
		}
	}
	for _, tc := range []struct {
		b             store.Birthday
		version, want string
	}{
		{store.Birthday{Year: 1995, Month: 5, Day: 20}, "3.0", "BDAY:1995-05-20"},
		{store.Birthday{Year: 1995, Month: 5, Day: 20}, "4.0", "BDAY:19950520"},
		{store.Birthday{Month: 5, Day: 20}, "3.0", "BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-20"},
		{store.Birthday{Month: 5, Day: 20}, "4.0", "BDAY:--0520"},
	} {
		b := tc.b
		card, _ := Encode(&store.Human{FirstName: "X", Birthday: &b}, nil, nil, tc.version)
		if got := encodedLine(t, card, "BDAY"); got != tc.want {
			t.Errorf("%v in %s: got %q, want %q", tc.b, tc.version, got, tc.want)
		}
	}
}

// encodedLine returns the first line of prop as FormatCard writes it.
func encodedLine(t *testing.T, card vcard.Card, prop string) string {
	t.Helper()
	b, err := FormatCard(card)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range unfoldLines(b) {
		if strings.HasPrefix(l, prop+":") || strings.HasPrefix(l, prop+";") {
			return l
		}
	}
	return ""
}

func decodeText(t *testing.T, text string) *Parsed {
	t.Helper()
	card, err := ParseCard([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Decode(card)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrefForms(t *testing.T) {
	for _, tc := range []struct {
		name    string
		lines   string
		primary int
	}{
		{"3.0 TYPE=pref", "TEL;TYPE=HOME:1 11\r\nTEL;TYPE=CELL,PREF:2 22", 1},
		{"3.0 separate pref", "TEL;TYPE=HOME:1 11\r\nTEL;TYPE=CELL;TYPE=pref:2 22", 1},
		{"2.1 bare PREF", "TEL;HOME:1 11\r\nTEL;PREF;CELL:2 22", 1},
		{"4.0 PREF=1", "TEL;TYPE=home:1 11\r\nTEL;PREF=1;TYPE=cell:2 22", 1},
		{"4.0 lowest PREF wins", "TEL;PREF=3:1 11\r\nTEL;PREF=2:2 22\r\nTEL;PREF=2:3 33", 1},
		{"none", "TEL:1 11\r\nTEL:2 22", -1},
		{"first of two", "TEL;TYPE=pref:1 11\r\nTEL;TYPE=pref:2 22", 0},
	} {
		p := decodeText(t, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:X\r\n"+tc.lines+"\r\nEND:VCARD\r\n")
		got := -1
		for i, ph := range p.Human.Phones {
			if ph.IsPrimary {
				got = i
			}
		}
		if got != tc.primary {
			t.Errorf("%s: primary %d, want %d", tc.name, got, tc.primary)
		}
	}
	h := &store.Human{FirstName: "X", Phones: []store.Phone{{Number: "1 11", Type: "home"}, {Number: "2 22", Type: "mobile", IsPrimary: true}}}
	c3, _ := Encode(h, nil, nil, "3.0")
	c4, _ := Encode(h, nil, nil, "4.0")
	if got := c3[vcard.FieldTelephone][1].Params[vcard.ParamType]; !slices.Equal(got, []string{"CELL", "pref"}) {
		t.Errorf("3.0 primary TEL TYPE = %q", got)
	}
	if got := c4[vcard.FieldTelephone][1].Params.Get(vcard.ParamPreferred); got != "1" {
		t.Errorf("4.0 primary TEL PREF = %q", got)
	}

	// A kept original line follows a change of the primary flag.
	p := decodeText(t, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nitem1.TEL;TYPE=CELL;TYPE=pref:1 11\r\nitem1.X-ABLabel:Boat\r\nitem2.TEL;TYPE=HOME:2 22\r\nitem2.X-ABLabel:Home2\r\nEND:VCARD\r\n")
	p.Human.Phones[0].IsPrimary, p.Human.Phones[1].IsPrimary = false, true
	out, _ := Encode(p.Human, nil, nil, "3.0")
	tels := out[vcard.FieldTelephone]
	if len(tels) != 2 || tels[0].Group != "item1" || tels[0].Params.HasType("pref") || !tels[1].Params.HasType("pref") || tels[1].Group != "item2" {
		b, _ := FormatCard(out)
		t.Errorf("primary change not applied to kept lines:\n%s", b)
	}
}

func TestPhotos(t *testing.T) {
	jpg := testJPEG(t)
	b64 := base64.StdEncoding.EncodeToString(jpg)
	h := &store.Human{FirstName: "P", PhotoURL: "https://example.com/p.jpg"}
	c3, _ := Encode(h, nil, jpg, "3.0")
	if got := encodedLine(t, c3, "PHOTO"); got != "PHOTO;ENCODING=b;TYPE=JPEG:"+b64 {
		t.Errorf("3.0 PHOTO: %.80s", got)
	}
	if f := c3[vcard.FieldPhoto][1]; f.Value != h.PhotoURL || f.Params.Get("VALUE") != "uri" {
		t.Errorf("3.0 URL photo: %+v", f)
	}
	c4, _ := Encode(h, nil, jpg, "4.0")
	if got := c4[vcard.FieldPhoto][0].Value; got != "data:image/jpeg;base64,"+b64 {
		t.Errorf("4.0 PHOTO: %.80s", got)
	}
	if f := c4[vcard.FieldPhoto][1]; f.Value != h.PhotoURL || len(f.Params) != 0 {
		t.Errorf("4.0 URL photo: %+v", f)
	}
	for _, line := range []string{
		"PHOTO;ENCODING=b;TYPE=JPEG:" + b64,
		"PHOTO;ENCODING=BASE64;TYPE=JPEG:" + b64,
		"PHOTO;ENCODING=B;TYPE=image/jpeg:" + b64,
		"PHOTO:data:image/jpeg;base64," + b64,
		"PHOTO;VALUE=uri:data:image/jpeg;base64," + b64,
		"PHOTO;MEDIATYPE=image/jpeg:data:image/jpeg;base64," + b64,
	} {
		p := decodeText(t, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\n"+line+"\r\nEND:VCARD\r\n")
		if !bytes.Equal(p.Photo, jpg) || p.PhotoType != "image/jpeg" || p.Human.PhotoHash != photoHash(jpg) {
			t.Errorf("%.40s: photo not read (%d bytes, %q)", line, len(p.Photo), p.PhotoType)
		}
	}
	for _, line := range []string{"PHOTO;VALUE=uri:https://example.com/p.jpg", "PHOTO:https://example.com/p.jpg"} {
		if p := decodeText(t, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\n"+line+"\r\nEND:VCARD\r\n"); p.Human.PhotoURL != "https://example.com/p.jpg" {
			t.Errorf("%s: PhotoURL %q", line, p.Human.PhotoURL)
		}
	}
	// Not an image: kept, not mapped.
	p := decodeText(t, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nPHOTO;ENCODING=b;TYPE=JPEG:aGVsbG8gd29ybGQ=\r\nEND:VCARD\r\n")
	if p.Photo != nil || !strings.Contains(string(p.Human.Extra[ExtraKey]), "aGVsbG8gd29ybGQ=") {
		t.Errorf("a non-image photo was mapped or lost")
	}
}

func TestPhoneExtension(t *testing.T) {
	for _, tc := range []struct{ value, number, ext string }{
		{"+1 555 0100 ext. 12", "+1 555 0100", "12"},
		{"+1 555 0100 ext 12", "+1 555 0100", "12"},
		{"+1 555 0100x12", "+1 555 0100", "12"},
		{"+1 555 0100 extension 12", "+1 555 0100", "12"},
		{"+1 555 0100;ext=12", "+1 555 0100", "12"},
		{"tel:+1-555-0100;ext=12", "+1-555-0100", "12"},
		{"tel:+1-555-0100", "+1-555-0100", ""},
		{"+1 555 0100", "+1 555 0100", ""},
		{"1-800-FLOWERS", "1-800-FLOWERS", ""},
	} {
		n, e := parseTel(&vcard.Field{Value: tc.value})
		if n != tc.number || e != tc.ext {
			t.Errorf("%q: got %q ext %q", tc.value, n, e)
		}
	}
}

func TestStreetRule(t *testing.T) {
	for _, tc := range []struct{ number, street, component string }{
		{"12", "Main Street", "12 Main Street"},
		{"12 bis", "rue de la Paix", "12 bis rue de la Paix"},
		{"221B", "Baker Street", "221B Baker Street"},
		{"", "Route 66", "Route 66"},
		{"7", "B Street", "7 B Street"},
		{"12", "", "12"},
		{"", "Strøget", "Strøget"},
		{"3", "ul. Długa", "3 ul. Długa"},
	} {
		h := &store.Human{FirstName: "X", Addresses: []store.Address{{Number: tc.number, Street: tc.street, City: "C"}}}
		for _, v := range []string{"3.0", "4.0"} {
			card, _ := Encode(h, nil, nil, v)
			adr := card[vcard.FieldAddress][0]
			if got := splitStructured(adr.Value)[2]; got != tc.component {
				t.Errorf("%q %q: street component %q", tc.number, tc.street, got)
			}
			p, _ := Decode(wire(t, card))
			if a := p.Human.Addresses[0]; a.Number != tc.number || a.Street != tc.street {
				t.Errorf("%q %q in %s: read back %q %q", tc.number, tc.street, v, a.Number, a.Street)
			}
		}
	}
	// Foreign cards: the number is found at either end.
	for _, tc := range []struct{ component, number, street string }{
		{"Hauptstraße 12", "12", "Hauptstraße"},
		{"12 Main St", "12", "Main St"},
		{"Main Street", "", "Main Street"},
		{"PO Box", "", "PO Box"},
	} {
		n, s := splitStreet(tc.component)
		if n != tc.number || s != tc.street {
			t.Errorf("%q: %q %q", tc.component, n, s)
		}
	}
}

func TestOwnProperties(t *testing.T) {
	granted := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	h := &store.Human{FirstName: "O", IsFavorite: true, Source: store.SourceHub,
		CustomFields: map[string]string{"shoe_size": "38", "a;b": "x;y"},
		Consents:     []store.Consent{{Channel: "email", GrantedAt: granted, Source: "form"}}}
	card, _ := Encode(h, nil, nil, "4.0")
	b, _ := FormatCard(card)
	for _, want := range []string{"X-HUMANS-FAVORITE:1\r\n", "X-HUMANS-SOURCE:hub\r\n", "X-HUMANS-FIELD:shoe_size;38\r\n",
		`X-HUMANS-FIELD:a\;b;x\;y` + "\r\n", "X-HUMANS-CONSENT:email;2024-01-02T03:04:05.000000006Z;form\r\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("missing %q in\n%s", want, b)
		}
	}
}

func TestUnmappedAndGroups(t *testing.T) {
	text := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:G\r\n" +
		"item1.TEL;TYPE=CELL:+1 555 0101\r\nitem1.X-ABLabel:Boat\r\n" +
		"item2.X-ABDATE:2010-06-05\r\nitem2.X-ABLabel:_$!<Anniversary>!$_\r\n" +
		"GEO:37.386013;-122.082932\r\nEND:VCARD\r\n"
	p := decodeText(t, text)
	// The phone is deleted: its label goes with it, the date stays.
	p.Human.Phones = nil
	out, _ := Encode(p.Human, nil, nil, "3.0")
	b, _ := FormatCard(out)
	s := string(b)
	if strings.Contains(s, "Boat") || !strings.Contains(s, "item2.X-ABDATE") || !strings.Contains(s, "item2.X-ABLABEL") || !strings.Contains(s, `GEO:37.386013;-122.082932`) {
		t.Errorf("unexpected card after deleting the grouped phone:\n%s", s)
	}
	// The phone is edited: the edited number is written plainly and its
	// label is gone with the original line.
	p = decodeText(t, text)
	p.Human.Phones[0].Number = "+1 555 0199"
	out, _ = Encode(p.Human, nil, nil, "3.0")
	if tel := out[vcard.FieldTelephone]; len(tel) != 1 || tel[0].Group != "" || tel[0].Value != "+1 555 0199" {
		t.Errorf("edited phone: %+v", tel)
	}
}

func TestMiddleNameSurvivesEdit(t *testing.T) {
	p := decodeText(t, "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:John Q Public\r\nN:Public;John;Quincy;;\r\nEND:VCARD\r\n")
	p.Human.LastName = "Private"
	out, _ := Encode(p.Human, nil, nil, "4.0")
	if got := out.Value(vcard.FieldName); got != "Private;John;Quincy;;" {
		t.Errorf("N after edit: %q", got)
	}
}

func TestGroupCard(t *testing.T) {
	for _, text := range []string{
		"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Friends\r\nMEMBER:urn:uuid:1\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\r\nVERSION:3.0\r\nX-ADDRESSBOOKSERVER-KIND:group\r\nFN:Friends\r\nEND:VCARD\r\n",
	} {
		card, _ := ParseCard([]byte(text))
		if _, err := Decode(card); err != ErrGroupCard {
			t.Errorf("group card: %v", err)
		}
	}
}

func TestInvalidValuesStayUnmapped(t *testing.T) {
	p := decodeText(t, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:V\r\nEMAIL:not an address\r\nTEL:call me\r\nGENDER:X\r\nLANG:not a language!\r\nURL:not a url\r\nEND:VCARD\r\n")
	h := p.Human
	if len(h.Emails)+len(h.Phones)+len(h.URLs) != 0 || h.Gender != "" || h.Language != "" {
		t.Errorf("invalid values were mapped: %+v", h)
	}
	ex := string(h.Extra[ExtraKey])
	for _, want := range []string{"not an address", "call me", "GENDER:X", "not a language!", "not a url"} {
		if !strings.Contains(ex, want) {
			t.Errorf("%q not kept in Extra:\n%s", want, ex)
		}
	}
}

func TestEncodeVersion(t *testing.T) {
	if _, err := Encode(&store.Human{FirstName: "x"}, nil, nil, "2.1"); err == nil {
		t.Error("Encode accepted 2.1")
	}
}

// TestGoVcardReadsOurOutput checks that go-vcard, which go-webdav uses,
// reads FormatCard's output as the card it was made from.
func TestGoVcardReadsOurOutput(t *testing.T) {
	nm, humans, photos := bookNames(t, 300, 9)
	for i, h := range humans {
		for _, v := range []string{"3.0", "4.0"} {
			card, _ := Encode(h, nm, photos[i], v)
			b, _ := FormatCard(card)
			back, err := vcard.NewDecoder(bytes.NewReader(b)).Decode()
			if err != nil {
				t.Fatal(err)
			}
			if a, b := NormalizedLines(card), NormalizedLines(back); !slices.Equal(a, b) {
				t.Fatalf("go-vcard reads differently:\n%q\n%q", a, b)
			}
		}
	}
}

// Item keys are stored (in the parameters of kept original lines), so
// appendBase36 must write exactly what strconv does in base 36.
func TestAppendBase36IsStrconv(t *testing.T) {
	values := []uint64{0, 1, 35, 36, 37, 36*36 - 1, 36 * 36, 1<<63 - 1, 1 << 63, ^uint64(0)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100_000 {
		values = append(values, r.Uint64()>>r.UintN(64))
	}
	for _, v := range values {
		if got, want := string(appendBase36([]byte("x-"), v)), "x-"+strconv.FormatUint(v, 36); got != want {
			t.Fatalf("appendBase36(%d) = %q, want %q", v, got, want)
		}
	}
}
