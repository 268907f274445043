package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/humans-contacts/humans/store"
)

// StoreFileName is the name of the bbolt file inside the data directory.
const StoreFileName = "humans.db"

// Options configure Open.
type Options struct {
	// DataDir holds the store and settings; see ResolveDataDir.
	DataDir string
	Logger  *slog.Logger
	// Now is the clock; nil means time.Now. Tests inject one.
	Now func() time.Time
	// LockTimeout is how long Open waits for another process to release
	// the store before failing with ErrLocked; 0 means one second.
	LockTimeout time.Duration
}

// Service is the one way every surface reads and changes the book. It
// owns the store and the background housekeeping (trash purge).
type Service struct {
	store *store.Store

	settingsMu sync.RWMutex
	settings   Settings

	hubConfigMu sync.Mutex // guards hub.json (hubconfig.go)

	dataDir string
	log     *slog.Logger
	now     func() time.Time

	syncer    syncer      // the sync engine (sync.go)
	google    googleState // Google accounts (google.go)
	smsMu     sync.Mutex  // one SMS delivery at a time (smsdelivery.go)
	smsNoWait bool        // tests: no wait between delivery tries

	// CardDAV logins (carddav_credentials.go).
	loginOnce sync.Once
	login     *loginGuard

	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// Open opens (creating if needed) the data directory and its store, purges
// trash older than the retention period and starts the daily purge.
func Open(opts Options) (*Service, error) {
	if opts.DataDir == "" {
		return nil, fmt.Errorf("app: no data directory given")
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: creating data directory: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	settings, err := LoadSettings(opts.DataDir)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(filepath.Join(opts.DataDir, StoreFileName), store.Options{
		Timeout:       opts.LockTimeout,
		DefaultRegion: settings.PhoneRegion,
		Now:           now,
		Logger:        logger,
	})
	if err != nil {
		return nil, err
	}
	s := &Service{
		store:    st,
		settings: settings,
		dataDir:  opts.DataDir,
		log:      logger,
		now:      now,
		stop:     make(chan struct{}),
	}
	s.purgeTrash()
	s.wg.Add(1)
	go s.purgeDaily()
	return s, nil
}

// Close stops the background work and closes the store.
func (s *Service) Close() error {
	s.stopOnce.Do(func() { close(s.stop) })
	s.wg.Wait()
	return s.store.Close()
}

// DataDir is the directory the service keeps its files in.
func (s *Service) DataDir() string { return s.dataDir }

// Settings returns the current settings.
func (s *Service) Settings() Settings {
	s.settingsMu.RLock()
	defer s.settingsMu.RUnlock()
	return s.settings
}

// UpdateSettings validates and saves new settings.
func (s *Service) UpdateSettings(next Settings) error {
	if err := next.Validate(); err != nil {
		return err
	}
	s.settingsMu.Lock()
	defer s.settingsMu.Unlock()
	if next.PhoneRegion != s.settings.PhoneRegion {
		if err := s.store.SetDefaultRegion(next.PhoneRegion); err != nil {
			return err
		}
	}
	if err := next.Save(s.dataDir); err != nil {
		return err
	}
	s.settings = next
	return nil
}

func (s *Service) purgeDaily() {
	defer s.wg.Done()
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.purgeTrash()
		}
	}
}

func (s *Service) purgeTrash() {
	cutoff := s.now().Add(-time.Duration(s.Settings().TrashRetentionDays) * 24 * time.Hour)
	n, err := s.store.PurgeTrash(context.Background(), cutoff)
	if err != nil {
		s.log.Error("purging trash", "err", err)
		return
	}
	if n > 0 {
		s.log.Info("purged trash", "contacts", n, "older_than", cutoff)
	}
}

// Subscribe returns a channel that receives an Event after every committed
// change, and a function that ends the subscription.
func (s *Service) Subscribe() (<-chan Event, func()) { return s.store.Subscribe() }

// Revision is the store's current change-log revision.
func (s *Service) Revision() uint64 { return s.store.Revision() }

// ChangesSince returns what changed after revision rev.
func (s *Service) ChangesSince(ctx context.Context, rev uint64) ([]Change, uint64, error) {
	return s.store.ChangesSince(ctx, rev)
}

// ListHumans returns one page of contacts.
func (s *Service) ListHumans(ctx context.Context, q Query) (Page, error) {
	return s.store.ListHumans(ctx, q)
}

// HumanIDs returns the ids of every contact q selects, in q's order,
// ignoring paging: what a virtualised list needs.
func (s *Service) HumanIDs(ctx context.Context, q Query) ([]int64, error) {
	return s.store.QueryIDs(ctx, q)
}

// Summary returns the list-row data of one contact from memory.
func (s *Service) Summary(id int64) (Summary, bool) { return s.store.Summary(id) }

// Human returns one contact, live or in the trash.
func (s *Service) Human(ctx context.Context, id int64) (*Human, error) {
	return s.store.GetHuman(ctx, id)
}

// CreateHuman validates and stores a new contact.
func (s *Service) CreateHuman(ctx context.Context, h *Human) (*Human, error) {
	return s.store.CreateHuman(ctx, h)
}

// CreateHumans validates and stores many contacts at once (imports,
// first syncs); nothing is written when any is invalid.
func (s *Service) CreateHumans(ctx context.Context, hs []*Human) ([]int64, error) {
	return s.store.CreateHumans(ctx, hs)
}

