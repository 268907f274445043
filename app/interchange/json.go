package interchange

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/humans-contacts/humans/store"
)

// HumanJSON is a contact in the Hub API's response shape (GET
// /api/humans/{id}), which is also this app's JSON export. Reading, it
// accepts the request spellings too (phone_numbers[].number/type,
// emails[].address/type), booleans as 0/1, ids as strings, Hub-style
// "2024-01-15 10:30:00" times, a "metadata" object (merged into
// custom_fields) and "company" as a name.
type HumanJSON struct {
	ID           int64             `json:"id"`
	UID          string            `json:"uid,omitempty"`
	FirstName    string            `json:"first_name"`
	LastName     string            `json:"last_name"`
	DisplayName  string            `json:"display_name"`
	Nickname     string            `json:"nickname,omitempty"`
	Prefix       string            `json:"prefix,omitempty"`
	Suffix       string            `json:"suffix,omitempty"`
	Gender       string            `json:"gender,omitempty"`
	JobTitle     string            `json:"job_title,omitempty"`
	Department   string            `json:"department,omitempty"`
	CompanyID    int64             `json:"company_id,omitempty"`
	CompanyName  string            `json:"company_name,omitempty"`
	Birthday     string            `json:"birthday,omitempty"` // "YYYY-MM-DD" or "--MM-DD"
	Notes        string            `json:"notes,omitempty"`
	PhotoURL     string            `json:"photo_url,omitempty"`
	Source       string            `json:"source"`
	IsFavorite   bool              `json:"is_favorite"`
	Language     string            `json:"language,omitempty"`
	PhoneNumbers []PhoneJSON       `json:"phone_numbers"`
	Emails       []EmailJSON       `json:"emails"`
	Addresses    []AddressJSON     `json:"addresses,omitempty"`
	URLs         []URLJSON         `json:"urls,omitempty"`
	IMs          []IMJSON          `json:"ims,omitempty"`
	Groups       []GroupRefJSON    `json:"groups"`
	GroupIDs     []int64           `json:"group_ids"`
	CustomFields map[string]string `json:"custom_fields,omitempty"`
	Consents     []store.Consent   `json:"consents,omitempty"`
	CreatedAt    time.Time         `json:"created_at,omitzero"`
	UpdatedAt    time.Time         `json:"updated_at,omitzero"`
	DeletedAt    *time.Time        `json:"deleted_at,omitempty"`

	// Photo and PhotoType carry the photo itself (base64 in JSON); only
	// the unified export fills them. Extra is the store's Extra, kept so a
	// restore loses nothing.
	Photo     []byte            `json:"photo,omitempty"`
	PhotoType string            `json:"photo_type,omitempty"`
	Extra     map[string][]byte `json:"extra,omitempty"`
}

// PhoneJSON is one of phone_numbers.
type PhoneJSON struct {
	PhoneNumber string `json:"phone_number"`
	PhoneType   string `json:"phone_type"`
	Extension   string `json:"extension,omitempty"`
	IsPrimary   bool   `json:"is_primary"`
}

