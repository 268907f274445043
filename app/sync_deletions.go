package app

import (
	"context"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
)

// Remote deletions waiting for the person, and the "sign in again"
// state, for every surface (window, CLI, REST API, accounts screens).

// Types of the held deletions, re-exported for the surfaces.
type (
	SyncPendingDeletion = store.SyncPendingDeletion
	SyncDeletionsResult = sync.DeletionsResult
)

// SyncPendingDeletions lists the remote deletions of account ("" for the
// Hub) that wait for the person's confirmation: too many at once to be
// applied unasked.
func (s *Service) SyncPendingDeletions(ctx context.Context, account string) ([]*SyncPendingDeletion, error) {
	account, err := s.checkAccount(ctx, account)
	if err != nil {
		return nil, err
	}
	return s.syncEngine().PendingDeletions(ctx, account)
}

// ConfirmSyncDeletions applies the waiting deletions of account whose
// remote ids are given (all when none are): the contacts go to the trash
// as a remote deletion sends them, except those edited here since.
func (s *Service) ConfirmSyncDeletions(ctx context.Context, account string, remoteIDs []string) (SyncDeletionsResult, error) {
	account, err := s.checkAccount(ctx, account)
	if err != nil {
		return SyncDeletionsResult{}, err
	}
	return s.syncEngine().ConfirmDeletions(ctx, account, remoteIDs...)
}

// KeepSyncDeletions refuses the waiting deletions of account whose
// remote ids are given (all when none are): the contacts stay, and the
// next sync creates them again remotely.
func (s *Service) KeepSyncDeletions(ctx context.Context, account string, remoteIDs []string) (SyncDeletionsResult, error) {
	account, err := s.checkAccount(ctx, account)
	if err != nil {
		return SyncDeletionsResult{}, err
	}
	return s.syncEngine().KeepDeletions(ctx, account, remoteIDs...)
}

// SyncSignedIn says that account was connected again (after a new
// authorization): its "sign in again" state ends and the schedule syncs
// it again. The accounts screens call it after a new connection.
func (s *Service) SyncSignedIn(ctx context.Context, account string) error {
	account, err := s.checkAccount(ctx, account)
	if err != nil {
		return err
	}
	return s.syncEngine().SignedIn(ctx, account)
}
