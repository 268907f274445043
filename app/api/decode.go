package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// object is a JSON object body, read field by field so that a partial
// update knows which fields were sent, unknown fields are ignored and
// every field of the wrong type is reported at once.
type object struct {
	raw  map[string]json.RawMessage
	errs map[string]string
}

// readObject reads the body as one JSON object.
func readObject(r *http.Request) (*object, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, errorf(http.StatusBadRequest, "bad_request", "reading the request body: %v", err)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil, errorf(http.StatusBadRequest, "bad_request", "the request body is empty; send a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, errorf(http.StatusBadRequest, "bad_request", "the request body must be a JSON object, not %s", typeErr.Value)
		}
		return nil, errorf(http.StatusBadRequest, "bad_request", "malformed JSON: %v", err)
	}
	if raw == nil { // the body was null
		return nil, errorf(http.StatusBadRequest, "bad_request", "the request body must be a JSON object, not null")
	}
	return &object{raw: raw, errs: map[string]string{}}, nil
}

// has reports whether any of names was sent (null included).
func (o *object) has(names ...string) bool {
	for _, n := range names {
		if _, ok := o.raw[n]; ok {
			return true
		}
	}
	return false
}

// done returns the type errors found, as a 400.
func (o *object) done() error {
	if len(o.errs) > 0 {
		return badRequest(o.errs)
	}
	return nil
}

// get decodes the first of names that was sent into a T, and reports
// whether one was. null gives T's zero value. A value of another type is
// recorded as a problem described by want ("a string").
func get[T any](o *object, want string, names ...string) (T, bool) {
	var v T
	for _, n := range names {
		raw, ok := o.raw[n]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			msg := "must be " + want
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) && typeErr.Field != "" {
				msg = fmt.Sprintf("must be %s (%s is %s, not %s)", want, typeErr.Field, typeErr.Type, typeErr.Value)
			}
			o.errs[n] = msg
			return v, false
		}
		return v, true
	}
	return v, false
}

// ptr is get returning a pointer: nil when the field was not sent.
func ptr[T any](o *object, want string, names ...string) *T {
	v, ok := get[T](o, want, names...)
	if !ok {
		return nil
	}
	return &v
}

// params reads query parameters, collecting every malformed one.
type params struct {
	r    *http.Request
	errs map[string]string
}

func query(r *http.Request) *params { return &params{r: r, errs: map[string]string{}} }

func (p *params) str(names ...string) string {
	q := p.r.URL.Query()
	for _, n := range names {
		if v := q.Get(n); v != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// int reads an integer parameter; def when absent.
func (p *params) int(name string, def int64) int64 {
	v := p.str(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		p.errs[name] = fmt.Sprintf("must be an integer (got %q)", v)
		return def
	}
	return n
}

// id reads an id parameter: absent is 0; present must be positive.
func (p *params) id(name string) int64 {
	n := p.int(name, 0)
	if n < 0 || (n == 0 && p.str(name) != "") {
		p.errs[name] = fmt.Sprintf("must be a positive id (got %q)", p.str(name))
		return 0
	}
	return n
}

// bool reads true/false (also 1/0); nil when absent.
func (p *params) bool(name string) *bool {
	v := p.str(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.errs[name] = fmt.Sprintf("must be true or false (got %q)", v)
		return nil
	}
	return &b
}

// ids reads a comma-separated list of positive ids.
func (p *params) ids(name string) []int64 {
	v := p.str(name)
	if v == "" {
		return nil
	}
	var out []int64
	for part := range strings.SplitSeq(v, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil || n <= 0 {
			p.errs[name] = fmt.Sprintf("must be comma-separated positive ids (%q is not one)", part)
			return nil
		}
		out = append(out, n)
	}
	return out
}

// limit reads a count limited to max (larger asks get max, as the Hub
// does); def when absent; less than 1 is an error.
func (p *params) limit(name string, def, max int) int {
	n := p.int(name, int64(def))
	if _, bad := p.errs[name]; bad {
		return def
	}
	if n < 1 {
		p.errs[name] = fmt.Sprintf("must be between 1 and %d", max)
		return def
	}
	return int(min(n, int64(max)))
}

func (p *params) done() error {
	if len(p.errs) > 0 {
		return badRequest(p.errs)
	}
	return nil
}

// pathID reads the {id} of the path.
func pathID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, badRequest(map[string]string{"id": fmt.Sprintf("must be a positive integer id (got %q)", v)})
	}
	return n, nil
}
