package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav"
	webdavcarddav "github.com/emersion/go-webdav/carddav"

	"github.com/humans-contacts/humans/app"
)

// TestGoWebDAVClient drives the server with go-webdav's own CardDAV
// client: discovery, create, read, multiget, query, sync.
func TestGoWebDAVClient(t *testing.T) {
	e := newEnv(t, Options{})
	hc := webdav.HTTPClientWithBasicAuth(http.DefaultClient, e.user, e.pass)
	c, err := webdavcarddav.NewClient(hc, e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.HasSupport(ctx); err != nil {
		t.Fatalf("HasSupport: %v", err)
	}
	principal, err := c.FindCurrentUserPrincipal(ctx)
	if err != nil || principal != PrincipalPath {
		t.Fatalf("principal %q %v", principal, err)
	}
	home, err := c.FindAddressBookHomeSet(ctx, principal)
	if err != nil || home != HomePath {
		t.Fatalf("home set %q %v", home, err)
	}
	books, err := c.FindAddressBooks(ctx, home)
	if err != nil || len(books) != 1 || books[0].Path != BookPath || books[0].Name != "Contacts" || books[0].MaxResourceSize != DefaultMaxResourceSize {
		t.Fatalf("books %+v %v", books, err)
	}

	first, err := c.SyncCollection(ctx, BookPath, &webdavcarddav.SyncQuery{})
	if err != nil || len(first.Updated) != 0 || first.SyncToken == "" {
		t.Fatalf("initial sync of an empty book: %+v %v", first, err)
	}

	vc := vcard.Card{}
	vc.SetValue(vcard.FieldVersion, "3.0")
	vc.SetValue(vcard.FieldUID, "gowebdav-1")
	vc.SetValue(vcard.FieldFormattedName, "Alan Turing")
	vc.SetName(&vcard.Name{FamilyName: "Turing", GivenName: "Alan"})
	vc.SetValue(vcard.FieldEmail, "alan@example.org")
	if _, err := c.PutAddressObject(ctx, BookPath+"turing.vcf", vc); err != nil {
		t.Fatalf("put: %v", err)
	}
	got, err := c.GetAddressObject(ctx, BookPath+"turing.vcf")
	if err != nil {
		t.Fatal(err)
	}
	if got.Card.PreferredValue(vcard.FieldFormattedName) != "Alan Turing" || got.Card.Value(vcard.FieldEmail) != "alan@example.org" || got.ETag == "" {
		t.Fatalf("got %+v", got)
	}
	mg, err := c.MultiGetAddressBook(ctx, BookPath, &webdavcarddav.AddressBookMultiGet{Paths: []string{BookPath + "turing.vcf"}, DataRequest: webdavcarddav.AddressDataRequest{AllProp: true}})
	if err != nil || len(mg) != 1 || mg[0].ETag != got.ETag || mg[0].Card.Value(vcard.FieldUID) != "gowebdav-1" {
		t.Fatalf("multiget %+v %v", mg, err)
	}
	q, err := c.QueryAddressBook(ctx, BookPath, &webdavcarddav.AddressBookQuery{
		DataRequest: webdavcarddav.AddressDataRequest{AllProp: true},
		PropFilters: []webdavcarddav.PropFilter{{Name: vcard.FieldFormattedName, TextMatches: []webdavcarddav.TextMatch{{Text: "turing"}}}},
	})
	if err != nil || len(q) != 1 || q[0].Path != BookPath+"turing.vcf" {
		t.Fatalf("query %+v %v", q, err)
	}
	none, err := c.QueryAddressBook(ctx, BookPath, &webdavcarddav.AddressBookQuery{
		PropFilters: []webdavcarddav.PropFilter{{Name: vcard.FieldFormattedName, TextMatches: []webdavcarddav.TextMatch{{Text: "hopper"}}}},
	})
	if err != nil || len(none) != 0 {
		t.Fatalf("query for nobody %+v %v", none, err)
	}

	next, err := c.SyncCollection(ctx, BookPath, &webdavcarddav.SyncQuery{SyncToken: first.SyncToken})
	if err != nil || len(next.Updated) != 1 || next.Updated[0].Path != BookPath+"turing.vcf" || next.Updated[0].ETag != got.ETag {
		t.Fatalf("incremental sync %+v %v", next, err)
	}
	if err := c.RemoveAll(ctx, BookPath+"turing.vcf"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	last, err := c.SyncCollection(ctx, BookPath, &webdavcarddav.SyncQuery{SyncToken: next.SyncToken})
	if err != nil || len(last.Updated) != 0 || !slices.Equal(last.Deleted, []string{BookPath + "turing.vcf"}) {
		t.Fatalf("sync after delete %+v %v", last, err)
	}
}

// TestIOSTraffic replays what iOS Contacts sends: well-known discovery,
// the principal and home-set PROPFINDs, me-card, getctag, a create with
// If-None-Match, multiget and sync-collection.
func TestIOSTraffic(t *testing.T) {
	e := newEnv(t, Options{})
	// Discovery: the redirect needs no login.
	req, _ := http.NewRequest("PROPFIND", e.srv.URL+WellKnownPath, nil)
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != PrincipalPath {
		t.Fatalf("well-known: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body := e.expect(207, "PROPFIND", "/", `<?xml version="1.0" encoding="UTF-8"?><A:propfind xmlns:A="DAV:"><A:prop><A:current-user-principal/><A:principal-URL/><A:resourcetype/></A:prop></A:propfind>`, "Depth", "0")
	if !strings.Contains(body, "<d:current-user-principal><d:href>/principal/</d:href>") {
		t.Fatalf("root PROPFIND:\n%s", body)
	}
	_, body = e.expect(207, "PROPFIND", PrincipalPath, `<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:carddav" xmlns:C="http://calendarserver.org/ns/">
  <A:prop><A:current-user-principal/><A:principal-URL/><A:displayname/><B:addressbook-home-set/><C:email-address-set/><A:resource-id/></A:prop>
</A:propfind>`, "Depth", "0")
	for _, want := range []string{"<card:addressbook-home-set><d:href>/addressbooks/</d:href>", "<d:principal-URL><d:href>/principal/</d:href>", "404 Not Found", `<x:email-address-set xmlns:x="http://calendarserver.org/ns/"/>`} {
		if !strings.Contains(body, want) && !strings.Contains(body, strings.ReplaceAll(want, `x:email-address-set xmlns:x="http://calendarserver.org/ns/"`, "cs:email-address-set")) {
			t.Errorf("principal PROPFIND lacks %q:\n%s", want, body)
		}
	}
	_, body = e.expect(207, "PROPFIND", HomePath, `<?xml version="1.0" encoding="UTF-8"?>
<A:propfind xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:carddav" xmlns:C="http://calendarserver.org/ns/">
  <A:prop><A:current-user-privilege-set/><A:resourcetype/><A:supported-report-set/><A:sync-token/><C:me-card/><C:getctag/><A:displayname/><B:max-resource-size/></A:prop>
</A:propfind>`, "Depth", "1")
	if n := strings.Count(body, "<d:response>"); n != 2 {
		t.Fatalf("home Depth 1 has %d responses:\n%s", n, body)
	}
	for _, want := range []string{"<d:collection/><card:addressbook/>", "<cs:getctag>", "<d:sync-token>", "<d:sync-collection/>", "<card:addressbook-multiget/>", "<d:write-content/>"} {
		if !strings.Contains(body, want) {
			t.Errorf("home Depth 1 lacks %q:\n%s", want, body)
		}
	}
	ctag := first(reCTag, body)

	// Create, as iOS does: a UUID name, If-None-Match: *.
	_, _ = e.expect(201, "PUT", BookPath+"6B29FC40-CA47-1067-B31D-00DD010662DA.vcf",
		card("6B29FC40-CA47-1067-B31D-00DD010662DA", "Grace Hopper", "TEL;type=CELL;type=VOICE;type=pref:+1 202 555 0143", "item1.EMAIL;type=INTERNET:grace@example.org", "item1.X-ABLabel:_$!<Other>!$_"),
		"Content-Type", "text/vcard", "If-None-Match", "*")
	// The same again: it exists now.
	e.expect(412, "PUT", BookPath+"6B29FC40-CA47-1067-B31D-00DD010662DA.vcf", card("6B29FC40-CA47-1067-B31D-00DD010662DA", "Grace Hopper"), "If-None-Match", "*")

	_, body = e.expect(207, "PROPFIND", BookPath, `<A:propfind xmlns:A="DAV:" xmlns:C="http://calendarserver.org/ns/"><A:prop><C:getctag/><A:sync-token/></A:prop></A:propfind>`, "Depth", "0")
	if first(reCTag, body) == ctag || first(reCTag, body) != first(reToken, body) {
		t.Fatalf("getctag %q after a create (was %q), sync-token %q", first(reCTag, body), ctag, first(reToken, body))
	}
	// me-card.
	_, body = e.expect(207, "PROPPATCH", HomePath, `<A:propertyupdate xmlns:A="DAV:" xmlns:C="http://calendarserver.org/ns/"><A:set><A:prop><C:me-card><A:href>`+BookPath+`6B29FC40-CA47-1067-B31D-00DD010662DA.vcf</A:href></C:me-card></A:prop></A:set></A:propertyupdate>`)
	if !strings.Contains(body, "200 OK") {
		t.Fatalf("me-card PROPPATCH:\n%s", body)
	}
	_, body = e.expect(207, "PROPFIND", HomePath, `<A:propfind xmlns:A="DAV:" xmlns:C="http://calendarserver.org/ns/"><A:prop><C:me-card/></A:prop></A:propfind>`, "Depth", "0")
	if !strings.Contains(body, "<cs:me-card><d:href>/addressbooks/contacts/6B29FC40-CA47-1067-B31D-00DD010662DA.vcf</d:href>") {
		t.Fatalf("me-card not kept:\n%s", body)
	}
	// Multiget, 3.0 by default; the Apple group and label survive.
	_, body = e.expect(207, "REPORT", BookPath, `<?xml version="1.0" encoding="UTF-8"?><B:addressbook-multiget xmlns:A="DAV:" xmlns:B="urn:ietf:params:xml:ns:carddav"><A:prop><A:getetag/><B:address-data/></A:prop><A:href>`+BookPath+`6B29FC40-CA47-1067-B31D-00DD010662DA.vcf</A:href><A:href>`+BookPath+`missing.vcf</A:href></B:addressbook-multiget>`, "Depth", "1")
	for _, want := range []string{"VERSION:3.0", "item1.X-ABLABEL:_$!&lt;Other&gt;!$_", "item1.EMAIL", "404 Not Found", "<d:getetag>&#34;"} {
		if !strings.Contains(body, want) {
			t.Errorf("multiget lacks %q:\n%s", want, body)
		}
	}
}

// TestDAVx5Traffic replays DAVx5: capabilities, a 4.0 initial sync,
// incremental syncs, a conflicting edit, a delete.
func TestDAVx5Traffic(t *testing.T) {
	e := newEnv(t, Options{})
	for i := range 3 {
		e.expect(201, "PUT", BookPath+"app-"+strconv.Itoa(i)+".vcf", card("app-"+strconv.Itoa(i), "Person "+strconv.Itoa(i), "EMAIL:p"+strconv.Itoa(i)+"@example.org"))
	}
	_, body := e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:" xmlns:CARD="urn:ietf:params:xml:ns:carddav" xmlns:CS="http://calendarserver.org/ns/"><prop><CARD:max-resource-size/><CARD:supported-address-data/><supported-report-set/><CS:getctag/><sync-token/></prop></propfind>`, "Depth", "0")
	for _, want := range []string{`version="4.0"`, `version="3.0"`, "<d:sync-collection/>", "<card:max-resource-size>"} {
		if !strings.Contains(body, want) {
			t.Fatalf("capabilities lack %q:\n%s", want, body)
		}
	}
	// Initial sync, asking for 4.0.
	addr4 := `<d:prop><d:getetag/><card:address-data version="4.0"/></d:prop>`
	initial := `<d:sync-collection xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:sync-token/><d:sync-level>1</d:sync-level>` + addr4 + `</d:sync-collection>`
	_, body = e.expect(207, "REPORT", BookPath, initial, "Depth", "0")
	if strings.Count(body, "BEGIN:VCARD") != 3 || !strings.Contains(body, "VERSION:4.0") || strings.Contains(body, "VERSION:3.0") || len(all(reETag, body)) != 3 {
		t.Fatalf("initial 4.0 sync:\n%s", body)
	}
	tok := first(reToken, body)
	// Nothing changed: same token, nothing listed.
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, ""))
	if first(reToken, body) != tok || strings.Contains(body, "app-") {
		t.Fatalf("idle sync moved: %q → %q\n%s", tok, first(reToken, body), body)
	}
	// A company nobody works for changes: still the same token.
	if _, err := e.svc.CreateCompany(ctx, &app.Company{Name: "Unused Ltd"}); err != nil {
		t.Fatal(err)
	}
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, ""))
	if first(reToken, body) != tok {
		t.Fatalf("an unused company moved the token %q → %q", tok, first(reToken, body))
	}
	_, body = e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><sync-token/></prop></propfind>`, "Depth", "0")
	if first(reToken, body) != tok {
		t.Fatalf("sync-token property moved %q → %q", tok, first(reToken, body))
	}

	// DAVx5 uploads a 4.0 card.
	h, _ := e.expect(201, "PUT", BookPath+"davx5-new.vcf", "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:davx5-new\r\nFN:Katherine Johnson\r\nN:Johnson;Katherine;;;\r\nTEL;TYPE=cell;PREF=1:+1 757 555 0100\r\nEND:VCARD\r\n", "Content-Type", "text/vcard; charset=utf-8", "If-None-Match", "*")
	if h.Get("Location") != BookPath+"davx5-new.vcf" {
		t.Fatalf("Location %q", h.Get("Location"))
	}
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, ""))
	hrefs := all(reHref, body)
	if !slices.Equal(hrefs, []string{BookPath + "davx5-new.vcf"}) {
		t.Fatalf("incremental sync lists %v:\n%s", hrefs, body)
	}
	tok2 := first(reToken, body)
	etag := first(reETag, body)

	// Two phones edit the same card: the second, with a stale ETag, gets
	// 412 and changes nothing.
	newer := "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:davx5-new\r\nFN:Katherine Johnson\r\nN:Johnson;Katherine;;;\r\nTITLE:Mathematician\r\nEND:VCARD\r\n"
	e.expect(204, "PUT", BookPath+"davx5-new.vcf", newer, "If-Match", strings.ReplaceAll(etag, "&#34;", `"`))
	rev := e.svc.Revision()
	e.expect(412, "PUT", BookPath+"davx5-new.vcf", strings.Replace(newer, "Mathematician", "Other", 1), "If-Match", strings.ReplaceAll(etag, "&#34;", `"`))
	e.expect(412, "DELETE", BookPath+"davx5-new.vcf", "", "If-Match", strings.ReplaceAll(etag, "&#34;", `"`))
	if e.svc.Revision() != rev {
		t.Fatal("a refused write changed the store")
	}
	h, got := e.expect(200, "GET", BookPath+"davx5-new.vcf", "")
	if !strings.Contains(got, "TITLE:Mathematician") {
		t.Fatalf("after the conflict:\n%s", got)
	}
	e.expect(204, "DELETE", BookPath+"davx5-new.vcf", "", "If-Match", h.Get("ETag"))
	e.expect(404, "GET", BookPath+"davx5-new.vcf", "")
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok2, ""))
	if !strings.Contains(body, "<d:href>"+BookPath+"davx5-new.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status>") {
		t.Fatalf("the delete is not reported:\n%s", body)
	}
	// The contact is in the app's trash, restorable.
	tr, err := e.svc.ListHumans(ctx, app.Query{Trashed: true})
	if err != nil || tr.Total != 1 {
		t.Fatalf("trash %+v %v", tr, err)
	}
}

