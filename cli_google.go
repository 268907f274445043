package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/googleauth"
)

// googleUsage is the google command's part of the help.
const googleUsage = `  humans google setup [--client-id ID] [--client-secret SECRET]
                           set the Google OAuth client (asked on standard
                           input when not given; says how to get one)
  humans google connect [--no-browser]
                           connect a Google account: the browser opens
                           Google's consent page; --no-browser prints the
                           address and reads back the one the browser went to
  humans google accounts   the connected Google accounts and their sync state
  humans google import ACCOUNT
                           import from a Google account now
  humans google disconnect ACCOUNT
                           revoke the account's access and forget it (its
                           contacts stay here)
`

// openBrowser opens the consent page (stdin, in cli_serve.go, is where
// the person types); tests replace both.
var openBrowser = googleauth.OpenBrowser

// googleOptions are the flags of google.
type googleOptions struct {
	noBrowser            bool
	clientID, secret     string
	clientIDSet, secrSet bool
}

func (o *googleOptions) register(cmd string, fs *flag.FlagSet) {
	if cmd == "google" {
		fs.BoolVar(&o.noBrowser, "no-browser", false, "connect: print the consent address and read the answer from standard input")
		fs.Func("client-id", "setup: the OAuth client ID", func(s string) error { o.clientID, o.clientIDSet = s, true; return nil })
		fs.Func("client-secret", "setup: the OAuth client secret", func(s string) error { o.secret, o.secrSet = s, true; return nil })
	}
}

// googleBook is what the google command needs: the service, or the
// running Humans through its REST API.
type googleBook interface {
	GoogleAuthorizer() googleauth.Authorizer
	GoogleAccounts(ctx context.Context) ([]app.GoogleAccount, error)
	GoogleImport(ctx context.Context, id string) (*app.GoogleImportResult, error)
	GoogleDisconnect(ctx context.Context, id string) (*app.GoogleDisconnected, error)
}

// runGoogleCommand runs "humans google ...".
func runGoogleCommand(rest []string, dataFlag string, o googleOptions, stdout, stderr io.Writer, env func(string) string) int {
	if len(rest) == 0 {
		return usageError(stderr, "google: say setup, connect, accounts, import or disconnect")
	}
	action, args := rest[0], rest[1:]
	switch action {
	case "setup", "connect", "accounts":
		if len(args) > 0 {
			return usageError(stderr, "google %s: unexpected arguments %q", action, strings.Join(args, " "))
		}
	case "import", "disconnect":
		if len(args) != 1 {
			return usageError(stderr, "google %s takes one account (its e-mail address; humans google accounts lists them)", action)
		}
	default:
		return usageError(stderr, "google: unknown action %q (use setup, connect, accounts, import or disconnect)", action)
	}
	if (o.clientIDSet || o.secrSet) && action != "setup" {
		return usageError(stderr, "--client-id and --client-secret go with google setup")
	}
	if o.noBrowser && action != "connect" {
		return usageError(stderr, "--no-browser goes with google connect")
	}
	logger := newLogger(stderr, env)
	dir, err := dataDir(dataFlag, env)
	if err != nil {
		fmt.Fprintf(stderr, "humans: %v\n", err)
		return 1
	}
	if action == "setup" {
		// google.json only: no need to open the book.
		if err := googleSetup(dir, o, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "humans: %v\n", err)
			return 1
		}
		return 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return withBook(dir, logger, stderr, func(b book) error {
		gb := b.(googleBook)
		switch action {
		case "connect":
			return googleConnect(ctx, gb, o.noBrowser, stdout, stderr)
		case "accounts":
			return googleAccounts(ctx, gb, stdout)
		case "import":
			fmt.Fprintf(stderr, "importing from %s…\n", args[0])
			res, err := gb.GoogleImport(ctx, args[0])
			if res != nil {
				fmt.Fprintf(stdout, "%s: %d created, %d updated, %d skipped, %d deleted\n", res.Account, res.Created, res.Updated, res.Skipped, res.Deleted)
				if res.Job != nil {
					printJob(stdout, res.Job)
				}
			}
			return signInHint(err)
		default: // disconnect
			res, err := gb.GoogleDisconnect(ctx, args[0])
			if res == nil {
				return err
			}
			fmt.Fprintf(stdout, "disconnected %s; its contacts stay in this book\n", res.ID)
			if res.Revoked {
				fmt.Fprintln(stdout, "Google revoked Humans' access to it")
			} else {
				fmt.Fprintf(stdout, "Google did not revoke the access (%s): remove Humans at https://myaccount.google.com/permissions\n", res.RevokeError)
			}
			return err
		}
	})
}

// signInHint adds what to do to a sign-in error.
func signInHint(err error) error {
	if err != nil && strings.Contains(err.Error(), app.ErrGoogleSignIn.Error()) {
		return fmt.Errorf("%w\nconnect the account again: humans google connect", err)
	}
	return err
}

