package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The certificate the app generates for the local server's HTTPS when the
// person provides none, kept in the data directory.
const (
	TLSCertFileName = "server-cert.pem"
	TLSKeyFileName  = "server-key.pem"
)

// certValidity stays under the 825 days Apple accepts for a TLS
// certificate.
const certValidity = 800 * 24 * time.Hour

// ServerCertificate returns the certificate the server uses for HTTPS:
// the files of the settings when set, else the one kept in the data
// directory, generated (self-signed, ECDSA P-256) when missing, expiring
// within 30 days, or not naming one of hosts (names or IP addresses).
func (s *Service) ServerCertificate(hosts []string) (tls.Certificate, error) {
	st := s.Settings().Server
	if st.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(st.CertFile, st.KeyFile)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("app: the TLS certificate %s: %w", st.CertFile, err)
		}
		return cert, nil
	}
	certPath, keyPath := filepath.Join(s.dataDir, TLSCertFileName), filepath.Join(s.dataDir, TLSKeyFileName)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err == nil && certCovers(cert, hosts, s.now()) {
		return cert, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("the generated TLS certificate is unreadable; making a new one", "err", err)
	}
	return generateCertificate(certPath, keyPath, hosts, s.now())
}

func certCovers(cert tls.Certificate, hosts []string, now time.Time) bool {
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil || now.Add(30*24*time.Hour).After(leaf.NotAfter) {
		return false
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(leaf.IPAddresses, ip.Equal) {
				return false
			}
		} else if !slices.Contains(leaf.DNSNames, h) {
			return false
		}
	}
	return true
}

func generateCertificate(certPath, keyPath string, hosts []string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("app: generating a TLS key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("app: generating a TLS certificate: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Humans local server", Organization: []string{"Humans"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range append([]string{"localhost", "127.0.0.1", "::1"}, hosts...) {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(tmpl.IPAddresses, ip.Equal) {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if h != "" && !slices.Contains(tmpl.DNSNames, h) {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("app: generating a TLS certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("app: encoding the TLS key: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, fmt.Errorf("app: saving the TLS key: %w", err)
	}
	if err := os.WriteFile(certPath, certPEM, 0o644); err != nil {
		return tls.Certificate{}, fmt.Errorf("app: saving the TLS certificate: %w", err)
	}
	return tls.X509KeyPair(certPEM, keyPEM)
}
