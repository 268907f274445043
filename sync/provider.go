package sync

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Remote is one contact as a provider reports it.
type Remote struct {
	ID      string
	ETag    string
	Updated time.Time
	// Deleted marks a tombstone: the contact was deleted remotely.
	Deleted bool
	Contact Contact
}

// Page is one page of a pull. The engine applies its items and saves
// Cursor in one transaction, so a pull interrupted between pages resumes
// after the last page applied.
type Page struct {
	Items []Remote
	// Cursor is where the next pull starts: the next page, or, after the
	// last page, the next change feed position.
	Cursor string
	// More says another page follows in this pull.
	More bool
	// Complete is set on the last page of a full listing (Features.Feed
	// false, or a feed that had to start over) that listed every remote
	// contact: only then may the absence of a mapped contact be taken as
	// its deletion, and only if Features.ListingComplete says the
	// provider guarantees it.
	Complete bool
	// Notes are said in the job history ("full listing: the Hub has no
	// change feed").
	Notes []string
}

// Features say what a provider's listing can be trusted with.
type Features struct {
	// Feed: a pull from a cursor returns only what changed since it.
	// Without it every pull is a full listing.
	Feed bool
	// Tombstones: the listing reports deletions (Remote.Deleted).
	Tombstones bool
	// ListingComplete: a full listing that ends (Page.Complete) lists
	// every live remote contact, so one missing from it was deleted.
	ListingComplete bool
}

// Provider reaches one remote account. Its methods are called from one
// goroutine at a time. Transient failures (network, 5xx, 429) are
// returned as *RetryError so that the engine backs off and tries again.
type Provider interface {
	Features() Features
	// Probe is a cheap request that says whether the remote is reachable
	// now; the scheduler runs a sync only when it succeeds.
	Probe(ctx context.Context) error
	// Pull returns the page of changes after cursor ("" for the start).
	// ErrCursorExpired asks the engine to start over with "".
	Pull(ctx context.Context, cursor string) (Page, error)
	// Get fetches one remote contact; ErrRemoteNotFound when it is gone.
	Get(ctx context.Context, id string) (Remote, error)
	// Create creates a contact remotely and returns it as stored there.
	Create(ctx context.Context, c Contact) (Remote, error)
	// Update replaces the mapped fields of remote contact id if its etag
	// is still etag, else ErrPrecondition; ErrRemoteNotFound when gone.
	Update(ctx context.Context, id, etag string, c Contact) (Remote, error)
	// Delete deletes remote contact id if its etag is still etag, else
	// ErrPrecondition; ErrRemoteNotFound when it is gone already.
	Delete(ctx context.Context, id, etag string) error
}

// Errors providers return, tested with errors.Is.
var (
	// ErrPrecondition: the remote contact changed since its etag was read.
	ErrPrecondition = errors.New("sync: remote contact changed since it was read (etag mismatch)")
	// ErrRemoteNotFound: no such remote contact (deleted).
	ErrRemoteNotFound = errors.New("sync: remote contact not found")
	// ErrCursorExpired: the remote no longer knows the cursor; pull
	// again from the start.
	ErrCursorExpired = errors.New("sync: the remote's cursor expired")
	// ErrBusy: a job for this account is running already.
	ErrBusy = errors.New("sync: a sync of this account is running already")
	// ErrOffline: the remote cannot be reached now.
	ErrOffline = errors.New("sync: the remote cannot be reached")
)

// RetryError is a transient failure: a network error, a 5xx or a 429.
// RetryAfter is the remote's Retry-After, 0 when it gave none.
type RetryError struct {
	Status     int // HTTP status; 0 for a network error
	RetryAfter time.Duration
	Err        error
}

func (e *RetryError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("sync: remote answered %d: %v", e.Status, e.Err)
	}
	return fmt.Sprintf("sync: network: %v", e.Err)
}

func (e *RetryError) Unwrap() error { return e.Err }
