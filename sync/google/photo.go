package google

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"google.golang.org/api/people/v1"

	"github.com/humans-contacts/humans/store"
	"github.com/humans-contacts/humans/sync"
)

// maxPhoto is the largest photo downloaded.
const maxPhoto = 20 << 20

// plainClient fetches photos served by other hosts than the API's
// (Google's photo URLs need no authorization): the account's token is
// sent to the API's host only.
var plainClient = &http.Client{Timeout: time.Minute}

// FetchPhoto downloads the photo a contact's PhotoURL names.
func (p *Provider) FetchPhoto(ctx context.Context, photoURL string) ([]byte, error) {
	u, err := url.Parse(photoURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("google: %q is not a photo address", photoURL)
	}
	client := plainClient
	if u.Host == p.host {
		client = p.hc
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, photoURL, nil)
	if err != nil {
		return nil, fmt.Errorf("google: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, classify("downloading a photo", err, false)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == 404 || resp.StatusCode == 410:
		return nil, fmt.Errorf("google: photo %s: %w", photoURL, sync.ErrRemoteNotFound)
	case resp.StatusCode == 429 || resp.StatusCode >= 500:
		return nil, &sync.RetryError{Status: resp.StatusCode, RetryAfter: sync.ParseRetryAfter(resp.Header.Get("Retry-After")),
			Err: fmt.Errorf("google: downloading a photo: %s", resp.Status)}
	case resp.StatusCode != 200:
		return nil, fmt.Errorf("google: downloading a photo: %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxPhoto+1))
	if err != nil {
		return nil, classify("downloading a photo", err, false)
	}
	if len(data) > maxPhoto {
		return nil, fmt.Errorf("google: photo %s is larger than %d MiB", photoURL, maxPhoto>>20)
	}
	return data, nil
}

// PutPhoto sets data (JPEG or PNG) as the photo of contact id
// (updateContactPhoto), or removes it when data is nil
// (deleteContactPhoto).
func (p *Provider) PutPhoto(ctx context.Context, id string, data []byte) (sync.Remote, error) {
	var person *people.Person
	if data == nil {
		resp, err := p.svc.People.DeleteContactPhoto(id).PersonFields(readFields).Sources(contactSource...).Context(ctx).Do()
		if err != nil {
			return sync.Remote{}, classify("removing the photo of "+id, err, true)
		}
		person = resp.Person
	} else {
		if !bytes.HasPrefix(data, []byte("\xff\xd8\xff")) && !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
			return sync.Remote{}, &store.ValidationError{Fields: map[string]string{"photo": "Google takes JPEG and PNG photos only"}}
		}
		resp, err := p.svc.People.UpdateContactPhoto(id, &people.UpdateContactPhotoRequest{
			PhotoBytes: base64.StdEncoding.EncodeToString(data), PersonFields: readFields, Sources: contactSource}).Context(ctx).Do()
		if err != nil {
			return sync.Remote{}, classify("setting the photo of "+id, err, true)
		}
		person = resp.Person
	}
	if person == nil {
		return p.Get(ctx, id)
	}
	return p.remote(ctx, person)
}
