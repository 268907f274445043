// Package server is the local HTTP server of Humans: the CardDAV address
// book (carddav/server) at "/", and the REST API, when one is given,
// under "/api/". The window starts it, and `humans serve` runs it
// without a window.
//
// It listens on 127.0.0.1 at the port of the settings (8765 by default),
// on every interface only when the person turned LAN access on; the
// address book always asks for the CardDAV password (the API checks its
// own keys). With TLS on it serves HTTPS with the certificate of the
// settings, or one the app generates.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/humans-contacts/humans/app"
	cardserver "github.com/humans-contacts/humans/carddav/server"
)

// Options configure New.
type Options struct {
	// API, when not nil, serves every request under /api/, unchanged.
	API    http.Handler
	Logger *slog.Logger
	// Listen overrides the address of the settings ("127.0.0.1:8765",
	// ":8765"); empty means the settings decide.
	Listen string
	// CardDAV configures the address book.
	CardDAV cardserver.Options
	// Socket, when set with API, is the path of the owner's socket (see
	// SocketPath) that serves the API to the command line.
	Socket string
}

// Server is the local server. Start, Restart and Close may be called from
// any goroutine.
type Server struct {
	svc     *app.Service
	opts    Options
	log     *slog.Logger
	card    *cardserver.Handler
	handler http.Handler

	mu      sync.Mutex
	ln      net.Listener
	srv     *http.Server
	done    chan struct{}
	tls     bool
	lastErr error
	cancel  context.CancelFunc

	sock     *http.Server // the owner's socket (socket.go); nil when off
	sockDone chan struct{}
}

// New builds the server; it does not listen until Start.
func New(svc *app.Service, opts Options) (*Server, error) {
	if svc == nil {
		return nil, errors.New("server: no service")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Listen != "" {
		if _, _, err := net.SplitHostPort(opts.Listen); err != nil {
			return nil, fmt.Errorf("server: listen address %q: %w", opts.Listen, err)
		}
	}
	if opts.CardDAV.Logger == nil {
		opts.CardDAV.Logger = opts.Logger
	}
	s := &Server{svc: svc, opts: opts, log: opts.Logger, card: cardserver.New(svc, opts.CardDAV)}
	mux := http.NewServeMux()
	if opts.API != nil {
		mux.Handle("/api/", opts.API)
		mux.Handle("/api", opts.API)
	}
	mux.Handle("/", s.card)
	s.handler = mux
	return s, nil
}

// Handler is the server's HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// CardDAV is the address book handler.
func (s *Server) CardDAV() *cardserver.Handler { return s.card }

// ErrPortInUse is returned by Start when another program has the port.
var ErrPortInUse = errors.New("the port is in use by another program")

// Start listens and serves in the background. A busy port is an error
// wrapping ErrPortInUse that says which port.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		return nil
	}
	// The socket serves even when the port is taken: the command line
	// still reaches this Humans.
	if s.sock == nil {
		if err := s.startSocket(); err != nil {
			s.log.Error("the command line cannot reach this Humans", "err", err)
		}
	}
	err := s.start()
	s.lastErr = err
	return err
}

func (s *Server) start() error {
	// A fresh data directory gets its generated password now: the server
	// is never open without one.
	if _, err := s.svc.CardDAVCredentials(); err != nil {
		return err
	}
	st := s.svc.Settings().Server
	addr := s.opts.Listen
	if addr == "" {
		addr = st.ListenAddress()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return fmt.Errorf("server: cannot listen on %s: %w; choose another port in Settings (Connect a phone) or stop the other program", addr, ErrPortInUse)
		}
		return fmt.Errorf("server: cannot listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.tls = st.TLS
	if st.TLS {
		cert, err := s.svc.ServerCertificate(lanHosts())
		if err != nil {
			ln.Close()
			return err
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	s.ln, s.srv, s.done, s.cancel = ln, srv, done, cancel
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("server stopped", "err", err)
		}
	}()
	s.card.Warm(ctx)
	s.log.Info("CardDAV server listening", "url", s.urlLocked(), "lan", st.LAN, "tls", st.TLS)
	return nil
}

// Close stops the server, letting requests under way finish for up to
// five seconds.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopSocket()
	return s.stopLocked()
}

func (s *Server) stopLocked() error {
	if s.srv == nil {
		return nil
	}
	s.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	s.srv, s.ln = nil, nil
	if err != nil {
		return fmt.Errorf("server: stopping: %w", err)
	}
	return nil
}

// Restart stops the server and starts it again with the current settings
// (after the person changed the port, LAN access or TLS).
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.stopLocked(); err != nil {
		return err
	}
	err := s.start()
	s.lastErr = err
	return err
}

// Err is why the server is not running (the last Start or Restart
// failed), nil while it runs.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

// Addr is the address the server listens on, "" when it does not run.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// URL is the address to type into a phone or mail app: on the LAN
// address when the server listens on every interface, else on
// 127.0.0.1; "" when the server does not run.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.urlLocked()
}

func (s *Server) urlLocked() string {
	if s.ln == nil {
		return ""
	}
	host, port, err := net.SplitHostPort(s.ln.Addr().String())
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if lan := lanHosts(); len(lan) > 0 {
			host = lan[0]
		}
	}
	scheme := "http"
	if s.tls {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/"
}

// lanHosts lists this machine's private IPv4 addresses, then its host
// name: what a phone on the LAN can reach it by.
func lanHosts() []string {
	var out []string
	addrs, err := net.InterfaceAddrs()
	if err == nil {
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip4 := ipn.IP.To4(); ip4 != nil && ip4.IsPrivate() {
					out = append(out, ip4.String())
				}
			}
		}
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		out = append(out, h)
	}
	return out
}

// PortOf returns the port of an address such as "127.0.0.1:8765".
func PortOf(addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

// URLFor is the URL a server with settings st has, without starting it:
// what `humans carddav credentials` prints.
func URLFor(st app.ServerSettings) string {
	host := "127.0.0.1"
	if st.LAN {
		if lan := lanHosts(); len(lan) > 0 {
			host = lan[0]
		}
	}
	scheme := "http"
	if st.TLS {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(st.EffectivePort())) + "/"
}
