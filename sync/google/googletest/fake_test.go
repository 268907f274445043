package googletest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	stdsync "sync"
	"testing"
	"time"
)

// call sends one request to the fake as Google's client would and
// decodes the answer.
func call(t *testing.T, s *Server, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.URL()+path, rd)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func errReason(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	var rs []string
	for _, it := range e["errors"].([]any) {
		rs = append(rs, str(it.(map[string]any)["reason"]))
	}
	ds, _ := e["details"].([]any)
	for _, d := range ds {
		if r := str(d.(map[string]any)["reason"]); r != "" {
			rs = append(rs, r)
		}
	}
	return fmt.Sprint(e["code"], " ", e["status"], " ", strings.Join(rs, ","))
}

func TestUpdateMaskAndEtags(t *testing.T) {
	s := New(Options{Token: "t"})
	defer s.Close()
	code, p := call(t, s, "POST", "/v1/people:createContact?personFields=names,phoneNumbers,relations,metadata", map[string]any{
		"names":        []any{map[string]any{"givenName": "Ann", "familyName": "Mask"}},
		"phoneNumbers": []any{map[string]any{"value": "+1 555 0100", "type": "mobile"}},
		"relations":    []any{map[string]any{"person": "Bo", "type": "spouse"}}})
	if code != 200 || !strings.HasPrefix(str(p["resourceName"]), "people/c") {
		t.Fatalf("create: %d %v", code, p)
	}
	rn, etag := str(p["resourceName"]), str(p["etag"])
	name := p["names"].([]any)[0].(map[string]any)
	if name["displayName"] != "Ann Mask" || name["metadata"] == nil {
		t.Fatalf("name without Google's output fields: %v", name)
	}
	upd := "/v1/" + rn + ":updateContact?updatePersonFields=phoneNumbers&personFields=names,phoneNumbers,relations"
	body := map[string]any{"etag": etag, "names": []any{map[string]any{"givenName": "Changed"}},
		"phoneNumbers": []any{map[string]any{"value": "+1 555 0199"}}}
	code, p = call(t, s, "PATCH", upd, body)
	if code != 200 || str(p["etag"]) == etag {
		t.Fatalf("update: %d %v", code, p)
	}
	if got := p["names"].([]any)[0].(map[string]any)["givenName"]; got != "Ann" {
		t.Fatalf("a field outside the mask was changed: %v", got)
	}
	if got := p["phoneNumbers"].([]any)[0].(map[string]any)["value"]; got != "+1 555 0199" || p["relations"] == nil {
		t.Fatalf("after the update: %v", p)
	}
	// The old etag is refused; so are photos in the mask, and no etag.
	for _, tc := range []struct {
		path string
		body map[string]any
		want string
	}{
		{upd, body, "400 FAILED_PRECONDITION failedPrecondition"},
		{strings.Replace(upd, "=phoneNumbers&", "=photos&", 1), map[string]any{"etag": str(p["etag"])}, "400 INVALID_ARGUMENT badRequest"},
		{upd, map[string]any{"names": []any{}}, "400 INVALID_ARGUMENT badRequest"},
		{strings.Replace(upd, "=phoneNumbers&", "=names&", 1), map[string]any{"etag": str(p["etag"]),
			"names": []any{map[string]any{"givenName": "A"}, map[string]any{"givenName": "B"}}}, "400 INVALID_ARGUMENT badRequest"},
		{"/v1/people/c1:updateContact?updatePersonFields=names", map[string]any{"etag": "x"}, "404 NOT_FOUND notFound"},
	} {
		if code, out := call(t, s, "PATCH", tc.path, tc.body); errReason(out) != tc.want {
			t.Errorf("PATCH %s: %d %s, want %s", tc.path, code, errReason(out), tc.want)
		}
	}
}

