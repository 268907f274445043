package store

import (
	"time"
)

// Source says where a contact came from.
type Source string

// The sources a contact can have.
const (
	SourceManual  Source = "manual"
	SourceGoogle  Source = "google"
	SourceHub     Source = "hub"
	SourceCardDAV Source = "carddav"
	SourceImport  Source = "import"
)

// Sources lists every valid Source, in the order a picker shows them.
var Sources = []Source{SourceManual, SourceGoogle, SourceHub, SourceCardDAV, SourceImport}

// Valid reports whether s is one of Sources.
func (s Source) Valid() bool {
	for _, v := range Sources {
		if s == v {
			return true
		}
	}
	return false
}

// Phone types, email types and the rest are open vocabularies: the values
// below are the ones the window offers, but a label from an import or a
// remote service ("assistant", "car") is kept as it is.
var (
	PhoneTypes   = []string{"mobile", "work", "home", "fax", "pager", "other"}
	EmailTypes   = []string{"work", "home", "personal", "other"}
	AddressTypes = []string{"work", "home", "other"}
	URLTypes     = []string{"website", "linkedin", "xing", "twitter", "facebook", "instagram", "other"}
	IMServices   = []string{"skype", "slack", "teams", "workchat", "xmpp", "matrix", "telegram", "signal", "whatsapp", "other"}
	Genders      = []string{"", "female", "male", "other", "unknown"}
)

// Phone is one telephone number of a contact.
type Phone struct {
	Number    string `json:"number"`
	Type      string `json:"type,omitempty"`
	Extension string `json:"extension,omitempty"`
	IsPrimary bool   `json:"is_primary,omitempty"`
}

// Email is one e-mail address of a contact.
type Email struct {
	Address   string `json:"address"`
	Type      string `json:"type,omitempty"`
	IsPrimary bool   `json:"is_primary,omitempty"`
}

