package api

import (
	"net/url"
	"strconv"
	"testing"
	"time"
)

func TestListChangesFeedWithTombstones(t *testing.T) {
	e := newEnv(t, Options{RateLimit: -1})
	a := e.ok(201, "POST", "/api/humans", e.user, map[string]any{"first_name": "Ada", "uid": "uid-ada"})
	if a.body["data"].(map[string]any)["uid"] != "uid-ada" {
		t.Errorf("uid not kept on create: %s", a.raw)
	}
	e.ok(422, "POST", "/api/humans", e.user, map[string]any{"first_name": "Other", "uid": "uid-ada"})
	e.ok(400, "POST", "/api/humans", e.user, map[string]any{"first_name": "Other", "uid": 12})
	b := e.ok(201, "POST", "/api/humans", e.user, map[string]any{"first_name": "Bob"})
	mid := time.Now().UTC()
	time.Sleep(2 * time.Millisecond)
	bid := int64(b.body["data"].(map[string]any)["id"].(float64))
	e.ok(200, "DELETE", "/api/humans/"+strconv.FormatInt(bid, 10), e.user, nil)

	r := e.ok(200, "GET", "/api/humans?include_deleted=true&per_page=1&page=2", e.user, nil)
	data := r.body["data"].([]any)
	if len(data) != 1 || data[0].(map[string]any)["first_name"] != "Bob" || data[0].(map[string]any)["deleted_at"] == nil {
		t.Fatalf("page 2 of the feed: %s", r.raw)
	}
	p := r.body["pagination"].(map[string]any)
	if p["total"].(float64) != 2 || p["updated_since"] == nil {
		t.Errorf("pagination %v", p)
	}
	r = e.ok(200, "GET", "/api/humans?sort=updated_at&order=asc&updated_since="+url.QueryEscape(mid.Format(time.RFC3339Nano))+"&include_deleted=true", e.user, nil)
	if data := r.body["data"].([]any); len(data) != 1 || data[0].(map[string]any)["first_name"] != "Bob" {
		t.Errorf("since mid: %s", r.raw)
	}
	r = e.ok(200, "GET", "/api/humans?updated_since="+url.QueryEscape(mid.Format(time.RFC3339Nano)), e.user, nil)
	if data := r.body["data"].([]any); len(data) != 0 {
		t.Errorf("since mid without tombstones: %s", r.raw)
	}
	e.ok(400, "GET", "/api/humans?updated_since=yesterday", e.user, nil)
	e.ok(400, "GET", "/api/humans?updated_since=2026-01-01T00:00:00Z&q=ada", e.user, nil)
	e.ok(400, "GET", "/api/humans?include_deleted=true&sort=first_name", e.user, nil)
	// Without the parameters, the listing has no updated_since.
	r = e.ok(200, "GET", "/api/humans", e.user, nil)
	if _, ok := r.body["pagination"].(map[string]any)["updated_since"]; ok {
		t.Errorf("plain listing echoes updated_since: %s", r.raw)
	}
}
