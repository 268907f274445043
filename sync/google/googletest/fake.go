// Package googletest is a fake Google People API for tests and
// benchmarks: an httptest server that speaks the real JSON shapes
// (people/c… resource names, etags, metadata.sources with updateTime,
// field metadata) and enforces Google's rules as the sync provider meets
// them: paging with nextPageToken, sync tokens (asked for with
// requestSyncToken, nextSyncToken on the last page only, incremental
// listings of changes and tombstones, tokens that
// expire → 400 EXPIRED_SYNC_TOKEN, later pages whose parameters differ
// from the first call refused), etags that change on every write and are
// checked (400 failedPrecondition), updatePersonFields (only the named
// fields replaced, photos refused), one value for names, birthdays,
// biographies and genders, eventual consistency of listings after
// writes, a per-minute quota (429 RESOURCE_EXHAUSTED), injected 429 and
// 503 answers, batch limits, contact groups (a duplicate name is 409),
// photos, people/me, a Bearer token check with a token endpoint whose
// refresh token can be revoked (invalid_grant), and request counts per
// method.
//
// It stores every person as generic JSON, so fields the provider does not
// map (relations, events, sipAddresses…) are kept exactly as Google
// keeps them, and a test can check that they survive.
package googletest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	stdsync "sync"
	"sync/atomic"
	"time"

	"google.golang.org/api/people/v1"
)

// Methods, as Count and FailNext name them.
const (
	MethodList         = "connections.list"
	MethodGet          = "people.get"
	MethodBatchGet     = "people.getBatchGet"
	MethodMe           = "people.me"
	MethodCreate       = "people.createContact"
	MethodUpdate       = "people.updateContact"
	MethodDelete       = "people.deleteContact"
	MethodBatchCreate  = "people.batchCreateContacts"
	MethodBatchUpdate  = "people.batchUpdateContacts"
	MethodBatchDelete  = "people.batchDeleteContacts"
	MethodUpdatePhoto  = "people.updateContactPhoto"
	MethodDeletePhoto  = "people.deleteContactPhoto"
	MethodGroupsList   = "contactGroups.list"
	MethodGroupsCreate = "contactGroups.create"
	MethodGroupsModify = "contactGroups.members.modify"
	MethodGroupsUpdate = "contactGroups.update"
	MethodGroupsGet    = "contactGroups.get"
	MethodPhoto        = "photo" // a photo's bytes, at the URL photos[].url gives
	MethodToken        = "token" // the OAuth token endpoint
)

// mutating are the methods Google counts as writes.
var mutating = []string{MethodCreate, MethodUpdate, MethodDelete, MethodBatchCreate, MethodBatchUpdate,
	MethodBatchDelete, MethodUpdatePhoto, MethodDeletePhoto, MethodGroupsCreate, MethodGroupsModify}

// Limits Google enforces.
const (
	MaxBatchCreate = 200
	MaxBatchUpdate = 200
	MaxBatchDelete = 500
	MaxModify      = 1000
	MaxPageSize    = 1000
	// MaxFieldLength is the longest value of a field (notes aside) the
	// fake takes; Google's help gives a limit of this order per field.
	MaxFieldLength = 1024
)

// updatable are the fields updatePersonFields may name.
var updatable = []string{"addresses", "biographies", "birthdays", "calendarUrls", "clientData", "emailAddresses",
	"events", "externalIds", "genders", "imClients", "interests", "locales", "locations", "memberships",
	"miscKeywords", "names", "nicknames", "occupations", "organizations", "phoneNumbers", "relations",
	"sipAddresses", "urls", "userDefined"}

// readable are the fields personFields may name.
var readable = append(slices.Clone(updatable), "metadata", "photos", "coverPhotos", "ageRanges", "fileAses",
	"skills", "residences", "taglines", "braggingRights", "relationshipInterests", "relationshipStatuses")

// singletons allow one value each.
var singletons = []string{"names", "birthdays", "biographies", "genders"}

// Options configure a Server.
type Options struct {
	// Token, when set, is the only access token accepted (Authorization:
	// Bearer); RefreshToken is the refresh token the token endpoint
	// exchanges for it until Revoke.
	Token, RefreshToken string
	// TokenMaxAge: a sync token older than this is expired; 0 means 7
	// days, as Google says.
	TokenMaxAge time.Duration
	// WriteDelay: a write shows in listings only this long after it was
	// made (Google's propagation delay); people.get sees it at once.
	WriteDelay time.Duration
	// QuotaPerMinute: API requests accepted per minute (reads and
	// writes, as Google's "critical read requests per minute per user");
	// 0 means no limit. Over it the answer is 429 RESOURCE_EXHAUSTED.
	QuotaPerMinute int
	// RetryAfter, when set, is sent with every 429 (Google usually sends
	// none).
	RetryAfter time.Duration
	// Email and Name are people/me's; defaults user@example.com, Test User.
	Email, Name string
	// Now is the fake's clock; nil means time.Now.
	Now func() time.Time
}

// version is one state of a person.
type version struct {
	p       map[string]any // the stored JSON, without resourceName and etag
	etag    string
	seq     int64
	deleted bool
	updated time.Time
}

type record struct {
	rn      string
	id      string // the source id in metadata.sources
	created int64
	n       int // writes, for the etag
	cur     version
	// shown is what listings return until visibleAt (eventual
	// consistency); nil for a person not listed yet.
	shown     *version
	visibleAt time.Time
	photo     []byte
	photoN    int
	// profile is the Google profile of the person the contact is linked
	// to (names, e-mails): Google merges it into answers unless the
	// request's sources leave out READ_SOURCE_TYPE_PROFILE.
	profile map[string]any
}

type group struct {
	rn, name, etag string
	system         bool
	updated        time.Time
}

type pager struct {
	params    string
	items     []map[string]any
	syncToken string // sent with the last page
}

type syncToken struct {
	seq    int64
	issued time.Time
	gen    int // tokens of an older generation than the server's are expired
}

// Server is the fake People API; safe for concurrent use.
type Server struct {
	srv  *httptest.Server
	opts Options

	mu         stdsync.Mutex
	people     map[string]*record
	groups     map[string]*group
	seq        int64
	nextID     int64
	pagers     map[string]*pager
	tokens     map[string]syncToken
	tokenN     int
	gen        int // ExpireSyncTokens' count
	counts     map[string]int
	fail       map[string][]int // method → statuses to answer next
	window     time.Time        // the quota's current minute
	windowN    int
	revoked    bool
	maxBatches map[string]int // the largest batch seen per method

	inFlight, maxInFlight atomic.Int64 // write requests being answered

	// withProfile: the request being answered wants profile data merged
	// (its sources, Google's default).
	withProfile bool
}