// googleSetup asks for what the flags did not give and saves the client.
func googleSetup(dir string, o googleOptions, stdout, stderr io.Writer) error {
	if !o.clientIDSet || !o.secrSet {
		fmt.Fprintln(stderr, app.GoogleSetupHelp)
		fmt.Fprintln(stderr)
	}
	in := bufio.NewReader(stdin)
	ask := func(prompt string) (string, error) {
		fmt.Fprint(stderr, prompt)
		line, err := in.ReadString('\n')
		if err != nil && (err != io.EOF || line == "") {
			return "", fmt.Errorf("google setup: nothing read for the %s", strings.TrimSuffix(prompt, ": "))
		}
		return strings.TrimSpace(line), nil
	}
	var err error
	if !o.clientIDSet {
		if o.clientID, err = ask("client ID: "); err != nil {
			return err
		}
	}
	if !o.secrSet {
		if terminal(stdin) {
			// Typed: not echoed.
			o.secret, err = readSecret(stdin, stderr, "client secret: ")
			if err != nil {
				return fmt.Errorf("google setup: nothing read for the client secret: %w", err)
			}
		} else if o.secret, err = ask("client secret: "); err != nil {
			return err
		}
	}
	c, err := app.SaveGoogleClient(dir, o.clientID, o.secret)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Google OAuth client %s saved (secret %s); now: humans google connect\n", c.ClientID, c.MaskedSecret)
	for _, env := range c.FromEnv {
		fmt.Fprintf(stdout, "note: %s is set and overrides the saved value\n", env)
	}
	return nil
}

// googleConnect runs the login: loopback (the browser on this machine)
// or the pasted address. The running Humans, when it holds the book,
// finishes the login; this process only catches the browser's answer.
func googleConnect(ctx context.Context, b googleBook, noBrowser bool, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, app.GoogleConnectTimeout)
	defer cancel()
	var email string
	var err error
	if noBrowser {
		email, err = googleauth.NoBrowser(ctx, b.GoogleAuthorizer(), stdin, stderr)
		fmt.Fprintln(stderr)
	} else {
		show := func(u string) {
			fmt.Fprintf(stderr, "opening Google's consent page in the browser; if it does not open, go to:\n\n  %s\n\nwaiting for Google's answer (Ctrl+C to stop)…\n", u)
		}
		email, err = googleauth.Loopback(ctx, b.GoogleAuthorizer(), func(u string) error {
			if err := openBrowser(u); err != nil {
				fmt.Fprintf(stderr, "the browser did not open (%v): open the address above yourself, or use --no-browser\n", err)
			}
			return nil
		}, show)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "connected %s (account %s); humans google import %s imports its contacts\n", email, app.GoogleAccountName(email), email)
	return nil
}

func googleAccounts(ctx context.Context, b googleBook, stdout io.Writer) error {
	accs, err := b.GoogleAccounts(ctx)
	if err != nil {
		return err
	}
	if len(accs) == 0 {
		fmt.Fprintln(stdout, "no Google account is connected (humans google connect)")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tNAME\tSTATE\tLAST SYNC\tLAST ERROR")
	for _, a := range accs {
		state := a.Status.State
		if a.NeedsSignIn {
			state = "SIGN IN AGAIN"
		}
		lastErr := ""
		if a.Status.LastError != "" && a.Status.LastErrorAt.After(a.Status.LastSuccess) {
			lastErr = short(a.Status.LastError) + " (" + when(a.Status.LastErrorAt) + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Email, a.Name, state, when(a.Status.LastSuccess), lastErr)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, a := range accs {
		if a.NeedsSignIn {
			fmt.Fprintf(stdout, "%s must sign in again: humans google connect\n", a.Email)
		}
		if n := a.Status.PendingDeletions; n > 0 {
			fmt.Fprintf(stdout, "%s: %d contacts deleted in Google wait for your confirmation: humans sync deletions --account %s\n", a.Email, n, a.ID)
		}
	}
	return nil
}

// --- the running Humans, through /api/google ------------------------------

// remoteAuthorizer has the running Humans begin and finish logins.
type remoteAuthorizer struct{ r *running }

func (a remoteAuthorizer) AuthURL(ctx context.Context, redirect string) (string, string, error) {
	var out struct {
		URL   string `json:"url"`
		State string `json:"state"`
	}
	err := a.r.call(ctx, "GET", "/api/google/auth-url?"+url.Values{"redirect_uri": {redirect}}.Encode(), nil, "", &out)
	return out.URL, out.State, err
}

func (a remoteAuthorizer) Callback(ctx context.Context, code, state string) (string, error) {
	body, _ := json.Marshal(map[string]string{"code": code, "state": state})
	var acc app.GoogleAccount
	err := a.r.call(ctx, "POST", "/api/google/callback", bytes.NewReader(body), "application/json", &acc)
	return acc.Email, err
}

// GoogleAuthorizer has the running Humans finish the logins.
func (r *running) GoogleAuthorizer() googleauth.Authorizer { return remoteAuthorizer{r} }

// GoogleAccounts lists the running Humans' Google accounts.
func (r *running) GoogleAccounts(ctx context.Context) ([]app.GoogleAccount, error) {
	var out []app.GoogleAccount
	err := r.call(ctx, "GET", "/api/google/accounts", nil, "", &out)
	return out, err
}

// GoogleImport has the running Humans import from a Google account.
func (r *running) GoogleImport(ctx context.Context, id string) (*app.GoogleImportResult, error) {
	body, _ := json.Marshal(map[string]string{"account": id})
	var out struct {
		app.GoogleImportResult
		Job *syncJob `json:"job"`
	}
	if err := r.call(ctx, "POST", "/api/google/import", bytes.NewReader(body), "application/json", &out); err != nil {
		return nil, err
	}
	res := out.GoogleImportResult
	if out.Job != nil {
		res.Job = out.Job.toApp(res.Account)
	}
	return &res, nil
}

// GoogleDisconnect has the running Humans disconnect a Google account.
func (r *running) GoogleDisconnect(ctx context.Context, id string) (*app.GoogleDisconnected, error) {
	var out app.GoogleDisconnected
	if err := r.call(ctx, "DELETE", "/api/google/accounts/"+url.PathEscape(id), nil, "", &out); err != nil {
		return nil, err
	}
	return &out, nil
}

var (
	_ googleBook = (*app.Service)(nil)
	_ googleBook = (*running)(nil)
)
