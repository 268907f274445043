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

// ----- PROPFIND -----

var (
	pResourceType      = xml.Name{Space: nsDAV, Local: "resourcetype"}
	pDisplayName       = xml.Name{Space: nsDAV, Local: "displayname"}
	pPrincipal         = xml.Name{Space: nsDAV, Local: "current-user-principal"}
	pPrincipalURL      = xml.Name{Space: nsDAV, Local: "principal-URL"}
	pPrincipalColl     = xml.Name{Space: nsDAV, Local: "principal-collection-set"}
	pOwner             = xml.Name{Space: nsDAV, Local: "owner"}
	pPrivileges        = xml.Name{Space: nsDAV, Local: "current-user-privilege-set"}
	pReports           = xml.Name{Space: nsDAV, Local: "supported-report-set"}
	pSyncToken         = xml.Name{Space: nsDAV, Local: "sync-token"}
	pGetETag           = xml.Name{Space: nsDAV, Local: "getetag"}
	pContentType       = xml.Name{Space: nsDAV, Local: "getcontenttype"}
	pContentLength     = xml.Name{Space: nsDAV, Local: "getcontentlength"}
	pLastModified      = xml.Name{Space: nsDAV, Local: "getlastmodified"}
	pCTag              = xml.Name{Space: nsCS, Local: "getctag"}
	pMeCard            = xml.Name{Space: nsCS, Local: "me-card"}
	pHomeSet           = xml.Name{Space: nsCardDAV, Local: "addressbook-home-set"}
	pAddressData       = xml.Name{Space: nsCardDAV, Local: "address-data"}
	pSupportedData     = xml.Name{Space: nsCardDAV, Local: "supported-address-data"}
	pMaxResourceSize   = xml.Name{Space: nsCardDAV, Local: "max-resource-size"}
	pBookDescription   = xml.Name{Space: nsCardDAV, Local: "addressbook-description"}
	pSupportedCollSet  = xml.Name{Space: nsDAV, Local: "supported-collation-set"}
	pCollationSetCard  = xml.Name{Space: nsCardDAV, Local: "supported-collation-set"}
	pQuotaAvailable    = xml.Name{Space: nsDAV, Local: "quota-available-bytes"}
	allPropsCollection = []xml.Name{pResourceType, pDisplayName, pPrincipal, pSyncToken, pCTag, pReports, pSupportedData}
	allPropsCard       = []xml.Name{pResourceType, pGetETag, pContentType, pContentLength, pLastModified}
)

const readPrivileges = "<d:privilege><d:read/></d:privilege><d:privilege><d:read-current-user-privilege-set/></d:privilege>"

const allPrivileges = readPrivileges + "<d:privilege><d:write/></d:privilege><d:privilege><d:write-content/></d:privilege>" +
	"<d:privilege><d:write-properties/></d:privilege><d:privilege><d:bind/></d:privilege><d:privilege><d:unbind/></d:privilege>"

const reportSet = "<d:supported-report><d:report><card:addressbook-multiget/></d:report></d:supported-report>" +
	"<d:supported-report><d:report><card:addressbook-query/></d:report></d:supported-report>" +
	"<d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report>"

// bookState is what the properties of a request share, read once.
type bookState struct {
	token    string
	settings app.ServerSettings
}