// New starts a fake People API; Close stops it.
func New(opts Options) *Server {
	if opts.TokenMaxAge <= 0 {
		opts.TokenMaxAge = 7 * 24 * time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Email == "" {
		opts.Email = "user@example.com"
	}
	if opts.Name == "" {
		opts.Name = "Test User"
	}
	s := &Server{opts: opts, people: map[string]*record{}, groups: map[string]*group{}, pagers: map[string]*pager{},
		tokens: map[string]syncToken{}, counts: map[string]int{}, fail: map[string][]int{}, maxBatches: map[string]int{}}
	now := opts.Now().UTC()
	for _, g := range []string{"myContacts", "starred", "friends", "family", "coworkers", "chatBuddies", "all", "blocked"} {
		s.groups["contactGroups/"+g] = &group{rn: "contactGroups/" + g, name: g, system: true, etag: "g0", updated: now}
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// URL is the server's address.
func (s *Server) URL() string { return s.srv.URL }

// Endpoint is the base URL to give option.WithEndpoint.
func (s *Server) Endpoint() string { return s.srv.URL + "/" }

// TokenURL is the OAuth token endpoint.
func (s *Server) TokenURL() string { return s.srv.URL + "/token" }

// Client is an HTTP client that sends Options.Token.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: bearer{token: s.opts.Token, base: s.srv.Client().Transport}}
}

type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.base.RoundTrip(r)
}

// ----- what tests do to the account directly (as in Google's own UI) -----

// Add stores p as a contact made in Google's UI and returns its resource
// name. Memberships name groups by resource name.
func (s *Server) Add(p *people.Person) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := toMap(p)
	rec := s.newRecord()
	s.write(rec, m, false)
	return rec.rn
}

// Edit changes a contact as Google's UI would: fn gets its current state.
func (s *Server) Edit(rn string, fn func(p *people.Person)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.people[rn]
	if rec == nil || rec.cur.deleted {
		panic("googletest: Edit of unknown contact " + rn)
	}
	var p people.Person
	fromMap(rec.cur.p, &p)
	fn(&p)
	s.write(rec, toMap(&p), false)
}

// Remove deletes a contact as Google's UI would.
func (s *Server) Remove(rn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.people[rn]; rec != nil && !rec.cur.deleted {
		s.write(rec, rec.cur.p, true)
	}
}

// LinkProfile links a contact to a Google profile (the person's own
// account): answers merge its names and e-mails, marked with source
// PROFILE, unless the request asks for READ_SOURCE_TYPE_CONTACT only.
func (s *Server) LinkProfile(rn string, profile *people.Person) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.live(rn)
	if rec == nil {
		panic("googletest: LinkProfile of unknown contact " + rn)
	}
	m := toMap(profile)
	for k, v := range m {
		items, _ := v.([]any)
		for _, it := range items {
			if obj, ok := it.(map[string]any); ok {
				obj["metadata"] = map[string]any{"primary": true, "source": map[string]any{"type": "PROFILE", "id": "1" + rec.id}}
			}
		}
		m[k] = items
	}
	rec.profile = m
}

// Person returns a contact's current state (every field), and whether it
// exists.
func (s *Server) Person(rn string) (*people.Person, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.people[rn]
	if rec == nil || rec.cur.deleted {
		return nil, false
	}
	var p people.Person
	s.withProfile = false
	fromMap(s.render(rec, &rec.cur, nil), &p)
	return &p, true
}

// ResourceNames lists the live contacts, oldest first.
func (s *Server) ResourceNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, rec := range s.sorted() {
		if !rec.cur.deleted {
			out = append(out, rec.rn)
		}
	}
	return out
}

// Made is the number of contacts ever created (deleted ones included).
func (s *Server) Made() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.people)
}

// Len is the number of live contacts.
func (s *Server) Len() int { return len(s.ResourceNames()) }

// AddGroup creates a user contact group (a label) and returns its
// resource name.
func (s *Server) AddGroup(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, _ := s.createGroup(name)
	return g.rn
}

// Groups returns the user groups, resource name → name.
func (s *Server) Groups() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for _, g := range s.groups {
		if !g.system {
			out[g.rn] = g.name
		}
	}
	return out
}

// SetPhoto sets a contact's photo as Google's UI would (nil removes it).
func (s *Server) SetPhoto(rn string, data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.live(rn)
	if rec == nil {
		panic("googletest: SetPhoto of unknown contact " + rn)
	}
	rec.photo = slices.Clone(data)
	if data != nil {
		rec.photoN++
	}
	s.write(rec, rec.cur.p, false)
}

// Photo returns the bytes of a contact's photo (nil for none).
func (s *Server) Photo(rn string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.people[rn]; rec != nil {
		return slices.Clone(rec.photo)
	}
	return nil
}

// ExpireSyncTokens makes every sync token given so far expired.
func (s *Server) ExpireSyncTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
}

// FailNext makes the next n requests of method answer status (429 as
// quota, 503 as unavailable, or any other code).
func (s *Server) FailNext(method string, status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail[method] = append(s.fail[method], status)
	}
}

// Revoke revokes the refresh token and the access token: the API answers
// 401 and the token endpoint invalid_grant.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked = true
}

// Count returns the number of requests of a method answered (errors
// included).
func (s *Server) Count(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[method]
}

// Mutations is the number of write requests answered.
func (s *Server) Mutations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range mutating {
		n += s.counts[m]
	}
	return n
}

// Requests is the number of API requests answered (photos and the token
// endpoint aside).
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for m, c := range s.counts {
		if m != MethodPhoto && m != MethodToken {
			n += c
		}
	}
	return n
}

// MaxBatch returns the largest batch a batch method was sent.
func (s *Server) MaxBatch(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxBatches[method]
}

// MaxWritesInFlight is the largest number of write requests (POST,
// PATCH, DELETE) that were being answered at the same time.
func (s *Server) MaxWritesInFlight() int { return int(s.maxInFlight.Load()) }

// ResetCounts sets every count to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
	clear(s.maxBatches)
}

// ----- storage -----

func toMap(v any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(err)
	}
	return m
}

func fromMap(m map[string]any, v any) {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		panic(err)
	}
}

// clone deep-copies a JSON value.
func clone(m map[string]any) map[string]any {
	var out map[string]any
	fromMap(m, &out)
	return out
}

func (s *Server) newRecord() *record {
	s.nextID++
	id := fmt.Sprintf("%x", 0x1a2b3c4d5e6f0000+s.nextID*7919)
	n, _ := strconv.ParseUint(id, 16, 64)
	rec := &record{rn: fmt.Sprintf("people/c%d", n), id: id, created: s.nextID}
	s.people[rec.rn] = rec
	return rec
}

