package server

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/humans-contacts/humans/app"
)

// The URL layout: one principal, one home set, one address book.
const (
	RootPath      = "/"
	PrincipalPath = "/principal/"
	HomePath      = "/addressbooks/"
	BookPath      = "/addressbooks/contacts/"
	WellKnownPath = "/.well-known/carddav"
)

// DefaultMaxResourceSize is the largest card a PUT may send: a photo at
// the store's limit, base64-encoded, plus the text.
const DefaultMaxResourceSize = 14 << 20

// Options configure a Handler.
type Options struct {
	Logger *slog.Logger
	// MaxResourceSize bounds a PUT body (0: DefaultMaxResourceSize).
	MaxResourceSize int64
	// CacheBytes bounds the encoded-card cache (0: DefaultCacheBytes).
	CacheBytes int64
}

// Handler serves the address book of an app.Service over CardDAV, with
// HTTP basic authentication against the app's CardDAV credentials.
type Handler struct {
	svc     *app.Service
	book    *Book
	log     *slog.Logger
	maxSize int64
}

// New returns the CardDAV handler of svc, to mount at "/".
func New(svc *app.Service, opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxResourceSize <= 0 {
		opts.MaxResourceSize = DefaultMaxResourceSize
	}
	return &Handler{svc: svc, book: NewBook(svc, opts.CacheBytes), log: opts.Logger, maxSize: opts.MaxResourceSize}
}

// Book is the handler's address book.
func (h *Handler) Book() *Book { return h.book }

type kind int

const (
	kindNone kind = iota
	kindRoot
	kindPrincipal
	kindHome
	kindBook
	kindCard
)

// classify names what path is; for a card, its resource name.
func classify(path string) (kind, string) {
	switch path {
	case "/", "":
		return kindRoot, ""
	case PrincipalPath, strings.TrimSuffix(PrincipalPath, "/"):
		return kindPrincipal, ""
	case HomePath, strings.TrimSuffix(HomePath, "/"):
		return kindHome, ""
	case BookPath, strings.TrimSuffix(BookPath, "/"):
		return kindBook, ""
	}
	if name, ok := strings.CutPrefix(path, BookPath); ok && !strings.Contains(name, "/") && name != "" {
		return kindCard, name
	}
	return kindNone, ""
}

func cardHref(name string) string { return BookPath + url.PathEscape(name) }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			h.log.Error("carddav: panic serving a request", "method", r.Method, "path", r.URL.Path, "panic", v)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}()
	if r.URL.Path == WellKnownPath || r.URL.Path == WellKnownPath+"/" {
		http.Redirect(w, r, PrincipalPath, http.StatusMovedPermanently)
		return
	}
	if !h.authorized(w, r) {
		return
	}
	w.Header().Set("DAV", "1, 3, addressbook")
	k, name := classify(r.URL.Path)
	if r.Method == "MKCOL" {
		http.Error(w, "this server has one address book; it cannot create another", http.StatusForbidden)
		return
	}
	if k == kindNone {
		http.Error(w, "not found: this server has one address book, at "+BookPath, http.StatusNotFound)
		return
	}
	var err error
	switch r.Method {
	case http.MethodOptions:
		h.options(w, k)
	case "PROPFIND":
		err = h.propfind(w, r, k, name)
	case "PROPPATCH":
		err = h.proppatch(w, r, k)
	case "REPORT":
		err = h.report(w, r, k)
	case http.MethodGet, http.MethodHead:
		err = h.get(w, r, k, name)
	case http.MethodPut:
		err = h.put(w, r, k, name)
	case http.MethodDelete:
		err = h.delete(w, r, k, name)
	default:
		w.Header().Set("Allow", allowed(k))
		http.Error(w, r.Method+" is not supported here", http.StatusMethodNotAllowed)
	}
	if err != nil {
		h.fail(w, r, err)
	}
}