func (h *Handler) state(ctx context.Context) (*bookState, error) {
	rev, err := h.book.Token(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := h.book.FormatToken(ctx, rev)
	if err != nil {
		return nil, err
	}
	return &bookState{token: tok, settings: h.svc.Settings().Server}, nil
}

// collectionProp returns a property of a collection, ok false when it has
// none of that name.
func (h *Handler) collectionProp(k kind, n xml.Name, st *bookState) (prop, bool) {
	p := prop{name: n}
	switch n {
	case pResourceType:
		switch k {
		case kindPrincipal:
			p.inner = "<d:collection/><d:principal/>"
		case kindBook:
			p.inner = "<d:collection/><card:addressbook/>"
		default:
			p.inner = "<d:collection/>"
		}
	case pPrincipal:
		p.inner = hrefXML(PrincipalPath)
	case pDisplayName:
		switch k {
		case kindBook:
			p.inner = escaped(st.settings.DisplayBookName())
		case kindPrincipal:
			p.inner = "Humans"
		default:
			return p, false
		}
	case pPrivileges:
		if k == kindBook {
			p.inner = allPrivileges
		} else if k == kindHome {
			p.inner = readPrivileges + "<d:privilege><d:write-properties/></d:privilege>"
		} else {
			p.inner = readPrivileges
		}
	case pHomeSet:
		if k == kindBook {
			return p, false
		}
		p.inner = hrefXML(HomePath)
	case pPrincipalURL, pOwner:
		if k == kindRoot {
			return p, false
		}
		p.inner = hrefXML(PrincipalPath)
	case pPrincipalColl:
		p.inner = hrefXML(PrincipalPath)
	case pReports:
		if k != kindBook {
			p.inner = ""
			return p, k == kindHome
		}
		p.inner = reportSet
	case pSyncToken, pCTag:
		if k != kindBook {
			return p, false
		}
		p.inner = escaped(st.token)
	case pSupportedData:
		if k != kindBook {
			return p, false
		}
		p.inner = `<card:address-data-type content-type="text/vcard" version="3.0"/><card:address-data-type content-type="text/vcard" version="4.0"/>`
	case pMaxResourceSize:
		if k != kindBook {
			return p, false
		}
		p.inner = strconv.FormatInt(h.maxSize, 10)
	case pMeCard:
		if k != kindHome || st.settings.MeCard == "" {
			return p, false
		}
		p.inner = hrefXML(cardHref(st.settings.MeCard))
	case pCollationSetCard:
		if k != kindBook {
			return p, false
		}
		p.inner = "<card:supported-collation>i;ascii-casemap</card:supported-collation><card:supported-collation>i;unicode-casemap</card:supported-collation><card:supported-collation>i;octet</card:supported-collation>"
	default:
		return p, false
	}
	return p, true
}

// cardProp returns a property of a card; version is the address-data
// version asked for.
func cardProp(c *Card, el anyElem, version string) (prop, bool) {
	p := prop{name: el.XMLName}
	switch el.XMLName {
	case pResourceType:
	case pGetETag:
		p.inner = escaped(c.ETag)
	case pContentType:
		p.inner = "text/vcard; charset=utf-8"
	case pContentLength:
		p.inner = strconv.Itoa(len(c.V3))
	case pLastModified:
		p.inner = c.Modified.UTC().Format(http.TimeFormat)
	case pPrivileges:
		p.inner = allPrivileges
	case pPrincipal:
		p.inner = hrefXML(PrincipalPath)
	case pAddressData:
		if version == "" {
			return p, false // only in REPORT
		}
		p.raw = c.Bytes(version)
	default:
		return p, false
	}
	return p, true
}

// requested lists the properties a PROPFIND or REPORT asks for; nil with
// all true for allprop (or an empty body).
func requested(pl *propList, allProp, propName bool) (els []anyElem, all bool) {
	if pl == nil || allProp || propName {
		return nil, true
	}
	return pl.Props, false
}

func namesOf(els []anyElem) []xml.Name {
	out := make([]xml.Name, len(els))
	for i, e := range els {
		out[i] = e.XMLName
	}
	return out
}

func elems(names []xml.Name) []anyElem {
	out := make([]anyElem, len(names))
	for i, n := range names {
		out[i] = anyElem{XMLName: n}
	}
	return out
}

func depthOf(r *http.Request) (int, error) {
	switch strings.TrimSpace(r.Header.Get("Depth")) {
	case "0":
		return 0, nil
	case "1":
		return 1, nil
	case "", "infinity":
		return 2, nil
	}
	return 0, badRequestf("Depth must be 0, 1 or infinity")
}

func (h *Handler) propfind(w http.ResponseWriter, r *http.Request, k kind, name string) error {
	depth, err := depthOf(r)
	if err != nil {
		return err
	}
	var req propfindReq
	switch err := decodeXML(r, &req); {
	case err == io.EOF:
		req.AllProp = &struct{}{}
	case err != nil:
		if errors.Is(err, errBodyTooLarge) {
			return err
		}
		return badRequestf("PROPFIND body: %v", err)
	case req.XMLName != xml.Name{Space: nsDAV, Local: "propfind"}:
		return badRequestf("PROPFIND body must be a DAV:propfind element, not %s", req.XMLName.Local)
	}
	els, all := requested(req.Prop, req.AllProp != nil, req.PropName != nil)
	onlyNames := req.PropName != nil
	ctx := r.Context()
	st, err := h.state(ctx)
	if err != nil {
		return err
	}
	m := newMS()
	coll := func(k kind, href string) {
		want := els
		if all {
			want = elems(allPropsCollection)
		}
		var found []prop
		var missing []xml.Name
		for _, e := range want {
			p, ok := h.collectionProp(k, e.XMLName, st)
			switch {
			case ok && onlyNames:
				found = append(found, prop{name: p.name})
			case ok:
				found = append(found, p)
			case !all:
				missing = append(missing, e.XMLName)
			}
		}
		m.response(href, found, missing)
	}
	cardResp := func(c *Card) {
		want := els
		if all {
			want = elems(allPropsCard)
		}
		var found []prop
		var missing []xml.Name
		for _, e := range want {
			p, ok := cardProp(c, e, "")
			switch {
			case ok && onlyNames:
				found = append(found, prop{name: p.name})
			case ok:
				found = append(found, p)
			case !all:
				missing = append(missing, e.XMLName)
			}
		}
		m.response(cardHref(c.Name), found, missing)
	}
	switch k {
	case kindCard:
		c, err := h.book.Lookup(ctx, name)
		if err != nil {
			return err
		}
		cardResp(c)
	case kindBook:
		coll(kindBook, BookPath)
		if depth > 0 {
			cards, _, err := h.book.List(ctx)
			if err != nil {
				return err
			}
			for _, c := range cards {
				cardResp(c)
			}
		}
	case kindHome:
		coll(kindHome, HomePath)
		if depth > 0 {
			coll(kindBook, BookPath)
		}
	case kindPrincipal:
		coll(kindPrincipal, PrincipalPath)
	case kindRoot:
		coll(kindRoot, RootPath)
		if depth > 0 {
			coll(kindPrincipal, PrincipalPath)
			coll(kindHome, HomePath)
		}
	}
	writeMS(w, m)
	return nil
}

// ----- PROPPATCH -----

func (h *Handler) proppatch(w http.ResponseWriter, r *http.Request, k kind) error {
	var req proppatchReq
	if err := decodeXML(r, &req); err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return err
		}
		return badRequestf("PROPPATCH body: %v", err)
	}
	if req.XMLName != (xml.Name{Space: nsDAV, Local: "propertyupdate"}) {
		return badRequestf("PROPPATCH body must be a DAV:propertyupdate element")
	}
	type change struct {
		name  xml.Name
		set   bool
		value anyElem
	}
	var changes []change
	for _, u := range req.Updates {
		set := u.XMLName == xml.Name{Space: nsDAV, Local: "set"}
		if !set && u.XMLName != (xml.Name{Space: nsDAV, Local: "remove"}) {
			continue
		}
		for _, p := range u.Prop.Props {
			changes = append(changes, change{name: p.XMLName, set: set, value: p})
		}
	}
	// Only the book's name and the home set's me-card can change; the
	// update is atomic (RFC 4918 §9.2): one refusal fails them all.
	refused := false
	for _, c := range changes {
		ok := (k == kindBook && c.name == pDisplayName) || (k == kindHome && c.name == pMeCard)
		refused = refused || !ok
	}
	statuses := map[int][]xml.Name{}
	if refused {
		for _, c := range changes {
			ok := (k == kindBook && c.name == pDisplayName) || (k == kindHome && c.name == pMeCard)
			if ok {
				statuses[424] = append(statuses[424], c.name)
			} else {
				statuses[403] = append(statuses[403], c.name)
			}
		}
	} else if len(changes) > 0 {
		err := h.svc.SetServerSettings(func(s *app.ServerSettings) {
			for _, c := range changes {
				switch c.name {
				case pDisplayName:
					s.BookName = ""
					if c.set {
						s.BookName = strings.TrimSpace(c.value.Text)
					}
				case pMeCard:
					s.MeCard = ""
					if c.set && len(c.value.Hrefs) > 0 {
						if _, name := classify(hrefPath(c.value.Hrefs[0])); name != "" {
							s.MeCard = name
						}
					}
				}
			}
		})
		var ve *app.ValidationError
		if errors.As(err, &ve) {
			for _, c := range changes {
				statuses[409] = append(statuses[409], c.name)
			}
		} else if err != nil {
			return err
		} else {
			for _, c := range changes {
				statuses[200] = append(statuses[200], c.name)
			}
		}
	}
	m := newMS()
	href := BookPath
	if k != kindBook {
		href = r.URL.Path
	}
	m.propstats(href, statuses)
	writeMS(w, m)
	return nil
}

