package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample(t *testing.T, rel string) string {
	t.Helper()
	path := filepath.Join("..", rel)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("sample %s: %v", rel, err)
	}
	return path
}

func TestImportVCardIsIdempotent(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	files := []string{
		sample(t, "carddav/testdata/apple_contacts.vcf"),
		sample(t, "carddav/testdata/google_contacts.vcf"),
		sample(t, "carddav/testdata/thunderbird.vcf"),
		sample(t, "carddav/testdata/android.vcf"),
	}
	var progress []ImportProgress
	res, err := svc.ImportFiles(ctx, files, ImportOptions{Progress: func(p ImportProgress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created == 0 || res.Failed != 0 {
		t.Fatalf("first import: %+v", res)
	}
	if len(progress) == 0 || !progress[len(progress)-1].Done {
		t.Fatalf("no final progress report: %+v", progress)
	}
	page, _ := svc.ListHumans(ctx, Query{PerPage: 100})
	if page.Total != res.Created {
		t.Fatalf("%d contacts stored, %d reported created", page.Total, res.Created)
	}
	// The same files again create nothing: every card is recognised.
	again, err := svc.ImportFiles(ctx, files, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Created != 0 || again.Failed != 0 || again.Skipped+again.Updated != res.Created+res.Updated {
		t.Fatalf("second import: %+v (first %+v)", again, res)
	}
	page, _ = svc.ListHumans(ctx, Query{PerPage: 100})
	if page.Total != res.Created {
		t.Fatalf("second import changed the count to %d", page.Total)
	}
}

func TestImportDryRunWritesNothing(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	before := svc.Revision()
	res, err := svc.ImportFiles(ctx, []string{sample(t, "carddav/testdata/apple_contacts.vcf"),
		sample(t, "app/interchange/testdata/google.csv")}, ImportOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if !res.DryRun || res.Created == 0 || len(res.Actions) == 0 {
		t.Fatalf("dry run result: %+v", res)
	}
	if svc.Revision() != before {
		t.Fatal("a dry run wrote to the store")
	}
	if cs, _ := svc.Companies(ctx); len(cs) != 0 {
		t.Fatalf("a dry run created companies: %v", cs)
	}
	real, err := svc.ImportFiles(ctx, []string{sample(t, "carddav/testdata/apple_contacts.vcf"),
		sample(t, "app/interchange/testdata/google.csv")}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if real.ImportResultCounts != res.ImportResultCounts {
		t.Fatalf("dry run said %+v, the import did %+v %+v", res.ImportResultCounts, real.ImportResultCounts, real.Problems)
	}
}

func TestImportBrokenCardsReportedOthersKept(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	res, err := svc.ImportFiles(ctx, []string{sample(t, "carddav/testdata/broken.vcf")}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed == 0 || res.Created == 0 || len(res.Problems) != res.Failed {
		t.Fatalf("broken file: %+v", res)
	}
	for _, p := range res.Problems {
		if p.Position == 0 || p.Reason == "" || p.File != "broken.vcf" {
			t.Fatalf("problem without position or reason: %+v", p)
		}
	}
}

func TestImportMergesIntoExistingAndWithinFile(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	existing, err := svc.CreateHuman(ctx, &Human{FirstName: "Jean", LastName: "Dupont", JobTitle: "CEO",
		Emails: []Email{{Address: "jean@example.org", IsPrimary: true}}})
	if err != nil {
		t.Fatal(err)
	}
	vcf := strings.Join([]string{
		"BEGIN:VCARD", "VERSION:3.0", "FN:Jean Dupont", "N:Dupont;Jean;;;", "EMAIL;TYPE=work:JEAN@example.org",
		"TEL;TYPE=cell:+33 6 12 34 56 78", "TITLE:Founder", "ORG:Acme", "CATEGORIES:Clients", "END:VCARD",
		"BEGIN:VCARD", "VERSION:3.0", "FN:Zoë Núñez", "EMAIL:zoe@example.org", "END:VCARD",
		"BEGIN:VCARD", "VERSION:3.0", "FN:Zoe Nunez", "EMAIL:zoe@example.org", "TEL:0611223344", "END:VCARD",
		"BEGIN:VCARD", "VERSION:3.0", "NOTE:a card with nothing to call it by", "END:VCARD",
	}, "\r\n") + "\r\n"
	res, err := svc.Import(ctx, strings.NewReader(vcf), "people.vcf", FormatAuto, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || res.Updated != 2 || res.Failed != 1 {
		t.Fatalf("result %+v", res)
	}
	got, _ := svc.Human(ctx, existing.ID)
	if got.JobTitle != "CEO" || !strings.Contains(got.Notes, "Job title: Founder") {
		t.Fatalf("a differing title must be kept in the notes: %q / %q", got.JobTitle, got.Notes)
	}
	if len(got.Emails) != 1 || len(got.Phones) != 1 || got.CompanyID == 0 || len(got.GroupIDs) != 1 {
		t.Fatalf("merged contact: %+v", got)
	}
	if got.Emails[0].IsPrimary != true {
		t.Fatal("the existing primary e-mail lost its flag")
	}
	zoe, _ := svc.Search(ctx, "zoe", 10)
	if len(zoe) != 1 || len(zoe[0].Phones) != 1 {
		t.Fatalf("two records of one person in a file must make one contact: %+v", zoe)
	}
	if res.Problems[0].Position != 4 {
		t.Fatalf("problem position %d, want 4", res.Problems[0].Position)
	}
}

func TestImportRestoresTrashedUID(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	h, _ := svc.CreateHuman(ctx, &Human{FirstName: "Old", UID: "urn-test-1"})
	if err := svc.TrashHuman(ctx, h.ID, ""); err != nil {
		t.Fatal(err)
	}
	vcf := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:urn-test-1\r\nFN:Old Friend\r\nN:Friend;Old;;;\r\nEND:VCARD\r\n"
	res, err := svc.Import(ctx, strings.NewReader(vcf), "x.vcf", FormatAuto, ImportOptions{})
	if err != nil || res.Updated != 1 {
		t.Fatalf("%+v %v", res, err)
	}
	got, _ := svc.Human(ctx, h.ID)
	if got.DeletedAt != nil || got.LastName != "Friend" {
		t.Fatalf("not restored and updated: %+v", got)
	}
}

func TestImportCSVFormats(t *testing.T) {
	for _, file := range []string{"google.csv", "google_legacy.csv", "outlook.csv", "outlook_utf16.csv", "semicolon.csv"} {
		t.Run(file, func(t *testing.T) {
			svc := openService(t, t.TempDir(), nil)
			res, err := svc.ImportFiles(ctx, []string{sample(t, "app/interchange/testdata/"+file)}, ImportOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Created == 0 {
				t.Fatalf("nothing imported: %+v", res)
			}
		})
	}
}

func TestExportFormatsAndRoundTrip(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	if _, err := svc.ImportFiles(ctx, []string{sample(t, "carddav/testdata/apple_contacts.vcf"),
		sample(t, "app/interchange/testdata/google.csv")}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	total, _ := svc.ListHumans(ctx, Query{})
	for _, f := range ExportFormats {
		var buf bytes.Buffer
		n, err := svc.Export(ctx, ExportRequest{Format: f}, &buf)
		if err != nil || n != total.Total || buf.Len() == 0 {
			t.Fatalf("export %s: %d contacts, %d bytes, %v", f, n, buf.Len(), err)
		}
		if f == ExportGoogleCSV || f == ExportOutlookCSV {
			continue
		}
		// What one Humans exports, another imports to the same book.
		other := openService(t, t.TempDir(), nil)
		name := map[ExportFormat]string{ExportJSON: "book.json", ExportCSV: "book.csv", ExportVCard: "book.vcf"}[f]
		res, err := other.Import(ctx, &buf, name, FormatAuto, ImportOptions{})
		if err != nil || res.Created != total.Total || res.Failed != 0 {
			t.Fatalf("re-import of %s: %+v %v", f, res, err)
		}
	}
	first := total.Humans[0]
	var buf bytes.Buffer
	if n, err := svc.Export(ctx, ExportRequest{Format: ExportVCard, IDs: []int64{first.ID}, VCardVersion: "4.0"}, &buf); err != nil || n != 1 {
		t.Fatalf("export by id: %d %v", n, err)
	}
	if !strings.Contains(buf.String(), "VERSION:4.0") {
		t.Fatalf("vCard 4.0 asked, got %q", buf.String())
	}
	if _, err := svc.Export(ctx, ExportRequest{Format: "xml"}, &buf); err == nil {
		t.Fatal("unknown format accepted")
	}
	var doc bytes.Buffer
	if err := svc.ExportUnified(ctx, &doc); err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		Version int               `json:"version"`
		Humans  []json.RawMessage `json:"humans"`
	}
	if err := json.Unmarshal(doc.Bytes(), &parsed); err != nil || parsed.Version != 1 || len(parsed.Humans) != total.Total {
		t.Fatalf("unified export: %v, %d humans", err, len(parsed.Humans))
	}
}

func TestImportBatchesUpdatesAndNewCompaniesInOneCommit(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	existing, err := svc.CreateHuman(ctx, &Human{FirstName: "Jean", LastName: "Dupont",
		Emails: []Email{{Address: "jean@example.org", IsPrimary: true}}})
	if err != nil {
		t.Fatal(err)
	}
	// Two records of the existing contact, with different additions, and
	// a new person of a new company in a new group.
	vcf := strings.Join([]string{
		"BEGIN:VCARD", "VERSION:3.0", "FN:Jean Dupont", "N:Dupont;Jean;;;", "EMAIL:jean@example.org",
		"TEL;TYPE=cell:+33 6 12 34 56 78", "END:VCARD",
		"BEGIN:VCARD", "VERSION:3.0", "FN:Jean Dupont", "N:Dupont;Jean;;;", "EMAIL:jean@example.org",
		"URL:https://jean.example.org", "ORG:Acme", "END:VCARD",
		"BEGIN:VCARD", "VERSION:3.0", "FN:Ada Lovelace", "N:Lovelace;Ada;;;", "ORG:Acme", "CATEGORIES:Clients", "END:VCARD",
	}, "\r\n") + "\r\n"
	events, cancel := svc.Subscribe()
	defer cancel()
	before := svc.Revision()
	res, err := svc.Import(ctx, strings.NewReader(vcf), "people.vcf", FormatAuto, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 1 || res.Updated != 2 || res.Failed != 0 || len(res.CompaniesCreated) != 1 || len(res.GroupsCreated) != 1 {
		t.Fatalf("result %+v", res)
	}
	got, _ := svc.Human(ctx, existing.ID)
	if len(got.Phones) != 1 || len(got.URLs) != 1 || got.CompanyID <= 0 {
		t.Fatalf("both records must be merged into the contact: %+v", got)
	}
	ada, _ := svc.Search(ctx, "lovelace", 10)
	if len(ada) != 1 || ada[0].CompanyID != got.CompanyID || len(ada[0].GroupIDs) != 1 || ada[0].GroupIDs[0] <= 0 {
		t.Fatalf("new contact: %+v (company %d)", ada, got.CompanyID)
	}
	// One commit: one event, company + group + new contact + one update.
	select {
	case ev := <-events:
		if ev.Revision != before+4 || svc.Revision() != before+4 {
			t.Fatalf("event at %d, store at %d, want %d", ev.Revision, svc.Revision(), before+4)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	// A second file of the same import refers to the company and group by
	// name: they now exist, nothing is created twice.
	more := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Alan Turing\r\nN:Turing;Alan;;;\r\nORG:ACME\r\nCATEGORIES:clients\r\nEND:VCARD\r\n"
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.vcf"), filepath.Join(dir, "b.vcf")
	os.WriteFile(a, []byte(strings.Replace(vcf, "Ada Lovelace", "Grace Hopper", 1)+
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Linus\r\nORG:Initech\r\nEND:VCARD\r\n"), 0o600)
	os.WriteFile(b, []byte(more+"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob\r\nORG:initech\r\nEND:VCARD\r\n"), 0o600)
	res, err = svc.ImportFiles(ctx, []string{a, b}, ImportOptions{})
	if err != nil || res.Failed != 0 || len(res.CompaniesCreated) != 1 || len(res.GroupsCreated) != 0 {
		t.Fatalf("two files: %+v %v", res, err)
	}
	if cs, _ := svc.Companies(ctx); len(cs) != 2 {
		t.Fatalf("companies %d, want Acme and Initech", len(cs))
	}
}
