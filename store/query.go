package store

import "time"

// SortKey is a field listings can be ordered by.
type SortKey string

// The sort keys of the Hub API, plus relevance for searches.
const (
	SortCreatedAt   SortKey = "created_at"
	SortUpdatedAt   SortKey = "updated_at"
	SortFirstName   SortKey = "first_name"
	SortLastName    SortKey = "last_name"
	SortDisplayName SortKey = "display_name"
	// SortRelevance orders by how well a contact matches Query.Q (best
	// first); it is only valid with a Q.
	SortRelevance SortKey = "relevance"
)

// SortKeys lists the keys ListHumans accepts besides SortRelevance.
var SortKeys = []SortKey{SortCreatedAt, SortUpdatedAt, SortFirstName, SortLastName, SortDisplayName}

// Order is a sort direction.
type Order string

// Sort directions.
const (
	Asc  Order = "asc"
	Desc Order = "desc"
)

// Listing limits, as in the Hub API.
const (
	DefaultPerPage     = 20
	MaxPerPage         = 100
	DefaultSearchLimit = 50
	MaxSearchLimit     = 100
	MinSearchLength    = 2
)

// Query selects and orders contacts. The zero value lists every live
// contact, newest first, 20 a page.
type Query struct {
	Page    int     // 1-based; 0 means 1
	PerPage int     // 0 means DefaultPerPage; more than MaxPerPage is an error
	Sort    SortKey // "" means created_at, or relevance when Q is set
	Order   Order   // "" means desc for dates and relevance, asc for names

	Q          string // search text: only contacts matching it
	CompanyID  int64
	Source     Source
	IsFavorite *bool
	GroupID    int64

	// Trashed lists the trash (soft-deleted contacts) instead of the live
	// book; they are ordered by deletion time, newest first.
	Trashed bool
}

// Page is one page of a listing, with the Hub API's pagination numbers.
type Page struct {
	Humans     []*Human
	Page       int
	PerPage    int
	Total      int
	TotalPages int
}

// Summary is what a list row shows of a contact; the store keeps it in
// memory so a window can scroll 100,000 contacts without reading the file.
type Summary struct {
	ID           int64
	DisplayName  string
	CompanyID    int64
	CompanyName  string
	JobTitle     string
	PrimaryEmail string
	PrimaryPhone string
	IsFavorite   bool
	HasPhoto     bool
	Source       Source
	DeletedAt    time.Time // zero when live
}

// Stats are the book's figures, as GET /api/humans/stats reports them.
type Stats struct {
	Total             int            `json:"total"`
	Favorites         int            `json:"favorites"`
	BySource          map[Source]int `json:"by_source"`
	WithPhone         int            `json:"with_phone"`
	WithEmail         int            `json:"with_email"`
	Companies         int            `json:"companies"`
	Groups            int            `json:"groups"`
	AddedLast7Days    int            `json:"added_last_7_days"`
	AddedLast30Days   int            `json:"added_last_30_days"`
	Trashed           int            `json:"trashed"`
	UpcomingBirthdays []Upcoming     `json:"upcoming_birthdays"`
}

// Upcoming is a birthday in the next 30 days.
type Upcoming struct {
	ID          int64     `json:"id"`
	DisplayName string    `json:"display_name"`
	Date        time.Time `json:"date"`          // the next occurrence
	Age         int       `json:"age,omitempty"` // the age reached, when the year is known
}

// MembershipResult answers a group member add or remove as the Hub does:
// how many ids were asked for, how many name live contacts, how many
// memberships actually changed.
type MembershipResult struct {
	Changed   int `json:"changed"`
	Requested int `json:"requested"`
	Valid     int `json:"valid"`
}

// Event tells a subscriber that the store changed: everything up to
// Revision is committed. Events are coalesced: a slow subscriber sees the
// latest revision, and reads what changed with ChangesSince. Reset is set
// after a restore, when the whole book may have changed.
type Event struct {
	Revision uint64
	Reset    bool
}
