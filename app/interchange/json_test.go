package interchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/store"
)

// jsonFields is what the JSON export carries of a contact: everything but
// the store's revision and etag and the photo (only the unified export
// carries the photo).
func jsonFields(h *store.Human) *store.Human {
	c := *h
	c.Revision, c.ETag = 0, ""
	c.PhotoHash, c.PhotoType = "", ""
	return &c
}

func TestJSONRoundTrip(t *testing.T) {
	b := newTestBook(2000, 3)
	var buf bytes.Buffer
	if err := WriteJSON(&buf, Humans(b.Humans), b.names); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()

	// Model → JSON → model: identity on every field JSON carries.
	var js []HumanJSON
	if err := json.Unmarshal(data, &js); err != nil {
		t.Fatal(err)
	}
	if len(js) != len(b.Humans) {
		t.Fatalf("%d contacts written, %d read", len(b.Humans), len(js))
	}
	for i, j := range js {
		h := b.Humans[i]
		if j.DisplayName != h.Name() || j.CompanyName != b.names.CompanyName(h.CompanyID) {
			t.Fatalf("contact %d: display_name %q, company_name %q", i, j.DisplayName, j.CompanyName)
		}
		for k, g := range j.Groups {
			if g.ID != h.GroupIDs[k] || g.Name != b.names.GroupName(g.ID) || g.Color != b.names.GroupColor(g.ID) {
				t.Fatalf("contact %d: group %+v", i, g)
			}
		}
		got, company, groups, err := j.ToHuman()
		if err != nil {
			t.Fatalf("contact %d: %v", i, err)
		}
		assertEqual(t, "contact "+h.UID, got, jsonFields(h))
		if company != j.CompanyName || len(groups) != len(h.GroupIDs) {
			t.Fatalf("contact %d: company %q, groups %q", i, company, groups)
		}
		if t.Failed() {
			return
		}
	}

	// ReadJSON imports: the other book's ids are dropped, names kept.
	recs := readAll(t, func(fn func(Record) error) error { return ReadJSON(bytes.NewReader(data), fn) })
	if len(recs) != len(b.Humans) {
		t.Fatalf("ReadJSON: %d records", len(recs))
	}
	for i, r := range recs {
		h := b.Humans[i]
		if r.Err != nil || r.Position != i+1 || r.Line != i+2 {
			t.Fatalf("record %d: err %v, position %d, line %d", i, r.Err, r.Position, r.Line)
		}
		want := jsonFields(h)
		want.ID, want.CompanyID, want.GroupIDs = 0, 0, nil
		assertEqual(t, "imported "+h.UID, r.Human, want)
		assertEqual(t, "company", r.Company, b.names.CompanyName(h.CompanyID))
		if len(r.Groups) != len(h.GroupIDs) {
			t.Fatalf("record %d: groups %q", i, r.Groups)
		}
		if t.Failed() {
			return
		}
	}
}

