package google

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/language"
	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/carddav"
	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
)

// uidKey is the clientData key the contact's UID is kept under, so that a
// contact created remotely whose answer was lost is recognised by the
// next pull instead of created twice.
const uidKey = "humans.uid"

// readFields is the personFields of every read: every field the mapping
// reads, plus metadata (etag, deletions), clientData (the UID) and photos.
const readFields = "addresses,biographies,birthdays,clientData,emailAddresses,genders,imClients,locales," +
	"memberships,metadata,names,nicknames,organizations,phoneNumbers,photos,urls,userDefined"

// contactSource limits every read to the contact as the account's owner
// keeps it: without it Google merges in the person's own Google profile
// (their name, their e-mails), which the sync must not copy into the
// contact nor take for edits.
var contactSource = []string{"READ_SOURCE_TYPE_CONTACT"}

// The fields an update may name (updatePersonFields), in a fixed order.
// Fields the model does not map (relations, events, externalIds,
// sipAddresses, clientData…) are never among them, so Google keeps them.
var mappedFields = []string{"names", "nicknames", "genders", "organizations", "birthdays", "biographies",
	"locales", "phoneNumbers", "emailAddresses", "addresses", "urls", "imClients", "userDefined", "memberships"}

// Well-known contact groups.
const (
	groupMyContacts = "contactGroups/myContacts"
	groupStarred    = "contactGroups/starred"
)

// ----- Google → Contact -----

// groupLookup gives the name of a user contact group; ok is false for a
// system group or an unknown one.
type groupLookup func(resourceName string) (name string, ok bool)

func primaryOf(md *people.FieldMetadata) bool {
	return md != nil && (md.Primary || md.SourcePrimary)
}

func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// pick returns the primary element of a singleton-like list, else the
// first.
func pick[T any](items []*T, md func(*T) *people.FieldMetadata) *T {
	for _, it := range items {
		if it != nil && primaryOf(md(it)) {
			return it
		}
	}
	for _, it := range items {
		if it != nil {
			return it
		}
	}
	return nil
}

// extRe reads the extension written by phoneValue back.
var extRe = regexp.MustCompile(`^(.*?)\s*(?:;ext=|\s+ext\.?\s*)(\d+)$`)

