package app

import (
	"context"

	"github.com/humans-contacts/humans/store"
)

// Test-only access for the external tests of this directory.

// SetSMSNoWait makes DeliverSMS retry without waiting.
func SetSMSNoWait(s *Service) { s.smsNoWait = true }

// GetSMSForTest reads one message.
func GetSMSForTest(s *Service, id int64) (*SMS, error) {
	return s.store.GetSMS(context.Background(), id)
}

// MarkSendingForTest leaves a message as a crash during its sending does.
func MarkSendingForTest(s *Service, id int64) error {
	_, err := s.store.SetSMSStatus(context.Background(), id, store.SMSQueued, store.SMSUpdate{Status: store.SMSSending})
	return err
}