// write stores a new state of rec: a new etag and seq, shown in listings
// after the write delay.
func (s *Server) write(rec *record, m map[string]any, deleted bool) {
	s.seq++
	rec.n++
	now := s.opts.Now().UTC()
	m = clone(m)
	delete(m, "resourceName")
	delete(m, "etag")
	delete(m, "metadata")
	delete(m, "photos")
	s.decorate(rec, m)
	rec.cur = version{p: m, seq: s.seq, deleted: deleted, updated: now,
		etag: "%Eg" + base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s/%d", rec.rn, rec.n))}
	if s.opts.WriteDelay <= 0 {
		v := rec.cur
		rec.shown, rec.visibleAt = &v, time.Time{}
	} else {
		rec.visibleAt = now.Add(s.opts.WriteDelay)
	}
}

// decorate adds what Google adds to stored fields: field metadata and
// the output-only values.
func (s *Server) decorate(rec *record, m map[string]any) {
	for k, v := range m {
		items, ok := v.([]any)
		if !ok {
			continue
		}
		for _, it := range items {
			obj, ok := it.(map[string]any)
			if !ok {
				continue
			}
			md, _ := obj["metadata"].(map[string]any)
			primary := md["sourcePrimary"] == true || md["primary"] == true
			nmd := map[string]any{"source": map[string]any{"type": "CONTACT", "id": rec.id}}
			if primary {
				nmd["primary"], nmd["sourcePrimary"] = true, true
			}
			obj["metadata"] = nmd
			if t, ok := obj["type"].(string); ok && t != "" {
				obj["formattedType"] = strings.ToUpper(t[:1]) + t[1:]
			}
			switch k {
			case "names":
				parts := func(keys ...string) string {
					var out []string
					for _, k := range keys {
						if v, _ := obj[k].(string); v != "" {
							out = append(out, v)
						}
					}
					return strings.Join(out, " ")
				}
				full := parts("honorificPrefix", "givenName", "middleName", "familyName", "honorificSuffix")
				if u, _ := obj["unstructuredName"].(string); u == "" && full != "" {
					obj["unstructuredName"] = full
				}
				if u, _ := obj["unstructuredName"].(string); u != "" {
					obj["displayName"] = u
				}
				if lf := parts("familyName"); lf != "" {
					obj["displayNameLastFirst"] = strings.TrimSpace(lf + ", " + parts("givenName", "middleName"))
				}
			case "phoneNumbers":
				if v, _ := obj["value"].(string); strings.HasPrefix(v, "+") {
					obj["canonicalForm"] = "+" + strings.Map(func(r rune) rune {
						if r >= '0' && r <= '9' {
							return r
						}
						return -1
					}, v)
				}
			case "memberships":
				if cg, ok := obj["contactGroupMembership"].(map[string]any); ok {
					rn, _ := cg["contactGroupResourceName"].(string)
					cg["contactGroupId"] = strings.TrimPrefix(rn, "contactGroups/")
				}
			}
		}
	}
}

func (s *Server) sorted() []*record {
	out := slices.Collect(maps.Values(s.people))
	sort.Slice(out, func(i, j int) bool { return out[i].created < out[j].created })
	return out
}

// view is what listings show of rec now.
func (s *Server) view(rec *record, now time.Time) *version {
	if !rec.visibleAt.IsZero() && !now.Before(rec.visibleAt) {
		v := rec.cur
		rec.shown, rec.visibleAt = &v, time.Time{}
	}
	return rec.shown
}

// render is the JSON Google answers for a version, with only the fields
// asked for (nil: all).
func (s *Server) render(rec *record, v *version, fields []string) map[string]any {
	want := func(f string) bool { return fields == nil || slices.Contains(fields, f) }
	out := map[string]any{"resourceName": rec.rn, "etag": v.etag}
	if v.deleted {
		out["metadata"] = map[string]any{"deleted": true, "sources": []any{map[string]any{"type": "CONTACT", "id": rec.id}}}
		return out
	}
	for k, val := range v.p {
		if want(k) {
			switch val := val.(type) {
			case []any, map[string]any:
				var c any
				b, _ := json.Marshal(val)
				_ = json.Unmarshal(b, &c)
				out[k] = c
			default:
				out[k] = val
			}
		}
	}
	if s.withProfile && rec.profile != nil {
		for k, val := range rec.profile {
			items, _ := val.([]any)
			if !want(k) || len(items) == 0 {
				continue
			}
			own, _ := out[k].([]any)
			var c []any
			b, _ := json.Marshal(items)
			_ = json.Unmarshal(b, &c)
			out[k] = append(c, own...) // the profile's first, as primary
		}
	}
	if want("metadata") {
		out["metadata"] = map[string]any{"objectType": "PERSON", "sources": []any{map[string]any{
			"type": "CONTACT", "id": rec.id, "etag": "#" + v.etag[3:], "updateTime": v.updated.Format(time.RFC3339Nano)}}}
	}
	if want("photos") {
		if rec.photo != nil {
			out["photos"] = []any{map[string]any{"url": fmt.Sprintf("%s/photos/%s/%d", s.srv.URL, rec.id, rec.photoN),
				"metadata": map[string]any{"primary": true, "source": map[string]any{"type": "CONTACT", "id": rec.id}}}}
		} else {
			out["photos"] = []any{map[string]any{"url": s.srv.URL + "/photos/default", "default": true,
				"metadata": map[string]any{"primary": true, "source": map[string]any{"type": "PROFILE", "id": rec.id}}}}
		}
	}
	return out
}

// ----- errors, in Google's shape -----

type apiErr struct {
	code    int
	status  string
	message string
	reason  string // errors[].reason
	details []map[string]any
}

func errorInfo(reason string, meta map[string]string) map[string]any {
	d := map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "people.googleapis.com"}
	if meta != nil {
		d["metadata"] = meta
	}
	return d
}

func badRequest(field, msg string) *apiErr {
	return &apiErr{code: 400, status: "INVALID_ARGUMENT", message: msg, reason: "badRequest",
		details: []map[string]any{{"@type": "type.googleapis.com/google.rpc.BadRequest",
			"fieldViolations": []any{map[string]any{"field": field, "description": msg}}}}}
}

func notFound() *apiErr {
	return &apiErr{code: 404, status: "NOT_FOUND", message: "Requested entity was not found.", reason: "notFound"}
}

func etagMismatch() *apiErr {
	return &apiErr{code: 400, status: "FAILED_PRECONDITION", reason: "failedPrecondition",
		message: "Request person.etag is different than the current person.etag. Clear local cache and get the latest person."}
}

