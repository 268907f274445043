package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/humans-contacts/humans/store"
)

// SettingsFileName is the settings file inside the data directory.
const SettingsFileName = "settings.json"

// DataDirEnv is the environment variable that chooses the data directory
// when --data is not given.
const DataDirEnv = "HUMANS_DATA"

// Settings are the person's preferences, kept as JSON beside the store.
type Settings struct {
	// TrashRetentionDays is how long a deleted contact stays restorable.
	TrashRetentionDays int `json:"trash_retention_days"`
	// PhoneRegion is the ISO 3166 country assumed for phone numbers
	// written without a +country prefix ("FR", "US").
	PhoneRegion string `json:"phone_region"`
	// Server configures the local CardDAV server (server_settings.go).
	Server ServerSettings `json:"server"`
}

// DefaultSettings are used for a fresh data directory.
func DefaultSettings() Settings {
	return Settings{TrashRetentionDays: 30, PhoneRegion: "FR", Server: DefaultServerSettings()}
}

// Validate checks every field and reports all problems at once.
func (s Settings) Validate() error {
	verr := &store.ValidationError{}
	if s.TrashRetentionDays < 1 || s.TrashRetentionDays > 3650 {
		verr.Add("trash_retention_days", "must be between 1 and 3650 days")
	}
	if len(s.PhoneRegion) != 2 || strings.ToUpper(s.PhoneRegion) != s.PhoneRegion {
		verr.Add("phone_region", "must be a two-letter country code such as FR or US")
	}
	s.Server.validate(verr)
	return verr.OrNil()
}

// LoadSettings reads the settings of dir, or the defaults when there is no
// settings file yet.
func LoadSettings(dir string) (Settings, error) {
	s := DefaultSettings()
	b, err := os.ReadFile(filepath.Join(dir, SettingsFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("app: reading settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("app: settings file %s is not valid JSON: %w", filepath.Join(dir, SettingsFileName), err)
	}
	if err := s.Validate(); err != nil {
		return s, fmt.Errorf("app: settings file %s: %w", filepath.Join(dir, SettingsFileName), err)
	}
	return s, nil
}

// Save writes the settings atomically (a temporary file renamed over).
func (s Settings) Save(dir string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("app: encoding settings: %w", err)
	}
	tmp, err := os.CreateTemp(dir, SettingsFileName+".*")
	if err != nil {
		return fmt.Errorf("app: saving settings: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("app: saving settings: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("app: saving settings: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, SettingsFileName)); err != nil {
		return fmt.Errorf("app: saving settings: %w", err)
	}
	return nil
}

// ResolveDataDir picks the data directory: the --data flag when given,
// else $HUMANS_DATA, else "Humans" in the user's config directory.
func ResolveDataDir(flagValue string) (string, error) {
	if flagValue != "" {
		return filepath.Abs(flagValue)
	}
	if env := os.Getenv(DataDirEnv); env != "" {
		return filepath.Abs(env)
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("app: no data directory: set --data or %s: %w", DataDirEnv, err)
	}
	return filepath.Join(base, "Humans"), nil
}
