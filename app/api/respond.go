package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/humans-contacts/humans/app"
)

// envelope is the Hub's success answer.
type envelope struct {
	Success    bool        `json:"success"`
	Data       any         `json:"data"`
	Message    string      `json:"message,omitempty"`
	Pagination *pagination `json:"pagination,omitempty"`
}

// pagination is the Hub's listing arithmetic.
type pagination struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Total      int `json:"total"`
	TotalPages int `json:"total_pages"`
	// UpdatedSince echoes the updated_since of a change-feed listing,
	// so a sync client knows the filter was applied.
	UpdatedSince string `json:"updated_since,omitempty"`
}

// errorEnvelope is the Hub's failure answer.
type errorEnvelope struct {
	Success bool      `json:"success"`
	Error   errorBody `json:"error"`
}

type errorBody struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// apiError is an error with its HTTP status, for the envelope.
type apiError struct {
	status int
	code   string
	msg    string
	fields map[string]string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, code, format string, a ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, a...)}
}

// badRequest reports parameters or body fields of the wrong type.
func badRequest(fields map[string]string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "bad_request",
		msg: "malformed request: " + strings.Join(sortedKeys(fields), ", "), fields: fields}
}

func notFound(what string, id int64) *apiError {
	return errorf(http.StatusNotFound, "not_found", "%s %d not found", what, id)
}

// ok writes a 200 (or status) success envelope.
func (s *server) ok(w http.ResponseWriter, status int, data any, message string) error {
	return s.writeJSON(w, status, envelope{Success: true, Data: data, Message: message})
}

func (s *server) page(w http.ResponseWriter, data any, p pagination) error {
	return s.writeJSON(w, http.StatusOK, envelope{Success: true, Data: data, Pagination: &p})
}

func (s *server) writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("api: encoding the answer: %w", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// writeError maps err to its status and the error envelope: a
// validation error to 422 with its fields, not found to 404, an etag
// mismatch to 412; anything unexpected to 500, logged, and told to the
// client without its details.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var verr *app.ValidationError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &verr):
		ae = &apiError{status: http.StatusUnprocessableEntity, code: "validation_error",
			msg: "validation failed: " + strings.Join(sortedKeys(verr.Fields), ", "), fields: apiFieldNames(verr.Fields)}
	case errors.As(err, &tooBig):
		ae = errorf(http.StatusRequestEntityTooLarge, "payload_too_large", "the request body is larger than %d bytes", tooBig.Limit)
	case errors.Is(err, app.ErrNotFound):
		ae = errorf(http.StatusNotFound, "not_found", "not found")
	case errors.Is(err, app.ErrConflict):
		ae = errorf(http.StatusPreconditionFailed, "conflict", "the record changed since it was read (If-Match does not match its etag)")
	case errors.Is(err, context.Canceled):
		s.log.Debug("api: request canceled", "method", r.Method, "path", r.URL.Path)
		return
	default:
		s.log.Error("api: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		ae = errorf(http.StatusInternalServerError, "internal_error", "internal error")
	}
	body := errorEnvelope{Error: errorBody{Code: ae.code, Message: ae.msg, Fields: ae.fields}}
	_ = s.writeJSON(w, ae.status, body)
}

// apiFieldNames renames the store's field names where the API's differ:
// custom fields are the Hub's metadata.
func apiFieldNames(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if rest, ok := strings.CutPrefix(k, "custom_fields"); ok {
			k = "metadata" + rest
		}
		out[k] = v
	}
	return out
}
