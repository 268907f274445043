package api

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// smsBook: Ana (mobile, at Acme, CTO) and Bo (home phone only) in group 1,
// Cy (mobile) outside it.
func smsBook(t *testing.T, e *env) {
	t.Helper()
	e.ok(201, "POST", "/api/humans/companies", e.user, `{"name": "Acme"}`)
	e.ok(201, "POST", "/api/humans/groups", e.user, `{"name": "Team"}`)
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Ana", "last_name": "Lima", "job_title": "CTO", "company_id": 1, "group_ids": [1],
		"phone_numbers": [{"number": "+33 1 40 00 00 00", "type": "work"}, {"number": "+33612345678", "type": "mobile", "is_primary": true}]}`)
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Bo", "group_ids": [1], "phone_numbers": [{"number": "+33140000001", "type": "home"}]}`)
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Cy", "phone_numbers": [{"number": "+33699999999", "type": "mobile"}]}`)
}

func TestSendSMS(t *testing.T) {
	e := newEnv(t, Options{})
	smsBook(t, e)
	d := e.ok(201, "POST", "/api/sms/send", e.user,
		`{"human_id": 1, "message": "Hi {{first_name}} {{last_name}} ({{display_name}}), {{job_title}} at {{company_name}} {{unknown}}"}`).data()
	want := map[string]any{"id": 1.0, "human_id": 1.0, "to": "+33612345678", "direction": "outbound", "status": "queued",
		"message": "Hi Ana Lima (Ana Lima), CTO at Acme {{unknown}}", "sent_at": nil}
	for k, v := range want {
		if !reflect.DeepEqual(d[k], v) {
			t.Errorf("%s = %v, want %v", k, d[k], v)
		}
	}
	// An explicit number wins over the contact's; a bare number has no
	// contact, and its variables are empty.
	if d := e.ok(201, "POST", "/api/sms/send", e.user, `{"human_id": 2, "to": "+33600000000", "message": "Yo {{first_name}}"}`).data(); d["to"] != "+33600000000" || d["message"] != "Yo Bo" {
		t.Errorf("explicit number: %v", d)
	}
	if d := e.ok(201, "POST", "/api/sms/send", e.user, `{"to": "+33600000000", "message": "Hello {{first_name}}"}`).data(); d["human_id"] != nil || d["message"] != "Hello " {
		t.Errorf("bare number: %v", d)
	}
	e.fails(422, "validation_error", "POST", "/api/sms/send", e.user, `{"human_id": 2, "message": "hi"}`, "to")
	e.fails(422, "validation_error", "POST", "/api/sms/send", e.user, `{"human_id": 42, "message": "hi"}`, "human_id")
	e.fails(422, "validation_error", "POST", "/api/sms/send", e.user, `{"message": "hi"}`, "to")
	e.fails(422, "validation_error", "POST", "/api/sms/send", e.user, `{"to": "call me", "message": " "}`, "to", "message")
	e.fails(422, "validation_error", "POST", "/api/sms/send", e.user, fmt.Sprintf(`{"to": "+33600000000", "message": %q}`, strings.Repeat("a", 1601)), "message")
	e.fails(400, "bad_request", "POST", "/api/sms/send", e.user, `{"human_id": "1", "message": 5}`, "human_id", "message")
	if p := e.ok(200, "GET", "/api/sms", e.user, nil).pagination(); num(p["total"]) != 3 {
		t.Errorf("refused sends were stored: %v", p)
	}
}

func TestSendBulkSMS(t *testing.T) {
	e := newEnv(t, Options{})
	smsBook(t, e)
	e.ok(200, "DELETE", "/api/humans/3", e.user, nil)
	r := e.ok(201, "POST", "/api/sms/send-bulk", e.user, `{"group_id": 1, "message": "Hi {{first_name}}"}`)
	d := r.data()
	if num(d["requested"]) != 2 || num(d["queued"]) != 1 {
		t.Errorf("group send: %s", r.raw)
	}
	skipped := d["skipped"].([]any)
	if len(skipped) != 1 || !reflect.DeepEqual(skipped[0], map[string]any{"human_id": 2.0, "display_name": "Bo", "reason": "no mobile number"}) {
		t.Errorf("skipped %v", skipped)
	}
	if m := d["messages"].([]any)[0].(map[string]any); m["message"] != "Hi Ana" || m["to"] != "+33612345678" {
		t.Errorf("queued %v", m)
	}
	d = e.ok(201, "POST", "/api/sms/send-bulk", e.user, `{"human_ids": [1, 2, 3, 77, 1], "message": "{{display_name}}!"}`).data()
	if num(d["requested"]) != 5 || num(d["queued"]) != 1 || len(d["skipped"].([]any)) != 3 {
		t.Errorf("ids send: %v", d)
	}
	reasons := map[float64]string{}
	for _, s := range d["skipped"].([]any) {
		m := s.(map[string]any)
		reasons[m["human_id"].(float64)] = m["reason"].(string)
	}
	if !reflect.DeepEqual(reasons, map[float64]string{2: "no mobile number", 3: "no such contact", 77: "no such contact"}) {
		t.Errorf("reasons %v", reasons)
	}
	// Nobody reachable: 200, nothing queued.
	if r := e.ok(200, "POST", "/api/sms/send-bulk", e.user, `{"human_ids": [2], "message": "x"}`); num(r.data()["queued"]) != 0 {
		t.Errorf("unreachable: %s", r.raw)
	}
	e.fails(422, "validation_error", "POST", "/api/sms/send-bulk", e.user, `{"message": "x"}`, "human_ids")
	e.fails(422, "validation_error", "POST", "/api/sms/send-bulk", e.user, `{"human_ids": [1], "group_id": 1, "message": "x"}`, "group_id")
	e.fails(422, "validation_error", "POST", "/api/sms/send-bulk", e.user, `{"group_id": 9, "message": "x"}`, "group_id")
	e.fails(422, "validation_error", "POST", "/api/sms/send-bulk", e.user, `{"group_id": 1, "message": ""}`, "message")
	e.fails(400, "bad_request", "POST", "/api/sms/send-bulk", e.user, `{"human_ids": 1, "message": "x"}`, "human_ids")
}