func TestUnifiedRoundTrip(t *testing.T) {
	b := newTestBook(500, 5)
	hdr := &UnifiedHeader{
		ExportedAt: epoch.Add(72 * time.Hour),
		Stats:      store.Stats{Total: 499, Trashed: 1, Companies: len(b.Companies), Groups: len(b.Groups), BySource: map[store.Source]int{"manual": 200}},
		Companies:  b.Companies,
		Groups:     b.Groups,
		CustomFields: []store.CustomFieldDef{{Key: "Budget", Label: "Budget", Type: store.FieldCurrency, Currency: "EUR"},
			{Key: "Segment", Label: "Segment", Type: store.FieldMultiselect, Options: []string{"B2B", "retail"}}},
		SMS: []*store.SMS{{ID: 3, HumanID: 7, To: "+33612345678", Body: "Hi Ada", Direction: store.SMSOutbound,
			Status: store.SMSFailed, Error: "no route", CreatedAt: epoch, UpdatedAt: epoch.Add(time.Minute)}},
	}
	var buf bytes.Buffer
	if err := WriteUnified(&buf, hdr, Humans(b.Humans), b.photo); err != nil {
		t.Fatal(err)
	}
	u, err := ReadUnified(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := *hdr
	want.Version = UnifiedVersion
	got := u.Header
	assertEqual(t, "header before the contacts", got.Companies, want.Companies)
	assertEqual(t, "groups", got.Groups, want.Groups)
	assertEqual(t, "field definitions", got.CustomFields, want.CustomFields)
	n := 0
	err = u.Humans(func(r Record) error {
		h := b.Humans[n]
		n++
		if r.Err != nil {
			t.Fatalf("contact %d: %v", n, r.Err)
		}
		w := *h
		w.Revision, w.ETag, w.PhotoHash = 0, "", ""
		assertEqual(t, "restored "+h.UID, r.Human, &w)
		assertEqual(t, "photo of "+h.UID, r.Photo, b.photos[h.PhotoHash])
		if t.Failed() {
			return errors.New("stop")
		}
		return nil
	})
	if err != nil || n != len(b.Humans) {
		t.Fatalf("Humans: %v after %d contacts", err, n)
	}
	assertEqual(t, "whole header after the contacts", u.Header, want)
}

func TestReadUnifiedShapes(t *testing.T) {
	// The Hub's envelope, contacts before companies, unknown members.
	doc := `{"success": true, "data": {
		"humans": [{"id": 7, "first_name": "Ann", "company_id": 3, "group_ids": [2]}],
		"future": {"x": 1},
		"companies": [{"id": 3, "name": "Acme"}],
		"groups": [{"id": 2, "name": "VIP", "color": "#FF5733"}],
		"custom_fields": [],
		"stats": {"total": 1}
	}, "message": "ok"}`
	u, err := ReadUnified(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Header.Companies) != 1 || u.Header.Companies[0].Name != "Acme" || u.Header.Stats.Total != 1 {
		t.Fatalf("header: %s", jsonText(u.Header))
	}
	recs := readAll(t, u.Humans)
	if len(recs) != 1 || recs[0].Human.ID != 7 || recs[0].Human.CompanyID != 3 || recs[0].Human.GroupIDs[0] != 2 {
		t.Fatalf("records: %s", jsonText(recs))
	}

	if _, err := ReadUnified(strings.NewReader(`{"version": 99, "humans": []}`)); !errors.Is(err, ErrNewerVersion) {
		t.Errorf("newer version: %v", err)
	}
	if _, err := ReadUnified(strings.NewReader(`[]`)); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("array: %v", err)
	}
}

