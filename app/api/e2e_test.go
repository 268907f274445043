package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
)

// client is a script's view of the API: plain HTTP with a key.
type client struct {
	t    *testing.T
	base string
	key  string
	http *http.Client
}

func (c *client) call(method, path string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set(APIKeyHeader, c.key)
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if p, ok := out.(*[]byte); ok {
			*p = raw
		} else if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

// serve runs the API of a data directory on a loopback port, as the
// app's server mounts it, until the returned stop is called.
func serve(t *testing.T, dir string) (base string, svc *app.Service, stop func()) {
	t.Helper()
	svc, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", New(svc, Options{Version: "e2e"}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), svc, func() {
		srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("server: %v", err)
		}
		svc.Close()
	}
}

type envl[T any] struct {
	Success    bool           `json:"success"`
	Data       T              `json:"data"`
	Pagination map[string]int `json:"pagination"`
	Error      map[string]any `json:"error"`
}

func TestEndToEnd(t *testing.T) {
	dir := t.TempDir()
	// A fresh data directory has no key: the first comes from the
	// service, as `humans apikey create` makes it.
	bootstrap, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	adminKey, _, err := bootstrap.CreateAPIKey(ctx, "owner", app.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	bootstrap.Close()

	base, _, stop := serve(t, dir)
	admin := &client{t: t, base: base, key: adminKey, http: &http.Client{Timeout: 10 * time.Second}}

	var created envl[map[string]any]
	if code := admin.call("POST", "/api/admin/api-keys", map[string]any{"name": "script", "role": "user"}, &created); code != 201 {
		t.Fatalf("creating a user key: %d %v", code, created.Error)
	}
	c := &client{t: t, base: base, key: created.Data["key"].(string), http: admin.http}

	var company, group envl[map[string]any]
	c.call("POST", "/api/humans/companies", map[string]any{"name": "Acme Corp"}, &company)
	c.call("POST", "/api/humans/groups", map[string]any{"name": "VIP", "color": "#FF5733"}, &group)
	people := []map[string]any{
		{"first_name": "Zoë", "last_name": "Núñez", "company_id": company.Data["id"], "job_title": "CTO",
			"phone_numbers": []any{map[string]any{"number": "+33612345678", "type": "mobile", "is_primary": true}},
			"emails":        []any{map[string]any{"address": "zoe@acme.example", "type": "work"}}},
		{"first_name": "Łukasz", "last_name": "Nowak", "phone_numbers": []any{map[string]any{"number": "+48 601 234 567", "type": "mobile"}}},
		{"first_name": "John", "last_name": "Doe", "emails": []any{map[string]any{"address": "john@example.com"}}},
	}
	var ids []int64
	for _, p := range people {
		var h envl[map[string]any]
		if code := c.call("POST", "/api/humans", p, &h); code != 201 {
			t.Fatalf("create %v: %d %v", p["first_name"], code, h.Error)
		}
		ids = append(ids, int64(h.Data["id"].(float64)))
	}

	var list envl[[]map[string]any]
	c.call("GET", "/api/humans?per_page=2&sort=last_name&order=asc", nil, &list)
	if list.Pagination["total"] != 3 || list.Pagination["total_pages"] != 2 || len(list.Data) != 2 || list.Data[0]["last_name"] != "Doe" {
		t.Errorf("list: %v %v", list.Pagination, list.Data)
	}
	var found envl[[]map[string]any]
	c.call("GET", "/api/humans/search?q=lukasz", nil, &found)
	if len(found.Data) != 1 || found.Data[0]["first_name"] != "Łukasz" {
		t.Errorf("search: %v", found.Data)
	}

	var added envl[map[string]int]
	gid := int64(group.Data["id"].(float64))
	c.call("POST", fmt.Sprintf("/api/humans/groups/%d/members", gid), map[string]any{"human_ids": ids}, &added)
	if added.Data["added"] != 3 || added.Data["valid"] != 3 {
		t.Errorf("members added: %v", added.Data)
	}
	var removed envl[map[string]int]
	c.call("DELETE", fmt.Sprintf("/api/humans/groups/%d/members", gid), map[string]any{"human_ids": []int64{ids[2]}}, &removed)
	var g envl[map[string]any]
	c.call("GET", fmt.Sprintf("/api/humans/groups/%d", gid), nil, &g)
	if removed.Data["removed"] != 1 || len(g.Data["members"].([]any)) != 2 || g.Data["member_count"].(float64) != 2 {
		t.Errorf("group after removal: %v %v", removed.Data, g.Data)
	}

	// The three export formats, each read back by a fresh book's import.
	for _, f := range []struct{ format, file string }{{"json", "x.json"}, {"csv", "x.csv"}, {"vcard", "x.vcf"}} {
		var raw []byte
		if code := c.call("GET", fmt.Sprintf("/api/export?format=%s&group_id=%d", f.format, gid), nil, &raw); code != 200 {
			t.Fatalf("export %s: %d %s", f.format, code, raw)
		}
		path := filepath.Join(t.TempDir(), f.file)
		os.WriteFile(path, raw, 0o600)
		other, err := app.Open(app.Options{DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		res, err := other.ImportFiles(ctx, []string{path}, app.ImportOptions{})
		if err != nil || res.Created != 2 {
			t.Errorf("import of the %s export: %+v, %v", f.format, res, err)
		}
		hits, _ := other.Search(ctx, "nunez", 10)
		if len(hits) != 1 || hits[0].FirstName != "Zoë" {
			t.Errorf("%s export lost Zoë: %v", f.format, hits)
		}
		other.Close()
	}

	var bulk envl[map[string]any]
	if code := c.call("POST", "/api/sms/send-bulk", map[string]any{"group_id": gid, "message": "Bonjour {{first_name}} ({{company_name}})"}, &bulk); code != 201 {
		t.Fatalf("send-bulk: %d %v", code, bulk.Error)
	}
	msgs := bulk.Data["messages"].([]any)
	if bulk.Data["queued"].(float64) != 2 || len(msgs) != 2 {
		t.Fatalf("bulk: %v", bulk.Data)
	}
	var one envl[map[string]any]
	c.call("POST", "/api/sms/send", map[string]any{"human_id": ids[0], "message": "Hi {{display_name}}, {{job_title}}"}, &one)
	if one.Data["message"] != "Hi Zoë Núñez, CTO" || one.Data["to"] != "+33612345678" {
		t.Errorf("send: %v", one.Data)
	}
	var stats envl[map[string]any]
	c.call("GET", "/api/sms/stats?period=7d", nil, &stats)
	if stats.Data["total"].(float64) != 3 || stats.Data["by_status"].(map[string]any)["queued"].(float64) != 3 {
		t.Errorf("sms stats: %v", stats.Data)
	}
	stop()

	// Everything was stored: a restarted instance serves it.
	base, _, stop = serve(t, dir)
	defer stop()
	c.base = base
	var sms envl[[]map[string]any]
	c.call("GET", "/api/sms?q=bonjour", nil, &sms)
	var texts []string
	for _, m := range sms.Data {
		texts = append(texts, m["message"].(string))
	}
	if strings.Join(texts, "|") != "Bonjour Zoë (Acme Corp)|Bonjour Łukasz ()" {
		t.Errorf("after restart: %q", texts)
	}
	var hs envl[[]map[string]any]
	if code := c.call("GET", "/api/humans", nil, &hs); code != 200 || hs.Pagination["total"] != 3 {
		t.Errorf("after restart: %d %v", code, hs.Pagination)
	}
}
