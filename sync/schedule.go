package sync

import (
	"context"
	"errors"
	"time"
)

// Schedule runs, until ctx ends, the sync of every account that has an
// interval, when the interval has passed since its last run and the
// remote answers its provider's probe (offline, nothing is tried and
// nothing fails). It looks every tick; accounts run one after another,
// and an account whose job is running (a "sync now") is skipped.
func (e *Engine) Schedule(ctx context.Context, tick time.Duration) {
	last := make(map[string]time.Time)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		e.RunDue(ctx, last)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunDue runs each account whose interval has passed since last[name]
// (or since its last success when not in last), updating last. It
// returns the names of the accounts it synced.
func (e *Engine) RunDue(ctx context.Context, last map[string]time.Time) []string {
	accs, err := e.st.SyncAccounts(ctx)
	if err != nil {
		e.log.Warn("sync schedule: listing accounts", "err", err)
		return nil
	}
	var ran []string
	now := e.opts.Now()
	for _, acc := range accs {
		if ctx.Err() != nil {
			return ran
		}
		if acc.IntervalMinutes <= 0 || acc.NeedsSignIn {
			continue // not scheduled, or waiting to be connected again
		}
		prev, ok := last[acc.Name]
		if !ok {
			prev = acc.LastSuccess
		}
		if now.Sub(prev) < time.Duration(acc.IntervalMinutes)*time.Minute {
			continue
		}
		p, err := e.opts.Open(acc)
		if err != nil {
			e.log.Warn("sync schedule: opening account", "account", acc.Name, "err", err)
			continue
		}
		if err := p.Probe(ctx); err != nil && !errors.Is(err, ErrSignIn) {
			e.log.Debug("sync schedule: offline", "account", acc.Name, "err", err)
			continue
		}
		// A probe refused for want of authorization runs the job, which
		// puts the account in its "sign in again" state for all to see.
		last[acc.Name] = now
		if _, err := e.Run(ctx, acc.Name); err != nil && !errors.Is(err, ErrBusy) {
			continue // recorded in the job history and the status
		}
		ran = append(ran, acc.Name)
	}
	return ran
}