func TestReadJSONShapes(t *testing.T) {
	type want struct {
		names   []string // Name() of each record, or "error"
		company string   // of the first record
	}
	for _, tc := range []struct {
		name, doc string
		want      want
	}{
		{"bare array", `[{"first_name":"Ann"},{"first_name":"Bob"}]`, want{names: []string{"Ann", "Bob"}}},
		{"empty array", `[]`, want{}},
		{"empty input", ``, want{}},
		{"hub list envelope", `{"success":true,"data":[{"id":1,"first_name":"John","last_name":"Doe","display_name":"John Doe",
			"company_name":"Acme Corp","is_favorite":true,
			"phone_numbers":[{"phone_type":"mobile","phone_number":"+33612345678","is_primary":true}],
			"emails":[{"email_type":"work","email":"john@example.com","is_primary":true}],
			"groups":[{"id":1,"name":"VIP","color":"#FF5733"}]}],
			"pagination":{"page":1,"per_page":20,"total":100,"total_pages":5}}`, want{names: []string{"John Doe"}, company: "Acme Corp"}},
		{"hub single envelope", `{"success":true,"data":{"id":3,"first_name":"Jane"},"message":"Operation successful"}`,
			want{names: []string{"Jane"}}},
		{"single contact", `{"first_name":"Solo","groups":["A"],"custom_fields":{"k":"v"}}`, want{names: []string{"Solo"}}},
		{"unified", `{"version":1,"companies":[{"id":1,"name":"X"}],"groups":[],"custom_fields":[],
			"humans":[{"id":1,"first_name":"U","company_id":1,"company_name":"X"}],"sms":[]}`, want{names: []string{"U"}, company: "X"}},
		{"bad contacts are records", `[{"first_name":"Ok"},{"first_name":"Bad","birthday":"yesterday"},{"first_name":5},{"notes":"only"},null,{"first_name":"Last"}]`,
			want{names: []string{"Ok", "error", "error", "error", "error", "Last"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := readAll(t, func(fn func(Record) error) error { return ReadJSON(strings.NewReader(tc.doc), fn) })
			var names []string
			for i, r := range recs {
				if r.Position != i+1 {
					t.Errorf("record %d has position %d", i, r.Position)
				}
				if r.Err != nil {
					if r.Human != nil {
						t.Errorf("record %d: Human with Err", i)
					}
					names = append(names, "error")
					continue
				}
				names = append(names, r.Human.Name())
				if r.Human.ID != 0 || r.Human.GroupIDs != nil || r.Human.CompanyID != 0 {
					t.Errorf("record %d keeps another book's ids: %s", i, jsonText(r.Human))
				}
			}
			assertEqual(t, "names", names, tc.want.names)
			if tc.want.company != "" && recs[0].Company != tc.want.company {
				t.Errorf("company %q, want %q", recs[0].Company, tc.want.company)
			}
		})
	}
}

func TestReadJSONRequestSpellings(t *testing.T) {
	// POST /api/humans's body, plus what other Hub-like services send.
	doc := `{
	  "first_name": "Jane", "last_name": "Smith", "display_name": "Jane Smith", "nickname": "JS",
	  "job_title": "Developer", "department": "Engineering", "company_id": "2", "company": "Initech",
	  "birthday": "1995-05-20", "notes": "Important contact", "photo_url": "https://example.com/photo.jpg",
	  "source": "manual", "is_favorite": 0, "metadata": {"custom_field": "value", "level": 3},
	  "phone_numbers": [{"number": "+33612345678", "type": "mobile", "is_primary": true}, "+33 1 00 00 00 00"],
	  "emails": [{"address": "jane@example.com", "type": "work", "is_primary": "1"}],
	  "addresses": [{"address_type": "work", "street": "Main St", "postal_code": 75001, "state": "IDF", "city": "Paris"}],
	  "urls": ["https://jane.dev"], "ims": [{"type": "skype", "value": "live:jane"}],
	  "group_ids": [1, "2"], "groups": ["VIP"],
	  "created_at": "2024-01-15 10:30:00", "updated_at": null
	}`
	recs := readAll(t, func(fn func(Record) error) error { return ReadJSON(strings.NewReader(doc), fn) })
	if len(recs) != 1 || recs[0].Err != nil {
		t.Fatalf("records: %s", jsonText(recs))
	}
	want := &store.Human{
		FirstName: "Jane", LastName: "Smith", Nickname: "JS", JobTitle: "Developer", Department: "Engineering",
		Birthday: &store.Birthday{Year: 1995, Month: 5, Day: 20}, Notes: "Important contact",
		PhotoURL: "https://example.com/photo.jpg", Source: store.SourceManual,
		Phones:       []store.Phone{{Number: "+33612345678", Type: "mobile", IsPrimary: true}, {Number: "+33 1 00 00 00 00"}},
		Emails:       []store.Email{{Address: "jane@example.com", Type: "work", IsPrimary: true}},
		Addresses:    []store.Address{{Type: "work", Street: "Main St", Zip: "75001", Region: "IDF", City: "Paris"}},
		URLs:         []store.URL{{URL: "https://jane.dev"}},
		IMs:          []store.IM{{Handle: "live:jane", Service: "skype"}},
		CustomFields: map[string]string{"custom_field": "value", "level": "3"},
		CreatedAt:    time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC),
	}
	assertEqual(t, "Jane", recs[0].Human, want)
	assertEqual(t, "company and groups", []any{recs[0].Company, recs[0].Groups}, []any{"Initech", []string{"VIP"}})
}

func TestReadJSONMalformed(t *testing.T) {
	for _, doc := range []string{`[{"first_name":"A"},`, `[{"first_name":"A"} {"x":1}]`, `{"data": [}`, `"text"`, `42`} {
		n := 0
		err := ReadJSON(strings.NewReader(doc), func(Record) error { n++; return nil })
		if err == nil {
			t.Errorf("%s: no error", doc)
		}
	}
	if err := ReadJSON(strings.NewReader(`"text"`), func(Record) error { return nil }); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("a string is not a contacts document: %v", err)
	}
}
