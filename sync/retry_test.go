package sync_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/humans-contacts/humans/sync"
)

func TestParseRetryAfter(t *testing.T) {
	future := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		in       string
		min, max time.Duration
	}{
		{"", 0, 0},
		{"  7 ", 7 * time.Second, 7 * time.Second},
		{"0", 0, 0},
		{"-3", 0, 0},
		{"soon", 0, 0},
		{"Wed, 21 Oct 2015 07:28:00 GMT", 0, 0}, // past
		{future, 80 * time.Second, 90 * time.Second},
	}
	for _, tt := range tests {
		if got := sync.ParseRetryAfter(tt.in); got < tt.min || got > tt.max {
			t.Errorf("ParseRetryAfter(%q) = %v, want between %v and %v", tt.in, got, tt.min, tt.max)
		}
	}
}