// TestThunderbirdTraffic replays Thunderbird: PROPFIND Depth 1 with
// getctag, multiget, a sync-token, then a PUT of <UID>.vcf without
// If-Match and a sync.
func TestThunderbirdTraffic(t *testing.T) {
	e := newEnv(t, Options{})
	a, err := e.svc.CreateHuman(ctx, &app.Human{FirstName: "Ada", LastName: "Lovelace", Emails: []app.Email{{Address: "ada@example.org"}}})
	if err != nil {
		t.Fatal(err)
	}
	_, body := e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:" xmlns:cs="http://calendarserver.org/ns/"><prop><resourcetype/><getetag/><cs:getctag/></prop></propfind>`, "Depth", "1")
	name := a.UID + ".vcf"
	if !strings.Contains(body, "<d:href>"+BookPath+name+"</d:href>") || len(all(reETag, body)) != 1 {
		t.Fatalf("listing:\n%s", body)
	}
	etag := strings.ReplaceAll(first(reETag, body), "&#34;", `"`)
	_, body = e.expect(207, "REPORT", BookPath, `<card:addressbook-multiget xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><card:address-data/></d:prop><d:href>`+BookPath+name+`</d:href></card:addressbook-multiget>`, "Depth", "1")
	if !strings.Contains(body, "ada@example.org") {
		t.Fatalf("multiget:\n%s", body)
	}
	_, body = e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><sync-token/></prop></propfind>`, "Depth", "0")
	tok := first(reToken, body)
	// GET and PROPFIND agree on the ETag, in both versions.
	h, v3 := e.expect(200, "GET", BookPath+name, "")
	h4, v4 := e.expect(200, "GET", BookPath+name, "", "Accept", "text/vcard; version=4.0")
	if h.Get("ETag") != etag || h4.Get("ETag") != etag || !strings.Contains(v3, "VERSION:3.0") || !strings.Contains(v4, "VERSION:4.0") {
		t.Fatalf("ETags %q %q %q\n%s\n%s", etag, h.Get("ETag"), h4.Get("ETag"), v3, v4)
	}
	e.expect(304, "GET", BookPath+name, "", "If-None-Match", etag)

	// Thunderbird writes 4.0, without If-Match.
	e.expect(204, "PUT", BookPath+name, "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:"+a.UID+"\r\nFN:Ada King\r\nN:King;Ada;;;\r\nEMAIL;PREF=1:ada@example.org\r\nEND:VCARD\r\n", "Content-Type", "text/vcard; charset=utf-8")
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, ""))
	if !slices.Equal(all(reHref, body), []string{BookPath + name}) {
		t.Fatalf("sync after the edit:\n%s", body)
	}
	got, err := e.svc.Human(ctx, a.ID)
	if err != nil || got.LastName != "King" || got.ID != a.ID {
		t.Fatalf("stored %+v %v", got, err)
	}
}

// TestAppChangesReachPhones: an edit in the app, a company rename and a
// group change show up in the next incremental sync.
func TestAppChangesReachPhones(t *testing.T) {
	e := newEnv(t, Options{})
	co, err := e.svc.CreateCompany(ctx, &app.Company{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := e.svc.CreateHuman(ctx, &app.Human{FirstName: "A", LastName: "One", CompanyID: co.ID})
	b, _ := e.svc.CreateHuman(ctx, &app.Human{FirstName: "B", LastName: "Two"})
	_, body := e.expect(207, "REPORT", BookPath, syncBody("", ""))
	tok := first(reToken, body)
	co.Name = "Acme Corporation"
	if _, err := e.svc.UpdateCompany(ctx, co); err != nil {
		t.Fatal(err)
	}
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, `<d:prop><card:address-data/></d:prop>`))
	body = strings.Replace(body, "<d:prop><d:getetag/></d:prop>", "", 1)
	if !slices.Equal(all(reHref, body), []string{BookPath + a.UID + ".vcf"}) {
		t.Fatalf("after the rename:\n%s", body)
	}
	tok = first(reToken, body)
	_, got := e.expect(200, "GET", BookPath+a.UID+".vcf", "")
	if !strings.Contains(got, "ORG:Acme Corporation") {
		t.Fatalf("the card still has the old company:\n%s", got)
	}
	if _, err := e.svc.ToggleFavorite(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, ""))
	if !slices.Equal(all(reHref, body), []string{BookPath + b.UID + ".vcf"}) {
		t.Fatalf("after an app edit:\n%s", body)
	}
}

// TestSyncLimit: limit truncates with 507 and a token that resumes.
func TestSyncLimit(t *testing.T) {
	e := newEnv(t, Options{})
	_, body := e.expect(207, "REPORT", BookPath, syncBody("", ""))
	tok := first(reToken, body)
	for i := range 5 {
		if _, err := e.svc.CreateHuman(ctx, &app.Human{FirstName: "P", LastName: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	seen := 0
	for round := 0; ; round++ {
		if round > 5 {
			t.Fatal("the truncated sync does not end")
		}
		_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, `<d:limit><d:nresults>2</d:nresults></d:limit>`))
		n := strings.Count(body, "<d:getetag>")
		seen += n
		tok = first(reToken, body)
		if !strings.Contains(body, "507 Insufficient Storage") {
			break
		}
		if n != 2 {
			t.Fatalf("a truncated page has %d cards:\n%s", n, body)
		}
	}
	if seen != 5 {
		t.Fatalf("saw %d cards over the pages, want 5", seen)
	}
	_, body = e.expect(207, "REPORT", BookPath, syncBody(tok, ""))
	if strings.Contains(body, "<d:getetag>") {
		t.Fatalf("cards left after the last page:\n%s", body)
	}
}

// TestBadRequests: each gets the right 4xx, a clear body, and changes
// nothing; the server keeps serving.
func TestBadRequests(t *testing.T) {
	e := newEnv(t, Options{MaxResourceSize: 4096})
	e.expect(201, "PUT", BookPath+"ok.vcf", card("ok", "Okay Person"))
	rev := e.svc.Revision()

	_, body := e.expect(400, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><getetag></prop>`, "Depth", "0")
	if !strings.Contains(body, "malformed XML") {
		t.Errorf("malformed XML body: %q", body)
	}
	e.expect(400, "REPORT", BookPath, `<d:sync-collection xmlns:d="DAV:"><d:sync-token>`, "Depth", "0")
	e.expect(400, "REPORT", BookPath, "")
	e.expect(403, "REPORT", BookPath, `<x:free-busy-query xmlns:x="urn:ietf:params:xml:ns:caldav"/>`)
	e.expect(400, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><allprop/></propfind>`, "Depth", "2")
	_, body = e.expect(400, "PUT", BookPath+"ok.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Broken")
	if !strings.Contains(body, "valid-address-data") || !strings.Contains(body, "not a valid vCard") {
		t.Errorf("bad vCard body: %q", body)
	}
	e.expect(400, "PUT", BookPath+"new.vcf", "hello")
	e.expect(415, "PUT", BookPath+"new.vcf", card("new", "New"), "Content-Type", "application/json")
	_, body = e.expect(413, "PUT", BookPath+"big.vcf", card("big", "Big", "NOTE:"+strings.Repeat("x", 5000)))
	if !strings.Contains(body, "max-resource-size") {
		t.Errorf("413 body: %q", body)
	}
	e.expect(405, "PUT", BookPath, card("coll", "Coll"))
	e.expect(405, "PUT", HomePath, card("coll", "Coll"))
	e.expect(409, "PUT", BookPath+"other-name.vcf", card("ok", "Same UID"))
	e.expect(409, "PUT", BookPath+"ok.vcf", card("changed-uid", "Okay Person"))
	e.expect(409, "PUT", BookPath+"ok.vcf", card("ok", "Team", "X-ADDRESSBOOKSERVER-KIND:group"))
	_, body = e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><sync-token/></prop></propfind>`, "Depth", "0")
	future := first(reToken, body)
	future = future[:strings.LastIndex(future, "/")+1] + "999999"
	_, body = e.expect(403, "REPORT", BookPath, syncBody(future, ""))
	if !strings.Contains(body, "<d:valid-sync-token/>") {
		t.Errorf("bad token body: %q", body)
	}
	e.expect(403, "REPORT", BookPath, syncBody("http://other.example/token/3", ""))
	e.expect(403, "DELETE", BookPath, "")
	e.expect(403, "MKCOL", HomePath+"other/", "")
	e.expect(404, "GET", "/elsewhere", "")
	e.expect(404, "DELETE", BookPath+"missing.vcf", "")
	e.expect(412, "PUT", BookPath+"missing.vcf", card("m", "Missing"), "If-Match", `"abc"`)
	_, body = e.expect(207, "PROPPATCH", BookPath, `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Mine</d:displayname><d:getetag>x</d:getetag></d:prop></d:set></d:propertyupdate>`)
	if !strings.Contains(body, "403 Forbidden") || !strings.Contains(body, "424 Failed Dependency") {
		t.Errorf("a PROPPATCH of a protected property: %s", body)
	}
	if e.svc.Revision() != rev {
		t.Fatalf("bad requests changed the store: revision %d → %d", rev, e.svc.Revision())
	}
	if e.svc.Settings().Server.BookName != "" {
		t.Fatal("a failed PROPPATCH renamed the book")
	}
	_, body = e.expect(207, "PROPPATCH", BookPath, `<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Mine</d:displayname></d:prop></d:set></d:propertyupdate>`)
	if !strings.Contains(body, "200 OK") || e.svc.Settings().Server.BookName != "Mine" {
		t.Errorf("displayname PROPPATCH: %s", body)
	}

	// Authentication.
	pass := e.pass
	e.pass = "wrong"
	h, _ := e.expect(401, "PROPFIND", BookPath, "", "Depth", "0")
	if !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("WWW-Authenticate %q", h.Get("WWW-Authenticate"))
	}
	for range 4 {
		e.expect(401, "PROPFIND", BookPath, "", "Depth", "0")
	}
	h, _ = e.expect(429, "PROPFIND", BookPath, "", "Depth", "0")
	if h.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	e.pass = pass
	e.expect(429, "PROPFIND", BookPath, "", "Depth", "0")
}

