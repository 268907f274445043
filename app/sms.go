package app

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/humans-contacts/humans/store"
)

// MaxBulkSMS is how many recipients one bulk send may have.
const MaxBulkSMS = 10_000

// SendSMSRequest is one message to queue: to a contact (HumanID, sent to
// their mobile number unless To is given) or to a bare number (To).
// Message may use the variables of Substitute.
type SendSMSRequest struct {
	HumanID int64
	To      string
	Message string
}

// BulkSMSRequest queues one message for each of HumanIDs, or for each
// member of GroupID.
type BulkSMSRequest struct {
	HumanIDs []int64
	GroupID  int64
	Message  string
}

// BulkSMSResult says what a bulk send did: how many recipients were
// asked for, the messages queued and the recipients skipped, with why.
type BulkSMSResult struct {
	Requested int
	Queued    []*SMS
	Skipped   []SkippedRecipient
}

// SkippedRecipient is a recipient of a bulk send that got no message.
type SkippedRecipient struct {
	HumanID     int64  `json:"human_id"`
	DisplayName string `json:"display_name,omitempty"`
	Reason      string `json:"reason"`
}

// Reasons a bulk recipient is skipped.
const (
	SkipNoMobile = "no mobile number"
	SkipNoHuman  = "no such contact"
)

// SMSVariables are the variables Substitute replaces.
var SMSVariables = []string{"first_name", "last_name", "display_name", "company_name", "job_title"}

var smsVariable = regexp.MustCompile(`\{\{\s*([a-z_]+)\s*\}\}`)

// Substitute replaces {{first_name}}, {{last_name}}, {{display_name}},
// {{company_name}} and {{job_title}} in message with h's values (empty
// when h is nil or lacks one). Other {{...}} are left as written.
func Substitute(message string, h *Human, companyName string) string {
	return smsVariable.ReplaceAllStringFunc(message, func(m string) string {
		name := smsVariable.FindStringSubmatch(m)[1]
		if !slices.Contains(SMSVariables, name) {
			return m
		}
		if h == nil {
			return ""
		}
		switch name {
		case "first_name":
			return h.FirstName
		case "last_name":
			return h.LastName
		case "display_name":
			return h.Name()
		case "company_name":
			return companyName
		default: // job_title
			return h.JobTitle
		}
	})
}

// MobileNumber is the number a text message to h goes to: its primary
// mobile number, else its first one; "" when h has none.
func MobileNumber(h *Human) string {
	found := ""
	for _, p := range h.Phones {
		switch p.Type {
		case "mobile", "cell", "iphone":
			if p.IsPrimary {
				return p.Number
			}
			if found == "" {
				found = p.Number
			}
		}
	}
	return found
}

