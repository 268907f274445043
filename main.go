// Command humans is an offline-first contacts manager: a Fyne window over a
// local bbolt store.
//
// This file holds flags and subcommands only; everything else lives in
// app/ (the service layer) and ui/ (the window).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/ui"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// logLevelEnv chooses the level of the log written to stderr.
const logLevelEnv = "HUMANS_LOG"

const usageText = `Humans: an offline-first contacts manager.

Usage:
  humans [--data DIR]      open the window
  humans import FILE... [--dry-run]
                           import .vcf, Google/Outlook .csv or this app's
                           .json files; --dry-run shows what would happen
  humans export [--format json|csv|vcard|google-csv|outlook-csv]
                [--ids 1,2] [--group ID] [--company ID]
                [--vcard-version 3.0|4.0] [-o FILE]
                           write contacts (all, or those selected) to
                           FILE or standard output
  humans export --unified [-o FILE]
                           the whole book as one JSON document
  humans serve [--listen 127.0.0.1:8765]
                           serve the address book (CardDAV) and the REST
                           API without a window, until Ctrl+C
  humans carddav credentials
                           print the URL, user name and password to type
                           into a phone or mail app
  humans carddav password  set the CardDAV password, read from standard
                           input
` + apiKeyUsage + syncUsage + googleUsage + `  humans backup FILE       write a copy of the whole book to FILE
  humans restore FILE      replace the book with the backup or unified
                           export in FILE (the book as it was is kept in
                           DATA/backups)
  humans version           print the version
  humans help              print this help

While the window or humans serve runs, import, export, apikey, backup,
sync (with the Hub) and google are done by it; restore needs it closed.

Options:
  --data DIR   the data directory, before or after the command
               (default: $HUMANS_DATA, else Humans in the user's config
               directory, ~/.config/Humans on Linux)

Environment:
  HUMANS_DATA  the data directory when --data is not given
  HUMANS_LOG   log level on stderr: debug, info, warn or error (default info)
  HUMANS_GOOGLE_CLIENT_ID, HUMANS_GOOGLE_CLIENT_SECRET
               the Google OAuth client, over google.json's
  HUMANS_GOOGLE_AUTH_URL, HUMANS_GOOGLE_TOKEN_URL, HUMANS_GOOGLE_REVOKE_URL,
  HUMANS_GOOGLE_PEOPLE_URL
               Google's endpoints (tests, proxies)
  HUMANS_TOKEN_STORE
               where Google tokens go: auto (default: the system
               keyring, else an encrypted file), keyring or file
  HUMANS_TOKEN_PASSPHRASE
               derive the token file's key from this passphrase instead
               of keeping a key file
`

// showAlreadyRunning tells a person who started a second window that
// Humans is already running; tests replace it (no display there).
var showAlreadyRunning = ui.RunAlreadyRunning

