package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// OutboxSMS returns the outbound messages in status, oldest first, at
// most limit (0: all): what a delivery run works through.
func (s *Store) OutboxSMS(ctx context.Context, status SMSStatus, limit int) ([]*SMS, error) {
	var out []*SMS
	err := s.view(func(tx *bolt.Tx) error {
		all, err := listJSON[SMS](tx, bucketSMS, "message")
		if err != nil {
			return err
		}
		for _, m := range all {
			if m.Direction == SMSOutbound && m.Status == status {
				out = append(out, m)
				if limit > 0 && len(out) == limit {
					break
				}
			}
		}
		return nil
	})
	return out, err
}

// SMSUpdate is a status change of a message being delivered.
type SMSUpdate struct {
	Status     SMSStatus
	Error      string // why it failed; "" otherwise
	ProviderID string // the id the sender gave it
	Sent       bool   // set SentAt to now
}

// SetSMSStatus moves message id from status from to u.Status, in one
// transaction, and returns it. ErrConflict when the message is not in
// status from (another delivery took it): delivery claims a message by
// moving it from queued to sending before sending it, so that no message
// is sent twice.
func (s *Store) SetSMSStatus(ctx context.Context, id int64, from SMSStatus, u SMSUpdate) (*SMS, error) {
	if !validSMSStatus(u.Status) {
		return nil, fmt.Errorf("store: unknown message status %q", u.Status)
	}
	var out *SMS
	err := s.update(func(w *writer) error {
		m, err := getJSON[SMS](w.tx, bucketSMS, id, "message")
		if err != nil {
			return err
		}
		if m.Status != from {
			return fmt.Errorf("message %d is %s, not %s: %w", id, m.Status, from, ErrConflict)
		}
		m.Status, m.Error, m.UpdatedAt = u.Status, u.Error, w.now
		if u.ProviderID != "" {
			m.ProviderID = u.ProviderID
		}
		if u.Sent {
			now := w.now
			m.SentAt = &now
		}
		out = m
		return putJSON(w.tx, bucketSMS, id, m, "message")
	})
	return out, err
}
