package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
)

// exportBook: Ana and Bo work at Acme (1) and are in VIP (1); Cy is
// neither; Dee is in the trash.
func exportBook(t *testing.T, e *env) {
	t.Helper()
	e.ok(201, "POST", "/api/humans/companies", e.user, `{"name": "Acme"}`)
	e.ok(201, "POST", "/api/humans/groups", e.user, `{"name": "VIP"}`)
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Ana", "last_name": "Lima", "company_id": 1, "group_ids": [1],
		"phone_numbers": [{"number": "+33612345678", "type": "mobile", "is_primary": true}], "emails": [{"address": "ana@example.com"}]}`)
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Bo", "company_id": 1, "group_ids": [1]}`)
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Cy"}`)
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Dee"}`)
	e.ok(200, "DELETE", "/api/humans/4", e.user, nil)
}

func exportedNames(t *testing.T, r resp) []string {
	t.Helper()
	var names []string
	ct := r.header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		var list []map[string]any
		if err := json.Unmarshal(r.raw, &list); err != nil {
			t.Fatalf("JSON export: %v: %s", err, r.raw)
		}
		for _, h := range list {
			names = append(names, h["first_name"].(string))
		}
	case strings.HasPrefix(ct, "text/csv"):
		// The CSV starts with a byte-order mark, for spreadsheets.
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.raw, []byte("\ufeff")))).ReadAll()
		if err != nil || len(rows) == 0 || rows[0][0] != "id" {
			t.Fatalf("CSV export: %v: %s", err, r.raw)
		}
		col := slices.Index(rows[0], "first_name")
		for _, row := range rows[1:] {
			names = append(names, row[col])
		}
	case strings.HasPrefix(ct, "text/vcard"):
		for line := range strings.SplitSeq(string(r.raw), "\r\n") {
			if rest, ok := strings.CutPrefix(line, "N:"); ok {
				names = append(names, strings.Split(rest, ";")[1])
			}
		}
		if strings.Count(string(r.raw), "BEGIN:VCARD") != len(names) {
			t.Fatalf("vCard export: %s", r.raw)
		}
	default:
		t.Fatalf("Content-Type %q", ct)
	}
	slices.Sort(names)
	return names
}

func TestExport(t *testing.T) {
	e := newEnv(t, Options{})
	exportBook(t, e)
	for _, tc := range []struct {
		query, contentType, file string
		want                     []string
	}{
		{"", "application/json", "humans.json", []string{"Ana", "Bo", "Cy"}},
		{"?format=json", "application/json", "humans.json", []string{"Ana", "Bo", "Cy"}},
		{"?format=csv", "text/csv", "humans.csv", []string{"Ana", "Bo", "Cy"}},
		{"?format=vcard", "text/vcard", "humans.vcf", []string{"Ana", "Bo", "Cy"}},
		{"?format=vcard&version=4.0", "text/vcard", "humans.vcf", []string{"Ana", "Bo", "Cy"}},
		{"?format=csv&ids=3,1", "text/csv", "humans.csv", []string{"Ana", "Cy"}},
		{"?format=json&group_id=1", "application/json", "humans.json", []string{"Ana", "Bo"}},
		{"?format=vcard&company_id=1", "text/vcard", "humans.vcf", []string{"Ana", "Bo"}},
		{"?format=json&ids=99", "application/json", "humans.json", nil},
	} {
		r := e.ok(200, "GET", "/api/export"+tc.query, e.user, nil)
		if !strings.HasPrefix(r.header.Get("Content-Type"), tc.contentType) ||
			r.header.Get("Content-Disposition") != `attachment; filename="`+tc.file+`"` {
			t.Errorf("%s: Content-Type %q, Content-Disposition %q", tc.query, r.header.Get("Content-Type"), r.header.Get("Content-Disposition"))
			continue
		}
		if got := exportedNames(t, r); !slices.Equal(got, tc.want) {
			t.Errorf("%s: exported %v, want %v", tc.query, got, tc.want)
		}
	}
	// The JSON export carries the seed's response fields.
	var list []map[string]any
	json.Unmarshal(e.ok(200, "GET", "/api/export?ids=1", e.user, nil).raw, &list)
	if p := list[0]["phone_numbers"].([]any)[0].(map[string]any); p["phone_number"] != "+33612345678" || list[0]["company_name"] != "Acme" {
		t.Errorf("JSON export of Ana: %v", list[0])
	}
	// The CSV has the seed's columns.
	raw := e.ok(200, "GET", "/api/export?format=csv&ids=1", e.user, nil).raw
	rows, _ := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
	for _, col := range []string{"id", "first_name", "last_name", "job_title", "company", "birthday", "primary_phone", "primary_email"} {
		if !slices.Contains(rows[0], col) {
			t.Errorf("CSV has no %s column: %v", col, rows[0])
		}
	}
	e.fails(422, "validation_error", "GET", "/api/export?format=pdf", e.user, nil, "format")
	e.fails(422, "validation_error", "GET", "/api/export?format=vcard&version=2.1", e.user, nil, "version")
	e.fails(400, "bad_request", "GET", "/api/export?ids=1,x", e.user, nil, "ids")
	e.fails(400, "bad_request", "GET", "/api/export?group_id=abc", e.user, nil, "group_id")
	e.fails(404, "not_found", "GET", "/api/export?group_id=5", e.user, nil)
	e.fails(404, "not_found", "GET", "/api/export?company_id=5", e.user, nil)
	e.fails(401, "unauthorized", "GET", "/api/export", "", nil)
}

func TestExportUnifiedRestoresIntoAnEmptyBook(t *testing.T) {
	e := newEnv(t, Options{})
	exportBook(t, e)
	e.ok(201, "POST", "/api/sms/send", e.user, `{"human_id": 1, "message": "Hi {{first_name}}"}`)
	r := e.ok(200, "GET", "/api/export/unified", e.user, nil)
	var doc struct {
		Version   int              `json:"version"`
		Stats     app.Stats        `json:"stats"`
		Companies []map[string]any `json:"companies"`
		Groups    []map[string]any `json:"groups"`
		SMS       []map[string]any `json:"sms"`
		Humans    []map[string]any `json:"humans"`
	}
	if err := json.Unmarshal(r.raw, &doc); err != nil {
		t.Fatalf("unified: %v", err)
	}
	if doc.Version == 0 || doc.Stats.Total != 3 || doc.Stats.Trashed != 1 || len(doc.Companies) != 1 || len(doc.Groups) != 1 || len(doc.Humans) != 4 {
		t.Errorf("unified header: %+v", doc)
	}
	if len(doc.SMS) != 1 || doc.SMS[0]["body"] != "Hi Ana" || doc.SMS[0]["status"] != "queued" {
		t.Errorf("unified sms: %v", doc.SMS)
	}
	// What was downloaded imports into an empty book.
	file := filepath.Join(t.TempDir(), "unified.json")
	if err := os.WriteFile(file, r.raw, 0o600); err != nil {
		t.Fatal(err)
	}
	other, err := app.Open(app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.ImportFiles(ctx, []string{file}, app.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if st, _ := other.Stats(ctx); st.Total != 3 || st.Companies != 1 || st.Groups != 1 {
		t.Errorf("imported book: %+v", st)
	}
}
