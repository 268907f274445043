package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/humans-contacts/humans/app"
)

// fakeEnv returns an env func that knows only vars.
func fakeEnv(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// windowCall records what run would have opened the window on.
type windowCall struct {
	called bool
	dir    string
	logger *slog.Logger
}

// stubWindow replaces openWindow for the test and returns what it saw.
func stubWindow(t *testing.T, status int) *windowCall {
	t.Helper()
	got := &windowCall{}
	orig := openWindow
	openWindow = func(dir string, logger *slog.Logger, stderr io.Writer) int {
		got.called, got.dir, got.logger = true, dir, logger
		return status
	}
	t.Cleanup(func() { openWindow = orig })
	return got
}

func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut, fakeEnv(env))
	return code, out.String(), errOut.String()
}

func TestVersion(t *testing.T) {
	win := stubWindow(t, 0)
	for _, args := range [][]string{
		{"version"},
		{"--data", t.TempDir(), "version"},
		{"version", "--data", t.TempDir()},
	} {
		code, out, errOut := runCLI(t, nil, args...)
		if code != 0 {
			t.Errorf("%q: exit %d, want 0; stderr: %s", args, code, errOut)
		}
		want := "humans " + version + " (" + runtime.Version()
		if !strings.HasPrefix(out, want) || !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
			t.Errorf("%q: stdout %q, want one line starting %q", args, out, want)
		}
		if errOut != "" {
			t.Errorf("%q: stderr %q, want nothing", args, errOut)
		}
	}
	if win.called {
		t.Error("version opened the window")
	}
}

func TestVersionRejectsArguments(t *testing.T) {
	code, out, errOut := runCLI(t, nil, "version", "extra")
	if code != 2 || out != "" || !strings.Contains(errOut, `"extra"`) {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, an error naming \"extra\"", code, out, errOut)
	}
}

func TestHelp(t *testing.T) {
	win := stubWindow(t, 0)
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}, {"version", "--help"}} {
		code, out, errOut := runCLI(t, nil, args...)
		if code != 0 {
			t.Errorf("%q: exit %d, want 0", args, code)
		}
		if errOut != "" {
			t.Errorf("%q: stderr %q, want nothing", args, errOut)
		}
		for _, want := range []string{"humans [--data DIR]", "open the window", "humans version", "humans help",
			"humans import FILE...", "--dry-run", "humans export", "--format", "humans backup FILE", "humans restore FILE",
			"humans apikey create NAME", "humans apikey list", "humans apikey revoke ID", "HUMANS_DATA", "HUMANS_LOG",
			"humans serve", "humans carddav credentials", "humans carddav password",
			"humans sync [now]", "humans sync status", "humans sync conflicts", "humans sync flip ID",
			"humans google setup", "humans google connect [--no-browser]", "humans google accounts",
			"humans google import ACCOUNT", "humans google disconnect ACCOUNT", "HUMANS_GOOGLE_CLIENT_ID", "HUMANS_TOKEN_STORE"} {
			if !strings.Contains(out, want) {
				t.Errorf("%q: usage does not mention %q:\n%s", args, want, out)
			}
		}
	}
	if win.called {
		t.Error("help opened the window")
	}
}

func TestUsageErrors(t *testing.T) {
	win := stubWindow(t, 0)
	tests := []struct {
		args    []string
		mention string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--data", t.TempDir(), "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"--no-such-flag"}, "no-such-flag"},
		{[]string{"version", "--no-such-flag"}, "no-such-flag"},
		{[]string{"--data"}, "data"},
		{[]string{"--data", t.TempDir(), "stray"}, `unknown command "stray"`},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, nil, tt.args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", tt.args, code)
		}
		if out != "" {
			t.Errorf("%q: stdout %q, want nothing", tt.args, out)
		}
		if !strings.Contains(errOut, tt.mention) || !strings.Contains(errOut, "Usage:") {
			t.Errorf("%q: stderr %q, want it to mention %q and show the usage", tt.args, errOut, tt.mention)
		}
	}
	if win.called {
		t.Error("a usage error opened the window")
	}
}

func TestDataDirPrecedence(t *testing.T) {
	flagDir := filepath.Join(t.TempDir(), "from-flag")
	envDir := filepath.Join(t.TempDir(), "from-env")
	config := t.TempDir()
	// The default comes from os.UserConfigDir and app.ResolveDataDir reads
	// the real environment, so pin both for the default case.
	t.Setenv("XDG_CONFIG_HOME", config)
	t.Setenv("HOME", config)
	t.Setenv(app.DataDirEnv, "")
	defaultDir, err := app.ResolveDataDir("")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(defaultDir, "Humans") {
		t.Fatalf("default data directory %q does not end in Humans", defaultDir)
	}

	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"flag", []string{"--data", flagDir}, nil, flagDir},
		{"flag=", []string{"--data=" + flagDir}, nil, flagDir},
		{"single dash", []string{"-data", flagDir}, nil, flagDir},
		{"flag beats env", []string{"--data", flagDir}, map[string]string{app.DataDirEnv: envDir}, flagDir},
		{"env", nil, map[string]string{app.DataDirEnv: envDir}, envDir},
		{"default", nil, nil, defaultDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			win := stubWindow(t, 0)
			code, out, errOut := runCLI(t, tt.env, tt.args...)
			if code != 0 {
				t.Fatalf("exit %d, want 0; stderr: %s", code, errOut)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if !win.called {
				t.Fatal("the window was not opened")
			}
			if win.dir != tt.want {
				t.Errorf("data directory %q, want %q", win.dir, tt.want)
			}
		})
	}
}

