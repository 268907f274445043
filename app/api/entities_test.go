package api

import (
	"reflect"
	"testing"
)

func TestCompanies(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.ok(201, "POST", "/api/humans/companies", e.user,
		`{"name": "Acme Corp", "email": "hello@acme.example", "website": "https://acme.example", "vat_number": "FR123", "is_customer": true, "address": {"city": "Lyon", "country": "FR"}}`)
	d := c.data()
	if num(d["id"]) != 1 || d["name"] != "Acme Corp" || d["is_customer"] != true || d["parent_id"] != nil ||
		d["address"].(map[string]any)["city"] != "Lyon" || c.header.Get("Location") != "/api/humans/companies/1" {
		t.Errorf("created %s", c.raw)
	}
	e.ok(201, "POST", "/api/humans/companies", e.user, `{"name": "Acme Lyon", "parent_id": 1}`)
	e.fails(422, "validation_error", "POST", "/api/humans/companies", e.user, `{"name": " ", "email": "x", "parent_id": 42}`, "name", "email", "parent_id")
	e.fails(400, "bad_request", "POST", "/api/humans/companies", e.user, `{"name": 3, "is_customer": "yes"}`, "name", "is_customer")

	l := e.ok(200, "GET", "/api/humans/companies", e.user, nil).list()
	if len(l) != 2 || l[0].(map[string]any)["name"] != "Acme Corp" || num(l[1].(map[string]any)["parent_id"]) != 1 {
		t.Errorf("list %v", l)
	}
	// PUT changes only what it sends.
	u := e.ok(200, "PUT", "/api/humans/companies/1", e.user, `{"notes": "key account"}`).data()
	if u["notes"] != "key account" || u["vat_number"] != "FR123" || u["email"] != "hello@acme.example" {
		t.Errorf("update %v", u)
	}
	e.fails(422, "validation_error", "PUT", "/api/humans/companies/1", e.user, `{"parent_id": 2}`, "parent_id")
	e.fails(404, "not_found", "GET", "/api/humans/companies/9", e.user, nil)
	e.fails(404, "not_found", "PUT", "/api/humans/companies/9", e.user, `{"name": "x"}`)

	// Deleting a company keeps its people.
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Ana", "company_id": 1}`)
	e.ok(200, "DELETE", "/api/humans/companies/1", e.user, nil)
	e.fails(404, "not_found", "DELETE", "/api/humans/companies/1", e.user, nil)
	h := e.ok(200, "GET", "/api/humans/1", e.user, nil).data()
	if h["company_id"] != nil {
		t.Errorf("person still linked to a deleted company: %v", h["company_id"])
	}
}

func TestGroupsAndMembers(t *testing.T) {
	e := newEnv(t, Options{})
	g := e.ok(201, "POST", "/api/humans/groups", e.user, `{"name": "VIP", "color": "#FF5733", "description": "best"}`).data()
	want := map[string]any{"id": 1.0, "name": "VIP", "color": "#FF5733", "description": "best", "member_count": 0.0}
	for k, v := range want {
		if g[k] != v {
			t.Errorf("%s = %v, want %v", k, g[k], v)
		}
	}
	e.fails(422, "validation_error", "POST", "/api/humans/groups", e.user, `{"name": "vip"}`, "name")
	e.fails(422, "validation_error", "POST", "/api/humans/groups", e.user, `{"name": "Red", "color": "red"}`, "color")
	for _, n := range []string{"Ana", "Bo", "Cy"} {
		e.ok(201, "POST", "/api/humans", e.user, map[string]any{"first_name": n})
	}
	e.ok(200, "DELETE", "/api/humans/3", e.user, nil)

	// added / requested / valid: 99 is nobody, 3 is in the trash, 1 twice.
	r := e.ok(200, "POST", "/api/humans/groups/1/members", e.user, `{"human_ids": [1, 2, 99, 3, 1]}`).data()
	if !reflect.DeepEqual(r, map[string]any{"added": 2.0, "requested": 5.0, "valid": 2.0}) {
		t.Errorf("add: %v", r)
	}
	r = e.ok(200, "POST", "/api/humans/groups/1/members", e.user, `{"human_ids": [1]}`).data()
	if !reflect.DeepEqual(r, map[string]any{"added": 0.0, "requested": 1.0, "valid": 1.0}) {
		t.Errorf("adding again: %v", r)
	}
	l := e.ok(200, "GET", "/api/humans/groups", e.user, nil).list()
	if len(l) != 1 || num(l[0].(map[string]any)["member_count"]) != 2 {
		t.Errorf("list %v", l)
	}
	full := e.ok(200, "GET", "/api/humans/groups/1", e.user, nil).data()
	members := full["members"].([]any)
	if num(full["member_count"]) != 2 || len(members) != 2 || members[0].(map[string]any)["first_name"] != "Ana" ||
		members[1].(map[string]any)["groups"].([]any)[0].(map[string]any)["name"] != "VIP" {
		t.Errorf("group with members: %v", full)
	}
	r = e.ok(200, "DELETE", "/api/humans/groups/1/members", e.user, `{"human_ids": [2, 99]}`).data()
	if !reflect.DeepEqual(r, map[string]any{"removed": 1.0, "requested": 2.0, "valid": 1.0}) {
		t.Errorf("remove: %v", r)
	}
	e.fails(422, "validation_error", "POST", "/api/humans/groups/1/members", e.user, `{"human_ids": []}`, "human_ids")
	e.fails(400, "bad_request", "POST", "/api/humans/groups/1/members", e.user, `{"human_ids": "1,2"}`, "human_ids")
	e.fails(404, "not_found", "POST", "/api/humans/groups/7/members", e.user, `{"human_ids": [1]}`)
	e.fails(404, "not_found", "GET", "/api/humans/groups/7", e.user, nil)

	u := e.ok(200, "PUT", "/api/humans/groups/1", e.user, `{"name": "Gold"}`).data()
	if u["name"] != "Gold" || u["color"] != "#FF5733" || num(u["member_count"]) != 1 {
		t.Errorf("update %v", u)
	}
	e.ok(200, "DELETE", "/api/humans/groups/1", e.user, nil)
	if h := e.ok(200, "GET", "/api/humans/1", e.user, nil).data(); len(h["groups"].([]any)) != 0 {
		t.Errorf("member still in a deleted group: %v", h["groups"])
	}
}
