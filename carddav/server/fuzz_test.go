package server

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzRequests: no body, method or header makes the server fail (5xx) or
// die. `go test -fuzz FuzzRequests ./carddav/server/` explores; make test
// runs the seeds.
func FuzzRequests(f *testing.F) {
	e := newEnv(f, Options{MaxResourceSize: 1 << 16})
	e.expect(201, "PUT", BookPath+"seed.vcf", card("seed", "Seed Person", "EMAIL:seed@example.org"))
	for _, s := range []struct{ method, path, depth, body string }{
		{"PROPFIND", BookPath, "1", `<propfind xmlns="DAV:"><prop><getetag/></prop></propfind>`},
		{"PROPFIND", "/", "0", `<propfind xmlns="DAV:"><propname/></propfind>`},
		{"REPORT", BookPath, "1", `<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><C:address-data version="4.0"/></D:prop><D:href>` + BookPath + `seed.vcf</D:href><D:href>%zz</D:href></C:addressbook-multiget>`},
		{"REPORT", BookPath, "1", `<C:addressbook-query xmlns:C="urn:ietf:params:xml:ns:carddav"><C:filter test="allof"><C:prop-filter name="EMAIL"><C:param-filter name="TYPE"><C:text-match match-type="equals">x</C:text-match></C:param-filter></C:prop-filter></C:filter><C:limit><C:nresults>0</C:nresults></C:limit></C:addressbook-query>`},
		{"REPORT", BookPath, "0", syncBody("", `<d:limit><d:nresults>1</d:nresults></d:limit>`)},
		{"PROPPATCH", HomePath, "", `<d:propertyupdate xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:remove><d:prop><cs:me-card/></d:prop></d:remove></d:propertyupdate>`},
		{"PUT", BookPath + "f.vcf", "", "BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nMEMBER:urn:uuid:seed\r\nEND:VCARD\r\n"},
		{"PUT", BookPath + "g.vcf", "", "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=x:\xff\xfe;;;\r\nPHOTO;ENCODING=BASE64:!!\r\nEND:VCARD"},
		{"DELETE", BookPath + "seed.vcf", "", ""},
		{"MOVE", BookPath + "seed.vcf", "", ""},
	} {
		f.Add(s.method, s.path, s.depth, s.body)
	}
	f.Fuzz(func(t *testing.T, method, path, depth, body string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\x00#?") || strings.ContainsAny(method, " \r\n\x00") || method == "" ||
			strings.ContainsAny(depth, "\r\n\x00") {
			return
		}
		req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.SetBasicAuth(e.user, e.pass)
		if depth != "" {
			req.Header.Set("Depth", depth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return // the client refused to send it
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s (Depth %q): %d for body %q", method, path, depth, resp.StatusCode, body)
		}
	})
}
