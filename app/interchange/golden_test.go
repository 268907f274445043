package interchange

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/humans-contacts/humans/store"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the writers' output")

// goldenBook is a small fixed book that uses every field the writers
// write.
func goldenBook() (*UnifiedHeader, []*store.Human, *BookNames) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	companies := []*store.Company{
		{ID: 1, Name: "Lumière Conseil", Website: "https://lumiere.example", IsCustomer: true, CreatedAt: t0, UpdatedAt: t0, Revision: 1},
		{ID: 2, Name: "Öresund Logistik AB", ParentID: 1, CreatedAt: t0, UpdatedAt: t0, Revision: 2},
	}
	groups := []*store.Group{
		{ID: 1, Name: "VIP", Color: "#FF5733", MemberCount: 1, CreatedAt: t0, UpdatedAt: t0, Revision: 3},
		{ID: 2, Name: "Club de lecture", Color: "#6D4C41", Description: "Le premier jeudi du mois", MemberCount: 2, CreatedAt: t0, UpdatedAt: t0, Revision: 4},
	}
	humans := []*store.Human{
		{
			ID: 1, UID: "0b5c1b9e-2f0a-4c47-9d36-4d0c6f8e2a11", FirstName: "Zoë", LastName: "Martin", Nickname: "Zozo",
			Prefix: "Dr.", Gender: "female", JobTitle: "CTO", Department: "R&D", CompanyID: 1,
			Birthday: &store.Birthday{Year: 1985, Month: 3, Day: 14}, Notes: "Met at the fair in Lyon.\nSays \"hi\", always.",
			Language: "fr", Source: store.SourceManual, IsFavorite: true,
			Phones: []store.Phone{{Number: "+33 6 12 34 56 78", Type: "mobile", IsPrimary: true},
				{Number: "+33 1 23 45 67 89", Type: "work", Extension: "12"}},
			Emails: []store.Email{{Address: "zoe@lumiere.example", Type: "work", IsPrimary: true},
				{Address: "zoe.martin@gmail.com", Type: "home"}},
			Addresses: []store.Address{{Type: "home", Street: "Rue de la Paix", Number: "12", Complement: "Bâtiment B; 3e",
				Zip: "75002", City: "Paris", Country: "France", IsPrimary: true}},
			URLs:         []store.URL{{URL: "https://www.linkedin.com/in/zoe-martin", Type: "linkedin", IsPrimary: true}},
			IMs:          []store.IM{{Handle: "live:zoe.martin", Service: "skype", IsPrimary: true}},
			GroupIDs:     []int64{1, 2},
			CustomFields: map[string]string{"Middle Name": "Claire", "Shoe size": "38"},
			Consents:     []store.Consent{{Channel: "email", GrantedAt: t0, Source: "form"}},
			PhotoHash:    "ab12", PhotoType: "image/png",
			CreatedAt: t0, UpdatedAt: t0.Add(time.Hour), Revision: 7, ETag: `"7"`,
		},
		{
			ID: 2, UID: "5a7c2f61-3d1e-4b8a-8f2c-9e0d1c2b3a44", FirstName: "Văn Minh", LastName: "Nguyễn",
			DisplayName: "Nguyễn Văn Minh", CompanyID: 2, Birthday: &store.Birthday{Month: 2, Day: 29},
			Source: store.SourceGoogle, Phones: []store.Phone{{Number: "+84 91 234 56 78", Type: "mobile", IsPrimary: true}},
			GroupIDs: []int64{2}, CreatedAt: t0, UpdatedAt: t0, Revision: 8,
		},
		{
			ID: 3, UID: "c3d4e5f6-0000-4000-8000-000000000003", Emails: []store.Email{{Address: "=cmd@example.org", IsPrimary: true}},
			Source: store.SourceImport, CreatedAt: t0, UpdatedAt: t0, Revision: 9,
		},
	}
	hdr := &UnifiedHeader{
		ExportedAt: t0.Add(24 * time.Hour),
		Stats: store.Stats{Total: 3, Favorites: 1, BySource: map[store.Source]int{store.SourceManual: 1, store.SourceGoogle: 1, store.SourceImport: 1},
			WithPhone: 2, WithEmail: 2, Companies: 2, Groups: 2},
		Companies:    companies,
		Groups:       groups,
		CustomFields: []store.CustomFieldDef{{Key: "Shoe size", Label: "Shoe size", Type: store.FieldText}},
	}
	return hdr, humans, NewBookNames(companies, groups)
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestGolden(t *testing.T) {
	hdr, humans, names := goldenBook()
	photo := func(hash string) ([]byte, string, error) { return []byte("\x89PNG fake"), "image/png", nil }
	for _, tc := range []struct {
		file  string
		write func(*bytes.Buffer) error
	}{
		{"humans.csv", func(b *bytes.Buffer) error { return WriteCSV(b, Humans(humans), names) }},
		{"google.csv", func(b *bytes.Buffer) error { return WriteGoogleCSV(b, Humans(humans), names) }},
		{"outlook.csv", func(b *bytes.Buffer) error { return WriteOutlookCSV(b, Humans(humans), names) }},
		{"humans.json", func(b *bytes.Buffer) error { return WriteJSON(b, Humans(humans), names) }},
		{"unified.json", func(b *bytes.Buffer) error { return WriteUnified(b, hdr, Humans(humans), photo) }},
		{"empty.json", func(b *bytes.Buffer) error { return WriteJSON(b, Humans(nil), nil) }},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, tc.file, b.Bytes())
		})
	}
}

// The golden files read back: each writer's output is a file its
// reader understands.
func TestGoldenReadBack(t *testing.T) {
	for _, f := range []string{"humans.csv", "google.csv", "outlook.csv"} {
		recs := readAll(t, func(fn func(Record) error) error { return ReadCSV(openTestdata(t, "golden/"+f), fn) })
		if len(recs) != 3 {
			t.Errorf("%s: %d records", f, len(recs))
		}
		for _, r := range recs {
			if r.Err != nil {
				t.Errorf("%s: %v", f, r.Err)
			}
		}
	}
	recs := readAll(t, func(fn func(Record) error) error { return ReadJSON(openTestdata(t, "golden/unified.json"), fn) })
	if len(recs) != 3 || string(recs[0].Photo) != "\x89PNG fake" {
		t.Errorf("unified.json through ReadJSON: %d records", len(recs))
	}
}
