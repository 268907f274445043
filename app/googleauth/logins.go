package googleauth

import (
	"errors"
	"fmt"
	"net/url"
	stdsync "sync"
	"time"
)

// Logins remembers the logins begun and not finished, in memory, each
// for TTL: the REST API's auth-url and callback are two requests.
type Logins struct {
	// TTL is how long a login waits for its answer; 0 means 15 minutes.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu      stdsync.Mutex
	pending map[string]pendingLogin
}

type pendingLogin struct {
	p       *Pending
	expires time.Time
}

// MaxPending is how many logins may wait at once; the oldest goes first.
const MaxPending = 32

// ErrUnknownState: no login waits with this state (never begun, already
// finished, or expired).
var ErrUnknownState = errors.New("googleauth: no sign-in waits with this state (finished, expired after 15 minutes, or never begun): start again")

func (l *Logins) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Logins) ttl() time.Duration {
	if l.TTL > 0 {
		return l.TTL
	}
	return 15 * time.Minute
}

// CheckRedirect says whether u can be a redirect address: an absolute
// http or https address without a fragment.
func CheckRedirect(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.Fragment != "" {
		return fmt.Errorf("%q is not an absolute http or https address", u)
	}
	return nil
}

// CheckState says whether s can be a state chosen by a client: 16 to 200
// URL-safe characters (letters, digits, - . _ ~).
func CheckState(s string) error {
	if len(s) < 16 || len(s) > 200 {
		return errors.New("must be 16 to 200 characters (it protects the login: make it random)")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_' || r == '~') {
			return errors.New("may hold only letters, digits, - . _ ~")
		}
	}
	return nil
}

// Begin begins a login with c (state "" for a random one) and remembers
// it.
func (l *Logins) Begin(c Config, redirectURL, state string) (*Pending, error) {
	p, err := c.Begin(redirectURL, state)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if l.pending == nil {
		l.pending = make(map[string]pendingLogin)
	}
	if _, taken := l.pending[p.State]; taken {
		return nil, errors.New("googleauth: a sign-in with this state is waiting already")
	}
	var oldest string
	for k, v := range l.pending {
		if !now.Before(v.expires) {
			delete(l.pending, k)
		} else if oldest == "" || v.expires.Before(l.pending[oldest].expires) {
			oldest = k
		}
	}
	if len(l.pending) >= MaxPending {
		delete(l.pending, oldest)
	}
	l.pending[p.State] = pendingLogin{p: p, expires: now.Add(l.ttl())}
	return p, nil
}

// Take returns the login of state and forgets it: an answer is used
// once.
func (l *Logins) Take(state string) (*Pending, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	pl, ok := l.pending[state]
	delete(l.pending, state)
	if !ok || !l.now().Before(pl.expires) {
		return nil, ErrUnknownState
	}
	return pl.p, nil
}
