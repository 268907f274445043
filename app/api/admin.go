package api

import (
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/humans-contacts/humans/app"
)

func itoa(n int) string { return strconv.Itoa(n) }

// apiKeyJSON is a key as listings show it: never the key itself.
type apiKeyJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Prefix    string    `json:"prefix"`
	CreatedAt time.Time `json:"created_at"`
	Key       string    `json:"key,omitempty"` // only in the answer that creates it
}

func toAPIKeyJSON(k *app.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Name: k.Name, Role: string(k.Role), Prefix: k.Prefix, CreatedAt: k.CreatedAt}
}

// GET /api/admin/api-keys
func (s *server) listAPIKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.svc.APIKeys(r.Context())
	if err != nil {
		return err
	}
	out := make([]apiKeyJSON, len(keys))
	for i, k := range keys {
		out[i] = toAPIKeyJSON(k)
	}
	return s.ok(w, http.StatusOK, out, "")
}

// POST /api/admin/api-keys: {"name": "backup script", "role": "user"}.
func (s *server) createAPIKey(w http.ResponseWriter, r *http.Request) error {
	o, err := readObject(r)
	if err != nil {
		return err
	}
	name, _ := get[string](o, "a string", "name")
	role, _ := get[string](o, "admin or user", "role")
	if err := o.done(); err != nil {
		return err
	}
	if role == "" {
		role = string(app.RoleUser)
	}
	key, k, err := s.svc.CreateAPIKey(r.Context(), name, app.Role(strings.ToLower(role)))
	if err != nil {
		return err
	}
	out := toAPIKeyJSON(k)
	out.Key = key
	return s.ok(w, http.StatusCreated, out, "API key created; store it now, it is not shown again")
}

// DELETE /api/admin/api-keys/{id}
func (s *server) revokeAPIKey(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.svc.RevokeAPIKey(r.Context(), id); isNotFound(err) {
		return notFound("API key", id)
	} else if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, map[string]any{"id": id, "revoked": true}, "API key revoked")
}

// GET /api/admin/backup: a consistent copy of the store file.
func (s *server) backup(w http.ResponseWriter, r *http.Request) error {
	name := "humans-backup-" + s.opts.Now().UTC().Format("20060102-150405") + ".db"
	return s.stream(w, r, func(h http.Header) {
		h.Set("Content-Type", "application/octet-stream")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	}, func(lw *lazyWriter) error {
		_, err := s.svc.Backup(r.Context(), lw)
		return err
	})
}

// GET /api/admin/status
func (s *server) status(w http.ResponseWriter, r *http.Request) error {
	st, err := s.svc.Status(r.Context())
	if err != nil {
		return err
	}
	now := s.opts.Now()
	rateLimit := any(map[string]any{"per_second": s.opts.RateLimit, "burst": s.opts.RateBurst})
	if s.opts.RateLimit < 0 {
		rateLimit = nil
	}
	return s.ok(w, http.StatusOK, map[string]any{
		"version":        s.opts.Version,
		"go_version":     runtime.Version(),
		"started_at":     s.started.UTC(),
		"uptime_seconds": int64(now.Sub(s.started).Seconds()),
		"store":          st,
		"rate_limit":     rateLimit,
		"hub_sync":       "not available yet",
		"google_sync":    "available",
	}, "")
}
