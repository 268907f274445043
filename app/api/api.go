// Package api serves the local REST API: the Hub's own protocol (seed
// 000), under /api, over app.Service.
//
// Handlers only translate HTTP to app.Service calls and back: they parse
// and check parameters, map JSON to the domain types and the results to
// the Hub's JSON shapes inside its envelope. Rules (validation, key
// hashing, rate-limit policy, SMS substitution, statistics) live in app
// and store. The package imports app only, never store or ui.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/humans-contacts/humans/app"
)

// DefaultMaxBodyBytes is the largest request body accepted by default.
const DefaultMaxBodyBytes = 1 << 20

// APIKeyHeader carries the API key of every request.
const APIKeyHeader = "X-API-Key"

// Options configure New.
type Options struct {
	Logger *slog.Logger
	// Version is the application version the status endpoint reports.
	Version string
	// RateLimit is how many requests per second one API key may make on
	// average, and RateBurst how many at once; 0 means the defaults of
	// app.DefaultRateLimit and app.DefaultRateBurst, a negative RateLimit
	// no limit at all.
	RateLimit float64
	RateBurst int
	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// access is who may call a route.
type access int

const (
	public    access = iota // no key needed
	anyKey                  // a user or an admin key
	adminOnly               // an admin key
)

// route is one endpoint: what it answers and who may call it.
type route struct {
	method, path string
	access       access
	handle       func(w http.ResponseWriter, r *http.Request) error
}

// MaxImportBytes is the largest file POST /api/import takes.
const MaxImportBytes = 512 << 20

// fileBodies are the routes whose body is a file, larger than any JSON
// request: their own limit replaces Options.MaxBodyBytes.
var fileBodies = map[string]int64{"POST /api/import": MaxImportBytes}

type server struct {
	svc     *app.Service
	opts    Options
	log     *slog.Logger
	limiter *app.RateLimiter
	started time.Time
	mux     *http.ServeMux
	routes  []route
	docCache
}

// New returns the handler of every path under /api/ (it is given the full
// path, /api/humans). The caller mounts it at /api/.
func New(svc *app.Service, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = app.DefaultRateLimit
	}
	if opts.RateBurst <= 0 {
		opts.RateBurst = app.DefaultRateBurst
	}
	s := &server{
		svc:     svc,
		opts:    opts,
		log:     opts.Logger,
		limiter: app.NewRateLimiter(opts.RateLimit, opts.RateBurst, opts.Now),
		started: opts.Now(),
		mux:     http.NewServeMux(),
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
	}
	s.mux.HandleFunc("/api/", s.noRoute)
	return s
}

// routeTable lists every endpoint. The OpenAPI document describes each;
// a test checks that the two agree.
func (s *server) routeTable() []route {
	return []route{
		{"GET", "/api/openapi.json", public, s.openAPI},

		{"GET", "/api/humans", anyKey, s.listHumans},
		{"POST", "/api/humans", anyKey, s.createHuman},
		{"GET", "/api/humans/search", anyKey, s.searchHumans},
		{"GET", "/api/humans/stats", anyKey, s.humanStats},
		{"GET", "/api/humans/{id}", anyKey, s.getHuman},
		{"PUT", "/api/humans/{id}", anyKey, s.updateHuman},
		{"DELETE", "/api/humans/{id}", anyKey, s.deleteHuman},
		{"POST", "/api/humans/{id}/favorite", anyKey, s.toggleFavorite},

		{"GET", "/api/humans/companies", anyKey, s.listCompanies},
		{"POST", "/api/humans/companies", anyKey, s.createCompany},
		{"GET", "/api/humans/companies/{id}", anyKey, s.getCompany},
		{"PUT", "/api/humans/companies/{id}", anyKey, s.updateCompany},
		{"DELETE", "/api/humans/companies/{id}", anyKey, s.deleteCompany},

		{"GET", "/api/humans/groups", anyKey, s.listGroups},
		{"POST", "/api/humans/groups", anyKey, s.createGroup},
		{"GET", "/api/humans/groups/{id}", anyKey, s.getGroup},
		{"PUT", "/api/humans/groups/{id}", anyKey, s.updateGroup},
		{"DELETE", "/api/humans/groups/{id}", anyKey, s.deleteGroup},
		{"POST", "/api/humans/groups/{id}/members", anyKey, s.addMembers},
		{"DELETE", "/api/humans/groups/{id}/members", anyKey, s.removeMembers},

		{"POST", "/api/import", anyKey, s.importFile},
		{"GET", "/api/export", anyKey, s.export},
		{"GET", "/api/export/unified", anyKey, s.exportUnified},

		{"GET", "/api/google/auth-url", anyKey, s.googleAuthURL},
		{"POST", "/api/google/callback", anyKey, s.googleCallback},
		{"GET", "/api/google/accounts", anyKey, s.googleAccounts},
		{"POST", "/api/google/import", anyKey, s.googleImport},
		{"DELETE", "/api/google/accounts/{id}", anyKey, s.googleDisconnect},

		{"GET", "/api/hub/config", anyKey, s.getHubConfig},
		{"POST", "/api/hub/config", adminOnly, s.setHubConfig},
		{"POST", "/api/hub/import", anyKey, s.runHubSync("import")},
		{"POST", "/api/hub/export", anyKey, s.runHubSync("export")},
		{"POST", "/api/hub/sync", anyKey, s.runHubSync("")},
		{"GET", "/api/hub/history", anyKey, s.hubHistory},
		{"GET", "/api/hub/status", anyKey, s.hubStatus},
		{"GET", "/api/hub/conflicts", anyKey, s.hubConflicts},
		{"POST", "/api/hub/conflicts/{id}/flip", anyKey, s.flipHubConflict},
		{"GET", "/api/sync/deletions", anyKey, s.syncDeletions},
		{"POST", "/api/sync/deletions/confirm", anyKey, s.settleSyncDeletions(true)},
		{"POST", "/api/sync/deletions/keep", anyKey, s.settleSyncDeletions(false)},

		{"POST", "/api/sms/send", anyKey, s.sendSMS},
		{"POST", "/api/sms/send-bulk", anyKey, s.sendBulkSMS},
		{"GET", "/api/sms", anyKey, s.listSMS},
		{"GET", "/api/sms/stats", anyKey, s.smsStats},

		{"GET", "/api/admin/status", adminOnly, s.status},
		{"GET", "/api/admin/backup", adminOnly, s.backup},
		{"GET", "/api/admin/api-keys", adminOnly, s.listAPIKeys},
		{"POST", "/api/admin/api-keys", adminOnly, s.createAPIKey},
		{"DELETE", "/api/admin/api-keys/{id}", adminOnly, s.revokeAPIKey},
	}
}