// toContact maps a person to the engine's contact.
func toContact(p *people.Person, groupName groupLookup) sync.Contact {
	var c sync.Contact
	for _, d := range p.ClientData {
		if d != nil && d.Key == uidKey {
			c.UID = d.Value
		}
	}
	if n := pick(p.Names, func(n *people.Name) *people.FieldMetadata { return n.Metadata }); n != nil {
		c.FirstName = join(n.GivenName, n.MiddleName)
		c.LastName = strings.TrimSpace(n.FamilyName)
		c.Prefix = strings.TrimSpace(n.HonorificPrefix)
		c.Suffix = strings.TrimSpace(n.HonorificSuffix)
		// Google fills the unstructured name from the parts: only one
		// that says something else is a display name of its own.
		if u := strings.TrimSpace(n.UnstructuredName); u != "" && !slices.Contains([]string{
			join(n.GivenName, n.FamilyName),
			join(n.GivenName, n.MiddleName, n.FamilyName),
			join(n.HonorificPrefix, n.GivenName, n.MiddleName, n.FamilyName, n.HonorificSuffix),
			join(n.HonorificPrefix, n.GivenName, n.FamilyName, n.HonorificSuffix),
		}, u) {
			c.DisplayName = u
		}
	}
	if n := pick(p.Nicknames, func(n *people.Nickname) *people.FieldMetadata { return n.Metadata }); n != nil {
		c.Nickname = strings.TrimSpace(n.Value)
	}
	if g := pick(p.Genders, func(g *people.Gender) *people.FieldMetadata { return g.Metadata }); g != nil {
		c.Gender = genderFromGoogle(g.Value)
	}
	if o := pick(p.Organizations, func(o *people.Organization) *people.FieldMetadata { return o.Metadata }); o != nil {
		c.Company, c.JobTitle, c.Department = strings.TrimSpace(o.Name), strings.TrimSpace(o.Title), strings.TrimSpace(o.Department)
	}
	if b := pick(p.Birthdays, func(b *people.Birthday) *people.FieldMetadata { return b.Metadata }); b != nil {
		c.Birthday = birthdayFromGoogle(b)
	}
	if b := pick(p.Biographies, func(b *people.Biography) *people.FieldMetadata { return b.Metadata }); b != nil {
		c.Notes = b.Value
	}
	if l := pick(p.Locales, func(l *people.Locale) *people.FieldMetadata { return l.Metadata }); l != nil {
		c.Language = strings.TrimSpace(l.Value)
	}
	for _, ph := range p.Photos {
		// Google's placeholder (default) is never a photo of the contact.
		if ph != nil && !ph.Default && ph.Url != "" {
			c.PhotoURL = ph.Url
			break
		}
	}
	for _, ph := range p.PhoneNumbers {
		if ph == nil || strings.TrimSpace(ph.Value) == "" {
			continue
		}
		number, ext := strings.TrimSpace(ph.Value), ""
		if m := extRe.FindStringSubmatch(number); m != nil {
			number, ext = m[1], m[2]
		}
		c.Phones = append(c.Phones, store.Phone{Number: number, Extension: ext, Type: phoneTypeFromGoogle(ph.Type), IsPrimary: primaryOf(ph.Metadata)})
	}
	for _, e := range p.EmailAddresses {
		if e == nil || strings.TrimSpace(e.Value) == "" {
			continue
		}
		c.Emails = append(c.Emails, store.Email{Address: strings.TrimSpace(e.Value), Type: e.Type, IsPrimary: primaryOf(e.Metadata)})
	}
	for _, a := range p.Addresses {
		if a == nil {
			continue
		}
		number, street := carddav.SplitStreet(a.StreetAddress)
		country := strings.TrimSpace(a.Country)
		if country == "" {
			country = strings.TrimSpace(a.CountryCode)
		}
		addr := store.Address{Type: a.Type, Street: street, Number: number, Complement: strings.TrimSpace(a.ExtendedAddress),
			Zip: strings.TrimSpace(a.PostalCode), City: strings.TrimSpace(a.City), Region: strings.TrimSpace(a.Region),
			Country: country, IsPrimary: primaryOf(a.Metadata)}
		if !addr.IsEmpty() {
			c.Addresses = append(c.Addresses, addr)
		}
	}
	for _, u := range p.Urls {
		if u == nil || strings.TrimSpace(u.Value) == "" {
			continue
		}
		c.URLs = append(c.URLs, store.URL{URL: strings.TrimSpace(u.Value), Type: urlTypeFromGoogle(u.Type), IsPrimary: primaryOf(u.Metadata)})
	}
	for _, im := range p.ImClients {
		if im == nil || strings.TrimSpace(im.Username) == "" {
			continue
		}
		c.IMs = append(c.IMs, store.IM{Handle: strings.TrimSpace(im.Username), Service: imServiceFromGoogle(im.Protocol), IsPrimary: primaryOf(im.Metadata)})
	}
	for _, u := range p.UserDefined {
		if u == nil || strings.TrimSpace(u.Key) == "" || u.Value == "" {
			continue
		}
		if c.CustomFields == nil {
			c.CustomFields = map[string]string{}
		}
		if _, dup := c.CustomFields[u.Key]; !dup {
			c.CustomFields[u.Key] = u.Value
		}
	}
	for _, m := range p.Memberships {
		if m == nil || m.ContactGroupMembership == nil {
			continue
		}
		rn := groupRN(m.ContactGroupMembership)
		if rn == groupStarred {
			c.IsFavorite = true
			continue
		}
		if name, ok := groupName(rn); ok && !slices.ContainsFunc(c.Groups, func(g string) bool { return store.Fold(g) == store.Fold(name) }) {
			c.Groups = append(c.Groups, name)
		}
	}
	slices.SortFunc(c.Groups, func(a, b string) int { return strings.Compare(store.Fold(a), store.Fold(b)) })
	return c
}

// sanitize leaves out of c the values the book would refuse (Google
// takes almost anything: "call reception" as a phone, a birthday on
// 30 February), so that the rest of the contact is still synced, and
// keeps one primary value per list. It returns what it left out.
func sanitize(c *sync.Contact) (dropped []string) {
	if c.Birthday != "" {
		if _, err := store.ParseBirthday(c.Birthday); err != nil {
			dropped = append(dropped, "birthday "+strconvQuote(c.Birthday))
			c.Birthday = ""
		}
	}
	if c.Language != "" {
		if _, err := language.Parse(c.Language); err != nil {
			dropped = append(dropped, "language "+strconvQuote(c.Language))
			c.Language = ""
		}
	}
	c.Phones = slices.DeleteFunc(c.Phones, func(p store.Phone) bool {
		bad := !store.ValidPhone(p.Number)
		if bad {
			dropped = append(dropped, "phone "+strconvQuote(p.Number))
		}
		return bad
	})
	c.Emails = slices.DeleteFunc(c.Emails, func(e store.Email) bool {
		bad := !store.ValidEmail(e.Address)
		if bad {
			dropped = append(dropped, "e-mail "+strconvQuote(e.Address))
		}
		return bad
	})
	c.URLs = slices.DeleteFunc(c.URLs, func(u store.URL) bool {
		bad := !store.ValidWebAddress(u.URL)
		if bad {
			dropped = append(dropped, "web address "+strconvQuote(u.URL))
		}
		return bad
	})
	onePrimary(c.Phones, func(p *store.Phone) *bool { return &p.IsPrimary })
	onePrimary(c.Emails, func(e *store.Email) *bool { return &e.IsPrimary })
	onePrimary(c.Addresses, func(a *store.Address) *bool { return &a.IsPrimary })
	onePrimary(c.URLs, func(u *store.URL) *bool { return &u.IsPrimary })
	onePrimary(c.IMs, func(im *store.IM) *bool { return &im.IsPrimary })
	if len(c.Phones) == 0 {
		c.Phones = nil
	}
	if len(c.Emails) == 0 {
		c.Emails = nil
	}
	if len(c.URLs) == 0 {
		c.URLs = nil
	}
	return dropped
}