// UpdateHuman applies a partial update. A non-empty ifMatch must equal the
// contact's current etag, else ErrConflict.
func (s *Service) UpdateHuman(ctx context.Context, id int64, p HumanPatch, ifMatch string) (*Human, error) {
	return s.store.UpdateHuman(ctx, id, p, ifMatch)
}

// ToggleFavorite flips the favourite flag and returns the new value.
func (s *Service) ToggleFavorite(ctx context.Context, id int64) (bool, error) {
	return s.store.ToggleFavorite(ctx, id)
}

// TrashHuman moves a contact to the trash.
func (s *Service) TrashHuman(ctx context.Context, id int64, ifMatch string) error {
	return s.store.TrashHuman(ctx, id, ifMatch)
}

// RestoreHuman brings a contact back from the trash.
func (s *Service) RestoreHuman(ctx context.Context, id int64) (*Human, error) {
	return s.store.RestoreHuman(ctx, id)
}

// DeleteHumanForever removes a contact and its photo for good.
func (s *Service) DeleteHumanForever(ctx context.Context, id int64) error {
	return s.store.DeleteHuman(ctx, id)
}

// EmptyTrash deletes every contact in the trash for good.
func (s *Service) EmptyTrash(ctx context.Context) (int, error) {
	return s.store.PurgeTrash(ctx, s.now().Add(time.Hour))
}

// Search finds contacts by name, nickname, company, e-mail or phone
// digits, best matches first.
func (s *Service) Search(ctx context.Context, q string, limit int) ([]*Human, error) {
	return s.store.Search(ctx, q, limit)
}

// Stats returns the book's figures.
func (s *Service) Stats(ctx context.Context) (Stats, error) { return s.store.Stats(ctx) }

// SetPhoto stores a photo for a contact; nil data removes it.
func (s *Service) SetPhoto(ctx context.Context, id int64, data []byte, mediaType string) (*Human, error) {
	return s.store.SetPhoto(ctx, id, data, mediaType)
}

// Photo returns the bytes and media type of a stored photo.
func (s *Service) Photo(ctx context.Context, hash string) ([]byte, string, error) {
	return s.store.Photo(ctx, hash)
}

// Companies lists every company by name.
func (s *Service) Companies(ctx context.Context) ([]*Company, error) {
	return s.store.ListCompanies(ctx)
}

// Company returns one company.
func (s *Service) Company(ctx context.Context, id int64) (*Company, error) {
	return s.store.GetCompany(ctx, id)
}

// CreateCompany validates and stores a new company.
func (s *Service) CreateCompany(ctx context.Context, c *Company) (*Company, error) {
	return s.store.CreateCompany(ctx, c)
}

// UpdateCompany replaces a company's fields.
func (s *Service) UpdateCompany(ctx context.Context, c *Company) (*Company, error) {
	return s.store.UpdateCompany(ctx, c)
}

// DeleteCompany deletes a company; its people keep existing without it.
func (s *Service) DeleteCompany(ctx context.Context, id int64) error {
	return s.store.DeleteCompany(ctx, id)
}

// Groups lists every group by name, with member counts.
func (s *Service) Groups(ctx context.Context) ([]*Group, error) { return s.store.ListGroups(ctx) }

// Group returns one group.
func (s *Service) Group(ctx context.Context, id int64) (*Group, error) {
	return s.store.GetGroup(ctx, id)
}

// CreateGroup validates and stores a new group.
func (s *Service) CreateGroup(ctx context.Context, g *Group) (*Group, error) {
	return s.store.CreateGroup(ctx, g)
}

// UpdateGroup replaces a group's name, colour and description.
func (s *Service) UpdateGroup(ctx context.Context, g *Group) (*Group, error) {
	return s.store.UpdateGroup(ctx, g)
}

// DeleteGroup deletes a group; its members stay, without it.
func (s *Service) DeleteGroup(ctx context.Context, id int64) error {
	return s.store.DeleteGroup(ctx, id)
}

// AddGroupMembers adds contacts to a group.
func (s *Service) AddGroupMembers(ctx context.Context, groupID int64, ids []int64) (MembershipResult, error) {
	return s.store.AddGroupMembers(ctx, groupID, ids)
}

// RemoveGroupMembers removes contacts from a group.
func (s *Service) RemoveGroupMembers(ctx context.Context, groupID int64, ids []int64) (MembershipResult, error) {
	return s.store.RemoveGroupMembers(ctx, groupID, ids)
}

// CustomFieldDefs lists the custom field definitions.
func (s *Service) CustomFieldDefs(ctx context.Context) ([]CustomFieldDef, error) {
	return s.store.CustomFieldDefs(ctx)
}

// PutCustomFieldDef creates or replaces a custom field definition.
func (s *Service) PutCustomFieldDef(ctx context.Context, d CustomFieldDef) error {
	return s.store.PutCustomFieldDef(ctx, d)
}

// DeleteCustomFieldDef removes a custom field definition; values stay.
func (s *Service) DeleteCustomFieldDef(ctx context.Context, key string) error {
	return s.store.DeleteCustomFieldDef(ctx, key)
}

// Backup writes a consistent copy of the store to w while it stays open.
func (s *Service) Backup(ctx context.Context, w io.Writer) (int64, error) {
	return s.store.Backup(ctx, w)
}

// Restore replaces the whole book with a backup read from r. The backup is
// checked first; on any error the current book is untouched.
func (s *Service) Restore(ctx context.Context, r io.Reader) error {
	return s.store.Restore(ctx, r)
}
