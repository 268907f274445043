package app

import (
	"errors"
	"testing"
	"time"
)

func TestSubstitute(t *testing.T) {
	h := &Human{FirstName: "Zoë", LastName: "Núñez", JobTitle: "CTO"}
	for _, tc := range []struct{ in, want string }{
		{"Hi {{first_name}}", "Hi Zoë"},
		{"{{ last_name }}, {{display_name}} ({{job_title}}, {{company_name}})", "Núñez, Zoë Núñez (CTO, Acme)"},
		{"{{unknown}} {{first_name", "{{unknown}} {{first_name"},
		{"no variables", "no variables"},
	} {
		if got := Substitute(tc.in, h, "Acme"); got != tc.want {
			t.Errorf("Substitute(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := Substitute("Hi {{first_name}}!", nil, ""); got != "Hi !" {
		t.Errorf("without a contact: %q", got)
	}
}

func TestMobileNumber(t *testing.T) {
	for _, tc := range []struct {
		phones []Phone
		want   string
	}{
		{nil, ""},
		{[]Phone{{Number: "1", Type: "home"}, {Number: "2", Type: "work"}}, ""},
		{[]Phone{{Number: "1", Type: "home", IsPrimary: true}, {Number: "2", Type: "mobile"}}, "2"},
		{[]Phone{{Number: "1", Type: "mobile"}, {Number: "2", Type: "cell", IsPrimary: true}}, "2"},
		{[]Phone{{Number: "1", Type: "iphone"}, {Number: "2", Type: "mobile"}}, "1"},
	} {
		if got := MobileNumber(&Human{Phones: tc.phones}); got != tc.want {
			t.Errorf("MobileNumber(%v) = %q, want %q", tc.phones, got, tc.want)
		}
	}
}

func TestRateLimiter(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := NewRateLimiter(2, 2, func() time.Time { return now })
	for i := range 2 {
		if ok, _ := l.Allow(1); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	if ok, wait := l.Allow(1); ok || wait != time.Second {
		t.Errorf("third request: %v, wait %v; want refused, 1 s", ok, wait)
	}
	if ok, _ := l.Allow(2); !ok {
		t.Error("another key was refused")
	}
	now = now.Add(500 * time.Millisecond)
	if ok, _ := l.Allow(1); !ok {
		t.Error("refused after the token came back")
	}
	unlimited := NewRateLimiter(-1, 0, nil)
	for range 10_000 {
		if ok, _ := unlimited.Allow(1); !ok {
			t.Fatal("an unlimited limiter refused")
		}
	}
}

func TestAPIKeysAreHashedAndRevocable(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	key, k, err := svc.CreateAPIKey(ctx, "cli", RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if k.Hash == key || k.Hash != hashAPIKey(key) || len(key) != len(apiKeyPrefix)+43 {
		t.Errorf("key %q stored as %+v", key, k)
	}
	got, err := svc.AuthenticateAPIKey(ctx, key)
	if err != nil || got.ID != k.ID || got.Role != RoleAdmin {
		t.Errorf("AuthenticateAPIKey = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "hk_", key + "x", key[:len(key)-1], "Bearer " + key} {
		if _, err := svc.AuthenticateAPIKey(ctx, bad); !errors.Is(err, ErrBadAPIKey) {
			t.Errorf("AuthenticateAPIKey(%q) = %v, want ErrBadAPIKey", bad, err)
		}
	}
	if err := svc.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateAPIKey(ctx, key); !errors.Is(err, ErrBadAPIKey) {
		t.Errorf("revoked key: %v", err)
	}
}

func TestSendBulkSMSLimits(t *testing.T) {
	svc := openService(t, t.TempDir(), nil)
	ids := make([]int64, MaxBulkSMS+1)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	var verr *ValidationError
	if _, err := svc.SendBulkSMS(ctx, BulkSMSRequest{HumanIDs: ids, Message: "x"}); !errors.As(err, &verr) || verr.Fields["human_ids"] == "" {
		t.Errorf("too many recipients: %v", err)
	}
	res, err := svc.SendBulkSMS(ctx, BulkSMSRequest{HumanIDs: ids[:MaxBulkSMS], Message: "x"})
	if err != nil || res.Requested != MaxBulkSMS || len(res.Skipped) != MaxBulkSMS || len(res.Queued) != 0 {
		t.Errorf("the most recipients, none real: %d requested, %d skipped, %v", res.Requested, len(res.Skipped), err)
	}
}

func TestHubConfigMaskAndValidate(t *testing.T) {
	for key, want := range map[string]string{"": "", "short": "****", "0123456789abcdefWXYZ": "****WXYZ"} {
		if got := (HubConfig{APIKey: key}).MaskedAPIKey(); got != want {
			t.Errorf("MaskedAPIKey(%q) = %q, want %q", key, got, want)
		}
	}
	if err := DefaultHubConfig().Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	c := DefaultHubConfig()
	c.Enabled = true
	var verr *ValidationError
	if err := c.Validate(); !errors.As(err, &verr) || verr.Fields["url"] == "" {
		t.Errorf("enabled without a URL: %v", err)
	}
	svc := openService(t, t.TempDir(), nil)
	url, key := "https://hub.example", "multi\nline"
	if _, err := svc.UpdateHubConfig(HubConfigPatch{URL: &url, APIKey: &key}); !errors.As(err, &verr) || verr.Fields["api_key"] == "" {
		t.Errorf("two-line key: %v", err)
	}
	if got, _ := svc.HubConfig(); got != DefaultHubConfig() {
		t.Errorf("a refused update was saved: %+v", got)
	}
}
