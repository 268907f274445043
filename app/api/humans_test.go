package api

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
)

// seedCreate is the request body of POST /api/humans in seed 000 (its
// e-mail address is obfuscated there; a real one stands in).
const seedCreate = `{
  "first_name": "Jane",
  "last_name": "Smith",
  "display_name": "Jane Smith",
  "nickname": "JS",
  "job_title": "Developer",
  "department": "Engineering",
  "company_id": 2,
  "birthday": "1995-05-20",
  "notes": "Important contact",
  "photo_url": "https://example.com/photo.jpg",
  "source": "manual",
  "is_favorite": false,
  "metadata": {"custom_field": "value"},
  "phone_numbers": [{"number": "+33612345678", "type": "mobile", "is_primary": true}],
  "emails": [{"address": "jane.smith@example.com", "type": "work", "is_primary": true}],
  "group_ids": [1, 2]
}`

// seedBook makes the companies and groups seed 000's examples refer to.
func seedBook(t *testing.T, e *env) {
	t.Helper()
	e.ok(201, "POST", "/api/humans/companies", e.user, map[string]any{"name": "Acme Corp"})
	e.ok(201, "POST", "/api/humans/companies", e.user, map[string]any{"name": "Globex"})
	e.ok(201, "POST", "/api/humans/groups", e.user, map[string]any{"name": "VIP", "color": "#FF5733"})
	e.ok(201, "POST", "/api/humans/groups", e.user, map[string]any{"name": "Team", "color": "#00AA00"})
}

func TestCreateHumanFromSeedExample(t *testing.T) {
	e := newEnv(t, Options{})
	seedBook(t, e)
	r := e.ok(201, "POST", "/api/humans", e.user, seedCreate)
	d := r.data()
	if r.body["message"] == nil {
		t.Errorf("no message in %s", r.raw)
	}
	id := num(d["id"])
	if id != 1 || r.header.Get("Location") != "/api/humans/1" || r.header.Get("ETag") == "" {
		t.Errorf("id %d, Location %q, ETag %q", id, r.header.Get("Location"), r.header.Get("ETag"))
	}
	want := map[string]any{
		"first_name": "Jane", "last_name": "Smith", "display_name": "Jane Smith", "nickname": "JS",
		"job_title": "Developer", "department": "Engineering", "company_id": 2.0, "company_name": "Globex",
		"birthday": "1995-05-20", "notes": "Important contact", "photo_url": "https://example.com/photo.jpg",
		"source": "manual", "is_favorite": false, "metadata": map[string]any{"custom_field": "value"},
		"phone_numbers": []any{map[string]any{"phone_number": "+33612345678", "phone_type": "mobile", "is_primary": true}},
		"emails":        []any{map[string]any{"email": "jane.smith@example.com", "email_type": "work", "is_primary": true}},
		"groups": []any{
			map[string]any{"id": 1.0, "name": "VIP", "color": "#FF5733"},
			map[string]any{"id": 2.0, "name": "Team", "color": "#00AA00"},
		},
		"group_ids": []any{1.0, 2.0},
	}
	for k, v := range want {
		if !reflect.DeepEqual(d[k], v) {
			t.Errorf("%s = %#v, want %#v", k, d[k], v)
		}
	}
	for _, k := range []string{"uid", "created_at", "updated_at", "etag", "addresses", "urls", "ims", "consents"} {
		if _, ok := d[k]; !ok {
			t.Errorf("no %s in %s", k, r.raw)
		}
	}
	// GET answers the same object.
	g := e.ok(200, "GET", "/api/humans/1", e.user, nil)
	if !reflect.DeepEqual(g.data(), d) {
		t.Errorf("GET differs from the creation answer:\n%v\n%v", g.data(), d)
	}
	// The list answers the seed's shape with its pagination object.
	l := e.ok(200, "GET", "/api/humans", e.user, nil)
	if len(l.list()) != 1 || !reflect.DeepEqual(l.list()[0], d) {
		t.Errorf("list: %s", l.raw)
	}
	wantPage := map[string]any{"page": 1.0, "per_page": 20.0, "total": 1.0, "total_pages": 1.0}
	if !reflect.DeepEqual(l.pagination(), wantPage) {
		t.Errorf("pagination %v, want %v", l.pagination(), wantPage)
	}
}

