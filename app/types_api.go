package app

import (
	"context"
	"errors"

	"github.com/humans-contacts/humans/store"
)

// Types of the REST API's own data (the SMS outbox and API keys),
// re-exported like the rest of the domain.
type (
	SMS          = store.SMS
	SMSStatus    = store.SMSStatus
	SMSDirection = store.SMSDirection
	SMSQuery     = store.SMSQuery
	SMSPage      = store.SMSPage
	APIKey       = store.APIKey
	Role         = store.Role
)

// Roles, statuses and directions.
const (
	RoleAdmin   = store.RoleAdmin
	RoleUser    = store.RoleUser
	SMSQueued   = store.SMSQueued
	SMSOutbound = store.SMSOutbound
	SMSInbound  = store.SMSInbound
)

// Listing limits of the Hub API.
const (
	DefaultPerPage     = store.DefaultPerPage
	MaxPerPage         = store.MaxPerPage
	DefaultSearchLimit = store.DefaultSearchLimit
	MaxSMSLength       = store.MaxSMSLength
)

// SMSStatuses lists every message status.
var SMSStatuses = store.SMSStatuses

// CompanyName returns the name of company id from memory; "" if none.
func (s *Service) CompanyName(id int64) string { return s.store.CompanyName(id) }

func errorsIsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// HumansByID reads the contacts with ids (live or trashed), in order;
// ids that name no contact are skipped.
func (s *Service) HumansByID(ctx context.Context, ids []int64) ([]*Human, error) {
	return s.store.HumansByID(ctx, ids)
}

// ValidateHuman reports what CreateHuman would reject in h, without
// writing.
func (s *Service) ValidateHuman(ctx context.Context, h *Human) error {
	return s.store.Validate(ctx, h)
}
