package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/carddav"
	"github.com/humans-contacts/humans/store/storetest"
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

// TestImportInManyFlushesStoresWhatOneFlushStores imports a file of 320
// generated cards and second records of 80 of those people (by UID, or
// by e-mail and name), some a few records after the first, some at the
// end, once in flushes of 7 records and once in one flush: both books
// must hold the same contacts, companies and groups, and no person twice.
func TestImportInManyFlushesStoresWhatOneFlushStores(t *testing.T) {
	book := storetest.Book(320, 21)
	var vcf bytes.Buffer
	write := func(h *Human) {
		card, err := carddav.Encode(h, bookNames{book}, nil, "3.0")
		if err != nil {
			t.Fatal(err)
		}
		if err := carddav.WriteCard(&vcf, card); err != nil {
			t.Fatal(err)
		}
	}
	seconds, thirds, metAgain, thirdsAt := 0, 0, make(map[int]bool), make(map[int]int)
	writeAgain := func(i int) {
		h := book.Humans[i]
		if (h.UID == "" && len(h.Emails) == 0) || metAgain[i] {
			return // nothing says it is the same person, or done already
		}
		metAgain[i] = true
		again := *h
		again.Phones = append([]Phone{{Number: fmt.Sprintf("+33 6 99 00 %02d %02d", i/100, i%100), Type: "cell"}}, h.Phones...)
		again.Notes = strings.TrimSpace(h.Notes + "\nmet again")
		write(&again)
		seconds++
	}
	for i, h := range book.Humans {
		if i%2 == 0 {
			h.UID = fmt.Sprintf("flush-test-%d", i)
		}
		write(h)
		if i%8 == 7 && seconds < 40 {
			writeAgain(i - 4) // in the flush being written, or the one before
			if i%16 == 15 && metAgain[i-4] {
				// A third record 1 to 6 records later: in the same flush
				// as the second, or while that one is being written.
				thirdsAt[i+1+(i/16)%6] = i - 4
			}
		}
		if j, ok := thirdsAt[i]; ok {
			third := *book.Humans[j]
			third.URLs = append(third.URLs, URL{URL: fmt.Sprintf("https://example.org/third/%d", j), Type: "homepage"})
			write(&third)
			thirds++
		}
	}
	for i := 1; seconds < 80; i += 2 {
		writeAgain(i)
	}
	path := filepath.Join(t.TempDir(), "book.vcf")
	if err := os.WriteFile(path, vcf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	type bookState struct {
		res       ImportResult
		humans    map[string]string // UID or e-mail → the contact as JSON, without what the store stamps
		companies []string
		groups    []string
	}
	importWith := func(batchSize int) bookState {
		svc := openService(t, t.TempDir(), nil)
		res, err := svc.ImportFiles(ctx, []string{path}, ImportOptions{batchSize: batchSize})
		if err != nil {
			t.Fatal(err)
		}
		st := bookState{res: res, humans: make(map[string]string)}
		cs, _ := svc.Companies(ctx)
		for _, c := range cs {
			st.companies = append(st.companies, fmt.Sprint(c.ID, c.Name))
		}
		gs, _ := svc.Groups(ctx)
		for _, g := range gs {
			st.groups = append(st.groups, fmt.Sprint(g.ID, g.Name, g.MemberCount))
		}
		var all []*Human
		for n := 1; ; n++ {
			page, err := svc.ListHumans(ctx, Query{Page: n, PerPage: 100})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page.Humans...)
			if n >= page.TotalPages {
				break
			}
		}
		for _, s := range all {
			h, err := svc.Human(ctx, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			key := h.UID
			if !strings.HasPrefix(key, "flush-test-") && len(h.Emails) > 0 {
				key = h.Emails[0].Address
			}
			if _, dup := st.humans[key]; dup {
				t.Fatalf("batch %d: %q stored twice", batchSize, key)
			}
			if !strings.HasPrefix(key, "flush-test-") {
				h.UID = "" // made up by the store
			}
			h.CreatedAt, h.UpdatedAt, h.Revision, h.ETag = time.Time{}, time.Time{}, 0, ""
			data, _ := json.Marshal(h)
			st.humans[key] = string(data)
		}
		return st
	}
	many, one := importWith(7), importWith(0)

	if many.res.Failed != 0 || one.res.Failed != 0 {
		t.Fatalf("failures: %+v / %+v", many.res.Problems, one.res.Problems)
	}
	if many.res.Created != 320 || one.res.Created != 320 {
		t.Fatalf("created %d in flushes of 7, %d in one, want 320", many.res.Created, one.res.Created)
	}
	if n := many.res.Updated + many.res.Skipped; n != 80+thirds || thirds == 0 {
		t.Fatalf("flushes of 7: %d records updated or skipped, want the 80 second records and %d third ones", n, thirds)
	}
	if fmt.Sprint(many.companies) != fmt.Sprint(one.companies) || fmt.Sprint(many.groups) != fmt.Sprint(one.groups) {
		t.Fatalf("companies or groups differ:\n%v\n%v\n%v\n%v", many.companies, one.companies, many.groups, one.groups)
	}
	if len(many.humans) != len(one.humans) {
		t.Fatalf("%d contacts in flushes of 7, %d in one", len(many.humans), len(one.humans))
	}
	for key, h := range one.humans {
		if many.humans[key] != h {
			t.Errorf("contact %s differs:\nflushes of 7: %s\none flush:    %s", key, many.humans[key], h)
		}
	}
	for key, h := range many.humans {
		if strings.Contains(h, "met again") {
			delete(many.humans, key)
		}
	}
	if len(one.humans)-len(many.humans) != 80 {
		t.Fatalf("%d contacts took their second record, want 80", len(one.humans)-len(many.humans))
	}
}

// TestImportMergesAcrossFlushes: with flushes of two records, the second
// record of Ann finds her contact written by the flush before, and the
// third finds it after the flush that merged the second into it (with Cy
// and Dee): the contact ends with what all three records brought, and
// the company the first flush created is the one the later records get.
func TestImportMergesAcrossFlushes(t *testing.T) {
	card := func(lines ...string) string {
		return "BEGIN:VCARD\r\nVERSION:3.0\r\n" + strings.Join(lines, "\r\n") + "\r\nEND:VCARD\r\n"
	}
	vcf := card("FN:Ann Lee", "N:Lee;Ann;;;", "EMAIL:ann@example.org", "ORG:Initech") +
		card("FN:Bob Stone", "N:Stone;Bob;;;", "ORG:Initech") +
		card("FN:Ann Lee", "N:Lee;Ann;;;", "EMAIL:ann@example.org", "TEL;TYPE=cell:+33 6 12 34 56 78") +
		card("FN:Cy Twombly", "N:Twombly;Cy;;;", "ORG:Initech", "CATEGORIES:Painters") +
		card("FN:Dee Dee", "N:Dee;Dee;;;") +
		card("FN:Ann Lee", "N:Lee;Ann;;;", "EMAIL:ann@example.org", "URL:https://ann.example.org", "CATEGORIES:Painters")
	svc := openService(t, t.TempDir(), nil)
	res, err := svc.Import(ctx, strings.NewReader(vcf), "ann.vcf", FormatVCard, ImportOptions{batchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 4 || res.Updated != 2 || res.Failed != 0 {
		t.Fatalf("result %+v", res)
	}
	found, err := svc.Search(ctx, "ann lee", 10)
	if err != nil || len(found) != 1 {
		t.Fatalf("Ann: %d contacts, %v", len(found), err)
	}
	ann := found[0]
	if len(ann.Phones) != 1 || len(ann.URLs) != 1 || len(ann.GroupIDs) != 1 || ann.CompanyID == 0 {
		t.Fatalf("Ann lost what a record brought: %+v", ann)
	}
	if cs, _ := svc.Companies(ctx); len(cs) != 1 {
		t.Fatalf("%d companies, want Initech once", len(cs))
	}
}

// TestImportKeepsPhotos: a card's photo comes with its contact, written
// with it; a photo that is no image is left out and the contact kept.
func TestImportKeepsPhotos(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	notImage := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No Picture\r\nN:Picture;No;;;\r\n" +
		"PHOTO;ENCODING=b;TYPE=JPEG:bm90IGFuIGltYWdl\r\nEND:VCARD\r\n"
	apple, err := os.ReadFile(sample(t, "carddav/testdata/apple_contacts.vcf"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Import(ctx, strings.NewReader(string(apple)+notImage), "apple.vcf", FormatVCard, ImportOptions{})
	if err != nil || res.Failed != 0 || res.Created != 4 {
		t.Fatalf("%+v %v", res, err)
	}
	john, err := svc.Search(ctx, "appleseed", 10)
	if err != nil || len(john) != 1 || john[0].PhotoHash == "" || john[0].PhotoType != "image/jpeg" {
		t.Fatalf("John: %+v %v", john, err)
	}
	if data, mt, err := svc.Photo(ctx, john[0].PhotoHash); err != nil || len(data) == 0 || mt != "image/jpeg" {
		t.Fatalf("John's photo: %d bytes, %q, %v", len(data), mt, err)
	}
	none, err := svc.Search(ctx, "no picture", 10)
	if err != nil || len(none) != 1 || none[0].PhotoHash != "" {
		t.Fatalf("the contact with a photo that is no image: %+v %v", none, err)
	}
}

// Re-importing an updated export adds what the cards gained outside the
// model (unknown properties, labelled dates, a second note) to contacts
// that already keep unknown lines, and a third import changes nothing.
func TestReimportAddsNewUnknownLines(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	card := func(extra ...string) string {
		lines := append([]string{"BEGIN:VCARD", "VERSION:3.0", "UID:ada-1", "FN:Ada Lovelace", "N:Lovelace;Ada;;;",
			"item1.TEL;TYPE=CELL:+44 20 7946 0001", "item1.X-ABLabel:Boat", "X-FOO:1"}, extra...)
		return strings.Join(append(lines, "END:VCARD"), "\r\n") + "\r\n"
	}
	first, err := svc.Import(ctx, strings.NewReader(card()), "a.vcf", FormatAuto, ImportOptions{})
	if err != nil || first.Created != 1 {
		t.Fatalf("first import: %+v %v", first.ImportResultCounts, err)
	}
	updated := card("NOTE:first", "NOTE:second", "X-BAR:2", "item2.X-ABDATE:2010-06-05", "item2.X-ABLabel:Wedding")
	for i, want := range []ImportResultCounts{{Updated: 1}, {Skipped: 1}} {
		res, err := svc.Import(ctx, strings.NewReader(updated), "a.vcf", FormatAuto, ImportOptions{})
		if err != nil || res.ImportResultCounts != want {
			t.Fatalf("import %d: %+v %v, want %+v", i+2, res.ImportResultCounts, err, want)
		}
	}
	var out bytes.Buffer
	if _, err := svc.Export(ctx, ExportRequest{Format: ExportVCard}, &out); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"X-FOO:1", "X-BAR:2", "NOTE:first", "second", "X-ABDATE:2010-06-05", "X-ABLABEL:Wedding", "X-ABLABEL:Boat"} {
		if !strings.Contains(strings.ToUpper(got), strings.ToUpper(want)) {
			t.Errorf("export lacks %q:\n%s", want, got)
		}
	}
	if n := strings.Count(got, "X-FOO"); n != 1 {
		t.Errorf("X-FOO written %d times:\n%s", n, got)
	}
}

// waitForFlush holds a worker while a flush runs and lets it go when the
// flush ends or the import is cancelled.
func TestWaitForFlush(t *testing.T) {
	imp := (&Service{}).newImporter(ImportOptions{})
	imp.waitForFlush(ctx) // no flush: returns at once

	ended := imp.flushing()
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	imp.waitForFlush(short)
	if short.Err() == nil {
		t.Fatal("waitForFlush returned while a flush ran")
	}
	done := make(chan struct{})
	go func() { imp.waitForFlush(ctx); close(done) }()
	ended()
	<-done // returns once the flush ended (the test times out otherwise)
	imp.waitForFlush(ctx)
}