// hrefPath is the decoded path of an href, absolute or relative.
func hrefPath(href string) string {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return ""
	}
	return u.Path
}

// ----- REPORT -----

func (h *Handler) report(w http.ResponseWriter, r *http.Request, k kind) error {
	var req reportReq
	if err := decodeXML(r, &req); err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return err
		}
		if err == io.EOF {
			return badRequestf("REPORT needs a body")
		}
		return badRequestf("REPORT body: %v", err)
	}
	if k != kindBook {
		davError(w, http.StatusForbidden, xml.Name{Space: nsDAV, Local: "supported-report"}, "reports are supported on the address book "+BookPath)
		return nil
	}
	switch req.XMLName {
	case xml.Name{Space: nsCardDAV, Local: "addressbook-multiget"}:
		return h.multiget(w, r, &req)
	case xml.Name{Space: nsCardDAV, Local: "addressbook-query"}:
		return h.query(w, r, &req)
	case xml.Name{Space: nsDAV, Local: "sync-collection"}:
		return h.syncCollection(w, r, &req)
	}
	davError(w, http.StatusForbidden, xml.Name{Space: nsDAV, Local: "supported-report"},
		fmt.Sprintf("report %s is not supported (addressbook-multiget, addressbook-query and sync-collection are)", req.XMLName.Local))
	return nil
}

