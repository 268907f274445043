package api

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
)

func TestHubConfig(t *testing.T) {
	e := newEnv(t, Options{})
	d := e.ok(200, "GET", "/api/hub/config", e.user, nil).data()
	want := map[string]any{"url": "", "api_key": "", "api_key_set": false, "direction": "both",
		"sync_interval_minutes": 15.0, "enabled": false, "conflict_policy": "newest", "sync_available": true}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("defaults %v", d)
	}
	const secret = "hub-secret-key-0123456789abcdef"
	d = e.ok(200, "POST", "/api/hub/config", e.admin, `{"url": "https://hub.example.com", "api_key": "`+secret+`",
		"direction": "import", "sync_interval_minutes": 60, "enabled": true, "conflict_policy": "remote"}`).data()
	if d["api_key"] != "****cdef" || d["api_key_set"] != true || d["direction"] != "import" || d["enabled"] != true {
		t.Errorf("after set: %v", d)
	}
	g := e.ok(200, "GET", "/api/hub/config", e.user, nil)
	if strings.Contains(string(g.raw), secret) || !reflect.DeepEqual(g.data(), d) {
		t.Errorf("GET after set: %s", g.raw)
	}
	// Partial: the key stays when not sent, or sent back masked.
	e.ok(200, "POST", "/api/hub/config", e.admin, `{"sync_interval_minutes": 5}`)
	e.ok(200, "POST", "/api/hub/config", e.admin, `{"api_key": "****cdef", "direction": "both"}`)
	c, err := e.svc.HubConfig()
	if err != nil || c.APIKey != secret || c.SyncIntervalMinutes != 5 || c.Direction != "both" || c.URL != "https://hub.example.com" {
		t.Errorf("stored %+v, %v", c, err)
	}
	e.fails(422, "validation_error", "POST", "/api/hub/config", e.admin,
		`{"url": "ftp://x", "direction": "sideways", "sync_interval_minutes": 0, "conflict_policy": "mine"}`,
		"url", "direction", "sync_interval_minutes", "conflict_policy")
	e.fails(400, "bad_request", "POST", "/api/hub/config", e.admin, `{"enabled": "yes"}`, "enabled")
	if c2, _ := e.svc.HubConfig(); c2 != c {
		t.Errorf("refused update changed the configuration: %+v", c2)
	}
	// It is kept in the data directory, readable by its owner only.
	fi, err := os.Stat(filepath.Join(e.svc.DataDir(), app.HubConfigFileName))
	if err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("hub.json: %v, mode %v", err, fi.Mode())
	}
}

func TestAPIKeyManagement(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.ok(201, "POST", "/api/admin/api-keys", e.admin, `{"name": "sync peer", "role": "user"}`)
	d := r.data()
	key, _ := d["key"].(string)
	if !strings.HasPrefix(key, "hk_") || len(key) < 40 || d["role"] != "user" || d["name"] != "sync peer" || num(d["id"]) != 3 ||
		!strings.HasPrefix(key, d["prefix"].(string)) {
		t.Fatalf("created %s", r.raw)
	}
	e.ok(200, "GET", "/api/humans", key, nil)
	e.fails(403, "forbidden", "GET", "/api/admin/api-keys", key, nil)
	l := e.ok(200, "GET", "/api/admin/api-keys", e.admin, nil)
	if len(l.list()) != 3 || strings.Contains(string(l.raw), key) || strings.Contains(string(l.raw), e.user) {
		t.Errorf("the listing shows keys: %s", l.raw)
	}
	for _, k := range l.list() {
		if _, ok := k.(map[string]any)["key"]; ok {
			t.Errorf("listing has a key field: %v", k)
		}
	}
	e.fails(422, "validation_error", "POST", "/api/admin/api-keys", e.admin, `{"name": "", "role": "root"}`, "name", "role")
	admin2 := e.ok(201, "POST", "/api/admin/api-keys", e.admin, `{"name": "second admin", "role": "admin"}`).data()["key"].(string)
	e.ok(200, "GET", "/api/admin/status", admin2, nil)
	e.ok(200, "DELETE", "/api/admin/api-keys/3", e.admin, nil)
	e.fails(401, "unauthorized", "GET", "/api/humans", key, nil)
	e.fails(404, "not_found", "DELETE", "/api/admin/api-keys/3", e.admin, nil)
	// Keys are stored hashed: the file never holds a key.
	dir := t.TempDir()
	if err := e.svc.BackupFile(ctx, filepath.Join(dir, "copy.db")); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "copy.db"))
	if strings.Contains(string(raw), admin2) || strings.Contains(string(raw), e.user) {
		t.Error("a key is stored in clear in the store file")
	}
}

func TestBackupAndStatus(t *testing.T) {
	e := newEnv(t, Options{Version: "9.9.9"})
	e.ok(201, "POST", "/api/humans", e.user, `{"first_name": "Ana"}`)
	r := e.ok(200, "GET", "/api/admin/backup", e.admin, nil)
	if r.header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(r.header.Get("Content-Disposition"), `attachment; filename="humans-backup-`) {
		t.Errorf("backup headers %v", r.header)
	}
	// The download is a store: a data directory made of it opens with the contact.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, app.StoreFileName), r.raw, 0o600); err != nil {
		t.Fatal(err)
	}
	restored, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := restored.Stats(ctx); st.Total != 1 {
		t.Errorf("backup holds %d contacts", st.Total)
	}
	restored.Close()

	s := e.ok(200, "GET", "/api/admin/status", e.admin, nil).data()
	store := s["store"].(map[string]any)
	if s["version"] != "9.9.9" || num(store["contacts"]) != 1 || num(store["api_keys"]) != 2 || num(store["store_bytes"]) == 0 ||
		s["rate_limit"].(map[string]any)["per_second"] != float64(app.DefaultRateLimit) {
		t.Errorf("status %v", s)
	}
}