func TestCreateHumanAcceptsBothSpellings(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Ana",
		"phone_numbers": [{"phone_number": "+33 6 11 22 33 44", "phone_type": "home"}, {"number": "0611", "type": "work", "extension": "12"}],
		"emails": [{"email": "ana@example.com", "email_type": "home"}, {"address": "ana@work.example", "type": "work"}],
		"custom_fields": {"tier": 3, "vip": true}}`).data()
	phones := d["phone_numbers"].([]any)
	if p := phones[0].(map[string]any); p["phone_number"] != "+33 6 11 22 33 44" || p["phone_type"] != "home" {
		t.Errorf("response spelling of a phone not read: %v", p)
	}
	if p := phones[1].(map[string]any); p["phone_number"] != "0611" || p["phone_type"] != "work" || p["extension"] != "12" {
		t.Errorf("request spelling of a phone not read: %v", p)
	}
	emails := d["emails"].([]any)
	if m := emails[0].(map[string]any); m["email"] != "ana@example.com" || m["email_type"] != "home" {
		t.Errorf("response spelling of an e-mail not read: %v", m)
	}
	if m := emails[1].(map[string]any); m["email"] != "ana@work.example" || m["email_type"] != "work" {
		t.Errorf("request spelling of an e-mail not read: %v", m)
	}
	if md := d["metadata"].(map[string]any); md["tier"] != "3" || md["vip"] != "true" {
		t.Errorf("metadata %v", md)
	}
	// Unknown fields are ignored.
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Bo", "shoe_size": 44, "tenant_id": "x"}`)
}

func TestUpdateHumanIsPartial(t *testing.T) {
	e := newEnv(t, Options{})
	seedBook(t, e)
	created := e.ok(201, "POST", "/api/humans", e.user, seedCreate).data()

	// Only job_title changes.
	d := e.ok(200, "PUT", "/api/humans/1", e.user, `{"job_title": "CTO"}`).data()
	for k, v := range created {
		switch k {
		case "job_title":
			if d[k] != "CTO" {
				t.Errorf("job_title = %v", d[k])
			}
		case "updated_at", "etag":
		default:
			if !reflect.DeepEqual(d[k], v) {
				t.Errorf("%s changed by a PUT that did not send it: %v → %v", k, v, d[k])
			}
		}
	}
	// Lists are replaced whole; null clears a reference.
	d = e.ok(200, "PUT", "/api/humans/1", e.user, `{"phone_numbers": [{"number": "+1 415 555 0132", "type": "work"}],
		"company_id": null, "birthday": null, "group_ids": [2], "notes": null}`).data()
	if p := d["phone_numbers"].([]any); len(p) != 1 || p[0].(map[string]any)["phone_number"] != "+1 415 555 0132" {
		t.Errorf("phones %v", p)
	}
	if d["company_id"] != nil || d["company_name"] != nil || d["birthday"] != nil || d["notes"] != "" {
		t.Errorf("null did not clear: company %v %v birthday %v notes %v", d["company_id"], d["company_name"], d["birthday"], d["notes"])
	}
	if g := d["groups"].([]any); len(g) != 1 || g[0].(map[string]any)["name"] != "Team" {
		t.Errorf("groups %v", g)
	}
	if len(d["emails"].([]any)) != 1 {
		t.Errorf("emails touched: %v", d["emails"])
	}
}

func TestIfMatch(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Ana"}`).data()
	stale := d["etag"].(string)
	e.ok(200, "PUT", "/api/humans/1", e.user, `{"last_name": "Lima"}`)
	req, _ := http.NewRequest("PUT", e.srv.URL+"/api/humans/1", strings.NewReader(`{"nickname": "A"}`))
	req.Header.Set(APIKeyHeader, e.user)
	req.Header.Set("If-Match", `"`+stale+`"`)
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusPreconditionFailed {
		t.Errorf("stale If-Match: %d, want 412", res.StatusCode)
	}
	if h, _ := e.svc.Human(ctx, 1); h.Nickname != "" {
		t.Errorf("a refused update changed the contact: %q", h.Nickname)
	}
}