// Address is one postal address. Street holds the lane name and Number the
// lane number, as seed 001 splits them.
type Address struct {
	Type       string `json:"type,omitempty"`
	Street     string `json:"street,omitempty"`
	Number     string `json:"number,omitempty"`
	Complement string `json:"complement,omitempty"`
	Zip        string `json:"zip,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	Country    string `json:"country,omitempty"`
	IsPrimary  bool   `json:"is_primary,omitempty"`
}

// IsEmpty reports whether the address has no content at all.
func (a Address) IsEmpty() bool {
	return a.Street == "" && a.Number == "" && a.Complement == "" && a.Zip == "" &&
		a.City == "" && a.Region == "" && a.Country == ""
}

// URL is a web address: a website or a social profile.
type URL struct {
	URL       string `json:"url"`
	Type      string `json:"type,omitempty"`
	IsPrimary bool   `json:"is_primary,omitempty"`
}

// IM is an instant-messaging handle.
type IM struct {
	Handle    string `json:"handle"`
	Service   string `json:"service,omitempty"`
	IsPrimary bool   `json:"is_primary,omitempty"`
}

// Consent records that a person agreed to be contacted on a channel.
type Consent struct {
	Channel   string    `json:"channel"`
	GrantedAt time.Time `json:"granted_at"`
	Source    string    `json:"source,omitempty"`
}

// Birthday is a full date or, when Year is 0, a month and day only
// (vCard's --MMDD).
type Birthday struct {
	Year  int `json:"year,omitempty"`
	Month int `json:"month"`
	Day   int `json:"day"`
}

// Human is a contact: a person and everything known about them.
type Human struct {
	ID  int64  `json:"id"`
	UID string `json:"uid"`

	FirstName   string    `json:"first_name,omitempty"`
	LastName    string    `json:"last_name,omitempty"`
	DisplayName string    `json:"display_name,omitempty"`
	Nickname    string    `json:"nickname,omitempty"`
	Prefix      string    `json:"prefix,omitempty"`
	Suffix      string    `json:"suffix,omitempty"`
	Gender      string    `json:"gender,omitempty"`
	JobTitle    string    `json:"job_title,omitempty"`
	Department  string    `json:"department,omitempty"`
	CompanyID   int64     `json:"company_id,omitempty"`
	Birthday    *Birthday `json:"birthday,omitempty"`
	Notes       string    `json:"notes,omitempty"`
	Language    string    `json:"language,omitempty"`
	Source      Source    `json:"source"`
	IsFavorite  bool      `json:"is_favorite,omitempty"`

	// PhotoHash names the photo in the photo bucket (hex SHA-256 of its
	// bytes); empty when the contact has none. PhotoURL is a remote
	// photo reference kept as given.
	PhotoHash string `json:"photo_hash,omitempty"`
	PhotoType string `json:"photo_type,omitempty"`
	PhotoURL  string `json:"photo_url,omitempty"`

	Phones    []Phone   `json:"phone_numbers,omitempty"`
	Emails    []Email   `json:"emails,omitempty"`
	Addresses []Address `json:"addresses,omitempty"`
	URLs      []URL     `json:"urls,omitempty"`
	IMs       []IM      `json:"ims,omitempty"`
	GroupIDs  []int64   `json:"group_ids,omitempty"`

	CustomFields map[string]string `json:"custom_fields,omitempty"`
	Consents     []Consent         `json:"consents,omitempty"`

	// Extra holds data that other surfaces own and the store keeps
	// untouched: unknown vCard properties, unknown Google or Hub fields.
	// Keys are namespaced by their owner ("vcard", "google", ...).
	Extra map[string][]byte `json:"extra,omitempty"`

	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	DeletedAt *time.Time `json:"deleted_at,omitempty"`
	Revision  uint64     `json:"revision"`
	ETag      string     `json:"etag"`
}

// Name is the name to show for h: DisplayName, else the first and last
// name, else the nickname, company-less fallbacks to the first e-mail or
// phone.
func (h *Human) Name() string {
	if h.DisplayName != "" {
		return h.DisplayName
	}
	return deriveDisplayName(h)
}

// PrimaryPhone returns the primary phone, or the first one; nil if none.
func (h *Human) PrimaryPhone() *Phone {
	for i := range h.Phones {
		if h.Phones[i].IsPrimary {
			return &h.Phones[i]
		}
	}
	if len(h.Phones) > 0 {
		return &h.Phones[0]
	}
	return nil
}

// PrimaryEmail returns the primary e-mail, or the first one; nil if none.
func (h *Human) PrimaryEmail() *Email {
	for i := range h.Emails {
		if h.Emails[i].IsPrimary {
			return &h.Emails[i]
		}
	}
	if len(h.Emails) > 0 {
		return &h.Emails[0]
	}
	return nil
}

// PrimaryAddress returns the primary address, or the first one; nil if none.
func (h *Human) PrimaryAddress() *Address {
	for i := range h.Addresses {
		if h.Addresses[i].IsPrimary {
			return &h.Addresses[i]
		}
	}
	if len(h.Addresses) > 0 {
		return &h.Addresses[0]
	}
	return nil
}

// HumanPatch is a partial update, as the Hub's PUT /api/humans/{id}: a nil
// field is left as it is. A non-nil list replaces the whole list.
type HumanPatch struct {
	FirstName   *string
	LastName    *string
	DisplayName *string
	Nickname    *string
	Prefix      *string
	Suffix      *string
	Gender      *string
	JobTitle    *string
	Department  *string
	CompanyID   *int64 // 0 clears the company
	Birthday    **Birthday
	Notes       *string
	Language    *string
	Source      *Source
	IsFavorite  *bool
	PhotoURL    *string

	Phones    *[]Phone
	Emails    *[]Email
	Addresses *[]Address
	URLs      *[]URL
	IMs       *[]IM
	GroupIDs  *[]int64

	CustomFields *map[string]string
	Consents     *[]Consent
	Extra        *map[string][]byte
}

// Company is an organisation; ParentID makes it a branch or a client
// company of another.
type Company struct {
	ID           int64             `json:"id"`
	Name         string            `json:"name"`
	ParentID     int64             `json:"parent_id,omitempty"`
	Email        string            `json:"email,omitempty"`
	Phone        string            `json:"phone,omitempty"`
	Website      string            `json:"website,omitempty"`
	VATNumber    string            `json:"vat_number,omitempty"`
	Address      *Address          `json:"address,omitempty"`
	Notes        string            `json:"notes,omitempty"`
	IsCustomer   bool              `json:"is_customer,omitempty"`
	LogoHash     string            `json:"logo_hash,omitempty"`
	CustomFields map[string]string `json:"custom_fields,omitempty"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	Revision     uint64            `json:"revision"`
}

// Group is a named set of contacts. Membership is stored on the contacts
// (Human.GroupIDs); MemberCount is derived.
type Group struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Color       string    `json:"color,omitempty"`
	Description string    `json:"description,omitempty"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Revision    uint64    `json:"revision"`
}

// CustomFieldType is the kind of value a custom field holds.
type CustomFieldType string

// The custom field types of seed 004.
const (
	FieldText        CustomFieldType = "text"
	FieldTextarea    CustomFieldType = "textarea"
	FieldSelect      CustomFieldType = "select"
	FieldMultiselect CustomFieldType = "multiselect"
	FieldCurrency    CustomFieldType = "currency"
)

// CustomFieldDef defines a custom field: its key, label, type and, for
// select and multiselect, the allowed options. Values of fields without a
// definition are kept as free text.
type CustomFieldDef struct {
	Key      string          `json:"key"`
	Label    string          `json:"label"`
	Type     CustomFieldType `json:"type"`
	Options  []string        `json:"options,omitempty"`
	Currency string          `json:"currency,omitempty"`
}

// EntityKind names what a change-log entry is about.
type EntityKind uint8

// The kinds of entity the change log records.
const (
	KindHuman EntityKind = iota + 1
	KindCompany
	KindGroup
)

func (k EntityKind) String() string {
	switch k {
	case KindHuman:
		return "human"
	case KindCompany:
		return "company"
	case KindGroup:
		return "group"
	}
	return "unknown"
}

// Change is one entry of the change log: entity ID of Kind changed at
// Revision. Deleted is true when the entity is no longer live (in the trash
// or gone for good).
type Change struct {
	Revision uint64
	Kind     EntityKind
	ID       int64
	Deleted  bool
}
