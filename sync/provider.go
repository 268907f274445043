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

// ErrSignIn: the account's authorization is gone (OAuth invalid_grant:
// revoked, expired, password changed). Retrying cannot help; the person
// must sign in again. Providers wrap it; the engine puts the account in
// a visible "sign in again" state and the schedule leaves the account
// alone until it is connected again. The text of an error wrapping it
// is neither logged nor kept by the engine (it may quote an
// authorization answer); Probe may return it too.
var ErrSignIn = errors.New("sync: the account needs to sign in again")

// The interfaces below are optional: a provider implements those its
// remote has, and the engine uses them when it finds them.

// FieldUpdater is a provider that replaces only the fields it names
// (Google's updatePersonFields), so that fields the engine does not map
// stay as they are remotely. The engine calls UpdateFields instead of
// Update, with base, the version both sides last agreed on: the provider
// sends the fields where c differs from base, and nothing when none do.
// After an ErrPrecondition the engine fetches the contact (Get), merges,
// and calls UpdateFields again with the new etag and the new base.
type FieldUpdater interface {
	UpdateFields(ctx context.Context, id, etag string, c, base Contact) (Remote, error)
}

// BatchUpdate is one contact of an UpdateBatch.
type BatchUpdate struct {
	ID, ETag string
	Contact  Contact
	Base     Contact
}

// BatchResult is the outcome of one contact of a batch, in the order the
// batch gave them. Err is per contact (ErrPrecondition,
// ErrRemoteNotFound, a *store.ValidationError for a refused contact):
// the engine handles those contacts one by one.
type BatchResult struct {
	Remote Remote
	Err    error
}

// Batcher is a provider with batch endpoints. For large pushes the engine
// sends creates, updates and deletes in batches of at most the limits
// (a limit of 0 means no batch of that kind). An error returned by the
// call itself (not per contact) means the batch as a whole failed and
// nothing of it was done, except after a network error or a 5xx on a
// create batch, which is recovered as a single create is: by the UID the
// provider stored with each created contact.
//
// The engine batches a kind only when it has more than one contact of
// it. A create batch is retried only after a 429. An update item that
// fails with ErrPrecondition or ErrRemoteNotFound goes on alone (fetch,
// merge and UpdateFields or Update; created again). DeleteBatch carries
// no etags, so the engine uses it only for contacts the pull of the same
// job saw unchanged; when it fails with ErrRemoteNotFound (or
// ErrPrecondition) the contacts are deleted one by one with their etag.
type Batcher interface {
	BatchLimits() (create, update, delete int)
	CreateBatch(ctx context.Context, cs []Contact) ([]BatchResult, error)
	UpdateBatch(ctx context.Context, items []BatchUpdate) ([]BatchResult, error)
	DeleteBatch(ctx context.Context, ids []string) error
}

// PhotoSyncer is a provider that carries photo bytes. Its contacts'
// PhotoURL names the remote photo (empty when there is none, and never
// a remote placeholder); the engine downloads a remote photo that
// changed and uploads a local photo that changed.
//
// For such a provider the engine keeps PhotoURL out of the contacts it
// merges and sends: Create, Update, UpdateFields and the batches get
// contacts without PhotoURL and must leave the remote photo as it is;
// only PutPhoto changes it (after the contact's fields were sent, or
// right after its create). A new remote contact's PhotoURL is expected
// empty.
type PhotoSyncer interface {
	// FetchPhoto downloads the photo a remote contact's PhotoURL names.
	FetchPhoto(ctx context.Context, url string) ([]byte, error)
	// PutPhoto sets data (JPEG or PNG) as the photo of remote contact
	// id, or removes its photo when data is nil, and returns the contact
	// as stored (with its new PhotoURL and etag).
	PutPhoto(ctx context.Context, id string, data []byte) (Remote, error)
}

// GroupRenamer is a provider whose groups are remote objects found by
// name (Google's labels). When a group was renamed in the book since the
// last push, the engine asks the provider to rename the remote group
// before it sends the group's contacts, so the remote keeps one group
// with its members rather than gaining a new one beside an emptied old
// one. RenameGroup does nothing (and returns nil) when the remote has no
// group called old, or one called new already.
type GroupRenamer interface {
	RenameGroup(ctx context.Context, old, new string) error
}