func expiredToken() *apiErr {
	return &apiErr{code: 400, status: "FAILED_PRECONDITION", reason: "failedPrecondition",
		message: "Sync token is expired. Clear local cache and retry call without the sync token.",
		details: []map[string]any{errorInfo("EXPIRED_SYNC_TOKEN", nil)}}
}

func quota() *apiErr {
	return &apiErr{code: 429, status: "RESOURCE_EXHAUSTED", reason: "rateLimitExceeded",
		message: "Quota exceeded for quota metric 'Critical read requests (Contact and Profile Reads)' and limit 'Critical read requests (Contact and Profile Reads) per minute per user' of service 'people.googleapis.com' for consumer 'project_number:1234567890'.",
		details: []map[string]any{errorInfo("RATE_LIMIT_EXCEEDED", map[string]string{
			"quota_limit": "CriticalReadsPerMinutePerProjectPerUser", "service": "people.googleapis.com"})}}
}

func statusErr(code int) *apiErr {
	switch code {
	case 429:
		return quota()
	case 503:
		return &apiErr{code: 503, status: "UNAVAILABLE", message: "The service is currently unavailable.", reason: "backendError"}
	case 500:
		return &apiErr{code: 500, status: "INTERNAL", message: "Internal error encountered.", reason: "backendError"}
	case 404:
		return notFound()
	}
	return &apiErr{code: code, status: "UNKNOWN", message: http.StatusText(code), reason: "unknown"}
}