// reportProps returns the properties a REPORT asks for and the vCard
// version of its address-data.
func reportProps(req *reportReq) ([]anyElem, string) {
	els := []anyElem{{XMLName: pGetETag}, {XMLName: pAddressData}}
	if req.Prop != nil {
		els = req.Prop.Props
	}
	version := "3.0"
	for _, e := range els {
		if e.XMLName == pAddressData && strings.TrimSpace(e.attr("version")) == "4.0" {
			version = "4.0"
		}
	}
	return els, version
}

func writeCard(m *ms, c *Card, els []anyElem, version string) {
	var found []prop
	var missing []xml.Name
	for _, e := range els {
		if p, ok := cardProp(c, e, version); ok {
			found = append(found, p)
		} else {
			missing = append(missing, e.XMLName)
		}
	}
	m.response(cardHref(c.Name), found, missing)
}

func (h *Handler) multiget(w http.ResponseWriter, r *http.Request, req *reportReq) error {
	els, version := reportProps(req)
	m := newMS()
	for _, href := range req.Hrefs {
		k, name := classify(hrefPath(href))
		if k != kindCard {
			m.status(strings.TrimSpace(href), http.StatusNotFound)
			continue
		}
		c, err := h.book.Lookup(r.Context(), name)
		if errors.Is(err, app.ErrNotFound) {
			m.status(cardHref(name), http.StatusNotFound)
			continue
		}
		if err != nil {
			return err
		}
		writeCard(m, c, els, version)
	}
	writeMS(w, m)
	return nil
}