func TestDataDirIsMadeAbsolute(t *testing.T) {
	win := stubWindow(t, 0)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runCLI(t, nil, "--data", "relative/book"); code != 0 {
		t.Fatalf("exit %d; stderr: %s", code, errOut)
	}
	if want := filepath.Join(wd, "relative", "book"); win.dir != want {
		t.Errorf("data directory %q, want %q", win.dir, want)
	}
}

func TestWindowExitStatusIsPassedOn(t *testing.T) {
	stubWindow(t, 1)
	if code, _, _ := runCLI(t, nil, "--data", t.TempDir()); code != 1 {
		t.Errorf("exit %d, want the window's 1", code)
	}
}

func TestLogLevelFromEnv(t *testing.T) {
	tests := []struct {
		value     string
		debug     bool
		complains bool
	}{
		{"", false, false},
		{"debug", true, false},
		{"DEBUG", true, false},
		{"warn", false, false},
		{"loud", false, true},
	}
	for _, tt := range tests {
		win := stubWindow(t, 0)
		code, _, errOut := runCLI(t, map[string]string{logLevelEnv: tt.value}, "--data", t.TempDir())
		if code != 0 {
			t.Fatalf("HUMANS_LOG=%q: exit %d", tt.value, code)
		}
		if got := win.logger.Enabled(t.Context(), slog.LevelDebug); got != tt.debug {
			t.Errorf("HUMANS_LOG=%q: debug enabled %v, want %v", tt.value, got, tt.debug)
		}
		if got := strings.Contains(errOut, "unknown log level"); got != tt.complains {
			t.Errorf("HUMANS_LOG=%q: stderr %q; complaint %v, want %v", tt.value, errOut, got, tt.complains)
		}
	}
}

// TestWindowSaysWhenAlreadyRunning holds the store open and checks the
// real openWindow stops before the window with the message and status 1.
func TestWindowSaysWhenAlreadyRunning(t *testing.T) {
	dir := t.TempDir()
	svc, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })

	var shownFor string
	orig := showAlreadyRunning
	showAlreadyRunning = func(d string) { shownFor = d }
	t.Cleanup(func() { showAlreadyRunning = orig })

	var errOut bytes.Buffer
	code := openWindow(dir, slog.New(slog.DiscardHandler), &errOut)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if shownFor != dir {
		t.Errorf("the already-running window was shown for %q, want %q", shownFor, dir)
	}
	want := "Humans is already running (the store in " + dir + " is open in another Humans process)\n"
	if errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut.String(), want)
	}
}

