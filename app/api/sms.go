package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/humans-contacts/humans/app"
)

// smsJSON is a message as the API answers it; message is the text as
// stored, its variables substituted.
type smsJSON struct {
	ID         int64      `json:"id"`
	HumanID    *int64     `json:"human_id"`
	To         string     `json:"to"`
	Message    string     `json:"message"`
	Direction  string     `json:"direction"`
	Status     string     `json:"status"`
	Error      string     `json:"error,omitempty"`
	ProviderID string     `json:"provider_id,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	SentAt     *time.Time `json:"sent_at"`
}

func toSMSJSON(m *app.SMS) smsJSON {
	out := smsJSON{ID: m.ID, To: m.To, Message: m.Body, Direction: string(m.Direction), Status: string(m.Status),
		Error: m.Error, ProviderID: m.ProviderID, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, SentAt: m.SentAt}
	if m.HumanID != 0 {
		id := m.HumanID
		out.HumanID = &id
	}
	return out
}

func smsList(ms []*app.SMS) []smsJSON {
	out := make([]smsJSON, len(ms))
	for i, m := range ms {
		out[i] = toSMSJSON(m)
	}
	return out
}

// POST /api/sms/send: {"human_id": 1, "message": "Hi {{first_name}}"} or
// {"to": "+33612345678", "message": "..."}.
func (s *server) sendSMS(w http.ResponseWriter, r *http.Request) error {
	o, err := readObject(r)
	if err != nil {
		return err
	}
	humanID, _ := get[int64](o, "an integer contact id", "human_id")
	to, _ := get[string](o, "a string", "to")
	message, _ := get[string](o, "a string", "message")
	if err := o.done(); err != nil {
		return err
	}
	m, err := s.svc.SendSMS(r.Context(), app.SendSMSRequest{HumanID: humanID, To: strings.TrimSpace(to), Message: message})
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusCreated, toSMSJSON(m), "Message queued")
}

// POST /api/sms/send-bulk: {"human_ids": [...]} or {"group_id": 3}, with
// "message".
func (s *server) sendBulkSMS(w http.ResponseWriter, r *http.Request) error {
	o, err := readObject(r)
	if err != nil {
		return err
	}
	ids, _ := get[[]int64](o, "a list of integer contact ids", "human_ids")
	groupID, _ := get[int64](o, "an integer group id", "group_id")
	message, _ := get[string](o, "a string", "message")
	if err := o.done(); err != nil {
		return err
	}
	res, err := s.svc.SendBulkSMS(r.Context(), app.BulkSMSRequest{HumanIDs: ids, GroupID: groupID, Message: message})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if len(res.Queued) == 0 {
		status = http.StatusOK
	}
	data := map[string]any{
		"requested": res.Requested,
		"queued":    len(res.Queued),
		"skipped":   res.Skipped,
		"messages":  smsList(res.Queued),
	}
	return s.ok(w, status, data, plural(len(res.Queued), "message")+" queued, "+plural(len(res.Skipped), "recipient")+" skipped")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return itoa(n) + " " + what + "s"
}

// GET /api/sms
func (s *server) listSMS(w http.ResponseWriter, r *http.Request) error {
	p := query(r)
	q := app.SMSQuery{
		Page:      p.limit("page", 1, 1<<31-1),
		PerPage:   p.limit("per_page", app.DefaultPerPage, app.MaxPerPage),
		Status:    app.SMSStatus(strings.ToLower(p.str("status"))),
		HumanID:   p.id("human_id"),
		Direction: app.SMSDirection(strings.ToLower(p.str("direction"))),
		Q:         p.str("q", "search"),
	}
	if err := p.done(); err != nil {
		return err
	}
	page, err := s.svc.ListSMS(r.Context(), q)
	if err != nil {
		return err
	}
	return s.page(w, smsList(page.Messages), pagination{Page: page.Page, PerPage: page.PerPage, Total: page.Total, TotalPages: page.TotalPages})
}

// GET /api/sms/stats
func (s *server) smsStats(w http.ResponseWriter, r *http.Request) error {
	st, err := s.svc.SMSStats(r.Context(), strings.ToLower(query(r).str("period")))
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, st, "")
}
