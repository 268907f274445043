// Package google is the sync provider of a Google Contacts account,
// over the People API (google.golang.org/api/people/v1). It owns the
// mapping between Google's Person and the engine's sync.Contact, the
// pull cursor (a full listing's page token, or a sync token and its page
// token, so that every page repeats the parameters of the first call),
// contact groups by name (labels are looked up before one is created, so
// no duplicate label is ever made), the UID kept in clientData (a create
// whose answer was lost is recognised, not duplicated), minimal
// updatePersonFields (fields the model does not map are never sent, so
// Google keeps them), the batch endpoints, photos, and the translation
// of Google's errors into the engine's (sync.ErrCursorExpired,
// ErrPrecondition, ErrRemoteNotFound, ErrSignIn, *sync.RetryError,
// *store.ValidationError).
//
// It knows nothing of OAuth: Config.HTTPClient carries the token. It
// must not import app or ui. Its methods make one request at a time
// (Google wants a user's mutations sent sequentially). Package
// googletest is a fake People API that behaves like Google for tests.
package google

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"google.golang.org/api/option"
	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
)

// DefaultEndpoint is the People API's address.
const DefaultEndpoint = "https://people.googleapis.com/"

// pageSize is Google's largest page of connections.
const pageSize = 1000

// Config reaches one Google account.
type Config struct {
	// Endpoint is the People API base URL ("" = https://people.googleapis.com/); tests and proxies set it.
	Endpoint string
	// HTTPClient carries the OAuth token (oauth2.NewClient); required.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Provider is one Google account; it implements sync.Provider and the
// optional sync.FieldUpdater, sync.Batcher and sync.PhotoSyncer. Like
// every provider it is used from one goroutine at a time.
type Provider struct {
	svc      *people.Service
	hc       *http.Client
	host     string // the API's host: the only one the token is sent to for photos
	log      *slog.Logger
	pageSize int64
	groups   *groups
}

var (
	_ sync.Provider     = (*Provider)(nil)
	_ sync.FieldUpdater = (*Provider)(nil)
	_ sync.Batcher      = (*Provider)(nil)
	_ sync.PhotoSyncer  = (*Provider)(nil)
)

// New returns the provider of the account cfg.HTTPClient is signed in to.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.HTTPClient == nil {
		return nil, errors.New("google: an HTTP client carrying the account's token is required")
	}
	ep := strings.TrimSpace(cfg.Endpoint)
	if ep == "" {
		ep = DefaultEndpoint
	}
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("google: %q is not an http or https address", cfg.Endpoint)
	}
	if !strings.HasSuffix(ep, "/") {
		ep += "/"
	}
	svc, err := people.NewService(ctx, option.WithEndpoint(ep), option.WithHTTPClient(cfg.HTTPClient))
	if err != nil {
		return nil, fmt.Errorf("google: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Provider{svc: svc, hc: cfg.HTTPClient, host: u.Host, log: log, pageSize: pageSize}
	p.groups = &groups{p: p}
	return p, nil
}

// Features: a change feed (sync tokens) with tombstones, whose full
// listings list every contact.
func (p *Provider) Features() sync.Features {
	return sync.Features{Feed: true, Tombstones: true, ListingComplete: true}
}

// Profile returns the signed-in person's primary e-mail and name (people/me).
// Google answers the e-mail only to a token with an e-mail scope
// (userinfo.email or user.emails.read) besides contacts.
func (p *Provider) Profile(ctx context.Context) (email, name string, err error) {
	me, err := p.svc.People.Get("people/me").PersonFields("names,emailAddresses").Context(ctx).Do()
	if err != nil {
		return "", "", classify("reading the profile", err, false)
	}
	for _, e := range me.EmailAddresses {
		if e != nil && (email == "" || primaryOf(e.Metadata)) {
			email = e.Value
			if primaryOf(e.Metadata) {
				break
			}
		}
	}
	if n := pick(me.Names, func(n *people.Name) *people.FieldMetadata { return n.Metadata }); n != nil {
		name = n.DisplayName
		if name == "" {
			name = join(n.GivenName, n.FamilyName)
		}
	}
	return email, name, nil
}

// Probe asks for one contact group: cheap, and it checks that the
// authorization covers the contacts (people/me needs another scope).
func (p *Provider) Probe(ctx context.Context) error {
	_, err := p.svc.ContactGroups.List().PageSize(1).GroupFields("name").Context(ctx).Do()
	err = classify("probe", err, false)
	var re *sync.RetryError
	if errors.As(err, &re) && re.Status == 0 {
		return fmt.Errorf("%w: %v", sync.ErrOffline, err)
	}
	return err
}

// ----- pull -----

// The cursor is a query string: page=… continues a full listing,
// sync=… starts an incremental one and sync=…&page=… continues it; ""
// starts a full listing.
func cursorOf(syncToken, pageToken string) string {
	v := url.Values{}
	if syncToken != "" {
		v.Set("sync", syncToken)
	}
	if pageToken != "" {
		v.Set("page", pageToken)
	}
	return v.Encode()
}

// Pull lists one page of connections: the whole address book from ""
// (asking for a sync token), or the changes and tombstones since a sync
// token. Every page repeats the first call's parameters; the next sync
// token comes with the last page only, so it is saved only once every
// page before it is applied.
func (p *Provider) Pull(ctx context.Context, cursor string) (sync.Page, error) {
	v, err := url.ParseQuery(cursor)
	if err != nil {
		return sync.Page{}, fmt.Errorf("%w: unreadable cursor %q", sync.ErrCursorExpired, cursor)
	}
	syncToken, pageToken := v.Get("sync"), v.Get("page")
	call := p.svc.People.Connections.List("people/me").PersonFields(readFields).Sources(contactSource...).
		PageSize(p.pageSize).RequestSyncToken(true).Context(ctx)
	if syncToken != "" {
		call = call.SyncToken(syncToken)
	}
	if pageToken != "" {
		call = call.PageToken(pageToken)
	}
	resp, err := call.Do()
	if err != nil {
		err = classify("listing contacts", err, false)
		if pageToken != "" && !errors.Is(err, sync.ErrCursorExpired) && strings.Contains(strings.ToLower(err.Error()), "page token") {
			// A page token Google no longer knows: start over.
			err = fmt.Errorf("%w: %w", sync.ErrCursorExpired, err)
		}
		return sync.Page{}, err
	}
	if err := p.groups.ensureKnown(ctx, resp.Connections); err != nil {
		return sync.Page{}, err
	}
	page := sync.Page{Items: make([]sync.Remote, 0, len(resp.Connections))}
	for _, person := range resp.Connections {
		if person == nil || person.ResourceName == "" {
			continue
		}
		r, note := remoteNoted(person, p.groups.name)
		page.Items = append(page.Items, r)
		if note != "" {
			p.log.Info("google: "+note, "contact", r.ID)
			page.Notes = append(page.Notes, note)
		}
	}
	if resp.NextPageToken != "" {
		page.More = true
		page.Cursor = cursorOf(syncToken, resp.NextPageToken)
		return page, nil
	}
	page.Complete = syncToken == ""
	if resp.NextSyncToken == "" {
		page.Notes = append(page.Notes, "Google gave no sync token: the next sync lists every contact again")
		return page, nil
	}
	page.Cursor = cursorOf(resp.NextSyncToken, "")
	return page, nil
}

// ----- single contacts -----

func (p *Provider) getPerson(ctx context.Context, id string) (*people.Person, error) {
	person, err := p.svc.People.Get(id).PersonFields(readFields).Sources(contactSource...).Context(ctx).Do()
	if err != nil {
		return nil, classify("reading "+id, err, false)
	}
	return person, nil
}

func (p *Provider) remote(ctx context.Context, person *people.Person) (sync.Remote, error) {
	if err := p.groups.ensureKnown(ctx, []*people.Person{person}); err != nil {
		return sync.Remote{}, err
	}
	r, note := remoteNoted(person, p.groups.name)
	if note != "" {
		p.log.Info("google: "+note, "contact", r.ID)
	}
	return r, nil
}

// Get reads one contact.
func (p *Provider) Get(ctx context.Context, id string) (sync.Remote, error) {
	person, err := p.getPerson(ctx, id)
	if err != nil {
		return sync.Remote{}, err
	}
	return p.remote(ctx, person)
}

// newPerson is c as a contact to create: every mapped field, the UID in
// clientData, and its memberships (My Contacts, so that it shows in
// Google Contacts, starred for a favourite, and its labels, created
// when missing).
func (p *Provider) newPerson(ctx context.Context, c sync.Contact) (*people.Person, error) {
	person := &people.Person{}
	for _, f := range mappedFields {
		if f == "memberships" {
			continue
		}
		if err := setField(person, c, f); err != nil {
			return nil, err
		}
	}
	if c.UID != "" {
		person.ClientData = []*people.ClientData{{Key: uidKey, Value: c.UID}}
	}
	ms, err := p.memberships(ctx, nil, c, true)
	if err != nil {
		return nil, err
	}
	person.Memberships = ms
	return person, nil
}

// memberships are current's memberships with the user groups of c and
// starred as c says; the system groups and the unknown ones stay. A new
// contact (create) is put in My Contacts too.
func (p *Provider) memberships(ctx context.Context, current []*people.Membership, c sync.Contact, create bool) ([]*people.Membership, error) {
	want := map[string]bool{}
	for _, g := range c.Groups {
		rn, err := p.groups.ensure(ctx, g)
		if err != nil {
			return nil, err
		}
		want[rn] = true
	}
	if c.IsFavorite {
		want[groupStarred] = true
	}
	if create {
		want[groupMyContacts] = true
	}
	var out []*people.Membership
	for _, m := range current {
		if m == nil || m.ContactGroupMembership == nil {
			continue // domain memberships are read-only
		}
		rn := groupRN(m.ContactGroupMembership)
		_, user := p.groups.name(rn)
		switch {
		case want[rn]:
			delete(want, rn)
		case user || rn == groupStarred:
			continue // removed
		}
		out = append(out, &people.Membership{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: rn}})
	}
	for _, rn := range slices.Sorted(maps.Keys(want)) {
		out = append(out, &people.Membership{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: rn}})
	}
	return out, nil
}

