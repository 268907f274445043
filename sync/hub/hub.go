// Package hub is the sync provider of a Hub: a server speaking the REST
// protocol of seed 000 (another Humans included). It pages through
// GET /api/humans with the X-API-Key header, sorted by updated_at, and
// creates, updates and deletes contacts with their etags (If-Match);
// companies and groups are matched by name and created when missing.
//
// Incremental pulls use the updated_since and include_deleted=true
// parameters of Humans' own API (tombstones carry deleted_at). A Hub
// whose answer does not echo updated_since in its pagination object lacks
// them: every pull is then a full listing, and the engine compares ids to
// find deletions (the job history says so).
package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
)

// Config reaches one Hub.
type Config struct {
	URL    string // the Hub's address, with or without /api
	APIKey string
	// Client is the HTTP client; nil means one with a 30 s timeout.
	Client *http.Client
	// PerPage is the page size of pulls (at most 100, the protocol's
	// limit); 0 means 100.
	PerPage int
}

// Provider is a Hub account; it implements sync.Provider.
type Provider struct {
	base    string // ends with /api
	key     string
	client  *http.Client
	perPage int

	// Company and group ids by folded name: from the contacts pulled,
	// and from the listings read before the first push of a job.
	companies   map[string]int64
	groups      map[string]int64
	namesLoaded bool
}