func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Answers may hold keys or personal data: no cache keeps them.
	w.Header().Set("Cache-Control", "no-store")
	if !s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.mux.ServeHTTP(w, r)
		return
	}
	start := s.opts.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	s.mux.ServeHTTP(sw, r)
	s.log.Debug("api", "method", r.Method, "path", r.URL.Path, "status", sw.status, "duration", s.opts.Now().Sub(start))
}

// statusWriter remembers the status written, for the debug log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type ctxKey struct{}

// localKey marks a request that came over the owner-only local socket.
type localKey struct{}

// Local marks ctx as the context of a request that came over a channel
// only the book's owner can open (the data directory's socket, mode
// 0600): such a request acts as an admin without an API key. The local
// server sets it on the socket's requests, never on TCP ones.
func Local(ctx context.Context) context.Context { return context.WithValue(ctx, localKey{}, true) }

func isLocal(ctx context.Context) bool { v, _ := ctx.Value(localKey{}).(bool); return v }

// wrap runs a route's handler behind the protocol's rules: recovery,
// authentication, roles, the rate limit and the body size limit; an
// error the handler returns becomes the error envelope.
func (s *server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("api: panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.writeError(w, r, &apiError{status: http.StatusInternalServerError, code: "internal_error", msg: "internal error"})
			}
		}()
		if rt.access != public && isLocal(r.Context()) {
			// The owner's own command line, over the data directory's
			// socket: an admin, not rate limited.
			r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, &app.APIKey{Name: "local", Role: app.RoleAdmin}))
		} else if rt.access != public {
			key, err := s.svc.AuthenticateAPIKey(r.Context(), r.Header.Get(APIKeyHeader))
			switch {
			case errors.Is(err, app.ErrBadAPIKey) && r.Header.Get(APIKeyHeader) == "":
				s.writeError(w, r, errorf(http.StatusUnauthorized, "unauthorized", "missing API key: send it in the %s header", APIKeyHeader))
				return
			case errors.Is(err, app.ErrBadAPIKey):
				s.writeError(w, r, errorf(http.StatusUnauthorized, "unauthorized", "invalid API key"))
				return
			case err != nil:
				s.writeError(w, r, err)
				return
			}
			if ok, wait := s.limiter.Allow(key.ID); !ok {
				w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())))
				s.writeError(w, r, errorf(http.StatusTooManyRequests, "rate_limited", "too many requests for this API key; retry in %d s", int(wait.Seconds())))
				return
			}
			if rt.access == adminOnly && key.Role != app.RoleAdmin {
				s.writeError(w, r, errorf(http.StatusForbidden, "forbidden", "this endpoint needs an admin API key"))
				return
			}
			r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, key))
		}
		limit := s.opts.MaxBodyBytes
		if max, ok := fileBodies[rt.method+" "+rt.path]; ok {
			limit = max
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if err := rt.handle(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// noRoute answers paths under /api/ that no route serves: 405 when the
// path exists with other methods, else 404.
func (s *server) noRoute(w http.ResponseWriter, r *http.Request) {
	var allowed []string
	for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/api/" && pattern != "" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.writeError(w, r, errorf(http.StatusMethodNotAllowed, "method_not_allowed", "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allowed, ", ")))
		return
	}
	s.writeError(w, r, errorf(http.StatusNotFound, "route_not_found", "no endpoint %s %s", r.Method, r.URL.Path))
}