// TestPhoneWriteReachesWindow: a PUT is a store event at once, as the
// window sees it.
func TestPhoneWriteReachesWindow(t *testing.T) {
	e := newEnv(t, Options{})
	events, stop := e.svc.Subscribe()
	defer stop()
	e.expect(201, "PUT", BookPath+"live.vcf", card("live", "Live Edit"))
	select {
	case ev := <-events:
		if ev.Revision != e.svc.Revision() {
			t.Fatalf("event at %d, store at %d", ev.Revision, e.svc.Revision())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no store event after a PUT")
	}
	page, err := e.svc.ListHumans(ctx, app.Query{Q: "Live Edit"})
	if err != nil || page.Total != 1 {
		t.Fatalf("the window's list does not find it: %+v %v", page, err)
	}
}

// TestPhotosRoundTrip: an inline photo in a PUT is stored and served in
// both versions.
func TestPhotosRoundTrip(t *testing.T) {
	e := newEnv(t, Options{})
	png := "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4DwABAQEABRjYTgAAAABJRU5ErkJggg=="
	e.expect(201, "PUT", BookPath+"photo.vcf", card("photo", "Pic Ture", "PHOTO;ENCODING=b;TYPE=PNG:"+png))
	_, v3 := e.expect(200, "GET", BookPath+"photo.vcf", "")
	_, v4 := e.expect(200, "GET", BookPath+"photo.vcf", "", "Accept", "text/vcard;version=4.0")
	unfold := func(s string) string { return strings.ReplaceAll(s, "\r\n ", "") }
	if !strings.Contains(unfold(v3), "PHOTO;ENCODING=b;TYPE=PNG:"+png) || !strings.Contains(unfold(v4), "PHOTO:data:image/png;base64,"+png) {
		t.Fatalf("photo not served:\n%s\n%s", v3, v4)
	}
}

// TestEvolutionTraffic replays Evolution: OPTIONS for the addressbook
// class, getctag, PROPFIND Depth 1 then multiget in batches of 100, and a
// 3.0 write with If-Match.
func TestEvolutionTraffic(t *testing.T) {
	e := newEnv(t, Options{})
	var hs []*app.Human
	for i := range 250 {
		h, err := e.svc.CreateHuman(ctx, &app.Human{FirstName: "Evo", LastName: strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	h, _ := e.expect(200, "OPTIONS", BookPath, "")
	if !strings.Contains(h.Get("DAV"), "addressbook") || !strings.Contains(h.Get("Allow"), "REPORT") {
		t.Fatalf("OPTIONS: DAV %q Allow %q", h.Get("DAV"), h.Get("Allow"))
	}
	_, body := e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
	hrefs := all(reHref, body)[1:]
	if len(hrefs) != 250 {
		t.Fatalf("%d hrefs", len(hrefs))
	}
	etags := map[string]string{}
	for start := 0; start < len(hrefs); start += 100 {
		var mg strings.Builder
		mg.WriteString(`<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop>`)
		for _, href := range hrefs[start:min(start+100, len(hrefs))] {
			mg.WriteString("<D:href>" + href + "</D:href>")
		}
		mg.WriteString("</C:addressbook-multiget>")
		_, body := e.expect(207, "REPORT", BookPath, mg.String(), "Depth", "1")
		got := all(reHref, body)
		tags := all(reETag, body)
		if len(got) != len(tags) || strings.Count(body, "BEGIN:VCARD") != len(got) {
			t.Fatalf("batch at %d: %d hrefs, %d etags", start, len(got), len(tags))
		}
		for i := range got {
			etags[got[i]] = strings.ReplaceAll(tags[i], "&#34;", `"`)
		}
	}
	name := hs[7].UID + ".vcf"
	etag := etags[BookPath+name]
	// A weak form of the tag is not a strong match: 412.
	e.expect(412, "PUT", BookPath+name, card(hs[7].UID, "Evo Seven"), "If-Match", "W/"+etag)
	e.expect(204, "PUT", BookPath+name, card(hs[7].UID, "Evo Seven"), "If-Match", etag, "Content-Type", "text/vcard")
	got, _ := e.svc.Human(ctx, hs[7].ID)
	if got.LastName != "Seven" {
		t.Fatalf("stored %+v", got)
	}
}

// TestListingFollowsRenames: a contact taken over under a new name (a
// phone re-creating a card the app had trashed) is listed under the new
// name, though the listing had cached the old one.
func TestListingFollowsRenames(t *testing.T) {
	e := newEnv(t, Options{})
	h, err := e.svc.CreateHuman(ctx, &app.Human{UID: "keep-uid", FirstName: "Re", LastName: "Named"})
	if err != nil {
		t.Fatal(err)
	}
	_, body := e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
	if !slices.Equal(all(reHref, body), []string{BookPath, BookPath + "keep-uid.vcf"}) {
		t.Fatalf("before:\n%s", body)
	}
	if err := e.svc.TrashHuman(ctx, h.ID, ""); err != nil {
		t.Fatal(err)
	}
	e.expect(201, "PUT", BookPath+"phone-chose-this.vcf", card("keep-uid", "Re Named"), "If-None-Match", "*")
	_, body = e.expect(207, "PROPFIND", BookPath, `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`, "Depth", "1")
	if !slices.Equal(all(reHref, body), []string{BookPath, BookPath + "phone-chose-this.vcf"}) {
		t.Fatalf("after:\n%s", body)
	}
	e.expect(404, "GET", BookPath+"keep-uid.vcf", "")
	got, _ := e.svc.Human(ctx, h.ID)
	if got.DeletedAt != nil {
		t.Fatal("the contact stayed in the trash")
	}
}

// TestWarmFillsTheCache: after a start, the cards get encoded in the
// background, so a phone's first full sync is served from memory.
func TestWarmFillsTheCache(t *testing.T) {
	e := newEnv(t, Options{})
	for i := range 20 {
		if _, err := e.svc.CreateHuman(ctx, &app.Human{FirstName: "Warm", LastName: strconv.Itoa(i)}); err != nil {
			t.Fatal(err)
		}
	}
	e.h.Warm(t.Context())
	deadline := time.Now().Add(warmDelay + 10*time.Second)
	cached := func() int {
		e.h.book.cache.mu.RLock()
		defer e.h.book.cache.mu.RUnlock()
		return len(e.h.book.cache.m)
	}
	for cached() < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("%d cards cached after the warm-up", cached())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