func TestHumanValidationAndTypeErrors(t *testing.T) {
	e := newEnv(t, Options{})
	// 422 with every field's problem at once.
	e.fails(422, "validation_error", "POST", "/api/humans", e.user,
		`{"first_name": "Ana", "emails": [{"address": "nope"}], "company_id": 9, "birthday": "1995-13-45", "group_ids": [4], "gender": "dragon"}`,
		"emails[0].address", "company_id", "group_ids", "gender")
	e.fails(422, "validation_error", "POST", "/api/humans", e.user, `{"first_name": "Ana", "birthday": "soon"}`, "birthday")
	e.fails(422, "validation_error", "POST", "/api/humans", e.user, `{}`, "name")
	// 400: malformed JSON, a body that is not an object, wrong types.
	e.fails(400, "bad_request", "POST", "/api/humans", e.user, `{"first_name": "Ana",`)
	e.fails(400, "bad_request", "POST", "/api/humans", e.user, `[1, 2]`)
	e.fails(400, "bad_request", "POST", "/api/humans", e.user, `null`)
	e.fails(400, "bad_request", "POST", "/api/humans", e.user, ``)
	e.fails(400, "bad_request", "POST", "/api/humans", e.user,
		`{"first_name": 5, "company_id": "2", "is_favorite": "yes", "group_ids": ["a"], "phone_numbers": {"number": "1"}, "metadata": {"x": [1]}}`,
		"first_name", "company_id", "is_favorite", "group_ids", "phone_numbers", "metadata.x")
	e.fails(400, "bad_request", "POST", "/api/humans", e.user, `{"first_name": "Ana", "company_id": 1.5}`, "company_id")
	// Nothing was written by any of them.
	if st, _ := e.svc.Stats(ctx); st.Total != 0 {
		t.Errorf("%d contacts after refused requests", st.Total)
	}
	e.fails(400, "bad_request", "GET", "/api/humans/abc", e.user, nil, "id")
	e.fails(400, "bad_request", "GET", "/api/humans/-1", e.user, nil, "id")
	e.fails(404, "not_found", "GET", "/api/humans/99", e.user, nil)
	e.fails(404, "not_found", "PUT", "/api/humans/99", e.user, `{"first_name": "X"}`)
	e.fails(404, "not_found", "DELETE", "/api/humans/99", e.user, nil)
	e.fails(404, "not_found", "POST", "/api/humans/99/favorite", e.user, nil)
}

func TestDeleteIsSoftAndFavouriteToggles(t *testing.T) {
	e := newEnv(t, Options{})
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Ana"}`)
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Bo"}`)
	f := e.ok(200, "POST", "/api/humans/1/favorite", e.user, nil).data()
	if !reflect.DeepEqual(f, map[string]any{"id": 1.0, "is_favorite": true}) {
		t.Errorf("favourite: %v", f)
	}
	if f := e.ok(200, "POST", "/api/humans/1/favorite", e.user, nil).data(); f["is_favorite"] != false {
		t.Errorf("second toggle: %v", f)
	}
	e.ok(200, "DELETE", "/api/humans/2", e.user, nil)
	e.fails(404, "not_found", "GET", "/api/humans/2", e.user, nil)
	e.fails(404, "not_found", "DELETE", "/api/humans/2", e.user, nil)
	if l := e.ok(200, "GET", "/api/humans", e.user, nil); num(l.pagination()["total"]) != 1 {
		t.Errorf("list after delete: %s", l.raw)
	}
	st := e.ok(200, "GET", "/api/humans/stats", e.user, nil).data()
	if num(st["total"]) != 1 || num(st["trashed"]) != 1 {
		t.Errorf("stats %v", st)
	}
	// Soft: the contact is in the trash and can come back.
	if h, err := e.svc.RestoreHuman(ctx, 2); err != nil || h.FirstName != "Bo" {
		t.Errorf("restore: %v %v", h, err)
	}
}