func (h *Handler) syncCollection(w http.ResponseWriter, r *http.Request, req *reportReq) error {
	if lvl := strings.TrimSpace(req.SyncLevel); lvl != "" && lvl != "1" {
		return badRequestf("sync-level must be 1 (the address book has no sub-collections)")
	}
	limit, err := req.limit()
	if err != nil {
		return badRequestf("%v", err)
	}
	els, version := reportProps(req)
	ctx := r.Context()
	tok := ""
	if req.SyncToken != nil {
		tok = strings.TrimSpace(*req.SyncToken)
	}
	invalid := func() {
		davError(w, http.StatusForbidden, xml.Name{Space: nsDAV, Local: "valid-sync-token"},
			"the sync token is unknown or too old; sync again from scratch (an empty sync-token)")
	}
	m := newMS()
	if tok == "" {
		// Initial sync: every card.
		cards, rev, err := h.book.List(ctx)
		if err != nil {
			return err
		}
		if limit > 0 && len(cards) > limit {
			// Clients must then sync from scratch; RFC 6578 §3.6 allows a
			// server to refuse truncating an initial sync.
			davError(w, http.StatusInsufficientStorage, xml.Name{Space: nsDAV, Local: "number-of-matches-within-limits"},
				fmt.Sprintf("the address book has %d cards, more than the limit of %d", len(cards), limit))
			return nil
		}
		for _, c := range cards {
			writeCard(m, c, els, version)
		}
		next, err := h.book.FormatToken(ctx, rev)
		if err != nil {
			return err
		}
		m.syncToken(next)
		writeMS(w, m)
		return nil
	}
	since, ok, err := h.book.ParseToken(ctx, tok)
	if err != nil {
		return err
	}
	if !ok {
		invalid()
		return nil
	}
	ch, err := h.book.ChangesSince(ctx, since, limit)
	if errors.Is(err, ErrInvalidToken) {
		invalid()
		return nil
	}
	if err != nil {
		return err
	}
	for _, c := range ch.Changed {
		writeCard(m, c, els, version)
	}
	for _, name := range ch.Removed {
		m.status(cardHref(name), http.StatusNotFound)
	}
	if ch.Truncated {
		m.status(BookPath, http.StatusInsufficientStorage)
	}
	next, err := h.book.FormatToken(ctx, ch.Token)
	if err != nil {
		return err
	}
	m.syncToken(next)
	writeMS(w, m)
	return nil
}

func (h *Handler) query(w http.ResponseWriter, r *http.Request, req *reportReq) error {
	limit, err := req.limit()
	if err != nil {
		return badRequestf("%v", err)
	}
	q, err := toQuery(req.Filter)
	if err != nil {
		return badRequestf("%v", err)
	}
	els, version := reportProps(req)
	cards, _, err := h.book.List(r.Context())
	if err != nil {
		return err
	}
	hit, err := matchAll(q, cards)
	if err != nil {
		return err
	}
	m := newMS()
	n := 0
	truncated := false
	for i, c := range cards {
		if !hit[i] {
			continue
		}
		if limit > 0 && n == limit {
			truncated = true
			break
		}
		writeCard(m, c, els, version)
		n++
	}
	if truncated {
		m.status(BookPath, http.StatusInsufficientStorage)
	}
	writeMS(w, m)
	return nil
}

// Warm fills the card cache in the background; it returns at once.
func (h *Handler) Warm(ctx context.Context) {
	go func() {
		start := time.Now()
		if err := h.book.Warm(ctx); err != nil && !errors.Is(err, context.Canceled) {
			h.log.Warn("carddav: warming the card cache", "err", err)
			return
		}
		h.log.Debug("carddav: card cache warm", "took", time.Since(start))
	}()
}