func onePrimary[T any](items []T, flag func(*T) *bool) {
	seen := false
	for i := range items {
		p := flag(&items[i])
		if *p && seen {
			*p = false
		}
		seen = seen || *p
	}
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

func groupRN(m *people.ContactGroupMembership) string {
	if m.ContactGroupResourceName != "" {
		return m.ContactGroupResourceName
	}
	if m.ContactGroupId != "" {
		return "contactGroups/" + m.ContactGroupId
	}
	return ""
}

func birthdayFromGoogle(b *people.Birthday) string {
	if d := b.Date; d != nil && d.Month >= 1 && d.Month <= 12 && d.Day >= 1 && d.Day <= 31 {
		return store.Birthday{Year: int(d.Year), Month: int(d.Month), Day: int(d.Day)}.String()
	}
	if bd, err := store.ParseBirthday(b.Text); err == nil && bd != nil {
		return bd.String()
	}
	return ""
}

// remoteOf maps a person to a Remote: its resource name, etag, the time
// its contact source last changed, and the contact (or the tombstone).
func remoteOf(p *people.Person, groupName groupLookup) sync.Remote {
	r := sync.Remote{ID: p.ResourceName, ETag: p.Etag}
	if md := p.Metadata; md != nil {
		r.Deleted = md.Deleted
		for _, s := range md.Sources {
			if s == nil || s.UpdateTime == "" {
				continue
			}
			if t, err := time.Parse(time.RFC3339Nano, s.UpdateTime); err == nil && (s.Type == "CONTACT" || r.Updated.IsZero()) {
				r.Updated = t
			}
		}
	}
	if !r.Deleted {
		r.Contact = toContact(p, groupName)
	}
	return r
}

// remoteNoted is remoteOf with the values the book would refuse left
// out, and a note saying which.
func remoteNoted(p *people.Person, groupName groupLookup) (sync.Remote, string) {
	r := remoteOf(p, groupName)
	if r.Deleted {
		return r, ""
	}
	if dropped := sanitize(&r.Contact); len(dropped) > 0 {
		return r, fmt.Sprintf("Google contact %s: left out what the book cannot take: %s", r.ID, strings.Join(dropped, ", "))
	}
	return r, ""
}

// Type vocabularies: Google's names ⇄ the book's, where they differ.

func phoneTypeFromGoogle(t string) string {
	switch t {
	case "workFax", "homeFax", "otherFax":
		return "fax"
	case "workPager":
		return "pager"
	}
	return t
}

func phoneTypeToGoogle(t string) string {
	if t == "fax" {
		return "workFax"
	}
	return t
}

func urlTypeFromGoogle(t string) string {
	if t == "homePage" {
		return "website"
	}
	return t
}

func urlTypeToGoogle(t string) string {
	if t == "website" {
		return "homePage"
	}
	return t
}

func imServiceFromGoogle(p string) string {
	if p == "jabber" {
		return "xmpp"
	}
	return p
}

func imServiceToGoogle(s string) string {
	if s == "xmpp" {
		return "jabber"
	}
	return s
}

// genderFromGoogle maps Google's open gender to the book's closed list.
func genderFromGoogle(v string) string {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return ""
	case "male":
		return "male"
	case "female":
		return "female"
	case "unspecified", "unknown":
		return "unknown"
	}
	return "other"
}

func genderToGoogle(v string) string {
	if v == "unknown" {
		return "unspecified"
	}
	return v
}

// ----- Contact → Google -----

func primaryMD(primary bool) *people.FieldMetadata {
	if primary {
		return &people.FieldMetadata{SourcePrimary: true}
	}
	return nil
}

