package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	stdsync "sync"
	"time"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/hub"
)

// HubAccount is the name of the sync account of the Hub configured in
// hub.json.
const HubAccount = "hub"

// Sync types, re-exported for the surfaces.
type (
	SyncAccount  = store.SyncAccount
	SyncJob      = store.SyncJob
	SyncConflict = store.SyncConflict
	SyncCounts   = store.SyncCounts
	SyncStatus   = sync.Status
)

// ErrSyncNotConfigured: no Hub address is configured.
var ErrSyncNotConfigured = errors.New("app: no Hub is configured (set its address and API key first)")

// SyncAccountInfo is an account with its live status.
type SyncAccountInfo struct {
	Account SyncAccount
	Status  SyncStatus
}

// syncer holds the engine, made on first use.
type syncer struct {
	once   stdsync.Once
	engine *sync.Engine
	// scheduled is set once the schedule runs (window, server).
	scheduled bool
	mu        stdsync.Mutex
}

// syncEngine returns the engine over the store.
func (s *Service) syncEngine() *sync.Engine {
	s.syncer.once.Do(func() {
		s.syncer.engine = sync.New(s.store, sync.Options{
			Open:   s.openProvider,
			Region: s.Settings().PhoneRegion,
			Logger: s.log,
			Now:    s.now,
		})
	})
	return s.syncer.engine
}

// openProvider returns the provider of an account, from the current
// configuration (so that a changed API key counts from the next job).
func (s *Service) openProvider(acc *store.SyncAccount) (sync.Provider, error) {
	switch acc.Kind {
	case "hub":
		cfg, err := s.HubConfig()
		if err != nil {
			return nil, err
		}
		if cfg.URL == "" {
			return nil, ErrSyncNotConfigured
		}
		return hub.New(hub.Config{URL: cfg.URL, APIKey: cfg.APIKey})
	case GoogleKind:
		return s.openGoogle(acc) // google.go
	}
	return nil, fmt.Errorf("app: no provider for %s accounts", acc.Kind)
}

// syncHubAccount brings the Hub's sync account in line with hub.json:
// direction, policy and interval (0 when disabled). A new Hub address is
// a new account: the mapping with the old Hub is forgotten (the contacts
// stay). Without an address there is no account.
func (s *Service) syncHubAccount(ctx context.Context) error {
	cfg, err := s.HubConfig()
	if err != nil {
		return err
	}
	if cfg.URL == "" {
		return nil
	}
	interval := 0
	if cfg.Enabled {
		interval = cfg.SyncIntervalMinutes
	}
	old, err := s.store.GetSyncAccount(ctx, HubAccount)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if old != nil && old.Settings["url"] != cfg.URL {
		s.log.Info("the Hub address changed: starting a new mapping", "old", old.Settings["url"], "new", cfg.URL)
		if err := s.store.Write(ctx, func(tx *store.Tx) error { return tx.DeleteSyncAccount(HubAccount) }); err != nil {
			return err
		}
		old = nil
	}
	want := store.SyncAccount{Name: HubAccount, Kind: "hub", Settings: map[string]string{"url": cfg.URL},
		Direction: cfg.Direction, Policy: cfg.ConflictPolicy, IntervalMinutes: interval}
	if old != nil && old.Direction == want.Direction && old.Policy == want.Policy && old.IntervalMinutes == want.IntervalMinutes {
		return nil
	}
	return s.syncEngine().SaveAccount(ctx, want)
}

// SyncAccounts lists the sync accounts with their status.
func (s *Service) SyncAccounts(ctx context.Context) ([]SyncAccountInfo, error) {
	if err := s.syncHubAccount(ctx); err != nil {
		return nil, err
	}
	accs, err := s.store.SyncAccounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SyncAccountInfo, 0, len(accs))
	for _, a := range accs {
		st, err := s.syncEngine().Status(ctx, a.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, SyncAccountInfo{Account: *a, Status: st})
	}
	return out, nil
}