func (s *Server) writeErr(w http.ResponseWriter, e *apiErr) {
	body := map[string]any{"code": e.code, "message": e.message, "status": e.status,
		"errors": []any{map[string]any{"message": e.message, "domain": "global", "reason": e.reason}}}
	if len(e.details) > 0 {
		body["details"] = e.details
	}
	if e.code == 429 && s.opts.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(s.opts.RetryAfter.Seconds())))
	}
	writeJSON(w, e.code, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// ----- routing -----

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	// Writes in flight at once are counted before the lock: Google wants
	// a user's mutations sent one at a time.
	if r.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/") {
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for {
			m := s.maxInFlight.Load()
			if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		// Let a second writer arrive while this one is in flight.
		time.Sleep(200 * time.Microsecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	path := r.URL.Path
	switch {
	case path == "/token":
		s.counts[MethodToken]++
		s.token(w, r)
		return
	case strings.HasPrefix(path, "/photos/"):
		s.counts[MethodPhoto]++
		s.photo(w, strings.TrimPrefix(path, "/photos/"))
		return
	}
	method, handler := s.route(r.Method, path)
	if handler == nil {
		writeJSON(w, 404, map[string]any{"error": map[string]any{"code": 404, "message": "no such method: " + r.Method + " " + path, "status": "NOT_FOUND"}})
		return
	}
	s.counts[method]++
	if s.opts.Token != "" && (s.revoked || r.Header.Get("Authorization") != "Bearer "+s.opts.Token) {
		s.writeErr(w, &apiErr{code: 401, status: "UNAUTHENTICATED", reason: "authError",
			message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential."})
		return
	}
	if q := s.fail[method]; len(q) > 0 {
		s.fail[method] = q[1:]
		s.writeErr(w, statusErr(q[0]))
		return
	}
	if s.opts.QuotaPerMinute > 0 {
		minute := s.opts.Now().Truncate(time.Minute)
		if !minute.Equal(s.window) {
			s.window, s.windowN = minute, 0
		}
		s.windowN++
		if s.windowN > s.opts.QuotaPerMinute {
			s.writeErr(w, quota())
			return
		}
	}
	var e *apiErr
	if s.withProfile, e = wantsProfile(r.URL.Query()["sources"]); e != nil {
		s.writeErr(w, e)
		return
	}
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut {
		b, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err == nil && len(b) > 0 {
			err = json.Unmarshal(b, &body)
		}
		if err != nil {
			s.writeErr(w, badRequest("", "Invalid JSON payload received: "+err.Error()))
			return
		}
	}
	if srcs, ok := body["sources"].([]any); ok {
		var list []string
		for _, v := range srcs {
			list = append(list, str(v))
		}
		if s.withProfile, e = wantsProfile(list); e != nil {
			s.writeErr(w, e)
			return
		}
	}
	out, e := handler(r.URL.Query(), body)
	if e != nil {
		s.writeErr(w, e)
		return
	}
	writeJSON(w, 200, out)
}

// wantsProfile reads a request's sources: Google's default (none given)
// merges the profile in.
func wantsProfile(sources []string) (bool, *apiErr) {
	if len(sources) == 0 {
		return true, nil
	}
	profile := false
	for _, v := range sources {
		switch v {
		case "READ_SOURCE_TYPE_PROFILE":
			profile = true
		case "READ_SOURCE_TYPE_CONTACT", "READ_SOURCE_TYPE_DOMAIN_CONTACT", "READ_SOURCE_TYPE_OTHER_CONTACT":
		default:
			return false, badRequest("sources", fmt.Sprintf("Invalid value at 'sources': %q", v))
		}
	}
	return profile, nil
}

type handlerFunc func(q url.Values, body map[string]any) (any, *apiErr)

func (s *Server) route(verb, path string) (string, handlerFunc) {
	rest, ok := strings.CutPrefix(path, "/v1/")
	if !ok {
		return "", nil
	}
	switch {
	case verb == "GET" && rest == "people/me/connections":
		return MethodList, s.list
	case verb == "GET" && rest == "people/me":
		return MethodMe, s.me
	case verb == "GET" && rest == "people:batchGet":
		return MethodBatchGet, s.batchGet
	case verb == "POST" && rest == "people:createContact":
		return MethodCreate, s.create
	case verb == "POST" && rest == "people:batchCreateContacts":
		return MethodBatchCreate, s.batchCreate
	case verb == "POST" && rest == "people:batchUpdateContacts":
		return MethodBatchUpdate, s.batchUpdate
	case verb == "POST" && rest == "people:batchDeleteContacts":
		return MethodBatchDelete, s.batchDelete
	case verb == "GET" && rest == "contactGroups":
		return MethodGroupsList, s.listGroups
	case verb == "POST" && rest == "contactGroups":
		return MethodGroupsCreate, s.createGroupReq
	case verb == "GET" && strings.HasPrefix(rest, "contactGroups/") && !strings.Contains(rest, ":"):
		return MethodGroupsGet, func(q url.Values, _ map[string]any) (any, *apiErr) {
			g := s.groups[rest]
			if g == nil {
				return nil, notFound()
			}
			var fields []string
			if f := q.Get("groupFields"); f != "" {
				fields = strings.Split(f, ",")
			}
			return s.groupJSON(g, fields), nil
		}
	case verb == "PUT" && strings.HasPrefix(rest, "contactGroups/") && !strings.Contains(rest, ":"):
		return MethodGroupsUpdate, func(q url.Values, b map[string]any) (any, *apiErr) { return s.updateGroup(rest, b) }
	case verb == "POST" && strings.HasPrefix(rest, "contactGroups/") && strings.HasSuffix(rest, "/members:modify"):
		rn := strings.TrimSuffix(rest, "/members:modify")
		return MethodGroupsModify, func(q url.Values, b map[string]any) (any, *apiErr) { return s.modify(rn, b) }
	case strings.HasPrefix(rest, "people/"):
		rn, action, _ := strings.Cut(rest, ":")
		switch {
		case verb == "GET" && action == "":
			return MethodGet, func(q url.Values, _ map[string]any) (any, *apiErr) { return s.get(rn, q) }
		case verb == "PATCH" && action == "updateContact":
			return MethodUpdate, func(q url.Values, b map[string]any) (any, *apiErr) { return s.update(rn, q, b) }
		case verb == "DELETE" && action == "deleteContact":
			return MethodDelete, func(url.Values, map[string]any) (any, *apiErr) { return s.deleteContact(rn) }
		case verb == "PATCH" && action == "updateContactPhoto":
			return MethodUpdatePhoto, func(_ url.Values, b map[string]any) (any, *apiErr) { return s.updatePhoto(rn, b) }
		case verb == "DELETE" && action == "deleteContactPhoto":
			return MethodDeletePhoto, func(q url.Values, _ map[string]any) (any, *apiErr) { return s.deletePhoto(rn, q) }
		}
	}
	return "", nil
}

// fieldList parses a personFields-like mask.
func fieldList(v string, allowed []string, name string) ([]string, *apiErr) {
	if strings.TrimSpace(v) == "" {
		return nil, badRequest(name, name+" mask is required. Please specify one or more valid paths.")
	}
	var out []string
	for f := range strings.SplitSeq(v, ",") {
		f = strings.TrimPrefix(strings.TrimSpace(f), "person.")
		if !slices.Contains(allowed, f) {
			return nil, badRequest(name, fmt.Sprintf("Invalid %s mask path: %q.", name, f))
		}
		out = append(out, f)
	}
	return out, nil
}

func readMask(q url.Values, key string) ([]string, *apiErr) {
	return fieldList(q.Get(key), readable, key)
}

// ----- people.connections.list -----

func (s *Server) list(q url.Values, _ map[string]any) (any, *apiErr) {
	fields, e := readMask(q, "personFields")
	if e != nil {
		return nil, e
	}
	pageSize := 100
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxPageSize {
			return nil, badRequest("page_size", "Page size must be between 0 and 1000.")
		}
		if n > 0 {
			pageSize = n
		}
	}
	var srcs []string
	for _, v := range q["sources"] {
		srcs = append(srcs, v)
	}
	slices.Sort(srcs)
	params := strings.Join([]string{q.Get("personFields"), q.Get("pageSize"), q.Get("requestSyncToken"), q.Get("syncToken"),
		q.Get("sortOrder"), strings.Join(srcs, "+")}, "|")
	now := s.opts.Now()

	var pg *pager
	var pageID string
	offset := 0
	if tok := q.Get("pageToken"); tok != "" {
		id, off, ok := strings.Cut(tok, ".")
		pg, pageID = s.pagers[id], id
		n, err := strconv.Atoi(off)
		if pg == nil || !ok || err != nil || n < 0 || n > len(pg.items) {
			return nil, badRequest("page_token", "Page token is not valid.")
		}
		if pg.params != params {
			return nil, badRequest("page_token", "Parameters in the request must match the parameters of the request that created the page token; when the page_token or sync_token is specified, all other request parameters must match the first call.")
		}
		offset = n
	} else {
		pg = &pager{params: params}
		var cutoff int64
		if st := q.Get("syncToken"); st != "" {
			t, ok := s.tokens[st]
			if !ok {
				return nil, badRequest("sync_token", "Sync token is not valid.")
			}
			if t.gen < s.gen || now.Sub(t.issued) > s.opts.TokenMaxAge {
				return nil, expiredToken()
			}
			cutoff = s.cutoff(now)
			var changed []*record
			for _, rec := range s.people {
				if v := s.view(rec, now); v != nil && v.seq > t.seq && v.seq <= cutoff {
					changed = append(changed, rec)
				}
			}
			sort.Slice(changed, func(i, j int) bool { return changed[i].shown.seq < changed[j].shown.seq })
			for _, rec := range changed {
				pg.items = append(pg.items, s.render(rec, rec.shown, fields))
			}
		} else {
			cutoff = s.cutoff(now)
			for _, rec := range s.sorted() {
				if v := s.view(rec, now); v != nil && !v.deleted {
					pg.items = append(pg.items, s.render(rec, v, fields))
				}
			}
		}
		if q.Get("requestSyncToken") == "true" {
			s.tokenN++
			tok := fmt.Sprintf("st%d.%d", s.tokenN, cutoff)
			s.tokens[tok] = syncToken{seq: cutoff, issued: now, gen: s.gen}
			pg.syncToken = tok
		}
		s.tokenN++
		pageID = fmt.Sprintf("pg%d", s.tokenN)
		s.pagers[pageID] = pg
	}
	return s.page(pageID, pg, offset, pageSize), nil
}

// cutoff is the last change seq listings may include now: a change not
// visible yet holds back every later one, so the sync token given now
// still leads to it.
func (s *Server) cutoff(now time.Time) int64 {
	c := s.seq
	for _, rec := range s.people {
		if !rec.visibleAt.IsZero() && now.Before(rec.visibleAt) && rec.cur.seq-1 < c {
			c = rec.cur.seq - 1
		}
	}
	return c
}

func (s *Server) page(id string, pg *pager, offset, size int) map[string]any {
	end := min(offset+size, len(pg.items))
	out := map[string]any{"totalPeople": len(pg.items), "totalItems": len(pg.items)}
	if items := pg.items[offset:end]; len(items) > 0 {
		out["connections"] = items
	}
	if end < len(pg.items) {
		out["nextPageToken"] = fmt.Sprintf("%s.%d", id, end)
	} else if pg.syncToken != "" {
		out["nextSyncToken"] = pg.syncToken
	}
	return out
}

// ----- single contacts -----

func (s *Server) live(rn string) *record {
	if rec := s.people[rn]; rec != nil && !rec.cur.deleted {
		return rec
	}
	return nil
}

func (s *Server) get(rn string, q url.Values) (any, *apiErr) {
	fields, e := readMask(q, "personFields")
	if e != nil {
		return nil, e
	}
	rec := s.live(rn)
	if rec == nil {
		return nil, notFound()
	}
	return s.render(rec, &rec.cur, fields), nil
}

func (s *Server) batchGet(q url.Values, _ map[string]any) (any, *apiErr) {
	fields, e := readMask(q, "personFields")
	if e != nil {
		return nil, e
	}
	rns := q["resourceNames"]
	if len(rns) > 200 {
		return nil, badRequest("resource_names", "Too many resource names: at most 200.")
	}
	var out []any
	for _, rn := range rns {
		if rec := s.live(rn); rec != nil {
			out = append(out, map[string]any{"requestedResourceName": rn, "httpStatusCode": 200, "person": s.render(rec, &rec.cur, fields)})
		} else {
			out = append(out, map[string]any{"requestedResourceName": rn, "httpStatusCode": 404,
				"status": map[string]any{"code": 5, "message": "Requested entity was not found."}})
		}
	}
	return map[string]any{"responses": out}, nil
}

func (s *Server) me(q url.Values, _ map[string]any) (any, *apiErr) {
	if _, e := readMask(q, "personFields"); e != nil {
		return nil, e
	}
	return map[string]any{"resourceName": "people/100000000000000000001", "etag": "%EgMBAgM=",
		"names":          []any{map[string]any{"displayName": s.opts.Name, "metadata": map[string]any{"primary": true, "source": map[string]any{"type": "PROFILE"}}}},
		"emailAddresses": []any{map[string]any{"value": s.opts.Email, "metadata": map[string]any{"primary": true, "verified": true, "source": map[string]any{"type": "ACCOUNT"}}}},
	}, nil
}

// check validates a person as Google does on create and update (only
// the fields given when fields is not nil); rec is the contact updated
// (nil on create), whose system groups may stay.
func (s *Server) check(rec *record, p map[string]any, fields []string) *apiErr {
	for _, f := range singletons {
		if fields != nil && !slices.Contains(fields, f) {
			continue
		}
		if items, _ := p[f].([]any); len(items) > 1 {
			return badRequest("person."+f, fmt.Sprintf("Only one %s is allowed per contact.", strings.TrimSuffix(f, "s")))
		}
	}
	if items, _ := p["birthdays"].([]any); len(items) == 1 {
		b, _ := items[0].(map[string]any)
		if d, ok := b["date"].(map[string]any); ok {
			m, _ := d["month"].(float64)
			day, _ := d["day"].(float64)
			if m < 1 || m > 12 || day < 1 || day > 31 {
				return badRequest("person.birthdays[0].date", "Invalid date in birthday.")
			}
		}
	}
	if items, _ := p["memberships"].([]any); len(items) > 0 {
		for i, it := range items {
			m, _ := it.(map[string]any)
			cg, _ := m["contactGroupMembership"].(map[string]any)
			rn, _ := cg["contactGroupResourceName"].(string)
			if rn == "" {
				if id, _ := cg["contactGroupId"].(string); id != "" {
					rn = "contactGroups/" + id
					cg["contactGroupResourceName"] = rn
				}
			}
			g := s.groups[rn]
			if g == nil {
				return badRequest(fmt.Sprintf("person.memberships[%d]", i), "Contact group not found: "+rn)
			}
			if g.system && rn != "contactGroups/myContacts" && rn != "contactGroups/starred" && (rec == nil || !s.isMember(rec, rn)) {
				return badRequest(fmt.Sprintf("person.memberships[%d]", i), "Cannot add contacts to system contact group "+rn)
			}
		}
	}
	if _, ok := p["photos"]; ok {
		return badRequest("person.photos", "Photos cannot be set with this method; use updateContactPhoto.")
	}
	for f, v := range p {
		items, _ := v.([]any)
		for i, it := range items {
			obj, _ := it.(map[string]any)
			for k, val := range obj {
				if sv, ok := val.(string); ok && f != "biographies" && len([]rune(sv)) > MaxFieldLength {
					return badRequest(fmt.Sprintf("person.%s[%d].%s", f, i, k), fmt.Sprintf("Field value is too long: at most %d characters.", MaxFieldLength))
				}
			}
		}
	}
	return nil
}

func (s *Server) createOne(p map[string]any) (*record, *apiErr) {
	if p == nil {
		return nil, badRequest("person", "Request must contain a person.")
	}
	if e := s.check(nil, p, nil); e != nil {
		return nil, e
	}
	rec := s.newRecord()
	s.write(rec, p, false)
	return rec, nil
}

func (s *Server) create(q url.Values, body map[string]any) (any, *apiErr) {
	fields, e := readMask(q, "personFields")
	if e != nil {
		return nil, e
	}
	rec, e := s.createOne(body)
	if e != nil {
		return nil, e
	}
	return s.render(rec, &rec.cur, fields), nil
}

// updateOne replaces the fields of rec named in mask with p's.
func (s *Server) applyUpdate(rec *record, p map[string]any, mask []string) {
	m := clone(rec.cur.p)
	for _, f := range mask {
		if v, ok := p[f]; ok {
			m[f] = v
		} else {
			delete(m, f)
		}
	}
	s.write(rec, m, false)
}

func (s *Server) checkUpdate(rn string, p map[string]any, mask []string) (*record, *apiErr) {
	rec := s.live(rn)
	if rec == nil {
		return nil, notFound()
	}
	etag, _ := p["etag"].(string)
	if etag == "" {
		return nil, badRequest("person.etag", "Request must set person.etag or person.metadata.sources.etag for the source that is being updated.")
	}
	if etag != rec.cur.etag {
		return nil, etagMismatch()
	}
	only := map[string]any{}
	for _, f := range mask {
		if v, ok := p[f]; ok {
			only[f] = v
		}
	}
	if e := s.check(rec, only, mask); e != nil {
		return nil, e
	}
	return rec, nil
}

func (s *Server) update(rn string, q url.Values, body map[string]any) (any, *apiErr) {
	if strings.Contains(q.Get("updatePersonFields"), "photos") {
		return nil, badRequest("update_person_fields", "Invalid updatePersonFields mask path: \"photos\". Use updateContactPhoto.")
	}
	mask, e := fieldList(q.Get("updatePersonFields"), updatable, "updatePersonFields")
	if e != nil {
		return nil, e
	}
	fields := readable
	if q.Get("personFields") != "" {
		if fields, e = readMask(q, "personFields"); e != nil {
			return nil, e
		}
	}
	if body == nil {
		return nil, badRequest("person", "Request must contain a person.")
	}
	rec, e := s.checkUpdate(rn, body, mask)
	if e != nil {
		return nil, e
	}
	s.applyUpdate(rec, body, mask)
	return s.render(rec, &rec.cur, fields), nil
}

func (s *Server) deleteContact(rn string) (any, *apiErr) {
	rec := s.live(rn)
	if rec == nil {
		return nil, notFound()
	}
	s.write(rec, rec.cur.p, true)
	return map[string]any{}, nil
}

// ----- batches (all or nothing) -----

func (s *Server) seeBatch(method string, n int) {
	s.maxBatches[method] = max(s.maxBatches[method], n)
}

func (s *Server) batchCreate(_ url.Values, body map[string]any) (any, *apiErr) {
	fields, e := fieldList(str(body["readMask"]), readable, "readMask")
	if e != nil {
		return nil, e
	}
	items, _ := body["contacts"].([]any)
	s.seeBatch(MethodBatchCreate, len(items))
	if len(items) == 0 || len(items) > MaxBatchCreate {
		return nil, badRequest("contacts", fmt.Sprintf("Request must contain between 1 and %d contacts (got %d).", MaxBatchCreate, len(items)))
	}
	var ps []map[string]any
	for i, it := range items {
		m, _ := it.(map[string]any)
		p, _ := m["contactPerson"].(map[string]any)
		if p == nil {
			return nil, badRequest(fmt.Sprintf("contacts[%d].contact_person", i), "Contact person is required.")
		}
		if e := s.check(nil, p, nil); e != nil {
			e.message = fmt.Sprintf("contacts[%d]: %s", i, e.message)
			return nil, e
		}
		ps = append(ps, p)
	}
	var out []any
	for _, p := range ps {
		rec, _ := s.createOne(p)
		out = append(out, map[string]any{"httpStatusCode": 200, "person": s.render(rec, &rec.cur, fields)})
	}
	return map[string]any{"createdPeople": out}, nil
}

func str(v any) string { s, _ := v.(string); return s }

func (s *Server) batchUpdate(_ url.Values, body map[string]any) (any, *apiErr) {
	fields, e := fieldList(str(body["readMask"]), readable, "readMask")
	if e != nil {
		return nil, e
	}
	if strings.Contains(str(body["updateMask"]), "photos") {
		return nil, badRequest("update_mask", "Invalid updateMask path: \"photos\".")
	}
	mask, e := fieldList(str(body["updateMask"]), updatable, "updateMask")
	if e != nil {
		return nil, e
	}
	contacts, _ := body["contacts"].(map[string]any)
	s.seeBatch(MethodBatchUpdate, len(contacts))
	if len(contacts) == 0 || len(contacts) > MaxBatchUpdate {
		return nil, badRequest("contacts", fmt.Sprintf("Request must contain between 1 and %d contacts (got %d).", MaxBatchUpdate, len(contacts)))
	}
	rns := slices.Sorted(maps.Keys(contacts))
	recs := map[string]*record{}
	for _, rn := range rns {
		p, _ := contacts[rn].(map[string]any)
		rec, e := s.checkUpdate(rn, p, mask)
		if e != nil {
			e.message = rn + ": " + e.message
			return nil, e
		}
		recs[rn] = rec
	}
	out := map[string]any{}
	for _, rn := range rns {
		s.applyUpdate(recs[rn], contacts[rn].(map[string]any), mask)
		out[rn] = map[string]any{"httpStatusCode": 200, "requestedResourceName": rn, "person": s.render(recs[rn], &recs[rn].cur, fields)}
	}
	return map[string]any{"updateResult": out}, nil
}

func (s *Server) batchDelete(_ url.Values, body map[string]any) (any, *apiErr) {
	items, _ := body["resourceNames"].([]any)
	s.seeBatch(MethodBatchDelete, len(items))
	if len(items) == 0 || len(items) > MaxBatchDelete {
		return nil, badRequest("resource_names", fmt.Sprintf("Request must contain between 1 and %d resource names (got %d).", MaxBatchDelete, len(items)))
	}
	var recs []*record
	for _, it := range items {
		rec := s.live(str(it))
		if rec == nil {
			return nil, notFound()
		}
		recs = append(recs, rec)
	}
	for _, rec := range recs {
		s.write(rec, rec.cur.p, true)
	}
	return map[string]any{}, nil
}

// ----- photos -----

func (s *Server) updatePhoto(rn string, body map[string]any) (any, *apiErr) {
	rec := s.live(rn)
	if rec == nil {
		return nil, notFound()
	}
	data, err := base64.StdEncoding.DecodeString(str(body["photoBytes"]))
	if err != nil {
		if data, err = base64.URLEncoding.DecodeString(str(body["photoBytes"])); err != nil {
			return nil, badRequest("photo_bytes", "Photo bytes are not valid base64.")
		}
	}
	if !bytes.HasPrefix(data, []byte("\xff\xd8\xff")) && !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		return nil, badRequest("photo_bytes", "Photo must be a JPEG or PNG image.")
	}
	fields := readable
	if pf := str(body["personFields"]); pf != "" {
		var e *apiErr
		if fields, e = fieldList(pf, readable, "personFields"); e != nil {
			return nil, e
		}
	}
	rec.photo, rec.photoN = data, rec.photoN+1
	s.write(rec, rec.cur.p, false)
	return map[string]any{"person": s.render(rec, &rec.cur, fields)}, nil
}

func (s *Server) deletePhoto(rn string, q url.Values) (any, *apiErr) {
	rec := s.live(rn)
	if rec == nil {
		return nil, notFound()
	}
	fields := readable
	if q.Get("personFields") != "" {
		var e *apiErr
		if fields, e = readMask(q, "personFields"); e != nil {
			return nil, e
		}
	}
	if rec.photo != nil {
		rec.photo = nil
		s.write(rec, rec.cur.p, false)
	}
	return map[string]any{"person": s.render(rec, &rec.cur, fields)}, nil
}

// defaultPhoto is Google's placeholder: a 1×1 PNG.
var defaultPhoto, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

func (s *Server) photo(w http.ResponseWriter, path string) {
	if path == "default" {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(defaultPhoto)
		return
	}
	id, n, _ := strings.Cut(path, "/")
	for _, rec := range s.people {
		if rec.id == id && rec.photo != nil && strconv.Itoa(rec.photoN) == n {
			w.Header().Set("Content-Type", http.DetectContentType(rec.photo))
			_, _ = w.Write(rec.photo)
			return
		}
	}
	http.NotFound(w, nil)
}

// ----- contact groups -----

func (s *Server) createGroup(name string) (*group, *apiErr) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, badRequest("contact_group.name", "Contact group name must not be empty.")
	}
	for _, g := range s.groups {
		if strings.EqualFold(g.name, name) {
			return nil, &apiErr{code: 409, status: "ALREADY_EXISTS", reason: "duplicate", message: "Contact group name already exists."}
		}
	}
	s.nextID++
	g := &group{rn: fmt.Sprintf("contactGroups/%x", 0x5a1b0000+s.nextID), name: name, etag: "g1", updated: s.opts.Now().UTC()}
	s.groups[g.rn] = g
	return g, nil
}

