package app

import (
	"fmt"
	"net"
	"strconv"

	"github.com/humans-contacts/humans/store"
)

// DefaultServerPort is the port the local server listens on unless the
// settings say otherwise.
const DefaultServerPort = 8765

// DefaultBookName is the address book's display name until a client
// renames it.
const DefaultBookName = "Contacts"

// ServerSettings configure the local CardDAV (and REST) server.
type ServerSettings struct {
	// Port is the TCP port, on 127.0.0.1, or on every interface when LAN
	// is on; 0 means DefaultServerPort.
	Port int `json:"port"`
	// LAN makes the server reachable from other devices of the network
	// (a phone); off, only this computer can connect.
	LAN bool `json:"lan"`
	// TLS serves HTTPS: with CertFile and KeyFile when both are set, else
	// with a certificate the app generates and keeps in the data
	// directory.
	TLS      bool   `json:"tls"`
	CertFile string `json:"cert_file,omitempty"`
	KeyFile  string `json:"key_file,omitempty"`
	// GroupCards serves every group as a group card too (Apple's
	// X-ADDRESSBOOKSERVER-KIND:group in 3.0, KIND:group in 4.0), for iOS
	// and macOS, which do not show CATEGORIES. Group cards a client
	// created are served either way.
	GroupCards bool `json:"group_cards,omitempty"`
	// BookName is the address book's display name (a client may rename
	// it with PROPPATCH).
	BookName string `json:"book_name,omitempty"`
	// MeCard is the resource name of the card Apple clients mark as "me"
	// (PROPPATCH of me-card).
	MeCard string `json:"me_card,omitempty"`
}

// DefaultServerSettings: loopback only, port 8765, plain HTTP.
func DefaultServerSettings() ServerSettings {
	return ServerSettings{Port: DefaultServerPort}
}

func (s ServerSettings) validate(verr *store.ValidationError) {
	if s.Port < 0 || s.Port > 65535 {
		verr.Add("server.port", "must be between 1 and 65535 (0: the default port)")
	}
	if (s.CertFile == "") != (s.KeyFile == "") {
		verr.Add("server.cert_file", "a certificate needs its key file, and a key its certificate")
	}
	if len(s.BookName) > 200 {
		verr.Add("server.book_name", "must be at most 200 characters")
	}
}

// ListenAddress is where the server listens: 127.0.0.1:port, or :port on
// every interface when LAN is on.
func (s ServerSettings) ListenAddress() string {
	host := "127.0.0.1"
	if s.LAN {
		host = ""
	}
	return net.JoinHostPort(host, strconv.Itoa(s.EffectivePort()))
}

// EffectivePort is Port, or DefaultServerPort when Port is 0.
func (s ServerSettings) EffectivePort() int {
	if s.Port == 0 {
		return DefaultServerPort
	}
	return s.Port
}

// DisplayBookName is BookName, or the default.
func (s ServerSettings) DisplayBookName() string {
	if s.BookName == "" {
		return DefaultBookName
	}
	return s.BookName
}

// SetServerSettings changes the server settings alone, keeping the rest.
func (s *Service) SetServerSettings(fn func(*ServerSettings)) error {
	s.settingsMu.RLock()
	next := s.settings
	s.settingsMu.RUnlock()
	fn(&next.Server)
	if err := s.UpdateSettings(next); err != nil {
		return fmt.Errorf("app: server settings: %w", err)
	}
	return nil
}
