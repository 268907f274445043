package server

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/humans-contacts/humans/app/api"
)

// SocketName is the file name of the owner's socket in the data
// directory: the command line reaches a running Humans through it.
const SocketName = "humans.sock"

// SocketPath is the owner's socket of the data directory dir.
func SocketPath(dir string) string { return filepath.Join(dir, SocketName) }

// startSocket serves the REST API on the data directory's socket, for
// the book's owner only (the socket is mode 0600 in a 0700 directory):
// requests over it act as an admin without an API key, so that `humans
// import`, `export`, `apikey` and `backup` work while the window holds
// the store.
func (s *Server) startSocket() error {
	if s.opts.API == nil || s.opts.Socket == "" {
		return nil
	}
	path := s.opts.Socket
	// Only the process that holds the store serves, so a socket file
	// left here is a dead process's.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("server: removing the old socket %s: %w", path, err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("server: listening on %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("server: %s: %w", path, err)
	}
	local := s.opts.API
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			local.ServeHTTP(w, r.WithContext(api.Local(r.Context())))
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("local socket stopped", "err", err)
		}
	}()
	s.sock, s.sockDone = srv, done
	return nil
}

// stopSocket closes the socket and removes its file.
func (s *Server) stopSocket() {
	if s.sock == nil {
		return
	}
	_ = s.sock.Close()
	<-s.sockDone
	s.sock = nil
	_ = os.Remove(s.opts.Socket)
}