// groupJSON is a contact group as Google answers it, with the fields
// asked for (nil: Google's default, memberCount included).
func (s *Server) groupJSON(g *group, fields []string) map[string]any {
	want := func(f string) bool { return fields == nil || slices.Contains(fields, f) }
	out := map[string]any{"resourceName": g.rn, "etag": g.etag}
	if want("name") {
		out["name"], out["formattedName"] = g.name, g.name
	}
	if want("groupType") {
		out["groupType"] = "USER_CONTACT_GROUP"
		if g.system {
			out["groupType"] = "SYSTEM_CONTACT_GROUP"
		}
	}
	if want("metadata") {
		out["metadata"] = map[string]any{"updateTime": g.updated.Format(time.RFC3339Nano)}
	}
	if want("memberCount") {
		n := 0
		for _, rec := range s.people {
			if !rec.cur.deleted && s.isMember(rec, g.rn) {
				n++
			}
		}
		out["memberCount"] = n
	}
	return out
}

func (s *Server) isMember(rec *record, grn string) bool {
	items, _ := rec.cur.p["memberships"].([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		cg, _ := m["contactGroupMembership"].(map[string]any)
		if str(cg["contactGroupResourceName"]) == grn {
			return true
		}
	}
	return false
}

func (s *Server) listGroups(q url.Values, _ map[string]any) (any, *apiErr) {
	gs := slices.Collect(maps.Values(s.groups))
	sort.Slice(gs, func(i, j int) bool { return gs[i].rn < gs[j].rn })
	size := 30
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return nil, badRequest("page_size", "Page size must be between 1 and 1000.")
		}
		size = n
	}
	off := 0
	if t := q.Get("pageToken"); t != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(t, "gp"))
		if err != nil || n < 0 || n > len(gs) {
			return nil, badRequest("page_token", "Page token is not valid.")
		}
		off = n
	}
	var fields []string
	if gf := q.Get("groupFields"); gf != "" {
		var e *apiErr
		if fields, e = fieldList(gf, []string{"clientData", "groupType", "memberCount", "metadata", "name"}, "groupFields"); e != nil {
			return nil, e
		}
	}
	end := min(off+size, len(gs))
	var items []any
	for _, g := range gs[off:end] {
		items = append(items, s.groupJSON(g, fields))
	}
	out := map[string]any{"contactGroups": items, "totalItems": len(gs)}
	if end < len(gs) {
		out["nextPageToken"] = fmt.Sprintf("gp%d", end)
	}
	return out, nil
}