// Create creates c in Google, its UID in clientData.
func (p *Provider) Create(ctx context.Context, c sync.Contact) (sync.Remote, error) {
	person, err := p.newPerson(ctx, c)
	if err != nil {
		return sync.Remote{}, err
	}
	created, err := p.svc.People.CreateContact(person).PersonFields(readFields).Sources(contactSource...).Context(ctx).Do()
	if err != nil {
		return sync.Remote{}, classify("creating a contact", err, true)
	}
	return p.remote(ctx, created)
}

// Update replaces every mapped field of contact id with c's, if its etag
// is still etag.
func (p *Provider) Update(ctx context.Context, id, etag string, c sync.Contact) (sync.Remote, error) {
	return p.update(ctx, id, etag, c, mappedFields)
}

// UpdateFields sends only the mapped fields where c differs from base
// (updatePersonFields), and nothing at all when none does: it then
// returns the contact as it was, with c.
func (p *Provider) UpdateFields(ctx context.Context, id, etag string, c, base sync.Contact) (sync.Remote, error) {
	mask := changedFields(c, base)
	if len(mask) == 0 {
		return sync.Remote{ID: id, ETag: etag, Contact: c}, nil
	}
	return p.update(ctx, id, etag, c, mask)
}

// updateBody is the person an update of mask sends. When memberships
// change, the contact as it is now (cur, read here when nil) gives the
// system groups to keep, and its etag must still be etag.
func (p *Provider) updateBody(ctx context.Context, id, etag string, c sync.Contact, mask []string, cur *people.Person) (*people.Person, error) {
	person := &people.Person{Etag: etag, ResourceName: id}
	for _, f := range mask {
		if f == "memberships" {
			if cur == nil {
				var err error
				if cur, err = p.getPerson(ctx, id); err != nil {
					return nil, err
				}
			}
			if cur.Etag != etag {
				return nil, fmt.Errorf("google: updating %s: %w", id, sync.ErrPrecondition)
			}
			if err := p.groups.ensureKnown(ctx, []*people.Person{cur}); err != nil {
				return nil, err
			}
			ms, err := p.memberships(ctx, cur.Memberships, c, false)
			if err != nil {
				return nil, err
			}
			person.Memberships = ms
			continue
		}
		if err := setField(person, c, f); err != nil {
			return nil, err
		}
	}
	return person, nil
}