// SendSMS substitutes the variables of the message from the linked contact
// and queues it in the outbox.
func (s *Service) SendSMS(ctx context.Context, req SendSMSRequest) (*SMS, error) {
	verr := &ValidationError{}
	if req.HumanID == 0 && req.To == "" {
		verr.Add("to", "give a human_id or a to number")
	}
	var h *Human
	if req.HumanID != 0 {
		var err error
		h, err = s.store.GetHuman(ctx, req.HumanID)
		switch {
		case err == nil && h.DeletedAt != nil, errorsIsNotFound(err):
			verr.Add("human_id", fmt.Sprintf("no contact has id %d", req.HumanID))
			h = nil
		case err != nil:
			return nil, err
		}
	}
	to := req.To
	if to == "" && h != nil {
		if to = MobileNumber(h); to == "" {
			verr.Add("to", fmt.Sprintf("contact %d has no mobile number; give a to number", h.ID))
		}
	}
	if err := verr.OrNil(); err != nil {
		return nil, err
	}
	company := ""
	if h != nil {
		company = s.store.CompanyName(h.CompanyID)
	}
	body := Substitute(req.Message, h, company)
	out, err := s.store.QueueSMS(ctx, []*SMS{{HumanID: req.HumanID, To: to, Body: body}})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// SendBulkSMS queues one message, with its variables substituted, for
// each recipient that has a mobile number; the others are skipped and
// reported. Everything is queued in one transaction, or nothing.
func (s *Service) SendBulkSMS(ctx context.Context, req BulkSMSRequest) (BulkSMSResult, error) {
	verr := &ValidationError{}
	switch {
	case len(req.HumanIDs) == 0 && req.GroupID == 0:
		verr.Add("human_ids", "give human_ids or a group_id")
	case len(req.HumanIDs) > 0 && req.GroupID != 0:
		verr.Add("group_id", "give human_ids or a group_id, not both")
	case len(req.HumanIDs) > MaxBulkSMS:
		verr.Add("human_ids", fmt.Sprintf("at most %d recipients at a time", MaxBulkSMS))
	}
	if req.Message == "" {
		verr.Add("message", "is empty")
	}
	ids := req.HumanIDs
	if req.GroupID != 0 && len(verr.Fields) == 0 {
		if _, err := s.store.GetGroup(ctx, req.GroupID); errorsIsNotFound(err) {
			verr.Add("group_id", fmt.Sprintf("no group has id %d", req.GroupID))
		} else if err != nil {
			return BulkSMSResult{}, err
		}
		var err error
		if ids, err = s.store.GroupMemberIDs(ctx, req.GroupID); err != nil {
			return BulkSMSResult{}, err
		}
		if len(ids) > MaxBulkSMS {
			verr.Add("group_id", fmt.Sprintf("the group has %d members, more than %d at a time", len(ids), MaxBulkSMS))
		}
	}
	if err := verr.OrNil(); err != nil {
		return BulkSMSResult{}, err
	}
	res := BulkSMSResult{Requested: len(ids), Queued: []*SMS{}, Skipped: []SkippedRecipient{}}
	seen := make(map[int64]bool, len(ids))
	unique := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			unique = append(unique, id)
		}
	}
	humans, err := s.store.HumansByID(ctx, unique)
	if err != nil {
		return BulkSMSResult{}, err
	}
	byID := make(map[int64]*Human, len(humans))
	for _, h := range humans {
		byID[h.ID] = h
	}
	var msgs []*SMS
	for _, id := range unique {
		h := byID[id]
		if h == nil || h.DeletedAt != nil {
			res.Skipped = append(res.Skipped, SkippedRecipient{HumanID: id, Reason: SkipNoHuman})
			continue
		}
		to := MobileNumber(h)
		if to == "" {
			res.Skipped = append(res.Skipped, SkippedRecipient{HumanID: id, DisplayName: h.Name(), Reason: SkipNoMobile})
			continue
		}
		msgs = append(msgs, &SMS{HumanID: id, To: to, Body: Substitute(req.Message, h, s.store.CompanyName(h.CompanyID))})
	}
	if len(msgs) == 0 {
		return res, nil
	}
	queued, err := s.store.QueueSMS(ctx, msgs)
	if err != nil {
		return BulkSMSResult{}, err
	}
	res.Queued = queued
	return res, nil
}

// ListSMS returns one page of messages, newest first.
func (s *Service) ListSMS(ctx context.Context, q SMSQuery) (SMSPage, error) {
	return s.store.ListSMS(ctx, q)
}

// SMSPeriods are the periods SMSStats accepts, with how far back each
// looks (0: everything).
var SMSPeriods = map[string]time.Duration{
	"7d":  7 * 24 * time.Hour,
	"30d": 30 * 24 * time.Hour,
	"90d": 90 * 24 * time.Hour,
	"all": 0,
}

// DefaultSMSPeriod is the period of SMSStats when none is given.
const DefaultSMSPeriod = "30d"

// SMSStats are the outbox's figures over a period.
type SMSStats struct {
	Period string     `json:"period"`
	Since  *time.Time `json:"since"`
	store.SMSStats
}

// SMSStats counts the messages of the last 7d, 30d, 90d or all.
func (s *Service) SMSStats(ctx context.Context, period string) (SMSStats, error) {
	if period == "" {
		period = DefaultSMSPeriod
	}
	d, ok := SMSPeriods[period]
	if !ok {
		return SMSStats{}, &ValidationError{Fields: map[string]string{"period": fmt.Sprintf("must be 7d, 30d, 90d or all (got %q)", period)}}
	}
	out := SMSStats{Period: period}
	var since time.Time
	if d > 0 {
		since = s.now().UTC().Add(-d)
		out.Since = &since
	}
	st, err := s.store.SMSStatsSince(ctx, since)
	if err != nil {
		return SMSStats{}, err
	}
	out.SMSStats = st
	return out, nil
}
