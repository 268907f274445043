package app

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Default rate limit of the REST API, per key: generous, since scripts
// and a syncing peer make bursts of hundreds of requests.
const (
	DefaultRateLimit = 100  // requests per second, sustained
	DefaultRateBurst = 1000 // requests at once
)

// RateLimiter limits requests per API key with a token bucket each.
type RateLimiter struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu   sync.Mutex
	keys map[int64]*rate.Limiter
}

// NewRateLimiter allows perSecond requests per key on average with bursts
// of burst; perSecond <= 0 means no limit. now is the clock (nil:
// time.Now).
func NewRateLimiter(perSecond float64, burst int, now func() time.Time) *RateLimiter {
	if now == nil {
		now = time.Now
	}
	l := rate.Limit(perSecond)
	if perSecond <= 0 {
		l = rate.Inf
	}
	return &RateLimiter{limit: l, burst: max(burst, 1), now: now, keys: make(map[int64]*rate.Limiter)}
}

// Allow takes one request of key's budget. When the budget is spent it
// returns false and how long to wait (at least a second, rounded up, as
// Retry-After says it).
func (r *RateLimiter) Allow(key int64) (bool, time.Duration) {
	if r.limit == rate.Inf {
		return true, 0
	}
	r.mu.Lock()
	lim, ok := r.keys[key]
	if !ok {
		lim = rate.NewLimiter(r.limit, r.burst)
		r.keys[key] = lim
	}
	r.mu.Unlock()
	now := r.now()
	res := lim.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if delay == 0 {
		return true, 0
	}
	res.CancelAt(now)
	return false, time.Duration(math.Ceil(delay.Seconds())) * time.Second
}
