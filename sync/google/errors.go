package google

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/googleapis/gax-go/v2/apierror"
	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
)

// errorBody is Google's JSON error, read leniently: apierror parses
// details with protojson, which refuses the legacy "errors" member the
// People API still sends, so its Reason() comes back empty for them.
type errorBody struct {
	Error struct {
		Details []struct {
			Type            string `json:"@type"`
			Reason          string `json:"reason"`
			FieldViolations []struct {
				Field       string `json:"field"`
				Description string `json:"description"`
			} `json:"fieldViolations"`
		} `json:"details"`
	} `json:"error"`
}

// reasons reads the reasons Google gives: ErrorInfo reasons (from the
// body, and through apierror) and the legacy errors[].reason. It also
// returns the field violations of a BadRequest detail.
func reasons(err error, ge *googleapi.Error) (rs []string, violations [][2]string) {
	var ae *apierror.APIError
	if errors.As(err, &ae) && ae.Reason() != "" {
		rs = append(rs, ae.Reason())
	}
	for _, it := range ge.Errors {
		rs = append(rs, it.Reason)
	}
	var body errorBody
	if json.Unmarshal([]byte(ge.Body), &body) == nil {
		for _, d := range body.Error.Details {
			if d.Reason != "" {
				rs = append(rs, d.Reason)
			}
			for _, v := range d.FieldViolations {
				violations = append(violations, [2]string{v.Field, v.Description})
			}
		}
	}
	return rs, violations
}

// fieldOf names the contact field of a Google field path
// ("person.birthdays[0].date" → "birthday").
func fieldOf(path string) string {
	path = strings.TrimPrefix(path, "person.")
	if i := strings.IndexAny(path, ".["); i >= 0 {
		path = path[:i]
	}
	switch path {
	case "names":
		return "name"
	case "nicknames":
		return "nickname"
	case "genders":
		return "gender"
	case "organizations":
		return "company"
	case "birthdays":
		return "birthday"
	case "biographies":
		return "notes"
	case "locales":
		return "language"
	case "phoneNumbers":
		return "phone_numbers"
	case "emailAddresses":
		return "emails"
	case "addresses":
		return "addresses"
	case "urls":
		return "urls"
	case "imClients":
		return "ims"
	case "userDefined":
		return "custom_fields"
	case "memberships":
		return "groups"
	case "photoBytes", "photo_bytes":
		return "photo"
	}
	return "google"
}

// classify turns a People API failure into the engine's errors:
// transient ones (network, 5xx, 429, quota) into *sync.RetryError, an
// expired sync token into sync.ErrCursorExpired, an etag mismatch into
// sync.ErrPrecondition, 404 into sync.ErrRemoteNotFound, a refused
// authorization into sync.ErrSignIn, and a contact Google refuses on a
// write (400) into *store.ValidationError. Tokens never appear in the
// errors: only Google's codes and messages do.
func classify(what string, err error, write bool) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("google: %s: %w", what, err)
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		desc := strings.TrimSpace(re.ErrorCode + " " + re.ErrorDescription)
		switch {
		case re.ErrorCode == "invalid_grant":
			return fmt.Errorf("google: %s: %w (Google says: %s)", what, sync.ErrSignIn, desc)
		case re.Response != nil && (re.Response.StatusCode >= 500 || re.Response.StatusCode == 429):
			return &sync.RetryError{Status: re.Response.StatusCode, Err: fmt.Errorf("google: %s: getting an access token: %s", what, desc)}
		}
		if desc == "" && re.Response != nil {
			desc = re.Response.Status
		}
		return fmt.Errorf("google: %s: getting an access token failed: %s", what, desc)
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		rs, violations := reasons(err, ge)
		has := func(r ...string) bool {
			return slices.ContainsFunc(rs, func(x string) bool { return slices.Contains(r, x) })
		}
		msg := ge.Message
		if msg == "" {
			msg = strings.TrimSpace(ge.Body)
			if len(msg) > 200 {
				msg = msg[:200]
			}
		}
		lower := strings.ToLower(msg)
		e := fmt.Errorf("google: %s: %d %s", what, ge.Code, msg)
		switch {
		case ge.Code == 429 || has("RATE_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED", "rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"):
			return &sync.RetryError{Status: 429, RetryAfter: sync.ParseRetryAfter(ge.Header.Get("Retry-After")), Err: e}
		case ge.Code >= 500:
			return &sync.RetryError{Status: ge.Code, RetryAfter: sync.ParseRetryAfter(ge.Header.Get("Retry-After")), Err: e}
		case ge.Code == 401:
			return fmt.Errorf("%w: %w", sync.ErrSignIn, e)
		case ge.Code == 410 || has("EXPIRED_SYNC_TOKEN") || strings.Contains(lower, "sync token is expired"):
			return fmt.Errorf("%w: %w", sync.ErrCursorExpired, e)
		case ge.Code == 404:
			return fmt.Errorf("%w: %w", sync.ErrRemoteNotFound, e)
		case ge.Code == 400 && (has("failedPrecondition", "FAILED_PRECONDITION") || strings.Contains(lower, "etag")):
			return fmt.Errorf("%w: %w", sync.ErrPrecondition, e)
		case ge.Code == 400 && write:
			verr := &store.ValidationError{}
			for _, v := range violations {
				verr.Add(fieldOf(v[0]), "Google refused it: "+v[1])
			}
			if len(verr.Fields) == 0 {
				verr.Add("google", "Google refused the contact: "+msg)
			}
			return verr
		}
		return e
	}
	var ue *url.Error
	var ne net.Error
	if errors.As(err, &ue) || errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &sync.RetryError{Err: fmt.Errorf("google: %s: %w", what, err)}
	}
	return fmt.Errorf("google: %s: %w", what, err)
}