// fail answers an error a method returned.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ve *app.ValidationError
	switch {
	case errors.Is(err, errBodyTooLarge):
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
	case errors.Is(err, app.ErrNotFound):
		http.Error(w, "not found", http.StatusNotFound)
	case errors.Is(err, app.ErrConflict):
		http.Error(w, "precondition failed: the card changed", http.StatusPreconditionFailed)
	case errors.As(err, &ve):
		davError(w, http.StatusBadRequest, xml.Name{Space: nsCardDAV, Local: "valid-address-data"}, ve.Error())
	case errors.Is(err, context.Canceled):
		// The client went away.
	default:
		var be *badRequest
		if errors.As(err, &be) {
			http.Error(w, be.msg, http.StatusBadRequest)
			return
		}
		h.log.Error("carddav: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badRequestf(format string, args ...any) error { return &badRequest{fmt.Sprintf(format, args...)} }

// authorized checks HTTP basic credentials, answering 401 or 429 itself.
func (h *Handler) authorized(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="Humans", charset="UTF-8"`)
		http.Error(w, "authentication required: the user name and password are in Humans' settings (Connect a phone)", http.StatusUnauthorized)
		return false
	}
	remote, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		remote = r.RemoteAddr
	}
	err = h.svc.CheckCardDAVLogin(user, pass, remote)
	var rl *app.RateLimitedError
	switch {
	case err == nil:
		return true
	case errors.As(err, &rl):
		w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds()+0.999)))
		http.Error(w, "too many failed logins; try again later", http.StatusTooManyRequests)
	case errors.Is(err, app.ErrBadLogin):
		h.log.Warn("carddav: failed login", "remote", remote, "user", user)
		w.Header().Set("WWW-Authenticate", `Basic realm="Humans", charset="UTF-8"`)
		http.Error(w, "wrong user name or password", http.StatusUnauthorized)
	default:
		h.log.Error("carddav: checking a login", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
	return false
}

func allowed(k kind) string {
	switch k {
	case kindCard:
		return "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND"
	case kindBook:
		return "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH, REPORT"
	case kindHome:
		return "OPTIONS, GET, HEAD, PROPFIND, PROPPATCH"
	}
	return "OPTIONS, GET, HEAD, PROPFIND"
}

func (h *Handler) options(w http.ResponseWriter, k kind) {
	w.Header().Set("Allow", allowed(k))
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// ----- GET -----

// wantVersion reads the vCard version an Accept header asks for: "4.0"
// only when it names version=4.0, else "3.0".
func wantVersion(accept string) string {
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && (mt == "text/vcard" || mt == "text/*" || mt == "*/*") && strings.TrimSpace(params["version"]) == "4.0" {
			return "4.0"
		}
	}
	return "3.0"
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request, k kind, name string) error {
	if k != kindCard {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Humans CardDAV server. Add a CardDAV account with this address, the user name and the password shown in Humans (Settings, Connect a phone).\nAddress book: %s\n", BookPath)
		return nil
	}
	c, err := h.book.Lookup(r.Context(), name)
	if err != nil {
		return err
	}
	if im := r.Header.Get("If-Match"); im != "" && !ifMatches(im, c.ETag) {
		return app.ErrConflict
	}
	w.Header().Set("ETag", c.ETag)
	w.Header().Set("Last-Modified", c.Modified.UTC().Format(http.TimeFormat))
	w.Header().Set("Vary", "Accept")
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatches(inm, c.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	version := wantVersion(r.Header.Get("Accept"))
	body := c.Bytes(version)
	w.Header().Set("Content-Type", "text/vcard; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return nil
	}
	w.Write(body)
	return nil
}

// etagMatches reports whether an If-None-Match header matches etag ("*"
// matches any): the weak comparison RFC 9110 §13.1.2 asks for.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// ifMatches reports whether an If-Match header matches etag: the strong
// comparison RFC 9110 §13.1.1 asks for, so a weak tag never matches.
func ifMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// ----- PUT -----

var vcardTypes = map[string]bool{"text/vcard": true, "text/x-vcard": true, "text/directory": true}

func (h *Handler) put(w http.ResponseWriter, r *http.Request, k kind, name string) error {
	if k != kindCard {
		w.Header().Set("Allow", allowed(k))
		http.Error(w, "PUT a card inside the address book ("+BookPath+"<name>.vcf), not to a collection", http.StatusMethodNotAllowed)
		return nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || !vcardTypes[mt] {
			davError(w, http.StatusUnsupportedMediaType, xml.Name{Space: nsCardDAV, Local: "supported-address-data"},
				fmt.Sprintf("a card must be sent as text/vcard, not %q", ct))
			return nil
		}
	}
	tooLarge := func() {
		davError(w, http.StatusRequestEntityTooLarge, xml.Name{Space: nsCardDAV, Local: "max-resource-size"},
			fmt.Sprintf("the card is larger than the %d bytes this server accepts", h.maxSize))
	}
	if r.ContentLength > h.maxSize {
		tooLarge()
		return nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxSize))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			tooLarge()
			return nil
		}
		return err
	}
	ctx := r.Context()
	cur, err := h.book.Lookup(ctx, name)
	if err != nil && !errors.Is(err, app.ErrNotFound) {
		return err
	}
	opts := app.PutCardOptions{}
	if im := r.Header.Get("If-Match"); im != "" {
		if cur == nil || !ifMatches(im, cur.ETag) {
			http.Error(w, "precondition failed: the card changed since you read it (If-Match)", http.StatusPreconditionFailed)
			return nil
		}
		opts.IfMatch = cur.StoreETag
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if cur != nil && etagMatches(inm, cur.ETag) {
			http.Error(w, "precondition failed: the card exists (If-None-Match)", http.StatusPreconditionFailed)
			return nil
		}
		if strings.TrimSpace(inm) == "*" {
			opts.MustNotExist = true
		}
	}
	var id int64
	var updated time.Time
	var created bool
	if app.IsGroupCardBody(body) {
		if cur != nil && cur.Group == 0 {
			http.Error(w, "a group card cannot replace the contact at this address", http.StatusConflict)
			return nil
		}
		gopts := app.PutGroupCardOptions{MustNotExist: opts.MustNotExist}
		if opts.IfMatch != "" {
			gopts.IfMatchRevision = cur.Revision
		}
		var g *app.Group
		g, created, err = h.book.PutGroup(ctx, name, body, gopts)
		if err == nil {
			id, updated = -g.ID, g.UpdatedAt
		}
	} else {
		if cur != nil && cur.Group != 0 {
			http.Error(w, "a contact card cannot replace the group card at this address", http.StatusConflict)
			return nil
		}
		var stored *app.Human
		stored, created, err = h.book.Put(ctx, name, body, opts)
		if err == nil {
			id, updated = stored.ID, stored.UpdatedAt
		}
	}
	if err != nil {
		return h.putFailed(w, err)
	}
	// An ETag only when the bytes served equal the ones sent (RFC 9110
	// §9.3.4, which CardDAV clients follow): else the client must read
	// the card back.
	if c, err := h.book.Lookup(ctx, name); err == nil && c.ID == id &&
		(bytes.Equal(c.V3, body) || bytes.Equal(c.V4, body)) {
		w.Header().Set("ETag", c.ETag)
	}
	w.Header().Set("Last-Modified", updated.UTC().Format(http.TimeFormat))
	if created {
		w.Header().Set("Location", cardHref(name))
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// putFailed answers a PUT the app refused.
func (h *Handler) putFailed(w http.ResponseWriter, err error) error {
	var ce *app.CardError
	var uc *app.UIDConflictError
	switch {
	case errors.As(err, &ce):
		davError(w, http.StatusBadRequest, xml.Name{Space: nsCardDAV, Local: "valid-address-data"}, ce.Error())
		return nil
	case errors.As(err, &uc):
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
		b.WriteString(`<d:error xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:h="` + nsHumans + `"><card:no-uid-conflict>`)
		b.WriteString(hrefXML(cardHref(uc.Name)))
		b.WriteString("</card:no-uid-conflict><h:message>")
		xml.EscapeText(&b, []byte(fmt.Sprintf("UID %q is already used by %s", uc.UID, cardHref(uc.Name))))
		b.WriteString("</h:message></d:error>\n")
		w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
		w.WriteHeader(http.StatusConflict)
		w.Write(b.Bytes())
		return nil
	case errors.Is(err, app.ErrConflict):
		http.Error(w, "precondition failed: the card changed meanwhile", http.StatusPreconditionFailed)
		return nil
	}
	return err
}

// ----- DELETE -----

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, k kind, name string) error {
	if k != kindCard {
		http.Error(w, "the address book itself cannot be deleted", http.StatusForbidden)
		return nil
	}
	c, err := h.book.Lookup(r.Context(), name)
	if err != nil {
		return err
	}
	storeETag := ""
	if im := r.Header.Get("If-Match"); im != "" {
		if !ifMatches(im, c.ETag) {
			http.Error(w, "precondition failed: the card changed since you read it (If-Match)", http.StatusPreconditionFailed)
			return nil
		}
		storeETag = c.StoreETag
	}
	if err := h.book.Delete(r.Context(), c, storeETag); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// warmDelay is how long after a start Warm waits before encoding.
const warmDelay = 2 * time.Second

// Warm fills the card cache in the background, after warmDelay; it
// returns at once.
func (h *Handler) Warm(ctx context.Context) {
	go func() {
		// Let the window load its list first.
		select {
		case <-ctx.Done():
			return
		case <-time.After(warmDelay):
		}
		start := time.Now()
		if err := h.book.Warm(ctx); err != nil && !errors.Is(err, context.Canceled) {
			h.log.Warn("carddav: warming the card cache", "err", err)
			return
		}
		h.log.Debug("carddav: card cache warm", "took", time.Since(start))
	}()
}
