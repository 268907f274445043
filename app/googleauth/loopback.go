package googleauth

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Authorizer begins and finishes logins. A Config's logins are finished
// in this process (app.Service); the command line talking to a running
// Humans has them finished there, through the REST API.
type Authorizer interface {
	// AuthURL begins a login that comes back to redirectURL and returns
	// the consent page's address and the login's state.
	AuthURL(ctx context.Context, redirectURL string) (authURL, state string, err error)
	// Callback finishes the login of state with code and returns the
	// account connected.
	Callback(ctx context.Context, code, state string) (account string, err error)
}

// Errors of a login's answer.
var (
	// ErrAccessDenied: the person refused the consent.
	ErrAccessDenied = errors.New("googleauth: access was refused on Google's consent page; nothing was connected")
	// ErrStateMismatch: the answer is not of this login (a stale tab, or
	// someone else's request); it is not exchanged.
	ErrStateMismatch = errors.New("googleauth: the answer does not belong to this login (state mismatch); nothing was exchanged: connect again")
)

// Opener opens an address in the system browser.
type Opener func(url string) error

// OpenBrowser opens url in the system browser: xdg-open on Linux and the
// BSDs, open on macOS, rundll32 on Windows.
func OpenBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		cmd = exec.Command("xdg-open", url)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("googleauth: opening the browser: %w", err)
	}
	go cmd.Wait() // reap it
	return nil
}

// Loopback runs a login with the loopback redirect: it listens on
// 127.0.0.1 on a free port, begins the login with that address, opens the
// consent page with open (show gets the address too, for the person to
// open it when no browser comes up), waits for Google's redirect, checks
// its state and has the code exchanged. It ends when the login does or
// when ctx does.
func Loopback(ctx context.Context, a Authorizer, open Opener, show func(authURL string)) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("googleauth: listening for Google's answer: %w", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://127.0.0.1:%d/", ln.Addr().(*net.TCPAddr).Port)
	authURL, state, err := a.AuthURL(ctx, redirect)
	if err != nil {
		return "", err
	}
	return serveOnce(ctx, ln, state, a, func() error {
		if show != nil {
			show(authURL)
		}
		if open != nil {
			if err := open(authURL); err != nil && show == nil {
				return err
			}
		}
		return nil
	})
}

// result is how the one answer ended.
type result struct {
	account string
	err     error
}

// serveOnce serves Google's redirect on ln until one answer is handled;
// started runs once it serves (it opens the browser).
func serveOnce(ctx context.Context, ln net.Listener, state string, a Authorizer, started func() error) (string, error) {
	done := make(chan result, 1)
	finished := false
	mu := make(chan struct{}, 1) // one answer at a time
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		mu <- struct{}{}
		defer func() { <-mu }()
		if finished {
			page(w, http.StatusGone, "Already done", "This sign-in is finished. You can close this tab.")
			return
		}
		q := r.URL.Query()
		res := result{}
		switch {
		case q.Get("error") != "":
			res.err = answerError(q.Get("error"))
			page(w, http.StatusForbidden, "Not connected", "Google did not give Humans access ("+q.Get("error")+"). Nothing was connected. You can close this tab.")
		case q.Get("state") != state:
			res.err = ErrStateMismatch
			page(w, http.StatusBadRequest, "Not connected", "This answer does not belong to the sign-in Humans started, so it was not used. Start again from Humans.")
		case q.Get("code") == "":
			page(w, http.StatusBadRequest, "Waiting", "This address waits for Google's answer; it came without a code.")
			return // not an answer: keep waiting
		default:
			res.account, res.err = a.Callback(ctx, q.Get("code"), state) // not the request's: a closed tab must not cancel the exchange
			if res.err != nil {
				page(w, http.StatusBadGateway, "Not connected", "Humans could not finish the connection: "+res.err.Error())
			} else {
				page(w, http.StatusOK, "Connected", "Humans is connected to "+res.account+". You can close this tab and go back to Humans.")
			}
		}
		finished = true
		done <- res
	})}
	go srv.Serve(ln)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := started(); err != nil {
		return "", err
	}
	select {
	case res := <-done:
		return res.account, res.err
	case <-ctx.Done():
		return "", fmt.Errorf("googleauth: waiting for Google's answer: %w", ctx.Err())
	}
}

func answerError(code string) error {
	if code == "access_denied" {
		return ErrAccessDenied
	}
	return fmt.Errorf("googleauth: Google answered the login with the error %q; nothing was connected", code)
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Humans: {{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34em;margin:4em auto;padding:0 1em;color:#222}
h1{font-weight:600;font-size:1.4em}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

// page answers the browser with a short page (text is escaped).
func page(w http.ResponseWriter, status int, title, text string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, struct{ Title, Text string }{title, text})
}

// NoBrowserRedirect is where a login without a browser on this machine
// sends the browser (on another machine): nothing listens there, so the
// browser shows an error page whose address holds the answer, to copy.
const NoBrowserRedirect = "http://127.0.0.1:53682/"

// NoBrowser runs a login without a browser here, as rclone's authorize
// does: it prints the consent page's address, reads the address the
// browser was sent to (or only the code) from in, checks its state and
// has the code exchanged.
func NoBrowser(ctx context.Context, a Authorizer, in io.Reader, out io.Writer) (string, error) {
	authURL, state, err := a.AuthURL(ctx, NoBrowserRedirect)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(out, "Open this address in a browser (on any machine) and allow access:\n\n  %s\n\n", authURL)
	fmt.Fprintf(out, "The browser then goes to %s... and says it cannot connect:\n", NoBrowserRedirect)
	fmt.Fprintf(out, "copy that whole address from its address bar and paste it here.\n\naddress: ")
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				lines <- l
				return
			}
		}
		close(lines)
	}()
	var line string
	select {
	case l, ok := <-lines:
		if !ok {
			return "", errors.New("googleauth: nothing was pasted; nothing was connected")
		}
		line = l
	case <-ctx.Done():
		return "", fmt.Errorf("googleauth: waiting for the pasted address: %w", ctx.Err())
	}
	code, gotState, err := ParsePasted(line)
	if err != nil {
		return "", err
	}
	if gotState != "" && gotState != state {
		return "", ErrStateMismatch
	}
	return a.Callback(ctx, code, state)
}

// ParsePasted reads what a person pasted: the address Google sent the
// browser to (its code, state or error), its query alone, or only the
// code. state is "" when only a code was pasted (PKCE still binds the
// code to this login).
func ParsePasted(s string) (code, state string, err error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", errors.New("googleauth: nothing was pasted")
	}
	var q url.Values
	switch {
	case strings.Contains(s, "://"):
		u, perr := url.Parse(s)
		if perr != nil {
			return "", "", fmt.Errorf("googleauth: the pasted address cannot be read: %v", perr)
		}
		q = u.Query()
	case strings.Contains(s, "="):
		q, err = url.ParseQuery(strings.TrimPrefix(s, "?"))
		if err != nil {
			return "", "", fmt.Errorf("googleauth: the pasted text cannot be read: %v", err)
		}
	default:
		if strings.ContainsAny(s, " \t&?#") {
			return "", "", errors.New("googleauth: paste the whole address the browser went to, or its code")
		}
		return s, "", nil
	}
	if e := q.Get("error"); e != "" {
		return "", "", answerError(e)
	}
	if q.Get("code") == "" {
		return "", "", errors.New("googleauth: the pasted address has no code: copy the address the browser went to after you allowed access")
	}
	if q.Get("state") == "" {
		return "", "", errors.New("googleauth: the pasted address has no state: copy the whole address")
	}
	return q.Get("code"), q.Get("state"), nil
}
