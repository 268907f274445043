package app

import "github.com/humans-contacts/humans/store"

// The domain types, re-exported so that surfaces (ui, the REST API, the
// CLI) depend on app alone and never import store.
type (
	Human            = store.Human
	HumanPatch       = store.HumanPatch
	Phone            = store.Phone
	Email            = store.Email
	Address          = store.Address
	URL              = store.URL
	IM               = store.IM
	Consent          = store.Consent
	Birthday         = store.Birthday
	Company          = store.Company
	Group            = store.Group
	CustomFieldDef   = store.CustomFieldDef
	Source           = store.Source
	Query            = store.Query
	Page             = store.Page
	Summary          = store.Summary
	Stats            = store.Stats
	SortKey          = store.SortKey
	Order            = store.Order
	Event            = store.Event
	Change           = store.Change
	MembershipResult = store.MembershipResult
	ValidationError  = store.ValidationError
)

// Errors callers test for with errors.Is.
var (
	ErrNotFound = store.ErrNotFound
	ErrConflict = store.ErrConflict
	ErrLocked   = store.ErrLocked
)

// ParseBirthday reads "YYYY-MM-DD" or "--MM-DD".
var ParseBirthday = store.ParseBirthday

// Search limits.
const (
	MinSearchLength = store.MinSearchLength
	MaxSearchLimit  = store.MaxSearchLimit
)

// Vocabularies the window offers in its pickers.
var (
	PhoneTypes   = store.PhoneTypes
	EmailTypes   = store.EmailTypes
	AddressTypes = store.AddressTypes
	URLTypes     = store.URLTypes
	IMServices   = store.IMServices
	Genders      = store.Genders
	Sources      = store.Sources
	SortKeys     = store.SortKeys
)