func TestListingRules(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	for i := range 3 {
		call(t, s, "POST", "/v1/people:createContact?personFields=names", map[string]any{"names": []any{map[string]any{"givenName": fmt.Sprint("P", i)}}})
	}
	list := func(q url.Values) (int, map[string]any) {
		return call(t, s, "GET", "/v1/people/me/connections?"+q.Encode(), nil)
	}
	q := url.Values{"personFields": {"names"}, "pageSize": {"2"}, "requestSyncToken": {"true"}}
	code, p1 := list(q)
	if code != 200 || p1["nextPageToken"] == nil || p1["nextSyncToken"] != nil || len(p1["connections"].([]any)) != 2 {
		t.Fatalf("first page: %d %v", code, p1)
	}
	bad := url.Values{"personFields": {"names,emailAddresses"}, "pageSize": {"2"}, "requestSyncToken": {"true"}, "pageToken": {str(p1["nextPageToken"])}}
	if code, out := list(bad); code != 400 {
		t.Fatalf("a page with other parameters: %d %v", code, out)
	}
	q.Set("pageToken", str(p1["nextPageToken"]))
	code, p2 := list(q)
	if code != 200 || p2["nextPageToken"] != nil || p2["nextSyncToken"] == nil || len(p2["connections"].([]any)) != 1 {
		t.Fatalf("last page: %d %v", code, p2)
	}
	inc := url.Values{"personFields": {"names"}, "pageSize": {"2"}, "syncToken": {str(p2["nextSyncToken"])}}
	if code, p := list(inc); code != 200 || p["nextSyncToken"] != nil {
		t.Fatalf("incremental without requestSyncToken: %d %v", code, p)
	}
	inc.Set("requestSyncToken", "true")
	if code, p := list(inc); code != 200 || p["connections"] != nil || p["nextSyncToken"] == nil {
		t.Fatalf("incremental without changes: %d %v", code, p)
	}
	s.ExpireSyncTokens()
	if _, out := list(inc); errReason(out) != "400 FAILED_PRECONDITION failedPrecondition,EXPIRED_SYNC_TOKEN" {
		t.Fatalf("expired token: %s", errReason(out))
	}
	if _, out := list(url.Values{"pageSize": {"2"}}); !strings.HasPrefix(errReason(out), "400 INVALID_ARGUMENT") {
		t.Fatalf("no personFields: %s", errReason(out))
	}
	if _, out := list(url.Values{"personFields": {"names"}, "pageSize": {"1001"}}); !strings.HasPrefix(errReason(out), "400 INVALID_ARGUMENT") {
		t.Fatalf("pageSize 1001: %s", errReason(out))
	}
}

func TestGroupsQuotaAndTokens(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(Options{Token: "acc", RefreshToken: "ref", QuotaPerMinute: 100, Now: func() time.Time { return now }})
	defer s.Close()
	if code, _ := call(t, s, "POST", "/v1/contactGroups", map[string]any{"contactGroup": map[string]any{"name": "Team"}}); code != 200 {
		t.Fatalf("create label: %d", code)
	}
	if _, out := call(t, s, "POST", "/v1/contactGroups", map[string]any{"contactGroup": map[string]any{"name": "team"}}); errReason(out) != "409 ALREADY_EXISTS duplicate" {
		t.Fatalf("duplicate label: %s", errReason(out))
	}
	if _, out := call(t, s, "POST", "/v1/contactGroups/friends/members:modify", map[string]any{"resourceNamesToAdd": []any{"people/c1"}}); !strings.HasPrefix(errReason(out), "400") {
		t.Fatalf("add to friends: %s", errReason(out))
	}
	many := make([]any, 1001)
	if _, out := call(t, s, "POST", "/v1/contactGroups/starred/members:modify", map[string]any{"resourceNamesToAdd": many}); !strings.HasPrefix(errReason(out), "400") {
		t.Fatalf("1001 members: %s", errReason(out))
	}
	s.FailNext(MethodGroupsList, 503, 1)
	if _, out := call(t, s, "GET", "/v1/contactGroups", nil); errReason(out) != "503 UNAVAILABLE backendError" {
		t.Fatalf("injected 503: %s", errReason(out))
	}
	for range 100 {
		call(t, s, "GET", "/v1/contactGroups", nil)
	}
	if _, out := call(t, s, "GET", "/v1/contactGroups", nil); errReason(out) != "429 RESOURCE_EXHAUSTED rateLimitExceeded,RATE_LIMIT_EXCEEDED" {
		t.Fatalf("over quota: %s", errReason(out))
	}
	// The token endpoint, then a revoked grant.
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"ref"}}
	resp, err := http.PostForm(s.TokenURL(), form)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("refresh: %v %v", resp, err)
	}
	resp.Body.Close()
	s.Revoke()
	resp, _ = http.PostForm(s.TokenURL(), form)
	var tok map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 400 || tok["error"] != "invalid_grant" {
		t.Fatalf("revoked refresh: %d %v", resp.StatusCode, tok)
	}
	now = now.Add(time.Minute)
	if _, out := call(t, s, "GET", "/v1/contactGroups", nil); errReason(out) != "401 UNAUTHENTICATED authError" {
		t.Fatalf("revoked access token: %s", errReason(out))
	}
}

// TestWritesInFlight: the fake sees writes sent at the same time, so a
// test that finds at most one in flight can fail.
func TestWritesInFlight(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	start := make(chan struct{})
	var wg stdsync.WaitGroup
	for range 8 {
		wg.Go(func() {
			<-start
			call(t, s, "POST", "/v1/people:createContact?personFields=names", map[string]any{})
		})
	}
	close(start)
	wg.Wait()
	if s.MaxWritesInFlight() < 2 {
		t.Fatalf("8 concurrent writes seen as %d in flight", s.MaxWritesInFlight())
	}
}
