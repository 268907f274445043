package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/api"
	"github.com/humans-contacts/humans/app/server"
	"github.com/humans-contacts/humans/ui"
)

// serveOptions are the flags of serve.
type serveOptions struct {
	listen string
}

func (o *serveOptions) register(cmd string, fs *flag.FlagSet) {
	if cmd == "serve" {
		fs.StringVar(&o.listen, "listen", "", "the address to listen on (default: 127.0.0.1 and the port of the settings)")
	}
}

// serveContext ends when serve should stop: SIGINT or SIGTERM. Tests
// replace it.
var serveContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// serveStarted is told the URL once serve listens (tests wait for it).
var serveStarted = func(url string) {}

// stdin is what `carddav password` reads; tests replace it.
var stdin io.Reader = os.Stdin

// runServerCommand runs serve and carddav, which parse their own
// arguments.
func runServerCommand(cmd string, rest []string, dataFlag string, o serveOptions, stdout, stderr io.Writer, env func(string) string) int {
	if cmd == "serve" && len(rest) > 0 {
		return usageError(stderr, "serve takes no arguments, got %q", strings.Join(rest, " "))
	}
	if cmd == "carddav" && (len(rest) != 1 || rest[0] != "credentials" && rest[0] != "password") {
		return usageError(stderr, "use humans carddav credentials, or humans carddav password")
	}
	logger := newLogger(stderr, env)
	dir, err := dataDir(dataFlag, env)
	if err != nil {
		fmt.Fprintf(stderr, "humans: %v\n", err)
		return 1
	}
	if cmd == "serve" {
		return withService(dir, logger, stderr, func(svc *app.Service) error {
			return runServe(svc, o.listen, logger, stdout)
		})
	}
	// The credentials live beside the store, not in it: these work while
	// the window runs.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		fmt.Fprintf(stderr, "humans: %v\n", err)
		return 1
	}
	if rest[0] == "credentials" {
		err = printCredentials(dir, stdout)
	} else {
		err = setPassword(dir, stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "humans: %v\n", err)
		return 1
	}
	return 0
}

// localServerOptions are the local server's: CardDAV and the REST API,
// on listen (empty: the address the settings give).
func localServerOptions(svc *app.Service, listen string, logger *slog.Logger) server.Options {
	return server.Options{
		Listen: listen,
		Logger: logger,
		API:    api.New(svc, api.Options{Logger: logger, Version: version}),
		Socket: server.SocketPath(svc.DataDir()),
	}
}

// runServe serves the book until the context of serveContext ends.
func runServe(svc *app.Service, listen string, logger *slog.Logger, stdout io.Writer) error {
	svc.StartSyncSchedule() // periodic sync while serving
	srv, err := server.New(svc, localServerOptions(svc, listen, logger))
	if err != nil {
		return err
	}
	ctx, stop := serveContext()
	defer stop()
	if err := srv.Start(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "serving the address book at %s (CardDAV) and the REST API at %sapi/; stop with Ctrl+C\n", srv.URL(), srv.URL())
	serveStarted(srv.URL())
	<-ctx.Done()
	logger.Info("stopping the server")
	return srv.Close()
}

func printCredentials(dir string, stdout io.Writer) error {
	c, err := app.CardDAVCredentialsIn(dir)
	if err != nil {
		return err
	}
	settings, err := app.LoadSettings(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "URL:       %s\n", server.URLFor(settings.Server))
	fmt.Fprintf(stdout, "User name: %s\n", c.User)
	if c.Chosen {
		fmt.Fprintln(stdout, "Password:  the one you set (it is kept only as a hash; set a new one with: humans carddav password)")
	} else {
		fmt.Fprintf(stdout, "Password:  %s\n", c.Password)
	}
	if !settings.Server.LAN {
		fmt.Fprintln(stdout, "Only this computer can connect; turn on LAN access in Settings (Connect a phone) for a phone.")
	}
	return nil
}

func setPassword(dir string, stdout io.Writer) error {
	line, err := readSecret(stdin, os.Stderr, "new CardDAV password: ")
	if errors.Is(err, io.EOF) {
		return errors.New("no password on standard input (echo 'new password' | humans carddav password)")
	}
	if err != nil {
		return fmt.Errorf("reading the password: %w", err)
	}
	if err := app.SetCardDAVPasswordIn(dir, line); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "the CardDAV password is set; phones and mail apps need the new one")
	return nil
}

// startServer starts the local server for the window and returns the
// window option that shows it. A failure (the port is busy) is logged
// and shown in the window: the window opens anyway. stop stops it.
func startServer(svc *app.Service, logger *slog.Logger) (opt ui.Option, stop func()) {
	srv, err := server.New(svc, localServerOptions(svc, "", logger))
	if err != nil {
		logger.Error("the CardDAV server cannot be made", "err", err)
		return func(*ui.Window) {}, func() {}
	}
	if err := srv.Start(context.Background()); err != nil {
		logger.Error("the CardDAV server did not start", "err", err)
	}
	return ui.WithServer(srv), func() {
		if err := srv.Close(); err != nil {
			logger.Error("stopping the server", "err", err)
		}
	}
}
