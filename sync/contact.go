package sync

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/humans-contacts/humans/store"
)

// Contact is a contact as the engine exchanges it with providers and
// merges it: the fields both sides map, with the company and groups by
// name (ids differ between books). Fields the store keeps but a remote
// does not know (photos, consents, Extra) are never touched by a sync.
type Contact struct {
	// UID identifies the contact across books; it is used to recognise
	// a contact, never merged.
	UID string `json:"uid,omitempty"`

	FirstName   string `json:"first_name,omitempty"`
	LastName    string `json:"last_name,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
	Nickname    string `json:"nickname,omitempty"`
	Prefix      string `json:"prefix,omitempty"`
	Suffix      string `json:"suffix,omitempty"`
	Gender      string `json:"gender,omitempty"`
	JobTitle    string `json:"job_title,omitempty"`
	Department  string `json:"department,omitempty"`
	Company     string `json:"company,omitempty"`
	Birthday    string `json:"birthday,omitempty"` // YYYY-MM-DD or --MM-DD
	Notes       string `json:"notes,omitempty"`
	Language    string `json:"language,omitempty"`
	PhotoURL    string `json:"photo_url,omitempty"`
	IsFavorite  bool   `json:"is_favorite,omitempty"`

	Phones    []store.Phone   `json:"phone_numbers,omitempty"`
	Emails    []store.Email   `json:"emails,omitempty"`
	Addresses []store.Address `json:"addresses,omitempty"`
	URLs      []store.URL     `json:"urls,omitempty"`
	IMs       []store.IM      `json:"ims,omitempty"`
	Groups    []string        `json:"groups,omitempty"`

	CustomFields map[string]string `json:"custom_fields,omitempty"`
}

// stringFields are Contact's text fields, by their JSON name, in the
// order conflicts are reported.
var stringFields = []struct {
	name string
	ptr  func(c *Contact) *string
}{
	{"first_name", func(c *Contact) *string { return &c.FirstName }},
	{"last_name", func(c *Contact) *string { return &c.LastName }},
	{"display_name", func(c *Contact) *string { return &c.DisplayName }},
	{"nickname", func(c *Contact) *string { return &c.Nickname }},
	{"prefix", func(c *Contact) *string { return &c.Prefix }},
	{"suffix", func(c *Contact) *string { return &c.Suffix }},
	{"gender", func(c *Contact) *string { return &c.Gender }},
	{"job_title", func(c *Contact) *string { return &c.JobTitle }},
	{"department", func(c *Contact) *string { return &c.Department }},
	{"company", func(c *Contact) *string { return &c.Company }},
	{"birthday", func(c *Contact) *string { return &c.Birthday }},
	{"notes", func(c *Contact) *string { return &c.Notes }},
	{"language", func(c *Contact) *string { return &c.Language }},
	{"photo_url", func(c *Contact) *string { return &c.PhotoURL }},
}

// Clone returns a deep copy of c.
func (c Contact) Clone() Contact {
	c.Phones = slices.Clone(c.Phones)
	c.Emails = slices.Clone(c.Emails)
	c.Addresses = slices.Clone(c.Addresses)
	c.URLs = slices.Clone(c.URLs)
	c.IMs = slices.Clone(c.IMs)
	c.Groups = slices.Clone(c.Groups)
	c.CustomFields = maps.Clone(c.CustomFields)
	return c
}

// canonical returns c as it is compared and stored as a base: without
// its UID, groups sorted, empty lists and maps dropped.
func (c Contact) canonical() Contact {
	c = c.Clone()
	c.UID = ""
	slices.SortFunc(c.Groups, func(a, b string) int { return strings.Compare(store.Fold(a), store.Fold(b)) })
	c.Groups = slices.CompactFunc(c.Groups, func(a, b string) bool { return store.Fold(a) == store.Fold(b) })
	for k, v := range c.CustomFields {
		if v == "" {
			delete(c.CustomFields, k)
		}
	}
	return c
}

// encode is c's canonical JSON: the form of a base, and what equality
// compares (encoding/json sorts map keys; omitempty drops empty lists).
func (c Contact) encode() []byte {
	b, err := json.Marshal(c.canonical())
	if err != nil {
		panic("sync: encoding a contact cannot fail: " + err.Error())
	}
	return b
}

// Equal reports whether c and o hold the same mapped values (UID aside).
// Company and group names compare as names do in the book: ignoring
// case and accents ("ACME" is the company "Acme").
func (c Contact) Equal(o Contact) bool { return bytes.Equal(c.sameForm(), o.sameForm()) }

func (c Contact) sameForm() []byte {
	c = c.canonical()
	c.Company = store.Fold(c.Company)
	for i, g := range c.Groups {
		c.Groups[i] = store.Fold(g)
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic("sync: encoding a contact cannot fail: " + err.Error())
	}
	return b
}

func decodeBase(b []byte) (Contact, bool) {
	if len(b) == 0 {
		return Contact{}, false
	}
	var c Contact
	if err := json.Unmarshal(b, &c); err != nil {
		return Contact{}, false
	}
	return c, true
}

// names resolves company and group ids to names inside a transaction.
type names interface {
	CompanyName(id int64) string
	GroupName(id int64) string
}

// FromHuman returns the mapped fields of h.
func FromHuman(h *store.Human, n names) Contact {
	c := Contact{
		UID: h.UID, FirstName: h.FirstName, LastName: h.LastName, DisplayName: h.DisplayName,
		Nickname: h.Nickname, Prefix: h.Prefix, Suffix: h.Suffix, Gender: h.Gender,
		JobTitle: h.JobTitle, Department: h.Department, Notes: h.Notes, Language: h.Language,
		PhotoURL: h.PhotoURL, IsFavorite: h.IsFavorite,
		Phones: slices.Clone(h.Phones), Emails: slices.Clone(h.Emails), Addresses: slices.Clone(h.Addresses),
		URLs: slices.Clone(h.URLs), IMs: slices.Clone(h.IMs), CustomFields: maps.Clone(h.CustomFields),
	}
	if h.CompanyID != 0 {
		c.Company = n.CompanyName(h.CompanyID)
	}
	if h.Birthday != nil {
		c.Birthday = h.Birthday.String()
	}
	for _, g := range h.GroupIDs {
		if name := n.GroupName(g); name != "" {
			c.Groups = append(c.Groups, name)
		}
	}
	return c.canonicalGroups()
}

func (c Contact) canonicalGroups() Contact {
	slices.SortFunc(c.Groups, func(a, b string) int { return strings.Compare(store.Fold(a), store.Fold(b)) })
	return c
}
