package app

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/store"
)

// richBook fills svc with every kind of entity: a company with a branch,
// coloured groups, a custom field, contacts with photos, birthdays,
// consents and unknown vCard data, a favourite, one in the trash and a
// gap in the ids left by a contact deleted for good.
func richBook(t *testing.T, svc *Service, clock *time.Time) {
	t.Helper()
	tick := func() { *clock = clock.Add(time.Hour) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	parent, err := svc.CreateCompany(ctx, &Company{Name: "Acme", Website: "https://acme.example", IsCustomer: true})
	must(err)
	tick()
	branch, err := svc.CreateCompany(ctx, &Company{Name: "Acme Lyon", ParentID: parent.ID, Address: &Address{City: "Lyon"}})
	must(err)
	tick()
	friends, err := svc.CreateGroup(ctx, &Group{Name: "Friends", Color: "#FF5733", Description: "close ones"})
	must(err)
	work, err := svc.CreateGroup(ctx, &Group{Name: "Work"})
	must(err)
	must(svc.PutCustomFieldDef(ctx, CustomFieldDef{Key: "tier", Label: "Tier", Type: store.FieldSelect, Options: []string{"gold", "silver"}}))

	var img bytes.Buffer
	pic := image.NewRGBA(image.Rect(0, 0, 3, 3))
	pic.Set(1, 1, color.RGBA{R: 200, A: 255})
	must(png.Encode(&img, pic))

	gone, err := svc.CreateHuman(ctx, &Human{FirstName: "Gone"})
	must(err)
	for i, h := range []*Human{
		{FirstName: "Ada", LastName: "Lovelace", CompanyID: branch.ID, GroupIDs: []int64{friends.ID, work.ID},
			Birthday: &Birthday{Year: 1815, Month: 12, Day: 10}, Notes: "first programmer",
			Phones:       []Phone{{Number: "+33 6 12 34 56 78", Type: "mobile", IsPrimary: true}},
			Emails:       []Email{{Address: "ada@example.org", Type: "home", IsPrimary: true}},
			CustomFields: map[string]string{"tier": "gold"},
			Consents:     []Consent{{Channel: "sms", GrantedAt: clock.UTC(), Source: "form"}},
			Extra:        map[string][]byte{"vcard": []byte("X-ABLabel:keep me\r\n")}},
		{FirstName: "Grace", LastName: "Hopper", Birthday: &Birthday{Month: 12, Day: 9}, IsFavorite: true, GroupIDs: []int64{work.ID}},
		{DisplayName: "Linus", Nickname: "penguin", Source: store.SourceCardDAV, URLs: []URL{{URL: "https://kernel.org", Type: "website"}}},
	} {
		tick()
		created, err := svc.CreateHuman(ctx, h)
		must(err)
		if i == 0 {
			_, err = svc.SetPhoto(ctx, created.ID, img.Bytes(), "")
			must(err)
			_, err = svc.SendSMS(ctx, SendSMSRequest{HumanID: created.ID, Message: "Hello {{first_name}}"})
			must(err)
		}
		if i == 2 {
			tick()
			must(svc.TrashHuman(ctx, created.ID, ""))
		}
	}
	_, err = svc.SendSMS(ctx, SendSMSRequest{HumanID: gone.ID, To: "+33 6 00 00 00 02", Message: "Bye"})
	must(err)
	_, err = svc.SendSMS(ctx, SendSMSRequest{To: "+33 6 00 00 00 01", Message: "To a number"})
	must(err)
	must(svc.TrashHuman(ctx, gone.ID, ""))
	must(svc.DeleteHumanForever(ctx, gone.ID))
}

// bookState is everything an exact restore must keep, with revisions and
// etags (which a restore assigns anew) cleared.
type bookState struct {
	Humans    []*Human
	Photos    map[string][]byte
	Companies []*Company
	Groups    []*Group
	Fields    []CustomFieldDef
	SMS       []*SMS
}

func stateOf(t *testing.T, svc *Service) bookState {
	t.Helper()
	st := bookState{Photos: map[string][]byte{}}
	live, err := svc.HumanIDs(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	trashed, err := svc.HumanIDs(ctx, Query{Trashed: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range append(live, trashed...) {
		h, err := svc.Human(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		h.Revision, h.ETag = 0, ""
		st.Humans = append(st.Humans, h)
		if h.PhotoHash != "" {
			data, _, err := svc.Photo(ctx, h.PhotoHash)
			if err != nil {
				t.Fatal(err)
			}
			st.Photos[h.PhotoHash] = data
		}
	}
	if st.Companies, err = svc.Companies(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range st.Companies {
		c.Revision = 0
	}
	if st.Groups, err = svc.Groups(ctx); err != nil {
		t.Fatal(err)
	}
	for _, g := range st.Groups {
		g.Revision = 0
	}
	if st.Fields, err = svc.CustomFieldDefs(ctx); err != nil {
		t.Fatal(err)
	}
	if st.SMS, err = svc.store.AllSMS(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestUnifiedExportRestoresExactlyIntoAnEmptyBook(t *testing.T) {
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	src := openService(t, t.TempDir(), func() time.Time { return clock })
	richBook(t, src, &clock)
	want := stateOf(t, src)
	var doc bytes.Buffer
	if err := src.ExportUnified(ctx, &doc); err != nil {
		t.Fatal(err)
	}

	later := clock.Add(30 * 24 * time.Hour)
	dst := openService(t, t.TempDir(), func() time.Time { return later })
	var progress []ImportProgress
	res, err := dst.Import(ctx, bytes.NewReader(doc.Bytes()), "book.json", FormatAuto,
		ImportOptions{Progress: func(p ImportProgress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Restored == nil || res.Created != 3 || res.Restored.Trashed != 1 || res.Restored.Photos != 1 ||
		res.Restored.Companies != 2 || res.Restored.Groups != 2 || res.Restored.CustomFields != 1 || res.Restored.SMS != 3 {
		t.Fatalf("result: %+v restored %+v", res, res.Restored)
	}
	if len(progress) == 0 || !progress[len(progress)-1].Done || progress[len(progress)-1].Created != 3 {
		t.Fatalf("progress: %+v", progress)
	}
	got := stateOf(t, dst)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("restored book differs:\n got %+v\nwant %+v", got, want)
	}
	for i, g := range got.Groups {
		if g.MemberCount != want.Groups[i].MemberCount || g.MemberCount == 0 {
			t.Fatalf("group %s has %d members, want %d", g.Name, g.MemberCount, want.Groups[i].MemberCount)
		}
	}
	// New records get ids after the restored ones, never a restored id,
	// nor that of the contact deleted for good a message still names.
	maxID := int64(0)
	for _, h := range want.Humans {
		maxID = max(maxID, h.ID)
	}
	for _, m := range want.SMS {
		maxID = max(maxID, m.HumanID)
	}
	h, err := dst.CreateHuman(ctx, &Human{FirstName: "New"})
	if err != nil {
		t.Fatal(err)
	}
	if h.ID != maxID+1 {
		t.Fatalf("new contact got id %d, restored ids go up to %d", h.ID, maxID)
	}
	c, err := dst.CreateCompany(ctx, &Company{Name: "Initech"})
	if err != nil || c.ID != 3 {
		t.Fatalf("new company: %+v %v", c, err)
	}
	// The same export into a book that is no longer empty merges: the
	// contacts are recognised by UID, nothing is replaced or duplicated.
	again, err := dst.Import(ctx, bytes.NewReader(doc.Bytes()), "book.json", FormatAuto, ImportOptions{})
	if err != nil || again.Restored != nil || again.Created != 0 {
		t.Fatalf("second import: %+v %v", again, err)
	}
}

func TestRestoreFileAcceptsAUnifiedExport(t *testing.T) {
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	src := openService(t, t.TempDir(), func() time.Time { return clock })
	richBook(t, src, &clock)
	want := stateOf(t, src)
	path := filepath.Join(t.TempDir(), "export.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.ExportUnified(ctx, f); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// The book replaced is not empty: it is saved, then replaced whole;
	// the installation's API keys stay.
	dst := openService(t, t.TempDir(), nil)
	if _, err := dst.CreateHuman(ctx, &Human{FirstName: "Replaced"}); err != nil {
		t.Fatal(err)
	}
	key, _, err := dst.CreateAPIKey(ctx, "script", RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dst.store.NewLoader(ctx); !errors.Is(err, store.ErrNotEmpty) {
		t.Fatalf("loader over a book with a contact: %v, want ErrNotEmpty", err)
	}
	events, cancel := dst.Subscribe()
	defer cancel()
	previous, err := dst.RestoreFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(previous); err != nil {
		t.Fatalf("the book before the restore was not kept: %v", err)
	}
	if got := stateOf(t, dst); !reflect.DeepEqual(got, want) {
		t.Fatalf("restored book differs:\n got %+v\nwant %+v", got, want)
	}
	if _, err := dst.AuthenticateAPIKey(ctx, key); err != nil {
		t.Fatalf("the API key did not survive the restore: %v", err)
	}
	select {
	case ev := <-events:
		if !ev.Reset {
			t.Fatalf("event %+v, want a reset", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event after the restore")
	}
}

func TestUnifiedRestoreWithABadRecordChangesNothing(t *testing.T) {
	clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	src := openService(t, t.TempDir(), func() time.Time { return clock })
	richBook(t, src, &clock)
	var doc bytes.Buffer
	if err := src.ExportUnified(ctx, &doc); err != nil {
		t.Fatal(err)
	}
	for name, broken := range map[string]string{
		"bad e-mail":    strings.Replace(doc.String(), "ada@example.org", "not an address", 1),
		"duplicate uid": duplicateFirstUID(t, doc.String()),
		"cut short":     doc.String()[:doc.Len()*2/3],
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			dst := openService(t, dir, nil)
			keep, err := dst.CreateHuman(ctx, &Human{FirstName: "Kept"})
			if err != nil {
				t.Fatal(err)
			}
			before := dst.Revision()
			_, err = dst.RestoreUnified(ctx, strings.NewReader(broken), nil)
			if err == nil {
				t.Fatal("a broken export was restored")
			}
			if name != "cut short" && !strings.Contains(err.Error(), "contact ") {
				t.Fatalf("the error does not say which contact: %v", err)
			}
			var ferr *FileError
			if !errors.As(err, &ferr) {
				t.Fatalf("%v (%T) is not a *FileError: the file's fault, not the store's", err, err)
			}
			if dst.Revision() != before {
				t.Fatal("the failed restore changed the book")
			}
			if _, err := dst.Human(ctx, keep.ID); err != nil {
				t.Fatalf("the book lost a contact: %v", err)
			}
			leftovers, _ := filepath.Glob(filepath.Join(dir, "restore-*"))
			if backups, _ := filepath.Glob(filepath.Join(dir, "backups", "*")); len(leftovers)+len(backups) != 0 {
				t.Fatalf("files left behind: %v %v", leftovers, backups)
			}
		})
	}
	// Import into an empty book reports the failure and creates nothing.
	empty := openService(t, t.TempDir(), nil)
	bad := strings.Replace(doc.String(), "ada@example.org", "not an address", 1)
	if _, err := empty.Import(ctx, strings.NewReader(bad), "book.json", FormatAuto, ImportOptions{}); err == nil {
		t.Fatal("import of a broken export into an empty book succeeded")
	}
	if n, _ := empty.HumanIDs(ctx, Query{}); len(n) != 0 {
		t.Fatalf("%d contacts created", len(n))
	}
}

// duplicateFirstUID gives the second contact of a unified export the
// first one's UID.
func duplicateFirstUID(t *testing.T, doc string) string {
	t.Helper()
	const key = `"uid":"`
	first := strings.Index(doc, key)
	second := first + 1 + strings.Index(doc[first+1:], key)
	if first < 0 || second <= first {
		t.Fatal("no two UIDs in the export")
	}
	uid := doc[first+len(key) : first+len(key)+strings.IndexByte(doc[first+len(key):], '"')]
	end := second + len(key) + strings.IndexByte(doc[second+len(key):], '"')
	return doc[:second+len(key)] + uid + doc[end:]
}

func TestIsUnifiedExport(t *testing.T) {
	for doc, want := range map[string]bool{
		`{"version":1,"exported_at":"2026-01-01T00:00:00Z","humans":[]}`: true,
		"\xef\xbb\xbf{\"version\":1":                                     true,
		`{"success":true,"data":{"version":1,"companies":[]}}`:           true,
		`{"success":true,"data":[{"first_name":"Ada"}]}`:                 false,
		`[{"first_name":"Ada"}]`:                                         false,
		`{"first_name":"Ada","custom_fields":{"a":"b"}}`:                 false,
		`SQLite format 3`:                                                false,
		"":                                                               false,
	} {
		if got := IsUnifiedExport([]byte(doc)); got != want {
			t.Errorf("IsUnifiedExport(%q) = %v", doc, got)
		}
	}
}
