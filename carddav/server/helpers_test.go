package server

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/humans-contacts/humans/app"
)

var ctx = context.Background()

// env is a server over a real store in a temporary directory.
type env struct {
	t    testing.TB
	svc  *app.Service
	h    *Handler
	srv  *httptest.Server
	user string
	pass string
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	svc, err := app.Open(app.Options{DataDir: t.TempDir(), LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	cred, err := svc.CardDAVCredentials()
	if err != nil {
		t.Fatal(err)
	}
	h := New(svc, opts)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &env{t: t, svc: svc, h: h, srv: srv, user: cred.User, pass: cred.Password}
}

// do sends a request with the env's credentials; headers alternate
// names and values.
func (e *env) do(method, path, body string, headers ...string) *http.Response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.SetBasicAuth(e.user, e.pass)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

// call sends a request and returns the status, headers and body.
func (e *env) call(method, path, body string, headers ...string) (int, http.Header, string) {
	e.t.Helper()
	resp := e.do(method, path, body, headers...)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func (e *env) expect(want int, method, path, body string, headers ...string) (http.Header, string) {
	e.t.Helper()
	code, h, b := e.call(method, path, body, headers...)
	if code != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, code, want, b)
	}
	return h, b
}

func card(uid, fn string, extra ...string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\nFN:" + fn + "\r\n")
	parts := strings.SplitN(fn, " ", 2)
	if len(parts) == 2 {
		b.WriteString("N:" + parts[1] + ";" + parts[0] + ";;;\r\n")
	} else {
		b.WriteString("N:" + fn + ";;;;\r\n")
	}
	for _, l := range extra {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("END:VCARD\r\n")
	return b.String()
}

var (
	reToken = regexp.MustCompile(`<d:sync-token>([^<]*)</d:sync-token>`)
	reCTag  = regexp.MustCompile(`<cs:getctag>([^<]*)</cs:getctag>`)
	reHref  = regexp.MustCompile(`<d:href>([^<]*)</d:href>`)
	reETag  = regexp.MustCompile(`<d:getetag>([^<]*)</d:getetag>`)
)

func first(re *regexp.Regexp, s string) string {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

func all(re *regexp.Regexp, s string) []string {
	var out []string
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func syncBody(token string, extra string) string {
	return `<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">` +
		`<d:sync-token>` + token + `</d:sync-token><d:sync-level>1</d:sync-level>` + extra +
		`<d:prop><d:getetag/></d:prop></d:sync-collection>`
}