func TestListSMSAndStats(t *testing.T) {
	clock := &fakeClock{t: time.Now().Add(-100 * 24 * time.Hour)}
	e := newEnv(t, Options{Now: clock.Now})
	smsBook(t, e)
	for i := range 25 {
		body := map[string]any{"human_id": 1 + 2*(i%2), "message": fmt.Sprintf("note %d for {{first_name}}", i)}
		e.ok(201, "POST", "/api/sms/send", e.user, body)
	}
	for _, tc := range []struct {
		query             string
		page, per, total  int
		pages, len, first int
	}{
		{"", 1, 20, 25, 2, 20, 25},
		{"?page=2", 2, 20, 25, 2, 5, 5},
		{"?per_page=10&page=3", 3, 10, 25, 3, 5, 5},
		{"?per_page=1000", 1, 100, 25, 1, 25, 25},
		{"?human_id=3", 1, 20, 12, 1, 12, 24},
		{"?q=CY", 1, 20, 12, 1, 12, 24},
		{"?q=note%2013", 1, 20, 1, 1, 1, 14},
		{"?status=queued&direction=outbound", 1, 20, 25, 2, 20, 25},
		{"?status=delivered", 1, 20, 0, 0, 0, 0},
		{"?direction=inbound", 1, 20, 0, 0, 0, 0},
	} {
		r := e.ok(200, "GET", "/api/sms"+tc.query, e.user, nil)
		want := map[string]any{"page": float64(tc.page), "per_page": float64(tc.per), "total": float64(tc.total), "total_pages": float64(tc.pages)}
		if !reflect.DeepEqual(r.pagination(), want) || len(r.list()) != tc.len {
			t.Errorf("%s: pagination %v (%d messages), want %v (%d)", tc.query, r.pagination(), len(r.list()), want, tc.len)
			continue
		}
		if tc.len > 0 && num(r.list()[0].(map[string]any)["id"]) != tc.first {
			t.Errorf("%s: first id %v, want %d (newest first)", tc.query, r.list()[0].(map[string]any)["id"], tc.first)
		}
	}
	e.fails(422, "validation_error", "GET", "/api/sms?status=lost&direction=sideways", e.user, nil, "status", "direction")
	e.fails(400, "bad_request", "GET", "/api/sms?human_id=x&page=-1", e.user, nil, "human_id", "page")

	// The stats count by period: these 25 are 100 days old for 7d/30d/90d.
	st := e.ok(200, "GET", "/api/sms/stats?period=all", e.user, nil).data()
	if num(st["total"]) != 25 || num(st["outbound"]) != 25 || st["period"] != "all" || st["since"] != nil ||
		!reflect.DeepEqual(st["by_status"], map[string]any{"queued": 25.0, "sending": 0.0, "sent": 0.0, "delivered": 0.0, "failed": 0.0}) {
		t.Errorf("all: %v", st)
	}
	clock.Advance(100 * 24 * time.Hour)
	e.ok(201, "POST", "/api/sms/send", e.user, `{"to": "+33600000000", "message": "now"}`)
	for period, want := range map[string]int{"7d": 1, "30d": 1, "90d": 1, "all": 26, "": 1} {
		st := e.ok(200, "GET", "/api/sms/stats?period="+period, e.user, nil).data()
		if num(st["total"]) != want || num(st["by_status"].(map[string]any)["queued"]) != want {
			t.Errorf("period %q: %v, want total %d", period, st, want)
		}
	}
	if st := e.ok(200, "GET", "/api/sms/stats", e.user, nil).data(); st["period"] != "30d" || st["since"] == nil {
		t.Errorf("default period: %v", st)
	}
	e.fails(422, "validation_error", "GET", "/api/sms/stats?period=1y", e.user, nil, "period")
}
