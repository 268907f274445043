package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/humans-contacts/humans/store"
)

// HubConfigFileName holds the Hub sync configuration in the data
// directory; it holds the Hub's API key, so only its owner may read it.
const HubConfigFileName = "hub.json"

// HubConfig is how this book syncs with a remote Hub.
type HubConfig struct {
	URL                 string `json:"url"`
	APIKey              string `json:"api_key"`
	Direction           string `json:"direction"` // import, export or both
	SyncIntervalMinutes int    `json:"sync_interval_minutes"`
	Enabled             bool   `json:"enabled"`
	ConflictPolicy      string `json:"conflict_policy"` // newest, local or remote
}

// HubConfigPatch changes some fields of the Hub configuration; nil fields
// stay as they are (so a client that never saw the API key keeps it).
type HubConfigPatch struct {
	URL                 *string
	APIKey              *string
	Direction           *string
	SyncIntervalMinutes *int
	Enabled             *bool
	ConflictPolicy      *string
}

// DefaultHubConfig is the configuration of a book that never set one.
func DefaultHubConfig() HubConfig {
	return HubConfig{Direction: "both", SyncIntervalMinutes: 15, ConflictPolicy: "newest"}
}

// Validate checks every field and reports all problems at once.
func (c HubConfig) Validate() error {
	verr := &ValidationError{}
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			verr.Add("url", fmt.Sprintf("%q is not an http or https address", c.URL))
		}
	} else if c.Enabled {
		verr.Add("url", "is needed to enable sync")
	}
	if len(c.APIKey) > 1024 || strings.ContainsAny(c.APIKey, "\r\n") {
		verr.Add("api_key", "must be one line of at most 1024 bytes")
	}
	switch c.Direction {
	case "import", "export", "both":
	default:
		verr.Add("direction", fmt.Sprintf("must be import, export or both (got %q)", c.Direction))
	}
	if c.SyncIntervalMinutes < 1 || c.SyncIntervalMinutes > 7*24*60 {
		verr.Add("sync_interval_minutes", "must be between 1 and 10080 (a week)")
	}
	switch c.ConflictPolicy {
	case "newest", "local", "remote":
	default:
		verr.Add("conflict_policy", fmt.Sprintf("must be newest, local or remote (got %q)", c.ConflictPolicy))
	}
	return verr.OrNil()
}

// MaskedAPIKey is the API key as it may be shown: its last four
// characters, or only whether there is one.
func (c HubConfig) MaskedAPIKey() string {
	switch {
	case c.APIKey == "":
		return ""
	case len(c.APIKey) < 16:
		return "****"
	}
	return "****" + c.APIKey[len(c.APIKey)-4:]
}

// HubConfig returns the stored Hub configuration, or the defaults.
func (s *Service) HubConfig() (HubConfig, error) {
	s.hubConfigMu.Lock()
	defer s.hubConfigMu.Unlock()
	return s.loadHubConfig()
}

func (s *Service) loadHubConfig() (HubConfig, error) {
	c := DefaultHubConfig()
	path := filepath.Join(s.dataDir, HubConfigFileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("app: reading the Hub configuration: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("app: %s is not valid JSON: %w", path, err)
	}
	return c, nil
}

// UpdateHubConfig applies p to the stored configuration, validates the
// result and saves it; on any problem nothing changes.
func (s *Service) UpdateHubConfig(p HubConfigPatch) (HubConfig, error) {
	s.hubConfigMu.Lock()
	defer s.hubConfigMu.Unlock()
	c, err := s.loadHubConfig()
	if err != nil {
		return c, err
	}
	setString := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	if p.APIKey != nil && c.APIKey != "" && *p.APIKey == c.MaskedAPIKey() {
		p.APIKey = nil // the masked key sent back as it was shown: unchanged
	}
	setString(&c.URL, p.URL)
	setString(&c.APIKey, p.APIKey)
	setString(&c.Direction, p.Direction)
	setString(&c.ConflictPolicy, p.ConflictPolicy)
	if p.SyncIntervalMinutes != nil {
		c.SyncIntervalMinutes = *p.SyncIntervalMinutes
	}
	if p.Enabled != nil {
		c.Enabled = *p.Enabled
	}
	if err := c.Validate(); err != nil {
		return HubConfig{}, err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return HubConfig{}, fmt.Errorf("app: encoding the Hub configuration: %w", err)
	}
	tmp, err := os.CreateTemp(s.dataDir, HubConfigFileName+".*")
	if err != nil {
		return HubConfig{}, fmt.Errorf("app: saving the Hub configuration: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(b, '\n'))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(s.dataDir, HubConfigFileName))
	}
	if err != nil {
		return HubConfig{}, fmt.Errorf("app: saving the Hub configuration: %w", err)
	}
	if p.APIKey != nil || p.URL != nil {
		// A new key (or Hub) is worth trying: the account no longer waits
		// for one.
		if err := s.syncEngine().SignedIn(context.Background(), HubAccount); err != nil && !errors.Is(err, store.ErrNotFound) {
			return c, err
		}
	}
	return c, nil
}
