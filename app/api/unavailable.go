package api

import (
	"net/http"

	"github.com/humans-contacts/humans/app"
)

// The Hub's configuration endpoints (the sync itself: hubsync.go; the
// Google endpoints: google.go).

// hubConfigJSON shows the configuration with the API key masked.
type hubConfigJSON struct {
	URL                 string `json:"url"`
	APIKey              string `json:"api_key"`
	APIKeySet           bool   `json:"api_key_set"`
	Direction           string `json:"direction"`
	SyncIntervalMinutes int    `json:"sync_interval_minutes"`
	Enabled             bool   `json:"enabled"`
	ConflictPolicy      string `json:"conflict_policy"`
	SyncAvailable       bool   `json:"sync_available"`
}

func toHubConfigJSON(c app.HubConfig) hubConfigJSON {
	return hubConfigJSON{URL: c.URL, APIKey: c.MaskedAPIKey(), APIKeySet: c.APIKey != "", Direction: c.Direction,
		SyncIntervalMinutes: c.SyncIntervalMinutes, Enabled: c.Enabled, ConflictPolicy: c.ConflictPolicy, SyncAvailable: true}
}

// GET /api/hub/config
func (s *server) getHubConfig(w http.ResponseWriter, r *http.Request) error {
	c, err := s.svc.HubConfig()
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, toHubConfigJSON(c), "")
}

// POST /api/hub/config: the fields sent change, the others stay.
func (s *server) setHubConfig(w http.ResponseWriter, r *http.Request) error {
	o, err := readObject(r)
	if err != nil {
		return err
	}
	p := app.HubConfigPatch{
		URL:                 ptr[string](o, "a string", "url"),
		APIKey:              ptr[string](o, "a string", "api_key"),
		Direction:           ptr[string](o, "import, export or both", "direction"),
		SyncIntervalMinutes: ptr[int](o, "an integer", "sync_interval_minutes"),
		Enabled:             ptr[bool](o, "true or false", "enabled"),
		ConflictPolicy:      ptr[string](o, "newest, local or remote", "conflict_policy"),
	}
	if err := o.done(); err != nil {
		return err
	}
	c, err := s.svc.UpdateHubConfig(p)
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, toHubConfigJSON(c), "Hub configuration saved")
}