func (p *Provider) update(ctx context.Context, id, etag string, c sync.Contact, mask []string) (sync.Remote, error) {
	person, err := p.updateBody(ctx, id, etag, c, mask, nil)
	if err != nil {
		return sync.Remote{}, err
	}
	updated, err := p.svc.People.UpdateContact(id, person).UpdatePersonFields(strings.Join(mask, ",")).
		PersonFields(readFields).Sources(contactSource...).Context(ctx).Do()
	if err != nil {
		return sync.Remote{}, classify("updating "+id, err, true)
	}
	return p.remote(ctx, updated)
}

// Delete deletes contact id if its etag is still etag. Google's delete
// takes no etag, so the contact is read first.
func (p *Provider) Delete(ctx context.Context, id, etag string) error {
	if etag != "" {
		cur, err := p.getPerson(ctx, id)
		if err != nil {
			return err
		}
		if cur.Etag != etag {
			return fmt.Errorf("google: deleting %s: %w", id, sync.ErrPrecondition)
		}
	}
	if _, err := p.svc.People.DeleteContact(id).Context(ctx).Do(); err != nil {
		return classify("deleting "+id, err, true)
	}
	return nil
}

// validation reports whether err is a contact Google refused.
func validation(err error) bool {
	var verr *store.ValidationError
	return errors.As(err, &verr)
}