// openWindow opens the service on dir and runs the window until it is
// closed, returning the exit status. Tests replace it: a window cannot be
// opened headless.
var openWindow = func(dir string, logger *slog.Logger, stderr io.Writer) int {
	svc, err := app.Open(app.Options{DataDir: dir, Logger: logger})
	if errors.Is(err, app.ErrLocked) {
		fmt.Fprintf(stderr, "Humans is already running (the store in %s is open in another Humans process)\n", dir)
		showAlreadyRunning(dir)
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "humans: %v\n", err)
		return 1
	}
	svc.StartSyncSchedule()                            // periodic sync while the window is open
	withServer, stopServer := startServer(svc, logger) // cli_serve.go
	runErr := ui.Run(svc, version, withServer)
	stopServer()
	if err := svc.Close(); err != nil {
		logger.Error("closing the store", "err", err)
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "humans: %v\n", runErr)
		return 1
	}
	return 0
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run parses args (without the program name), runs the command and
// returns the exit status: 0 on success, 1 when the command failed, 2 for
// a usage error. env reads the environment.
func run(args []string, stdout, stderr io.Writer, env func(string) string) int {
	fs := flag.NewFlagSet("humans", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // run prints the usage itself, to the right stream
	dataFlag := fs.String("data", "", "the data directory")
	var opts commandOptions
	var serveOpts serveOptions   // cli_serve.go
	var syncOpts syncOptions     // cli_sync.go
	var googleOpts googleOptions // cli_google.go

	cmd, rest, err := parseArgs(fs, args, func(cmd string) {
		opts.register(cmd, fs)
		serveOpts.register(cmd, fs)
		syncOpts.register(cmd, fs)
		googleOpts.register(cmd, fs)
	})
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageText)
		return 0
	}
	if err != nil {
		// The flag package has already said what was wrong.
		fmt.Fprint(stderr, "\n"+usageText)
		return 2
	}

	switch cmd {
	case "", "backup", "restore", "import", "export", "apikey":
		// need the data directory, below
	case "serve", "carddav":
		return runServerCommand(cmd, rest, *dataFlag, serveOpts, stdout, stderr, env)
	case "sync":
		return runSyncCommand(rest, *dataFlag, syncOpts, stdout, stderr, env)
	case "google":
		return runGoogleCommand(rest, *dataFlag, googleOpts, stdout, stderr, env)
	case "help":
		fmt.Fprint(stdout, usageText)
		return 0
	case "version":
		if len(rest) > 0 {
			return usageError(stderr, "version takes no arguments, got %q", strings.Join(rest, " "))
		}
		fmt.Fprintf(stdout, "humans %s (%s %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	default:
		return usageError(stderr, "unknown command %q", cmd)
	}

	switch want := map[string]int{"": 0, "export": 0, "backup": 1, "restore": 1, "import": -1, "apikey": -2}[cmd]; {
	case want == -1 && len(rest) == 0:
		return usageError(stderr, "import takes one or more file names")
	case want == 0 && len(rest) > 0:
		return usageError(stderr, "unexpected arguments %q", strings.Join(rest, " "))
	case want == 1 && len(rest) != 1:
		return usageError(stderr, "%s takes one file name", cmd)
	}
	if cmd == "export" {
		if err := opts.parseExport(); err != nil {
			return usageError(stderr, "%v", err)
		}
	}
	if cmd == "apikey" {
		if err := opts.parseAPIKey(rest); err != nil {
			return usageError(stderr, "%v", err)
		}
	}
	logger := newLogger(stderr, env)
	dir, err := dataDir(*dataFlag, env)
	if err != nil {
		fmt.Fprintf(stderr, "humans: %v\n", err)
		return 1
	}
	switch cmd {
	// While the window or humans serve holds the store, these reach it.
	case "import":
		return withBook(dir, logger, stderr, func(b book) error {
			return runImport(b, rest, opts.dryRun, stdout, stderr)
		})
	case "export":
		return withBook(dir, logger, stderr, func(b book) error {
			return runExport(b, opts, stderr)
		})
	case "apikey":
		return withBook(dir, logger, stderr, func(b book) error {
			return runAPIKey(b, opts, stdout, stderr)
		})
	case "backup":
		return withBook(dir, logger, stderr, func(b book) error {
			if err := b.BackupFile(context.Background(), rest[0]); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "backed up %s to %s\n", dir, rest[0])
			return nil
		})
	case "restore":
		return withService(dir, logger, stderr, func(svc *app.Service) error {
			previous, err := svc.RestoreFile(context.Background(), rest[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "restored %s from %s; the book as it was is in %s\n", dir, rest[0], previous)
			return nil
		})
	}
	logger.Debug("opening the window", "data", dir, "version", version)
	return openWindow(dir, logger, stderr)
}

// withService opens the data directory, runs fn and closes it again,
// turning failures into an exit status and a message on stderr.
func withService(dir string, logger *slog.Logger, stderr io.Writer, fn func(*app.Service) error) int {
	b, done, err := openBook(dir, logger, stderr, false)
	if err != nil {
		fmt.Fprintf(stderr, "humans: %v\n", err)
		return 1
	}
	runErr := fn(b.(*app.Service))
	if err := done(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "humans: %v\n", runErr)
		return 1
	}
	return 0
}

// parseArgs parses the flags before the command, takes the command, lets
// register add the command's own flags, then parses the flags after it,
// so "--data DIR" goes on either side. It returns the command ("" for the
// window) and the arguments left after it.
func parseArgs(fs *flag.FlagSet, args []string, register func(cmd string)) (cmd string, rest []string, err error) {
	if err := fs.Parse(args); err != nil {
		return "", nil, err
	}
	if fs.NArg() == 0 {
		return "", nil, nil
	}
	cmd = fs.Arg(0)
	register(cmd)
	var positional []string
	remaining := fs.Args()[1:]
	for {
		if err := fs.Parse(remaining); err != nil {
			return "", nil, err
		}
		if fs.NArg() == 0 {
			return cmd, positional, nil
		}
		positional = append(positional, fs.Arg(0))
		remaining = fs.Args()[1:]
	}
}

func usageError(stderr io.Writer, format string, a ...any) int {
	fmt.Fprintf(stderr, "humans: "+format+"\n\n", a...)
	fmt.Fprint(stderr, usageText)
	return 2
}

// dataDir chooses the data directory: the --data flag, else $HUMANS_DATA,
// else the default of app.ResolveDataDir.
func dataDir(flagValue string, env func(string) string) (string, error) {
	if flagValue == "" {
		flagValue = env(app.DataDirEnv)
	}
	return app.ResolveDataDir(flagValue)
}

// newLogger logs text to stderr at the level $HUMANS_LOG names (info when
// unset or not a level).
func newLogger(stderr io.Writer, env func(string) string) *slog.Logger {
	level := slog.LevelInfo
	var bad string
	if v := strings.TrimSpace(env(logLevelEnv)); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			level, bad = slog.LevelInfo, v
		}
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if bad != "" {
		logger.Warn("unknown log level, using info", "env", logLevelEnv, "value", bad)
	}
	return logger
}
