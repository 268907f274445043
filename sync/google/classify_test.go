package google

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
	"github.com/humans-contacts/humans/sync/google/googletest"
)

// TestGoogleRefusals sends what the provider never sends, to check how
// Google's refusals (from the fake, in Google's shape) are read.
func TestGoogleRefusals(t *testing.T) {
	ctx := context.Background()
	f := googletest.New(googletest.Options{})
	defer f.Close()
	p, err := New(ctx, Config{Endpoint: f.Endpoint(), HTTPClient: f.Client()})
	if err != nil {
		t.Fatal(err)
	}
	two := &people.Person{Names: []*people.Name{{GivenName: "A"}, {GivenName: "B"}}}
	_, err = p.svc.People.CreateContact(two).PersonFields(readFields).Do()
	var verr *store.ValidationError
	if err = classify("creating", err, true); !errors.As(err, &verr) || verr.Fields["name"] == "" {
		t.Fatalf("two names: %v, want a ValidationError on name", err)
	}
	r, err := p.Create(ctx, sync.Contact{FirstName: "X"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.svc.People.UpdateContact(r.ID, &people.Person{Etag: r.ETag}).UpdatePersonFields("photos").Do()
	if err = classify("updating", err, true); !errors.As(err, &verr) {
		t.Fatalf("photos in the update mask: %v, want a ValidationError", err)
	}
	// The same refusal on a read is an error, not a contact problem.
	_, err = p.svc.People.Connections.List("people/me").Do()
	if err = classify("listing", err, false); err == nil || errors.As(err, &verr) {
		t.Fatalf("list without personFields: %v", err)
	}
	// Batch limits: Google refuses 201 creates.
	req := &people.BatchCreateContactsRequest{ReadMask: readFields}
	for range 201 {
		req.Contacts = append(req.Contacts, &people.ContactToCreate{ContactPerson: &people.Person{Names: []*people.Name{{GivenName: "N"}}}})
	}
	if _, err := p.svc.People.BatchCreateContacts(req).Do(); err == nil {
		t.Fatal("the fake took 201 creates in a batch")
	}
	if f.Len() != 1 {
		t.Fatalf("a refused batch created %d contacts", f.Len()-1)
	}
	// A page whose parameters differ from the first call's is refused.
	resp, err := p.svc.People.Connections.List("people/me").PersonFields("names").PageSize(1).RequestSyncToken(true).Do()
	if err != nil {
		t.Fatal(err)
	}
	f.Add(&people.Person{Names: []*people.Name{{GivenName: "Y"}}})
	resp, err = p.svc.People.Connections.List("people/me").PersonFields("names").PageSize(1).RequestSyncToken(true).Do()
	if err != nil || resp.NextPageToken == "" {
		t.Fatalf("first page: %v %+v", err, resp)
	}
	_, err = p.svc.People.Connections.List("people/me").PersonFields("names,emailAddresses").PageSize(1).RequestSyncToken(true).PageToken(resp.NextPageToken).Do()
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Code != 400 {
		t.Fatalf("second page with other personFields: %v", err)
	}
}

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  *googleapi.Error
		want error
	}{
		{&googleapi.Error{Code: 410, Message: "Gone"}, sync.ErrCursorExpired},
		{&googleapi.Error{Code: 400, Message: "Sync token is expired. Clear local cache and retry call without the sync token."}, sync.ErrCursorExpired},
		{&googleapi.Error{Code: 400, Message: "Request person.etag is different than the current person.etag.", Errors: []googleapi.ErrorItem{{Reason: "failedPrecondition"}}}, sync.ErrPrecondition},
		{&googleapi.Error{Code: 404}, sync.ErrRemoteNotFound},
		{&googleapi.Error{Code: 401}, sync.ErrSignIn},
	} {
		if got := classify("x", tc.err, true); !errors.Is(got, tc.want) {
			t.Errorf("%d %q → %v, want %v", tc.err.Code, tc.err.Message, got, tc.want)
		}
	}
	for _, ge := range []*googleapi.Error{
		{Code: 403, Errors: []googleapi.ErrorItem{{Reason: "rateLimitExceeded"}}},
		{Code: 503, Header: http.Header{"Retry-After": {"3"}}},
	} {
		var re *sync.RetryError
		if got := classify("x", ge, true); !errors.As(got, &re) {
			t.Errorf("%d → %v, want a RetryError", ge.Code, got)
		}
	}
}