func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	svc, err := app.Open(app.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	h, err := svc.CreateHuman(t.Context(), &app.Human{FirstName: "Ada", LastName: "Lovelace"})
	if err != nil {
		t.Fatal(err)
	}
	// While another process holds the store, the commands say so.
	file := filepath.Join(t.TempDir(), "book.db")
	code, _, stderr := runCLI(t, nil, "backup", file, "--data", dir)
	if code != 1 || !strings.Contains(stderr, "close it first") {
		t.Fatalf("backup of a held store: %d %q", code, stderr)
	}
	svc.Close()

	code, stdout, stderr := runCLI(t, nil, "--data", dir, "backup", file)
	if code != 0 || !strings.Contains(stdout, "backed up") {
		t.Fatalf("backup: %d %q %q", code, stdout, stderr)
	}
	other := t.TempDir()
	code, stdout, stderr = runCLI(t, nil, "--data", other, "restore", file)
	if code != 0 || !strings.Contains(stdout, "book as it was is in") {
		t.Fatalf("restore: %d %q %q", code, stdout, stderr)
	}
	svc, err = app.Open(app.Options{DataDir: other})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	if got, err := svc.Human(t.Context(), h.ID); err != nil || got.LastName != "Lovelace" {
		t.Fatalf("restored contact: %+v %v", got, err)
	}

	for _, args := range [][]string{{"backup"}, {"restore", "a", "b"}} {
		if code, _, _ := runCLI(t, nil, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	code, _, stderr = runCLI(t, nil, "--data", t.TempDir(), "restore", filepath.Join(dir, "nope.db"))
	if code != 1 || stderr == "" {
		t.Fatalf("restore of a missing file: %d %q", code, stderr)
	}
}

func TestImportAndExportCommands(t *testing.T) {
	dir := t.TempDir()
	vcf := filepath.Join(t.TempDir(), "people.vcf")
	cards := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\nEMAIL:ada@example.org\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Alan Turing\r\nN:Turing;Alan;;;\r\nTEL:+44 20 7946 0958\r\nEND:VCARD\r\n"
	if err := os.WriteFile(vcf, []byte(cards), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, nil, "--data", dir, "import", "--dry-run", vcf)
	if code != 0 || !strings.Contains(stdout, "2 would be created") || !strings.Contains(stdout, "people.vcf #1 Ada Lovelace: create") {
		t.Fatalf("dry run: %d %q %q", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, nil, "import", vcf, "--data", dir)
	if code != 0 || !strings.Contains(stdout, "2 created, 0 updated, 0 skipped, 0 failed") {
		t.Fatalf("import: %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, nil, "import", vcf, "--data", dir)
	if code != 0 || !strings.Contains(stdout, "0 created, 0 updated, 2 skipped") {
		t.Fatalf("second import: %d %q", code, stdout)
	}
	out := filepath.Join(t.TempDir(), "book.csv")
	code, _, stderr = runCLI(t, nil, "--data", dir, "export", "--format", "csv", "-o", out)
	if code != 0 || !strings.Contains(stderr, "exported 2 contacts") {
		t.Fatalf("export: %d %q", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil || !strings.Contains(string(data), "Lovelace") || !strings.Contains(string(data), "Turing") {
		t.Fatalf("exported file: %v %q", err, data)
	}
	code, _, stderr = runCLI(t, nil, "--data", dir, "export", "--format", "vcard", "--ids", "2", "--vcard-version", "4.0", "-o", out)
	if code != 0 || !strings.Contains(stderr, "exported 1 contacts") {
		t.Fatalf("export by id: %d %q", code, stderr)
	}
	if data, _ := os.ReadFile(out); !strings.Contains(string(data), "VERSION:4.0") || strings.Contains(string(data), "Lovelace") {
		t.Fatalf("vCard export: %q", data)
	}
	for _, args := range [][]string{
		{"export", "--format", "xml"}, {"export", "--ids", "x"}, {"export", "--vcard-version", "2.1"}, {"import"}, {"export", "extra"},
	} {
		if code, _, _ := runCLI(t, nil, append(args, "--data", dir)...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	broken := filepath.Join(t.TempDir(), "broken.vcf")
	os.WriteFile(broken, []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:nobody\r\nEND:VCARD\r\n"), 0o600)
	code, _, stderr = runCLI(t, nil, "--data", dir, "import", broken)
	if code != 1 || !strings.Contains(stderr, "broken.vcf record 1") {
		t.Fatalf("import of a broken card: %d %q", code, stderr)
	}
}

func TestUnifiedExportImportsExactlyIntoAFreshDirectory(t *testing.T) {
	dir := t.TempDir()
	vcf := filepath.Join(t.TempDir(), "people.vcf")
	cards := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\nCATEGORIES:Friends\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Alan Turing\r\nN:Turing;Alan;;;\r\nORG:Bletchley\r\nEND:VCARD\r\n"
	if err := os.WriteFile(vcf, []byte(cards), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, nil, "--data", dir, "import", vcf); code != 0 {
		t.Fatalf("import: %d %q", code, stderr)
	}
	doc := filepath.Join(t.TempDir(), "book.json")
	if code, _, stderr := runCLI(t, nil, "--data", dir, "export", "--unified", "-o", doc); code != 0 {
		t.Fatalf("export: %d %q", code, stderr)
	}
	fresh := t.TempDir()
	code, stdout, stderr := runCLI(t, nil, "--data", fresh, "import", doc)
	if code != 0 || !strings.Contains(stdout, "restored exactly") || !strings.Contains(stdout, "2 contacts (0 in the trash), 0 photos, 1 companies, 1 groups") {
		t.Fatalf("import of the unified export: %d %q %q", code, stdout, stderr)
	}
	// The restored book exports the same document, but for its date and
	// the revisions, which the store assigns anew.
	again := filepath.Join(t.TempDir(), "again.json")
	if code, _, stderr := runCLI(t, nil, "--data", fresh, "export", "--unified", "-o", again); code != 0 {
		t.Fatalf("export: %d %q", code, stderr)
	}
	a, _ := os.ReadFile(doc)
	b, _ := os.ReadFile(again)
	dated := regexp.MustCompile(`"exported_at":"[^"]*"|"revision":\d+`)
	if x, y := dated.ReplaceAll(a, nil), dated.ReplaceAll(b, nil); !bytes.Equal(x, y) {
		t.Fatalf("the restored book exports differently:\n%s\n---\n%s", x, y)
	}
}
