package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// SMSStatus is where a text message is on its way.
type SMSStatus string

// The statuses of a message. Messages are queued here; delivery (sending,
// sent, delivered, failed) is the sync engine's job.
const (
	SMSQueued    SMSStatus = "queued"
	SMSSending   SMSStatus = "sending"
	SMSSent      SMSStatus = "sent"
	SMSDelivered SMSStatus = "delivered"
	SMSFailed    SMSStatus = "failed"
)

// SMSStatuses lists every status, in the order a message goes through them.
var SMSStatuses = []SMSStatus{SMSQueued, SMSSending, SMSSent, SMSDelivered, SMSFailed}

// SMSDirection says whether a message was sent or received.
type SMSDirection string

// The directions of a message.
const (
	SMSOutbound SMSDirection = "outbound"
	SMSInbound  SMSDirection = "inbound"
)

// MaxSMSLength is the longest message body accepted, in characters: ten
// concatenated 160-character segments.
const MaxSMSLength = 1600

// SMS is one text message of the outbox (or, inbound, of the inbox).
type SMS struct {
	ID         int64        `json:"id"`
	HumanID    int64        `json:"human_id,omitempty"`
	To         string       `json:"to"`
	Body       string       `json:"body"`
	Direction  SMSDirection `json:"direction"`
	Status     SMSStatus    `json:"status"`
	Error      string       `json:"error,omitempty"`
	ProviderID string       `json:"provider_id,omitempty"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	SentAt     *time.Time   `json:"sent_at,omitempty"`
}

// SMSQuery selects and pages messages, newest first.
type SMSQuery struct {
	Page      int // 1-based; 0 means 1
	PerPage   int // 0 means DefaultPerPage; at most MaxPerPage
	Status    SMSStatus
	HumanID   int64
	Direction SMSDirection
	Q         string // text found in the body or the number
}

// SMSPage is one page of messages with the Hub API's pagination numbers.
type SMSPage struct {
	Messages   []*SMS
	Page       int
	PerPage    int
	Total      int
	TotalPages int
}

// SMSStats counts the messages created since a time.
type SMSStats struct {
	Total    int               `json:"total"`
	Outbound int               `json:"outbound"`
	Inbound  int               `json:"inbound"`
	ByStatus map[SMSStatus]int `json:"by_status"`
}

func validSMSStatus(s SMSStatus) bool {
	for _, v := range SMSStatuses {
		if s == v {
			return true
		}
	}
	return false
}

// validateSMS checks a message to queue; field names are prefix plus the
// API's ("to", "message", "human_id").
func validateSMS(v *ValidationError, m *SMS, prefix string, humanLive func(int64) bool) {
	m.To = strings.TrimSpace(m.To)
	switch {
	case m.To == "":
		v.Add(prefix+"to", "is empty")
	case len(m.To) > 64 || !phoneChars(m.To) || len(digitsOnly(m.To)) < 3:
		v.Add(prefix+"to", fmt.Sprintf("%q is not a phone number", m.To))
	}
	switch n := utf8.RuneCountInString(m.Body); {
	case !utf8.ValidString(m.Body):
		v.Add(prefix+"message", "is not valid UTF-8")
	case strings.TrimSpace(m.Body) == "":
		v.Add(prefix+"message", "is empty")
	case n > MaxSMSLength:
		v.Add(prefix+"message", fmt.Sprintf("has %d characters, more than %d", n, MaxSMSLength))
	}
	if m.HumanID < 0 || (m.HumanID != 0 && !humanLive(m.HumanID)) {
		v.Add(prefix+"human_id", fmt.Sprintf("no contact has id %d", m.HumanID))
	}
}

// QueueSMS validates messages and stores them all, in one transaction,
// as outbound and queued; nothing is stored when any is invalid. With
// more than one message, problems are reported as "messages[i].field".
func (s *Store) QueueSMS(ctx context.Context, msgs []*SMS) ([]*SMS, error) {
	out := make([]*SMS, len(msgs))
	for i, m := range msgs {
		c := *m
		c.ID, c.Direction, c.Status, c.Error, c.ProviderID, c.SentAt = 0, SMSOutbound, SMSQueued, "", "", nil
		out[i] = &c
	}
	err := s.update(func(w *writer) error {
		v := &ValidationError{}
		live := func(id int64) bool {
			r := w.currentRecord(id)
			return r != nil && r.live()
		}
		for i, m := range out {
			prefix := ""
			if len(out) > 1 {
				prefix = fmt.Sprintf("messages[%d].", i)
			}
			validateSMS(v, m, prefix, live)
		}
		if err := v.OrNil(); err != nil {
			return err
		}
		b := w.tx.Bucket(bucketSMS)
		for _, m := range out {
			seq, err := b.NextSequence()
			if err != nil {
				return fmt.Errorf("store: allocating an id: %w", err)
			}
			m.ID = int64(seq)
			m.CreatedAt, m.UpdatedAt = w.now, w.now
			if err := putJSON(w.tx, bucketSMS, m.ID, m, "message"); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetSMS returns one message.
func (s *Store) GetSMS(ctx context.Context, id int64) (*SMS, error) {
	var m *SMS
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		m, err = getJSON[SMS](tx, bucketSMS, id, "message")
		return err
	})
	return m, err
}

func normalizeSMSQuery(q *SMSQuery) error {
	v := &ValidationError{}
	switch {
	case q.Page == 0:
		q.Page = 1
	case q.Page < 0:
		v.Add("page", "must be 1 or more")
	}
	switch {
	case q.PerPage == 0:
		q.PerPage = DefaultPerPage
	case q.PerPage < 1 || q.PerPage > MaxPerPage:
		v.Add("per_page", fmt.Sprintf("must be between 1 and %d", MaxPerPage))
	}
	if q.Status != "" && !validSMSStatus(q.Status) {
		v.Add("status", fmt.Sprintf("must be one of queued, sending, sent, delivered, failed (got %q)", q.Status))
	}
	if q.Direction != "" && q.Direction != SMSOutbound && q.Direction != SMSInbound {
		v.Add("direction", fmt.Sprintf("must be outbound or inbound (got %q)", q.Direction))
	}
	if q.HumanID < 0 {
		v.Add("human_id", "must be a positive id")
	}
	q.Q = strings.TrimSpace(q.Q)
	return v.OrNil()
}

// ListSMS returns one page of the messages q selects, newest first.
func (s *Store) ListSMS(ctx context.Context, q SMSQuery) (SMSPage, error) {
	if err := normalizeSMSQuery(&q); err != nil {
		return SMSPage{}, err
	}
	page := SMSPage{Messages: []*SMS{}, Page: q.Page, PerPage: q.PerPage}
	folded, digits := foldText(q.Q), digitsOnly(q.Q)
	first := (q.Page - 1) * q.PerPage
	err := s.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketSMS).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var m SMS
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("store: decoding message %d: %w", btoi(k), err)
			}
			if !smsMatches(&m, q, folded, digits) {
				continue
			}
			if page.Total >= first && len(page.Messages) < q.PerPage {
				page.Messages = append(page.Messages, &m)
			}
			page.Total++
		}
		return nil
	})
	if err != nil {
		return SMSPage{}, err
	}
	page.TotalPages = (page.Total + q.PerPage - 1) / q.PerPage
	return page, nil
}

func smsMatches(m *SMS, q SMSQuery, folded, digits string) bool {
	switch {
	case q.Status != "" && m.Status != q.Status,
		q.Direction != "" && m.Direction != q.Direction,
		q.HumanID != 0 && m.HumanID != q.HumanID:
		return false
	case q.Q == "":
		return true
	}
	if strings.Contains(foldText(m.Body), folded) || strings.Contains(foldText(m.To), folded) {
		return true
	}
	return len(digits) >= 3 && strings.Contains(digitsOnly(m.To), digits)
}

// SMSStatsSince counts the messages created at or after since (the zero
// time counts every message).
func (s *Store) SMSStatsSince(ctx context.Context, since time.Time) (SMSStats, error) {
	st := SMSStats{ByStatus: make(map[SMSStatus]int, len(SMSStatuses))}
	for _, v := range SMSStatuses {
		st.ByStatus[v] = 0
	}
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSMS).ForEach(func(k, v []byte) error {
			var m SMS
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("store: decoding message %d: %w", btoi(k), err)
			}
			if m.CreatedAt.Before(since) {
				return nil
			}
			st.Total++
			st.ByStatus[m.Status]++
			if m.Direction == SMSInbound {
				st.Inbound++
			} else {
				st.Outbound++
			}
			return nil
		})
	})
	return st, err
}

// AllSMS returns every message, oldest first: what a full export writes.
func (s *Store) AllSMS(ctx context.Context) ([]*SMS, error) {
	var out []*SMS
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		out, err = listJSON[SMS](tx, bucketSMS, "message")
		return err
	})
	return out, err
}