func TestListPaginationFiltersAndSort(t *testing.T) {
	e := newEnv(t, Options{})
	seedBook(t, e)
	var hs []*app.Human
	for i := range 45 {
		h := &app.Human{FirstName: fmt.Sprintf("P%02d", i), LastName: "Doe", IsFavorite: i%3 == 0}
		if i%5 == 0 {
			h.CompanyID = 1
			h.GroupIDs = []int64{2}
		}
		if i%9 == 0 {
			h.Source = "google"
		}
		hs = append(hs, h)
	}
	if _, err := e.svc.CreateHumans(ctx, hs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query             string
		page, per, total  int
		pages, len        int
		firstName         string
		lastPageFirstName string
	}{
		{"", 1, 20, 45, 3, 20, "", ""},
		{"?page=3", 3, 20, 45, 3, 5, "", ""},
		{"?page=4", 4, 20, 45, 3, 0, "", ""},
		{"?per_page=100", 1, 100, 45, 1, 45, "", ""},
		{"?per_page=500", 1, 100, 45, 1, 45, "", ""}, // larger asks get the maximum
		{"?per_page=7&page=7", 7, 7, 45, 7, 3, "", ""},
		{"?sort=first_name&order=ASC", 1, 20, 45, 3, 20, "P00", ""},
		{"?sort=first_name&order=desc", 1, 20, 45, 3, 20, "P44", ""},
		{"?is_favorite=true", 1, 20, 15, 1, 15, "", ""},
		{"?is_favorite=0", 1, 20, 30, 2, 20, "", ""},
		{"?company_id=1", 1, 20, 9, 1, 9, "", ""},
		{"?group_id=2", 1, 20, 9, 1, 9, "", ""},
		{"?source=google", 1, 20, 5, 1, 5, "", ""},
		{"?q=p01", 1, 20, 1, 1, 1, "P01", ""},
		{"?search=p02", 1, 20, 1, 1, 1, "P02", ""},
		{"?company_id=1&is_favorite=true", 1, 20, 3, 1, 3, "", ""},
	} {
		r := e.ok(200, "GET", "/api/humans"+tc.query, e.user, nil)
		want := map[string]any{"page": float64(tc.page), "per_page": float64(tc.per), "total": float64(tc.total), "total_pages": float64(tc.pages)}
		if !reflect.DeepEqual(r.pagination(), want) {
			t.Errorf("%s: pagination %v, want %v", tc.query, r.pagination(), want)
		}
		if len(r.list()) != tc.len {
			t.Errorf("%s: %d contacts, want %d", tc.query, len(r.list()), tc.len)
		}
		if tc.firstName != "" && len(r.list()) > 0 && r.list()[0].(map[string]any)["first_name"] != tc.firstName {
			t.Errorf("%s: first is %v, want %s", tc.query, r.list()[0].(map[string]any)["first_name"], tc.firstName)
		}
	}
	// Default order: newest first.
	l := e.ok(200, "GET", "/api/humans", e.user, nil).list()
	if l[0].(map[string]any)["first_name"] != "P44" {
		t.Errorf("default order starts with %v, want the newest", l[0].(map[string]any)["first_name"])
	}
	e.fails(400, "bad_request", "GET", "/api/humans?page=abc&per_page=x&is_favorite=maybe&company_id=-3", e.user, nil,
		"page", "per_page", "is_favorite", "company_id")
	e.fails(400, "bad_request", "GET", "/api/humans?per_page=0", e.user, nil, "per_page")
	e.fails(400, "bad_request", "GET", "/api/humans?page=0", e.user, nil, "page")
	e.fails(422, "validation_error", "GET", "/api/humans?sort=age&order=up&source=fax", e.user, nil, "sort", "order", "source")
}

func TestSearchLimits(t *testing.T) {
	e := newEnv(t, Options{})
	var hs []*app.Human
	for i := range 130 {
		hs = append(hs, &app.Human{FirstName: "Zoë", LastName: fmt.Sprintf("Núñez%03d", i)})
	}
	hs = append(hs, &app.Human{FirstName: "Other", Phones: []app.Phone{{Number: "+33 6 12 34 56 78", Type: "mobile"}}})
	if _, err := e.svc.CreateHumans(ctx, hs); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"?q=zoe", 50},
		{"?q=zoe&limit=5", 5},
		{"?q=zoe&limit=100", 100},
		{"?q=zoe&limit=1000", 100},
		{"?q=nunez001", 1},
		{"?q=0612", 1},
		{"?q=nobody", 0},
	} {
		r := e.ok(200, "GET", "/api/humans/search"+tc.query, e.user, nil)
		if len(r.list()) != tc.want {
			t.Errorf("%s: %d results, want %d", tc.query, len(r.list()), tc.want)
		}
	}
	if d := e.ok(200, "GET", "/api/humans/search?q=nunez007", e.user, nil).list(); d[0].(map[string]any)["last_name"] != "Núñez007" {
		t.Errorf("search result %v", d[0])
	}
	e.fails(422, "validation_error", "GET", "/api/humans/search?q=z", e.user, nil, "q")
	e.fails(422, "validation_error", "GET", "/api/humans/search", e.user, nil, "q")
	e.fails(400, "bad_request", "GET", "/api/humans/search?q=zoe&limit=ten", e.user, nil, "limit")
	e.fails(400, "bad_request", "GET", "/api/humans/search?q=zoe&limit=0", e.user, nil, "limit")
}