// New returns the provider of the Hub at cfg.URL.
func New(cfg Config) (*Provider, error) {
	u, err := url.Parse(strings.TrimSpace(cfg.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("hub: %q is not an http or https address", cfg.URL)
	}
	base := strings.TrimSuffix(u.String(), "/")
	if !strings.HasSuffix(base, "/api") {
		base += "/api"
	}
	c := cfg.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	pp := cfg.PerPage
	if pp <= 0 || pp > 100 {
		pp = 100
	}
	return &Provider{base: base, key: cfg.APIKey, client: c, perPage: pp,
		companies: map[string]int64{}, groups: map[string]int64{}}, nil
}

// Features: a change feed with tombstones, whose complete listings can
// be trusted; against a Hub without the feed the pages say so.
func (p *Provider) Features() sync.Features {
	return sync.Features{Feed: true, Tombstones: true, ListingComplete: true}
}

// ----- HTTP -----

type envelope struct {
	Success    bool            `json:"success"`
	Data       json.RawMessage `json:"data"`
	Pagination *struct {
		Page         int    `json:"page"`
		PerPage      int    `json:"per_page"`
		Total        int    `json:"total"`
		TotalPages   int    `json:"total_pages"`
		UpdatedSince string `json:"updated_since"`
	} `json:"pagination"`
	Error *struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// statusError is a non-transient failure answer.
type statusError struct {
	status int
	msg    string
}

func (e *statusError) Error() string { return fmt.Sprintf("hub answered %d: %s", e.status, e.msg) }

// do sends one request and decodes the envelope. Network errors, 5xx and
// 429 become *sync.RetryError; 401 sync.ErrSignIn; 404
// sync.ErrRemoteNotFound; 412 sync.ErrPrecondition.
func (p *Provider) do(ctx context.Context, method, path string, body any, ifMatch string) (*envelope, http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, nil, fmt.Errorf("hub: encoding the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, rd)
	if err != nil {
		return nil, nil, fmt.Errorf("hub: %w", err)
	}
	req.Header.Set("X-API-Key", p.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", `"`+ifMatch+`"`)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return nil, nil, &sync.RetryError{Err: fmt.Errorf("%s %s: %w", method, path, err)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, nil, &sync.RetryError{Status: 0, Err: fmt.Errorf("%s %s: reading the answer: %w", method, path, err)}
	}
	var env envelope
	jsonErr := json.Unmarshal(b, &env)
	msg := strings.TrimSpace(string(b))
	if len(msg) > 200 {
		msg = msg[:200]
	}
	if env.Error != nil {
		msg = env.Error.Message
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, nil, &sync.RetryError{Status: resp.StatusCode, RetryAfter: sync.ParseRetryAfter(resp.Header.Get("Retry-After")),
			Err: fmt.Errorf("%s %s: %s", method, path, msg)}
	case resp.StatusCode == http.StatusUnauthorized:
		// The key was revoked or mistyped: retrying cannot help, the
		// account waits for a new one.
		return nil, nil, fmt.Errorf("%s %s: the Hub refused the API key: %w", method, path, sync.ErrSignIn)
	case resp.StatusCode == http.StatusNotFound:
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, sync.ErrRemoteNotFound)
	case resp.StatusCode == http.StatusPreconditionFailed:
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, sync.ErrPrecondition)
	case resp.StatusCode >= 400:
		if env.Error != nil && len(env.Error.Fields) > 0 {
			return nil, nil, &store.ValidationError{Fields: env.Error.Fields}
		}
		return nil, nil, &statusError{status: resp.StatusCode, msg: msg}
	case jsonErr != nil:
		// A proxy's page, or an answer cut short.
		return nil, nil, &sync.RetryError{Status: resp.StatusCode, Err: fmt.Errorf("%s %s: the answer is not JSON: %v", method, path, jsonErr)}
	}
	return &env, resp.Header, nil
}

// Probe asks for one contact: cheap, and it checks the key as well.
func (p *Provider) Probe(ctx context.Context) error {
	_, _, err := p.do(ctx, http.MethodGet, "/humans?per_page=1", nil, "")
	var ne net.Error
	if errors.As(err, &ne) {
		return fmt.Errorf("%w: %v", sync.ErrOffline, err)
	}
	return err
}

// ----- the Hub's contact -----

type phoneJSON struct {
	Number      string `json:"number,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	Type        string `json:"type,omitempty"`
	PhoneType   string `json:"phone_type,omitempty"`
	Extension   string `json:"extension,omitempty"`
	IsPrimary   bool   `json:"is_primary"`
}

type emailJSON struct {
	Address   string `json:"address,omitempty"`
	Email     string `json:"email,omitempty"`
	Type      string `json:"type,omitempty"`
	EmailType string `json:"email_type,omitempty"`
	IsPrimary bool   `json:"is_primary"`
}

type groupRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// humanJSON is a contact as the Hub answers it.
type humanJSON struct {
	ID           int64             `json:"id"`
	UID          string            `json:"uid"`
	FirstName    string            `json:"first_name"`
	LastName     string            `json:"last_name"`
	DisplayName  string            `json:"display_name"`
	Nickname     string            `json:"nickname"`
	Prefix       string            `json:"prefix"`
	Suffix       string            `json:"suffix"`
	Gender       string            `json:"gender"`
	JobTitle     string            `json:"job_title"`
	Department   string            `json:"department"`
	CompanyID    *int64            `json:"company_id"`
	CompanyName  *string           `json:"company_name"`
	Birthday     *string           `json:"birthday"`
	Notes        string            `json:"notes"`
	PhotoURL     string            `json:"photo_url"`
	IsFavorite   bool              `json:"is_favorite"`
	Language     string            `json:"language"`
	Metadata     map[string]string `json:"metadata"`
	PhoneNumbers []phoneJSON       `json:"phone_numbers"`
	Emails       []emailJSON       `json:"emails"`
	Addresses    []store.Address   `json:"addresses"`
	URLs         []store.URL       `json:"urls"`
	IMs          []store.IM        `json:"ims"`
	Groups       []groupRef        `json:"groups"`
	UpdatedAt    time.Time         `json:"updated_at"`
	DeletedAt    *time.Time        `json:"deleted_at"`
	ETag         string            `json:"etag"`
}

func first(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// learn remembers the company and group ids a pulled contact names.
func (p *Provider) learn(h *humanJSON) {
	if h.CompanyID != nil && h.CompanyName != nil && *h.CompanyName != "" {
		p.companies[store.Fold(*h.CompanyName)] = *h.CompanyID
	}
	for _, g := range h.Groups {
		if g.ID != 0 && g.Name != "" {
			p.groups[store.Fold(g.Name)] = g.ID
		}
	}
}

func (h *humanJSON) remote() sync.Remote {
	r := sync.Remote{ID: strconv.FormatInt(h.ID, 10), ETag: h.ETag, Updated: h.UpdatedAt, Deleted: h.DeletedAt != nil}
	if r.Deleted {
		return r
	}
	c := sync.Contact{
		UID: h.UID, FirstName: h.FirstName, LastName: h.LastName, DisplayName: h.DisplayName, Nickname: h.Nickname,
		Prefix: h.Prefix, Suffix: h.Suffix, Gender: h.Gender, JobTitle: h.JobTitle, Department: h.Department,
		Notes: h.Notes, PhotoURL: h.PhotoURL, IsFavorite: h.IsFavorite, Language: h.Language,
		Addresses: h.Addresses, URLs: h.URLs, IMs: h.IMs, CustomFields: h.Metadata,
	}
	// A Hub derives display_name when none was set; one equal to the
	// derived name is not a value of its own.
	if c.DisplayName != "" && c.DisplayName == derivedName(h) {
		c.DisplayName = ""
	}
	if h.CompanyName != nil {
		c.Company = *h.CompanyName
	}
	if h.Birthday != nil {
		c.Birthday = *h.Birthday
	}
	for _, ph := range h.PhoneNumbers {
		c.Phones = append(c.Phones, store.Phone{Number: first(ph.PhoneNumber, ph.Number), Type: first(ph.PhoneType, ph.Type), Extension: ph.Extension, IsPrimary: ph.IsPrimary})
	}
	for _, e := range h.Emails {
		c.Emails = append(c.Emails, store.Email{Address: first(e.Email, e.Address), Type: first(e.EmailType, e.Type), IsPrimary: e.IsPrimary})
	}
	for _, g := range h.Groups {
		c.Groups = append(c.Groups, g.Name)
	}
	r.Contact = c
	return r
}

// derivedName is the name a Hub shows for a contact without a display
// name of its own (as store.Human.Name derives it).
func derivedName(h *humanJSON) string {
	x := &store.Human{FirstName: h.FirstName, LastName: h.LastName, Prefix: h.Prefix, Suffix: h.Suffix, Nickname: h.Nickname}
	for _, e := range h.Emails {
		x.Emails = append(x.Emails, store.Email{Address: first(e.Email, e.Address), IsPrimary: e.IsPrimary})
	}
	for _, ph := range h.PhoneNumbers {
		x.Phones = append(x.Phones, store.Phone{Number: first(ph.PhoneNumber, ph.Number), IsPrimary: ph.IsPrimary})
	}
	return x.Name()
}

// ----- pull -----

// Cursors: "t<RFC 3339 time>|<page>" follows the change feed: the
// contacts updated at or after the time, the page skipping those at that
// very instant seen already (a bulk import gives thousands one time).
// "a..." is the same during a first pass over the whole book, which
// lists every contact. "f<page>" pages through a full listing of a Hub
// without the feed.
func parseCursor(c string) (since time.Time, page int, all, full bool, err error) {
	switch {
	case c == "":
		return time.Time{}, 1, true, false, nil
	case strings.HasPrefix(c, "f"):
		page, err = strconv.Atoi(c[1:])
		return time.Time{}, page, false, true, err
	case strings.HasPrefix(c, "t"), strings.HasPrefix(c, "a"):
		ts, pg, ok := strings.Cut(c[1:], "|")
		if !ok {
			return time.Time{}, 0, false, false, fmt.Errorf("hub: bad cursor %q", c)
		}
		if since, err = time.Parse(time.RFC3339Nano, ts); err != nil {
			return time.Time{}, 0, false, false, fmt.Errorf("hub: bad cursor %q: %w", c, err)
		}
		page, err = strconv.Atoi(pg)
		return since, page, c[0] == 'a', false, err
	}
	return time.Time{}, 0, false, false, fmt.Errorf("hub: bad cursor %q", c)
}

func feedCursor(all bool, t time.Time, page int) string {
	prefix := "t"
	if all {
		prefix = "a"
	}
	return prefix + t.UTC().Format(time.RFC3339Nano) + "|" + strconv.Itoa(page)
}

// Pull returns one page of changes after cursor.
func (p *Provider) Pull(ctx context.Context, cursor string) (sync.Page, error) {
	since, page, all, full, err := parseCursor(cursor)
	if err != nil || page < 1 {
		// A cursor this version cannot read: start again (no guess).
		return sync.Page{}, fmt.Errorf("%w (%q)", sync.ErrCursorExpired, cursor)
	}
	if full {
		return p.pullFull(ctx, page)
	}
	q := url.Values{}
	q.Set("sort", "updated_at")
	q.Set("order", "asc")
	q.Set("per_page", strconv.Itoa(p.perPage))
	q.Set("page", strconv.Itoa(page))
	q.Set("updated_since", since.UTC().Format(time.RFC3339Nano))
	q.Set("include_deleted", "true")
	env, _, err := p.do(ctx, http.MethodGet, "/humans?"+q.Encode(), nil, "")
	if err != nil {
		return sync.Page{}, err
	}
	if env.Pagination == nil || env.Pagination.UpdatedSince == "" {
		// This Hub ignores updated_since: list everything instead.
		if cursor != "" {
			return sync.Page{}, fmt.Errorf("%w: the Hub no longer answers updated_since", sync.ErrCursorExpired)
		}
		return p.pullFull(ctx, 1)
	}
	var hs []humanJSON
	if err := json.Unmarshal(env.Data, &hs); err != nil {
		return sync.Page{}, &sync.RetryError{Status: 200, Err: fmt.Errorf("hub: decoding contacts: %w", err)}
	}
	out := sync.Page{Items: make([]sync.Remote, 0, len(hs))}
	for i := range hs {
		p.learn(&hs[i])
		out.Items = append(out.Items, hs[i].remote())
	}
	more := env.Pagination.TotalPages > page
	if len(hs) == 0 {
		out.Cursor = feedCursor(all && more, since, page)
		out.Complete = all && !more
		return out, nil
	}
	// The listing is in (updated_at, id) order. The next query starts
	// at the newest time seen, skipping the pages full of contacts of
	// that instant seen already; what changes meanwhile moves after them,
	// so nothing is skipped (a few seen again are ignored by etag).
	last := hs[len(hs)-1].UpdatedAt
	atLast := 0
	for i := range hs {
		if hs[i].UpdatedAt.Equal(last) {
			atLast++
		}
	}
	if last.Equal(since) {
		atLast = (page-1)*p.perPage + len(hs)
	}
	out.Cursor, out.More = feedCursor(all && more, last, atLast/p.perPage+1), more
	out.Complete = all && !more
	return out, nil
}

// pullFull pages through the whole book of a Hub without a change feed,
// oldest first; after the last page the next pull lists again.
func (p *Provider) pullFull(ctx context.Context, page int) (sync.Page, error) {
	q := url.Values{}
	q.Set("sort", "created_at")
	q.Set("order", "asc")
	q.Set("per_page", strconv.Itoa(p.perPage))
	q.Set("page", strconv.Itoa(page))
	env, _, err := p.do(ctx, http.MethodGet, "/humans?"+q.Encode(), nil, "")
	if err != nil {
		return sync.Page{}, err
	}
	var hs []humanJSON
	if err := json.Unmarshal(env.Data, &hs); err != nil {
		return sync.Page{}, &sync.RetryError{Status: 200, Err: fmt.Errorf("hub: decoding contacts: %w", err)}
	}
	out := sync.Page{Notes: []string{"full listing: the Hub has no change feed (updated_since), deletions found by comparing ids"}}
	for i := range hs {
		if hs[i].DeletedAt == nil {
			p.learn(&hs[i])
			out.Items = append(out.Items, hs[i].remote())
		}
	}
	if env.Pagination != nil && env.Pagination.TotalPages > page {
		out.Cursor, out.More = "f"+strconv.Itoa(page+1), true
		return out, nil
	}
	out.Complete = true // and Cursor "": the next pull lists again
	return out, nil
}

// ----- companies and groups -----

type named struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func (p *Provider) loadNames(ctx context.Context) error {
	p.namesLoaded = true
	for _, x := range []struct {
		path string
		m    map[string]int64
	}{{"/humans/companies", p.companies}, {"/humans/groups", p.groups}} {
		env, _, err := p.do(ctx, http.MethodGet, x.path, nil, "")
		if errors.Is(err, sync.ErrRemoteNotFound) || IsClientError(err) {
			// A Hub without the listing (the seed lists no companies):
			// the names seen on pulled contacts, else created on demand.
			continue
		}
		if err != nil {
			return err
		}
		var list []named
		if err := json.Unmarshal(env.Data, &list); err != nil {
			return fmt.Errorf("hub: decoding %s: %w", x.path, err)
		}
		for _, n := range list {
			x.m[store.Fold(n.Name)] = n.ID
		}
	}
	return nil
}

// idFor returns the id of the company or group called name on the Hub,
// creating it when missing.
func (p *Provider) idFor(ctx context.Context, m map[string]int64, path, name string) (int64, error) {
	if id, ok := m[store.Fold(name)]; ok {
		return id, nil
	}
	env, _, err := p.do(ctx, http.MethodPost, path, map[string]string{"name": name}, "")
	if err != nil {
		return 0, fmt.Errorf("hub: creating %q: %w", name, err)
	}
	var n named
	if err := json.Unmarshal(env.Data, &n); err != nil || n.ID == 0 {
		return 0, fmt.Errorf("hub: creating %q: no id in the answer", name)
	}
	m[store.Fold(name)] = n.ID
	return n.ID, nil
}

// ----- push -----

// body is the request body that gives a Hub contact c's fields (every
// field sent, so PUT replaces them all).
func (p *Provider) body(ctx context.Context, c sync.Contact, withUID bool) (map[string]any, error) {
	if !p.namesLoaded {
		if err := p.loadNames(ctx); err != nil {
			return nil, err
		}
	}
	b := map[string]any{
		"first_name": c.FirstName, "last_name": c.LastName, "display_name": c.DisplayName, "nickname": c.Nickname,
		"prefix": c.Prefix, "suffix": c.Suffix, "gender": c.Gender, "job_title": c.JobTitle,
		"department": c.Department, "notes": c.Notes, "language": c.Language, "photo_url": c.PhotoURL,
		"is_favorite": c.IsFavorite, "addresses": nonNil(c.Addresses), "urls": nonNil(c.URLs), "ims": nonNil(c.IMs),
	}
	if withUID && c.UID != "" {
		b["uid"] = c.UID
	}
	b["birthday"] = nil
	if c.Birthday != "" {
		b["birthday"] = c.Birthday
	}
	b["company_id"] = nil
	if c.Company != "" {
		id, err := p.idFor(ctx, p.companies, "/humans/companies", c.Company)
		if err != nil {
			return nil, err
		}
		b["company_id"] = id
	}
	groups := []int64{}
	for _, g := range c.Groups {
		id, err := p.idFor(ctx, p.groups, "/humans/groups", g)
		if err != nil {
			return nil, err
		}
		groups = append(groups, id)
	}
	b["group_ids"] = groups
	phones := []phoneJSON{}
	for _, ph := range c.Phones {
		phones = append(phones, phoneJSON{Number: ph.Number, Type: ph.Type, Extension: ph.Extension, IsPrimary: ph.IsPrimary})
	}
	b["phone_numbers"] = phones
	emails := []emailJSON{}
	for _, e := range c.Emails {
		emails = append(emails, emailJSON{Address: e.Address, Type: e.Type, IsPrimary: e.IsPrimary})
	}
	b["emails"] = emails
	meta := map[string]any{}
	for k, v := range c.CustomFields {
		meta[k] = v
	}
	b["metadata"] = meta
	return b, nil
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (p *Provider) one(env *envelope) (sync.Remote, error) {
	var h humanJSON
	if err := json.Unmarshal(env.Data, &h); err != nil || h.ID == 0 {
		return sync.Remote{}, fmt.Errorf("hub: the answer holds no contact")
	}
	return h.remote(), nil
}

// Get fetches one contact.
func (p *Provider) Get(ctx context.Context, id string) (sync.Remote, error) {
	env, _, err := p.do(ctx, http.MethodGet, "/humans/"+url.PathEscape(id), nil, "")
	if err != nil {
		return sync.Remote{}, err
	}
	return p.one(env)
}

// Create creates a contact, carrying its UID so that a create whose
// answer was lost is recognised by the next pull.
func (p *Provider) Create(ctx context.Context, c sync.Contact) (sync.Remote, error) {
	b, err := p.body(ctx, c, true)
	if err != nil {
		return sync.Remote{}, err
	}
	env, _, err := p.do(ctx, http.MethodPost, "/humans", b, "")
	if err != nil {
		return sync.Remote{}, err
	}
	return p.one(env)
}

// Update replaces a contact's fields if its etag is still etag.
func (p *Provider) Update(ctx context.Context, id, etag string, c sync.Contact) (sync.Remote, error) {
	b, err := p.body(ctx, c, false)
	if err != nil {
		return sync.Remote{}, err
	}
	env, _, err := p.do(ctx, http.MethodPut, "/humans/"+url.PathEscape(id), b, etag)
	if err != nil {
		return sync.Remote{}, err
	}
	return p.one(env)
}

// Delete moves a contact to the Hub's trash if its etag is still etag.
func (p *Provider) Delete(ctx context.Context, id, etag string) error {
	_, _, err := p.do(ctx, http.MethodDelete, "/humans/"+url.PathEscape(id), nil, etag)
	return err
}

// SendSMS hands a text message to the Hub's POST /api/sms/send and
// returns the id the Hub gave it. Errors are as the other requests'.
func (p *Provider) SendSMS(ctx context.Context, to, message string) (string, error) {
	env, _, err := p.do(ctx, http.MethodPost, "/sms/send", map[string]string{"to": to, "message": message}, "")
	if err != nil {
		return "", err
	}
	var m struct {
		ID json.Number `json:"id"`
	}
	d := json.NewDecoder(bytes.NewReader(env.Data))
	d.UseNumber()
	if err := d.Decode(&m); err != nil || m.ID == "" {
		return "", fmt.Errorf("hub: the answer to /sms/send holds no message id")
	}
	return m.ID.String(), nil
}

// NotSent reports whether err says a request was certainly not carried
// out: refused before it reached the Hub (no connection), rate limited,
// or the Hub unavailable (502, 503, 504). Other failures of a request
// that changes something may have been carried out.
func NotSent(err error) bool {
	var re *sync.RetryError
	if !errors.As(err, &re) {
		return false
	}
	switch re.Status {
	case 429, 502, 503, 504:
		return true
	case 0:
		var op *net.OpError
		return errors.As(err, &op) && op.Op == "dial"
	}
	return false
}

// IsClientError reports whether err is a 4xx answer of the Hub (other
// than 404 and 412, which have their own errors): the request was
// refused and did nothing.
func IsClientError(err error) bool {
	var se *statusError
	return errors.As(err, &se) && se.status >= 400 && se.status < 500
}