func (s *Server) createGroupReq(_ url.Values, body map[string]any) (any, *apiErr) {
	cg, _ := body["contactGroup"].(map[string]any)
	g, e := s.createGroup(str(cg["name"]))
	if e != nil {
		return nil, e
	}
	return s.groupJSON(g, nil), nil
}

// updateGroup renames a user group (contactGroups.update): the etag
// must be current, the name new; the members stay.
func (s *Server) updateGroup(grn string, body map[string]any) (any, *apiErr) {
	g := s.groups[grn]
	if g == nil {
		return nil, notFound()
	}
	cg, _ := body["contactGroup"].(map[string]any)
	name := strings.TrimSpace(str(cg["name"]))
	switch {
	case g.system:
		return nil, badRequest("contact_group", "Cannot update system contact group "+grn)
	case name == "":
		return nil, badRequest("contact_group.name", "Contact group name must not be empty.")
	case str(cg["etag"]) != "" && str(cg["etag"]) != g.etag:
		return nil, &apiErr{code: 400, status: "FAILED_PRECONDITION", reason: "failedPrecondition",
			message: "Request contactGroup.etag is different than the current contactGroup.etag."}
	}
	for _, o := range s.groups {
		if o != g && strings.EqualFold(o.name, name) {
			return nil, &apiErr{code: 409, status: "ALREADY_EXISTS", reason: "duplicate", message: "Contact group name already exists."}
		}
	}
	g.name = name
	s.nextID++
	g.etag = fmt.Sprintf("g%d", s.nextID)
	g.updated = s.opts.Now().UTC()
	return s.groupJSON(g, nil), nil
}