// setField sets one field of p (one of mappedFields but memberships) from c.
func setField(p *people.Person, c sync.Contact, field string) error {
	switch field {
	case "names":
		p.Names = nil
		if c.FirstName != "" || c.LastName != "" || c.Prefix != "" || c.Suffix != "" || c.DisplayName != "" {
			p.Names = []*people.Name{{GivenName: c.FirstName, FamilyName: c.LastName, HonorificPrefix: c.Prefix,
				HonorificSuffix: c.Suffix, UnstructuredName: c.DisplayName}}
		}
	case "nicknames":
		p.Nicknames = nil
		if c.Nickname != "" {
			p.Nicknames = []*people.Nickname{{Value: c.Nickname}}
		}
	case "genders":
		p.Genders = nil
		if c.Gender != "" {
			p.Genders = []*people.Gender{{Value: genderToGoogle(c.Gender)}}
		}
	case "organizations":
		p.Organizations = nil
		if c.Company != "" || c.JobTitle != "" || c.Department != "" {
			p.Organizations = []*people.Organization{{Name: c.Company, Title: c.JobTitle, Department: c.Department}}
		}
	case "birthdays":
		p.Birthdays = nil
		if c.Birthday != "" {
			b, err := store.ParseBirthday(c.Birthday)
			if err != nil || b == nil {
				return &store.ValidationError{Fields: map[string]string{"birthday": fmt.Sprintf("%q is not a date Google takes", c.Birthday)}}
			}
			p.Birthdays = []*people.Birthday{{Date: &people.Date{Year: int64(b.Year), Month: int64(b.Month), Day: int64(b.Day)}}}
		}
	case "biographies":
		p.Biographies = nil
		if c.Notes != "" {
			p.Biographies = []*people.Biography{{Value: c.Notes, ContentType: "TEXT_PLAIN"}}
		}
	case "locales":
		p.Locales = nil
		if c.Language != "" {
			p.Locales = []*people.Locale{{Value: c.Language}}
		}
	case "phoneNumbers":
		p.PhoneNumbers = nil
		for _, ph := range c.Phones {
			v := ph.Number
			if ph.Extension != "" {
				v += " ext. " + ph.Extension
			}
			p.PhoneNumbers = append(p.PhoneNumbers, &people.PhoneNumber{Value: v, Type: phoneTypeToGoogle(ph.Type), Metadata: primaryMD(ph.IsPrimary)})
		}
	case "emailAddresses":
		p.EmailAddresses = nil
		for _, e := range c.Emails {
			p.EmailAddresses = append(p.EmailAddresses, &people.EmailAddress{Value: e.Address, Type: e.Type, Metadata: primaryMD(e.IsPrimary)})
		}
	case "addresses":
		p.Addresses = nil
		for _, a := range c.Addresses {
			p.Addresses = append(p.Addresses, &people.Address{Type: a.Type, StreetAddress: carddav.JoinStreet(a.Number, a.Street),
				ExtendedAddress: a.Complement, PostalCode: a.Zip, City: a.City, Region: a.Region, Country: a.Country,
				Metadata: primaryMD(a.IsPrimary)})
		}
	case "urls":
		p.Urls = nil
		for _, u := range c.URLs {
			p.Urls = append(p.Urls, &people.Url{Value: u.URL, Type: urlTypeToGoogle(u.Type), Metadata: primaryMD(u.IsPrimary)})
		}
	case "imClients":
		p.ImClients = nil
		for _, im := range c.IMs {
			p.ImClients = append(p.ImClients, &people.ImClient{Username: im.Handle, Protocol: imServiceToGoogle(im.Service), Metadata: primaryMD(im.IsPrimary)})
		}
	case "userDefined":
		p.UserDefined = nil
		keys := make([]string, 0, len(c.CustomFields))
		for k, v := range c.CustomFields {
			if v != "" {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			p.UserDefined = append(p.UserDefined, &people.UserDefined{Key: k, Value: c.CustomFields[k]})
		}
	default:
		return fmt.Errorf("google: no mapping for field %q", field)
	}
	return nil
}

// fieldJSON is one mapped field of c as Google would get it, to compare.
func fieldJSON(c sync.Contact, field string) string {
	if field == "memberships" {
		gs := make([]string, 0, len(c.Groups)+1)
		for _, g := range c.Groups {
			gs = append(gs, store.Fold(g))
		}
		slices.Sort(gs)
		gs = slices.Compact(gs)
		return fmt.Sprint(c.IsFavorite, gs)
	}
	var p people.Person
	if err := setField(&p, c, field); err != nil {
		return "invalid: " + err.Error()
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// changedFields are the mapped fields where c differs from base: the
// minimal updatePersonFields.
func changedFields(c, base sync.Contact) []string {
	var out []string
	for _, f := range mappedFields {
		if fieldJSON(c, f) != fieldJSON(base, f) {
			out = append(out, f)
		}
	}
	return out
}
