package sync

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter reads an HTTP Retry-After header, in seconds or as an
// HTTP date, for RetryError.RetryAfter; 0 when there is none or it
// cannot be read.
func ParseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

// Backoff retries transient failures (*RetryError) with exponential
// backoff and jitter, waiting at least the remote's Retry-After.
type Backoff struct {
	Attempts int           // tries in all; 0 means 6
	Base     time.Duration // first wait before jitter; 0 means 500ms
	Max      time.Duration // longest wait before Retry-After; 0 means 1 minute
	// Sleep waits d or until ctx ends; nil means a timer. Tests record.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0,1) for the jitter; nil means math/rand.
	Rand func() float64
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Delay is the wait before retry number attempt (0 for the first retry)
// after err.
func (b Backoff) Delay(attempt int, err *RetryError) time.Duration {
	base, maxD := b.Base, b.Max
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if maxD <= 0 {
		maxD = time.Minute
	}
	d := maxD
	if attempt < 30 && base<<attempt < maxD {
		d = base << attempt
	}
	r := rand.Float64
	if b.Rand != nil {
		r = b.Rand
	}
	// "Equal jitter": half fixed, half random, so waits spread out but
	// still grow.
	d = d/2 + time.Duration(r()*float64(d/2))
	if err != nil && err.RetryAfter > d {
		d = err.RetryAfter
	}
	return d
}

// Do calls fn until it succeeds, fails for good (an error that is not a
// *RetryError), or the attempts run out.
func (b Backoff) Do(ctx context.Context, fn func() error) error {
	attempts := b.Attempts
	if attempts <= 0 {
		attempts = 6
	}
	sleep := b.Sleep
	if sleep == nil {
		sleep = sleepCtx
	}
	for attempt := 0; ; attempt++ {
		err := fn()
		var re *RetryError
		if err == nil || !errors.As(err, &re) || attempt+1 >= attempts {
			return err
		}
		if serr := sleep(ctx, b.Delay(attempt, re)); serr != nil {
			return errors.Join(err, serr)
		}
	}
}
