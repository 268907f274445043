package app

import (
	"context"
	"errors"
	"time"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/hub"
)

// SMSDelivery says what a delivery run did.
type SMSDelivery struct {
	Sent    int // handed to the Hub
	Failed  int // failed for good, with the reason on the message
	Waiting int // still queued: the Hub could not be reached
}

// DeliverSMS hands the queued text messages to the Hub's /api/sms/send,
// oldest first. Each message is claimed (queued → sending) before it is
// sent and marked sent with the Hub's id after; a message the Hub
// certainly did not take (no connection, 429, 502-504) goes back to the
// queue for the next run; one it refused, or whose answer was lost, is
// failed with the reason. A message still "sending" when a run starts
// was interrupted by a crash: it may have reached the Hub, so it is
// failed with that reason and never sent again by itself. Nothing is
// sent twice.
func (s *Service) DeliverSMS(ctx context.Context) (SMSDelivery, error) {
	var res SMSDelivery
	cfg, err := s.HubConfig()
	if err != nil {
		return res, err
	}
	if cfg.URL == "" {
		return res, ErrSyncNotConfigured
	}
	p, err := hub.New(hub.Config{URL: cfg.URL, APIKey: cfg.APIKey})
	if err != nil {
		return res, err
	}
	s.smsMu.Lock()
	defer s.smsMu.Unlock()
	stuck, err := s.store.OutboxSMS(ctx, store.SMSSending, 0)
	if err != nil {
		return res, err
	}
	for _, m := range stuck {
		if _, err := s.store.SetSMSStatus(ctx, m.ID, store.SMSSending, store.SMSUpdate{Status: store.SMSFailed,
			Error: "interrupted while being sent: it may have reached the Hub; send it again if it did not arrive"}); err != nil && !errors.Is(err, ErrConflict) {
			return res, err
		}
		res.Failed++
	}
	queued, err := s.store.OutboxSMS(ctx, store.SMSQueued, 0)
	if err != nil {
		return res, err
	}
	backoff := sync.Backoff{Attempts: 3}
	for i, m := range queued {
		if _, err := s.store.SetSMSStatus(ctx, m.ID, store.SMSQueued, store.SMSUpdate{Status: store.SMSSending}); errors.Is(err, ErrConflict) {
			continue // taken meanwhile
		} else if err != nil {
			return res, err
		}
		// Retried only while the Hub certainly did not take it.
		var pid string
		var sendErr error
		for attempt := range 3 {
			pid, sendErr = p.SendSMS(ctx, m.To, m.Body)
			var re *sync.RetryError
			if sendErr == nil || !hub.NotSent(sendErr) || attempt == 2 || !errors.As(sendErr, &re) {
				break
			}
			if err := s.smsSleep(ctx, backoff.Delay(attempt, re)); err != nil {
				break
			}
		}
		var u store.SMSUpdate
		switch {
		case sendErr == nil:
			u = store.SMSUpdate{Status: store.SMSSent, ProviderID: pid, Sent: true}
			res.Sent++
		case hub.NotSent(sendErr):
			u = store.SMSUpdate{Status: store.SMSQueued, Error: "waiting for the Hub: " + sendErr.Error()}
			res.Waiting = len(queued) - i
		case isRefusal(sendErr):
			u = store.SMSUpdate{Status: store.SMSFailed, Error: "the Hub refused it: " + sendErr.Error()}
			res.Failed++
		default:
			u = store.SMSUpdate{Status: store.SMSFailed, Error: "the Hub's answer was lost, it may have been sent: " + sendErr.Error()}
			res.Failed++
		}
		if _, err := s.store.SetSMSStatus(context.WithoutCancel(ctx), m.ID, store.SMSSending, u); err != nil {
			return res, err
		}
		if res.Waiting > 0 {
			break // the Hub is not reachable: the rest waits too
		}
	}
	return res, nil
}

// isRefusal reports whether err is the Hub's answer refusing a request
// (4xx): it did nothing.
func isRefusal(err error) bool {
	var verr *ValidationError
	if errors.As(err, &verr) {
		return true
	}
	var re *sync.RetryError
	return !errors.As(err, &re) && !errors.Is(err, context.Canceled) && hub.IsClientError(err)
}

// smsSleep waits between tries; tests make it instant.
func (s *Service) smsSleep(ctx context.Context, d time.Duration) error {
	if s.smsNoWait {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
