package app_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/api"
	"github.com/humans-contacts/humans/store"
)

// A Hub (a second Humans) whose answers a test can break.
type smsHub struct {
	svc  *app.Service
	srv  *httptest.Server
	key  string
	mode atomic.Value // "", "422", "500", "503"
}

func startSMSHub(t *testing.T) *smsHub {
	t.Helper()
	ctx := context.Background()
	svc, err := app.Open(app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	key, _, err := svc.CreateAPIKey(ctx, "sms", app.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	h := &smsHub{svc: svc, key: key}
	h.mode.Store("")
	apiH := api.New(svc, api.Options{RateLimit: -1})
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch h.mode.Load().(string) {
		case "500": // fails after doing the work
			apiH.ServeHTTP(httptest.NewRecorder(), r)
			http.Error(w, `{"success":false,"error":{"code":"internal_error","message":"boom"}}`, 500)
		case "422":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(422)
			w.Write([]byte(`{"success":false,"error":{"code":"validation_error","message":"invalid","fields":{"to":"not a number"}}}`))
		case "503":
			w.Header().Set("Retry-After", "0")
			http.Error(w, `{"success":false,"error":{"code":"unavailable","message":"down"}}`, 503)
		default:
			apiH.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *smsHub) count(t *testing.T) int {
	t.Helper()
	p, err := h.svc.ListSMS(context.Background(), app.SMSQuery{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Total
}

func TestDeliverSMSThroughTheHubNeverTwice(t *testing.T) {
	ctx := context.Background()
	hub := startSMSHub(t)
	svc, err := app.Open(app.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	app.SetSMSNoWait(svc)
	if _, err := svc.DeliverSMS(ctx); !errors.Is(err, app.ErrSyncNotConfigured) {
		t.Fatalf("without a Hub: %v", err)
	}
	url := hub.srv.URL
	if _, err := svc.UpdateHubConfig(app.HubConfigPatch{URL: &url, APIKey: &hub.key}); err != nil {
		t.Fatal(err)
	}
	send := func(to, msg string) *app.SMS {
		m, err := svc.SendSMS(ctx, app.SendSMSRequest{To: to, Message: msg})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	status := func(m *app.SMS) *app.SMS {
		got, err := app.GetSMSForTest(svc, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a, b := send("+33612345678", "hello"), send("+33698765432", "world")
	res, err := svc.DeliverSMS(ctx)
	if err != nil || res.Sent != 2 {
		t.Fatalf("delivery: %+v, %v", res, err)
	}
	if got := status(a); got.Status != store.SMSSent || got.ProviderID == "" || got.SentAt == nil {
		t.Errorf("sent message: %+v", got)
	}
	if n := hub.count(t); n != 2 {
		t.Errorf("hub has %d messages, want 2", n)
	}
	// Again: nothing more is sent.
	if res, _ := svc.DeliverSMS(ctx); res != (app.SMSDelivery{}) {
		t.Errorf("second delivery did %+v", res)
	}

	// A crash while sending: the message stays "sending"; the next run
	// fails it with the reason instead of sending it again.
	c := send("+33611111111", "crash")
	if err := app.MarkSendingForTest(svc, c.ID); err != nil {
		t.Fatal(err)
	}
	res, _ = svc.DeliverSMS(ctx)
	if got := status(c); res.Failed != 1 || got.Status != store.SMSFailed || !strings.Contains(got.Error, "may have reached") {
		t.Errorf("interrupted message: %+v, %+v", res, got)
	}

	// The Hub unavailable: the message waits in the queue.
	hub.mode.Store("503")
	d := send("+33622222222", "later")
	res, _ = svc.DeliverSMS(ctx)
	if got := status(d); res.Waiting != 1 || got.Status != store.SMSQueued || got.Error == "" {
		t.Errorf("hub unavailable: %+v, %+v", res, got)
	}
	hub.mode.Store("")
	if res, _ := svc.DeliverSMS(ctx); res.Sent != 1 || status(d).Status != store.SMSSent {
		t.Errorf("hub back: %+v", res)
	}

	// The answer lost after the Hub took it: failed, not sent twice.
	hub.mode.Store("500")
	e := send("+33633333333", "lost answer")
	res, _ = svc.DeliverSMS(ctx)
	if got := status(e); res.Failed != 1 || got.Status != store.SMSFailed || !strings.Contains(got.Error, "may have been sent") {
		t.Errorf("lost answer: %+v, %+v", res, got)
	}
	hub.mode.Store("")
	svc.DeliverSMS(ctx)
	if n := hub.count(t); n != 4 { // a, b, d, and e once
		t.Errorf("hub has %d messages, want 4", n)
	}

	// The Hub refuses a message (422): failed with its reason.
	f := send("+33644444444", strings.Repeat("x", 10))
	hub.mode.Store("422")
	res, _ = svc.DeliverSMS(ctx)
	if got := status(f); res.Failed != 1 || !strings.Contains(got.Error, "refused") {
		t.Errorf("refused: %+v, %+v", res, got)
	}
	_ = b
}