// checkAccount makes sure account exists ("" means the Hub's).
func (s *Service) checkAccount(ctx context.Context, account string) (string, error) {
	if account == "" {
		account = HubAccount
	}
	if account == HubAccount {
		if err := s.syncHubAccount(ctx); err != nil {
			return "", err
		}
	}
	if _, err := s.store.GetSyncAccount(ctx, account); errors.Is(err, store.ErrNotFound) {
		if account == HubAccount {
			return "", ErrSyncNotConfigured
		}
		return "", fmt.Errorf("no sync account %q: %w", account, ErrNotFound)
	} else if err != nil {
		return "", err
	}
	return account, nil
}

// SyncNow runs a sync job of account ("" for the Hub) now, in direction
// (import, export, both; "" for the account's), and returns it as the
// history records it: with its counts, and its error when it failed.
func (s *Service) SyncNow(ctx context.Context, account, direction string) (*SyncJob, error) {
	account, err := s.checkAccount(ctx, account)
	if err != nil {
		return nil, err
	}
	return s.syncEngine().RunDirection(ctx, account, direction)
}

// SyncStatus returns the status of account ("" for the Hub).
func (s *Service) SyncStatus(ctx context.Context, account string) (SyncStatus, error) {
	account, err := s.checkAccount(ctx, account)
	if err != nil {
		return SyncStatus{}, err
	}
	return s.syncEngine().Status(ctx, account)
}

// SyncChanged returns a channel closed at the next change of any sync
// status (a job starts, progresses or ends), for the window.
func (s *Service) SyncChanged() <-chan struct{} { return s.syncEngine().Changed() }

// SyncConflicts returns the conflicts of account, newest first (limit 0:
// all).
func (s *Service) SyncConflicts(ctx context.Context, account string, limit int) ([]*SyncConflict, error) {
	account, err := s.checkAccount(ctx, account)
	if err != nil {
		return nil, err
	}
	return s.store.SyncConflicts(ctx, account, limit)
}

// FlipSyncConflict gives the contact of a conflict the value that lost
// (or back the one that won); the next sync sends it to the remote.
func (s *Service) FlipSyncConflict(ctx context.Context, account string, id int64) (*SyncConflict, error) {
	account, err := s.checkAccount(ctx, account)
	if err != nil {
		return nil, err
	}
	return s.syncEngine().Flip(ctx, account, id)
}

// SyncJobs returns the job history of account, newest first.
func (s *Service) SyncJobs(ctx context.Context, account string, limit int) ([]*SyncJob, error) {
	account, err := s.checkAccount(ctx, account)
	if err != nil {
		return nil, err
	}
	return s.store.SyncJobs(ctx, account, limit)
}

// HumansUpdatedSince is the change feed of the REST API: contacts updated
// at or after since, oldest change first, with those in the trash as
// tombstones when trashed is set.
func (s *Service) HumansUpdatedSince(ctx context.Context, since time.Time, trashed bool, page, perPage int) (Page, error) {
	return s.store.ListUpdatedSince(ctx, since, trashed, page, perPage)
}

// StartSyncSchedule runs each account's periodic sync (when enabled and
// the remote answers) until Close. The window and the server call it;
// one-off commands do not.
func (s *Service) StartSyncSchedule() {
	s.syncer.mu.Lock()
	defer s.syncer.mu.Unlock()
	if s.syncer.scheduled {
		return
	}
	s.syncer.scheduled = true
	ctx, cancel := context.WithCancel(context.Background())
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		<-s.stop
		cancel()
	}()
	go func() {
		defer s.wg.Done()
		last := make(map[string]time.Time)
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			// The Hub configuration may have changed (enabled, interval).
			if err := s.syncHubAccount(ctx); err != nil {
				s.log.Warn("sync: reading the Hub configuration", "err", err)
			}
			if ran := s.syncEngine().RunDue(ctx, last); slices.Contains(ran, HubAccount) {
				// Online with the Hub: hand it the queued text messages.
				if res, err := s.DeliverSMS(ctx); err != nil {
					s.log.Warn("sms: delivering through the Hub", "err", err)
				} else if res != (SMSDelivery{}) {
					s.log.Info("sms: delivered through the Hub", "sent", res.Sent, "failed", res.Failed, "waiting", res.Waiting)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// GroupName returns the name of group id; "" when there is none.
func (s *Service) GroupName(id int64) string { return s.store.GroupName(id) }