// UnmarshalJSON reads the response spelling (phone_number, phone_type),
// the request spelling (number, type), or a bare string.
func (p *PhoneJSON) UnmarshalJSON(b []byte) error {
	if isJSONString(b) {
		*p = PhoneJSON{}
		return json.Unmarshal(b, &p.PhoneNumber)
	}
	var aux struct {
		PhoneNumber flexString `json:"phone_number"`
		Number      flexString `json:"number"`
		Phone       flexString `json:"phone"`
		PhoneType   string     `json:"phone_type"`
		Type        string     `json:"type"`
		Label       string     `json:"label"`
		Extension   flexString `json:"extension"`
		IsPrimary   flexBool   `json:"is_primary"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*p = PhoneJSON{
		PhoneNumber: string(first(aux.PhoneNumber, aux.Number, aux.Phone)),
		PhoneType:   first(aux.PhoneType, aux.Type, aux.Label),
		Extension:   string(aux.Extension),
		IsPrimary:   bool(aux.IsPrimary),
	}
	return nil
}

// EmailJSON is one of emails.
type EmailJSON struct {
	Email     string `json:"email"`
	EmailType string `json:"email_type"`
	IsPrimary bool   `json:"is_primary"`
}

// UnmarshalJSON reads the response spelling (email, email_type), the
// request spelling (address, type), or a bare string.
func (e *EmailJSON) UnmarshalJSON(b []byte) error {
	if isJSONString(b) {
		*e = EmailJSON{}
		return json.Unmarshal(b, &e.Email)
	}
	var aux struct {
		Email     string   `json:"email"`
		Address   string   `json:"address"`
		Value     string   `json:"value"`
		EmailType string   `json:"email_type"`
		Type      string   `json:"type"`
		Label     string   `json:"label"`
		IsPrimary flexBool `json:"is_primary"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*e = EmailJSON{
		Email:     first(aux.Email, aux.Address, aux.Value),
		EmailType: first(aux.EmailType, aux.Type, aux.Label),
		IsPrimary: bool(aux.IsPrimary),
	}
	return nil
}

// AddressJSON is one of addresses, with the model's parts.
type AddressJSON struct {
	Type       string `json:"type,omitempty"`
	Street     string `json:"street,omitempty"`
	Number     string `json:"number,omitempty"`
	Complement string `json:"complement,omitempty"`
	Zip        string `json:"zip,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	Country    string `json:"country,omitempty"`
	IsPrimary  bool   `json:"is_primary"`
}

// UnmarshalJSON also reads address_type, postal_code, zip_code, state.
func (a *AddressJSON) UnmarshalJSON(b []byte) error {
	if isJSONString(b) {
		*a = AddressJSON{}
		return json.Unmarshal(b, &a.Street)
	}
	var aux struct {
		Type        string     `json:"type"`
		AddressType string     `json:"address_type"`
		Label       string     `json:"label"`
		Street      string     `json:"street"`
		Address     string     `json:"address"`
		Number      flexString `json:"number"`
		Complement  string     `json:"complement"`
		Zip         flexString `json:"zip"`
		PostalCode  flexString `json:"postal_code"`
		ZipCode     flexString `json:"zip_code"`
		City        string     `json:"city"`
		Region      string     `json:"region"`
		State       string     `json:"state"`
		Country     string     `json:"country"`
		IsPrimary   flexBool   `json:"is_primary"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*a = AddressJSON{
		Type:       first(aux.Type, aux.AddressType, aux.Label),
		Street:     first(aux.Street, aux.Address),
		Number:     string(aux.Number),
		Complement: aux.Complement,
		Zip:        string(first(aux.Zip, aux.PostalCode, aux.ZipCode)),
		City:       aux.City,
		Region:     first(aux.Region, aux.State),
		Country:    aux.Country,
		IsPrimary:  bool(aux.IsPrimary),
	}
	return nil
}

// URLJSON is one of urls.
type URLJSON struct {
	URL       string `json:"url"`
	Type      string `json:"type,omitempty"`
	IsPrimary bool   `json:"is_primary"`
}

// UnmarshalJSON also reads url_type, value, and a bare string.
func (u *URLJSON) UnmarshalJSON(b []byte) error {
	if isJSONString(b) {
		*u = URLJSON{}
		return json.Unmarshal(b, &u.URL)
	}
	var aux struct {
		URL       string   `json:"url"`
		Value     string   `json:"value"`
		Type      string   `json:"type"`
		URLType   string   `json:"url_type"`
		IsPrimary flexBool `json:"is_primary"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*u = URLJSON{URL: first(aux.URL, aux.Value), Type: first(aux.Type, aux.URLType), IsPrimary: bool(aux.IsPrimary)}
	return nil
}

// IMJSON is one of ims.
type IMJSON struct {
	Handle    string `json:"handle"`
	Service   string `json:"service,omitempty"`
	IsPrimary bool   `json:"is_primary"`
}

// UnmarshalJSON also reads type (as the service) and value/username (as
// the handle).
func (m *IMJSON) UnmarshalJSON(b []byte) error {
	if isJSONString(b) {
		*m = IMJSON{}
		return json.Unmarshal(b, &m.Handle)
	}
	var aux struct {
		Handle    string   `json:"handle"`
		Value     string   `json:"value"`
		Username  string   `json:"username"`
		Service   string   `json:"service"`
		Type      string   `json:"type"`
		IsPrimary flexBool `json:"is_primary"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*m = IMJSON{Handle: first(aux.Handle, aux.Value, aux.Username), Service: first(aux.Service, aux.Type), IsPrimary: bool(aux.IsPrimary)}
	return nil
}

// GroupRefJSON is one of groups: {"id": 1, "name": "VIP", "color": "#FF5733"}.
type GroupRefJSON struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color,omitempty"`
}

// UnmarshalJSON also reads a bare name ("VIP") or a bare id (1).
func (g *GroupRefJSON) UnmarshalJSON(b []byte) error {
	*g = GroupRefJSON{}
	if isJSONString(b) {
		return json.Unmarshal(b, &g.Name)
	}
	var aux struct {
		ID    flexInt `json:"id"`
		Name  string  `json:"name"`
		Color string  `json:"color"`
	}
	if len(b) > 0 && b[0] != '{' {
		var id flexInt
		if err := json.Unmarshal(b, &id); err != nil {
			return err
		}
		g.ID = int64(id)
		return nil
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*g = GroupRefJSON{ID: int64(aux.ID), Name: aux.Name, Color: aux.Color}
	return nil
}

// UnmarshalJSON reads a contact in any of the spellings HumanJSON lists.
func (j *HumanJSON) UnmarshalJSON(b []byte) error {
	type plain HumanJSON
	var aux struct {
		*plain
		ID           flexInt                    `json:"id"`
		CompanyID    flexInt                    `json:"company_id"`
		CompanyName  flexString                 `json:"company_name"`
		Company      json.RawMessage            `json:"company"`
		Birthday     flexString                 `json:"birthday"`
		IsFavorite   flexBool                   `json:"is_favorite"`
		GroupIDs     []flexInt                  `json:"group_ids"`
		CustomFields map[string]flexString      `json:"custom_fields"`
		Metadata     map[string]json.RawMessage `json:"metadata"`
		CreatedAt    flexTime                   `json:"created_at"`
		UpdatedAt    flexTime                   `json:"updated_at"`
		DeletedAt    *flexTime                  `json:"deleted_at"`
	}
	*j = HumanJSON{}
	aux.plain = (*plain)(j)
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	j.ID, j.CompanyID = int64(aux.ID), int64(aux.CompanyID)
	j.CompanyName = string(aux.CompanyName)
	if j.CompanyName == "" && len(aux.Company) > 0 {
		var name string
		var obj struct {
			ID   flexInt `json:"id"`
			Name string  `json:"name"`
		}
		if json.Unmarshal(aux.Company, &name) == nil {
			j.CompanyName = name
		} else if json.Unmarshal(aux.Company, &obj) == nil {
			j.CompanyName = obj.Name
			if j.CompanyID == 0 {
				j.CompanyID = int64(obj.ID)
			}
		}
	}
	j.Birthday = string(aux.Birthday)
	j.IsFavorite = bool(aux.IsFavorite)
	j.GroupIDs = nil
	for _, id := range aux.GroupIDs {
		j.GroupIDs = append(j.GroupIDs, int64(id))
	}
	j.CustomFields = nil
	for k, v := range aux.CustomFields {
		if j.CustomFields == nil {
			j.CustomFields = make(map[string]string, len(aux.CustomFields))
		}
		j.CustomFields[k] = string(v)
	}
	for k, raw := range aux.Metadata {
		var v flexString
		if err := json.Unmarshal(raw, &v); err != nil || v == "" {
			continue
		}
		if j.CustomFields == nil {
			j.CustomFields = make(map[string]string, len(aux.Metadata))
		}
		if _, ok := j.CustomFields[k]; !ok {
			j.CustomFields[k] = string(v)
		}
	}
	j.CreatedAt, j.UpdatedAt = aux.CreatedAt.Time, aux.UpdatedAt.Time
	j.DeletedAt = nil
	if aux.DeletedAt != nil && !aux.DeletedAt.IsZero() {
		t := aux.DeletedAt.Time
		j.DeletedAt = &t
	}
	return nil
}

func first[S ~string](vs ...S) S {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// ToJSON maps a contact to its JSON shape. display_name is the name to
// show (h.Name()) when the contact has none of its own; company_name and
// groups[].name come from names, groups[].color too when names is also a
// GroupColors. The photo is left out (see WriteUnified).
func ToJSON(h *store.Human, names Names) HumanJSON {
	j := HumanJSON{
		ID: h.ID, UID: h.UID, FirstName: h.FirstName, LastName: h.LastName, DisplayName: h.Name(),
		Nickname: h.Nickname, Prefix: h.Prefix, Suffix: h.Suffix, Gender: h.Gender, JobTitle: h.JobTitle,
		Department: h.Department, CompanyID: h.CompanyID, CompanyName: companyName(names, h.CompanyID),
		Notes: h.Notes, PhotoURL: h.PhotoURL, Source: string(h.Source), IsFavorite: h.IsFavorite,
		Language: h.Language, CustomFields: h.CustomFields, Consents: h.Consents, Extra: h.Extra,
		CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt, DeletedAt: h.DeletedAt,
		PhoneNumbers: make([]PhoneJSON, len(h.Phones)),
		Emails:       make([]EmailJSON, len(h.Emails)),
		Groups:       make([]GroupRefJSON, 0, len(h.GroupIDs)),
		GroupIDs:     slices.Clone(h.GroupIDs),
	}
	if j.GroupIDs == nil {
		j.GroupIDs = []int64{}
	}
	if h.Birthday != nil {
		j.Birthday = h.Birthday.String()
	}
	for i, p := range h.Phones {
		j.PhoneNumbers[i] = PhoneJSON{PhoneNumber: p.Number, PhoneType: p.Type, Extension: p.Extension, IsPrimary: p.IsPrimary}
	}
	for i, e := range h.Emails {
		j.Emails[i] = EmailJSON{Email: e.Address, EmailType: e.Type, IsPrimary: e.IsPrimary}
	}
	for _, a := range h.Addresses {
		j.Addresses = append(j.Addresses, AddressJSON(a))
	}
	for _, u := range h.URLs {
		j.URLs = append(j.URLs, URLJSON(u))
	}
	for _, m := range h.IMs {
		j.IMs = append(j.IMs, IMJSON(m))
	}
	colors, _ := names.(GroupColors)
	for _, id := range h.GroupIDs {
		g := GroupRefJSON{ID: id, Name: groupName(names, id)}
		if colors != nil {
			g.Color = colors.GroupColor(id)
		}
		j.Groups = append(j.Groups, g)
	}
	return j
}

// ToHuman maps the JSON shape back to a contact. Every field the JSON
// carries is kept, ids included (the readers decide which to keep: see
// ReadJSON and UnifiedReader); display_name is dropped when it is only
// the name the other fields give (ToJSON writes that one). company is
// company_name; groups are the names in groups[], and group ids listed
// only there are added to GroupIDs. err is set when the birthday is not
// a date.
func (j HumanJSON) ToHuman() (h *store.Human, company string, groups []string, err error) {
	h = &store.Human{
		ID: j.ID, UID: j.UID, FirstName: j.FirstName, LastName: j.LastName, DisplayName: j.DisplayName,
		Nickname: j.Nickname, Prefix: j.Prefix, Suffix: j.Suffix, Gender: j.Gender, JobTitle: j.JobTitle,
		Department: j.Department, CompanyID: j.CompanyID, Notes: j.Notes, PhotoURL: j.PhotoURL,
		Source: store.Source(j.Source), IsFavorite: j.IsFavorite, Language: j.Language,
		CustomFields: j.CustomFields, Consents: j.Consents, Extra: j.Extra, PhotoType: j.PhotoType,
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, DeletedAt: j.DeletedAt,
		GroupIDs: slices.Clone(j.GroupIDs),
	}
	if j.Birthday != "" {
		b, ok := parseBirthday(j.Birthday)
		if !ok {
			return nil, "", nil, fmt.Errorf("birthday %q is not a date such as 1995-05-20 or --05-20", j.Birthday)
		}
		h.Birthday = b
	}
	for _, p := range j.PhoneNumbers {
		h.Phones = append(h.Phones, store.Phone{Number: p.PhoneNumber, Type: p.PhoneType, Extension: p.Extension, IsPrimary: p.IsPrimary})
	}
	for _, e := range j.Emails {
		h.Emails = append(h.Emails, store.Email{Address: e.Email, Type: e.EmailType, IsPrimary: e.IsPrimary})
	}
	for _, a := range j.Addresses {
		h.Addresses = append(h.Addresses, store.Address(a))
	}
	for _, u := range j.URLs {
		h.URLs = append(h.URLs, store.URL(u))
	}
	for _, m := range j.IMs {
		h.IMs = append(h.IMs, store.IM(m))
	}
	for _, g := range j.Groups {
		if g.Name != "" {
			groups = append(groups, g.Name)
		}
		if g.ID != 0 && !slices.Contains(h.GroupIDs, g.ID) {
			h.GroupIDs = append(h.GroupIDs, g.ID)
		}
	}
	if len(h.GroupIDs) == 0 {
		h.GroupIDs = nil
	}
	if h.DisplayName != "" {
		d := h.DisplayName
		h.DisplayName = ""
		if h.Name() != d {
			h.DisplayName = d
		}
	}
	return h, j.CompanyName, groups, nil
}