func (s *Server) modify(grn string, body map[string]any) (any, *apiErr) {
	g := s.groups[grn]
	if g == nil {
		return nil, notFound()
	}
	add, _ := body["resourceNamesToAdd"].([]any)
	remove, _ := body["resourceNamesToRemove"].([]any)
	if len(add)+len(remove) > MaxModify {
		return nil, badRequest("resource_names_to_add", fmt.Sprintf("At most %d resource names may be added and removed in one request.", MaxModify))
	}
	if len(add) > 0 && g.system && grn != "contactGroups/myContacts" && grn != "contactGroups/starred" {
		return nil, badRequest("resource_name", "Cannot add contacts to system contact group "+grn)
	}
	var missing []any
	change := func(rn string, in bool) {
		rec := s.live(rn)
		if rec == nil {
			missing = append(missing, rn)
			return
		}
		if s.isMember(rec, grn) == in {
			return
		}
		m := clone(rec.cur.p)
		items, _ := m["memberships"].([]any)
		if in {
			items = append(items, map[string]any{"contactGroupMembership": map[string]any{"contactGroupResourceName": grn}})
		} else {
			items = slices.DeleteFunc(items, func(it any) bool {
				mm, _ := it.(map[string]any)
				cg, _ := mm["contactGroupMembership"].(map[string]any)
				return str(cg["contactGroupResourceName"]) == grn
			})
		}
		m["memberships"] = items
		s.write(rec, m, false)
	}
	for _, rn := range add {
		change(str(rn), true)
	}
	for _, rn := range remove {
		change(str(rn), false)
	}
	out := map[string]any{}
	if len(missing) > 0 {
		out["notFoundResourceNames"] = missing
	}
	return out, nil
}

// ----- OAuth token endpoint -----

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, map[string]any{"error": "invalid_request"})
		return
	}
	if r.Form.Get("grant_type") != "refresh_token" || s.revoked || s.opts.RefreshToken == "" ||
		r.Form.Get("refresh_token") != s.opts.RefreshToken {
		writeJSON(w, 400, map[string]any{"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
		return
	}
	writeJSON(w, 200, map[string]any{"access_token": s.opts.Token, "token_type": "Bearer", "expires_in": 3599,
		"scope": "https://www.googleapis.com/auth/contacts"})
}
