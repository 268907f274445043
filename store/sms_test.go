package store

import (
	"errors"
	"testing"
	"time"
)

func TestQueueSMSValidatesAllOrNothing(t *testing.T) {
	s, _ := openTest(t, nil)
	h := mustCreate(t, s, &Human{FirstName: "Zoë"})
	_, err := s.QueueSMS(ctx, []*SMS{
		{HumanID: h.ID, To: "+33612345678", Body: "hello"},
		{To: "not a number!", Body: ""},
		{HumanID: 999, To: "0612", Body: "x"},
	})
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("QueueSMS: got %v, want a ValidationError", err)
	}
	for _, f := range []string{"messages[1].to", "messages[1].message", "messages[2].human_id"} {
		if _, ok := verr.Fields[f]; !ok {
			t.Errorf("no problem reported for %s: %v", f, verr.Fields)
		}
	}
	if _, ok := verr.Fields["messages[0].to"]; ok {
		t.Errorf("valid message reported: %v", verr.Fields)
	}
	page, err := s.ListSMS(ctx, SMSQuery{})
	if err != nil || page.Total != 0 {
		t.Fatalf("after a failed batch: %d messages, %v; want none", page.Total, err)
	}
	long := make([]rune, MaxSMSLength+1)
	for i := range long {
		long[i] = 'é'
	}
	if _, err := s.QueueSMS(ctx, []*SMS{{To: "+33612345678", Body: string(long)}}); !errors.As(err, &verr) || verr.Fields["message"] == "" {
		t.Errorf("too long a message: got %v", err)
	}
	if err := s.TrashHuman(ctx, h.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.QueueSMS(ctx, []*SMS{{HumanID: h.ID, To: "+33612345678", Body: "hi"}}); !errors.As(err, &verr) || verr.Fields["human_id"] == "" {
		t.Errorf("message to a trashed contact: got %v", err)
	}
}

func TestListSMSFiltersPagesAndCounts(t *testing.T) {
	clock := newClock()
	s, _ := openTest(t, clock)
	a := mustCreate(t, s, &Human{FirstName: "Ana"})
	var msgs []*SMS
	for i := range 25 {
		m := &SMS{To: "+33 6 12 34 56 78", Body: "Bonjour à tous"}
		if i%5 == 0 {
			m.HumanID, m.Body = a.ID, "Rendez-vous demain"
		}
		msgs = append(msgs, m)
	}
	if _, err := s.QueueSMS(ctx, msgs[:5]); err != nil {
		t.Fatal(err)
	}
	clock.Advance(40 * 24 * time.Hour)
	queued, err := s.QueueSMS(ctx, msgs[5:])
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range queued {
		if m.Status != SMSQueued || m.Direction != SMSOutbound || m.ID == 0 {
			t.Fatalf("queued message %+v", m)
		}
	}
	page, err := s.ListSMS(ctx, SMSQuery{Page: 2, PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 25 || page.TotalPages != 3 || len(page.Messages) != 10 || page.Messages[0].ID != 15 {
		t.Errorf("page 2 of 10: total %d pages %d len %d first %d", page.Total, page.TotalPages, len(page.Messages), page.Messages[0].ID)
	}
	for _, tc := range []struct {
		q    SMSQuery
		want int
	}{
		{SMSQuery{HumanID: a.ID}, 5},
		{SMSQuery{Q: "RENDEZ"}, 5},
		{SMSQuery{Q: "bonjour a"}, 20},
		{SMSQuery{Q: "0612"}, 0},
		{SMSQuery{Q: "612 34"}, 25},
		{SMSQuery{Status: SMSQueued}, 25},
		{SMSQuery{Status: SMSSent}, 0},
		{SMSQuery{Direction: SMSInbound}, 0},
	} {
		p, err := s.ListSMS(ctx, tc.q)
		if err != nil || p.Total != tc.want {
			t.Errorf("ListSMS(%+v) = %d, %v; want %d", tc.q, p.Total, err, tc.want)
		}
	}
	var verr *ValidationError
	if _, err := s.ListSMS(ctx, SMSQuery{Status: "lost", Direction: "up", PerPage: 101}); !errors.As(err, &verr) || len(verr.Fields) != 3 {
		t.Errorf("bad query: %v", err)
	}
	all, err := s.SMSStatsSince(ctx, time.Time{})
	if err != nil || all.Total != 25 || all.Outbound != 25 || all.ByStatus[SMSQueued] != 25 || len(all.ByStatus) != len(SMSStatuses) {
		t.Errorf("stats of all: %+v, %v", all, err)
	}
	recent, err := s.SMSStatsSince(ctx, clock.Now().Add(-30*24*time.Hour))
	if err != nil || recent.Total != 20 {
		t.Errorf("stats of 30 days: %+v, %v", recent, err)
	}
}

func TestAPIKeys(t *testing.T) {
	s, path := openTest(t, nil)
	hash := func(c byte) string {
		b := make([]byte, 64)
		for i := range b {
			b[i] = c
		}
		return string(b)
	}
	k, err := s.CreateAPIKey(ctx, APIKey{Name: " script ", Role: RoleUser, Hash: hash('a'), Prefix: "hk_aa"})
	if err != nil || k.ID != 1 || k.Name != "script" || k.CreatedAt.IsZero() {
		t.Fatalf("CreateAPIKey = %+v, %v", k, err)
	}
	var verr *ValidationError
	if _, err := s.CreateAPIKey(ctx, APIKey{Name: "", Role: "root", Hash: "x"}); !errors.As(err, &verr) || len(verr.Fields) != 3 {
		t.Errorf("invalid key: %v", err)
	}
	if _, err := s.CreateAPIKey(ctx, APIKey{Name: "again", Role: RoleAdmin, Hash: hash('a')}); !errors.As(err, &verr) {
		t.Errorf("duplicate hash: %v", err)
	}
	if _, err := s.CreateAPIKey(ctx, APIKey{Name: "admin", Role: RoleAdmin, Hash: hash('b')}); err != nil {
		t.Fatal(err)
	}
	got, err := s.APIKeyByHash(ctx, hash('a'))
	if err != nil || got.ID != k.ID || got.Role != RoleUser {
		t.Errorf("APIKeyByHash = %+v, %v", got, err)
	}
	if err := s.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.APIKeyByHash(ctx, hash('a')); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoked key still found: %v", err)
	}
	if err := s.RevokeAPIKey(ctx, k.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoking twice: %v", err)
	}
	s.Close()
	s2, err := Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	keys, err := s2.APIKeys(ctx)
	if err != nil || len(keys) != 1 || keys[0].Name != "admin" {
		t.Errorf("after reopening: %v, %v", keys, err)
	}
}
