package api

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestImportEndpoint(t *testing.T) {
	e := newEnv(t, Options{})
	vcf := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\nEMAIL:ada@example.org\r\nORG:Analytical\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nNOTE:no name\r\nEND:VCARD\r\n"

	// A dry run reports and writes nothing.
	r := e.ok(200, "POST", "/api/import?format=vcard&dry_run=true&name=people.vcf", e.user, vcf)
	d := r.data()
	if num(d["created"]) != 1 || num(d["failed"]) != 1 || d["dry_run"] != true || !strings.Contains(r.body["message"].(string), "would be created") {
		t.Fatalf("dry run: %s", r.raw)
	}
	if list := e.ok(200, "GET", "/api/humans", e.user, nil).list(); len(list) != 0 {
		t.Fatalf("a dry run created %d contacts", len(list))
	}
	// For real: the broken card is reported with its position.
	r = e.ok(200, "POST", "/api/import?format=vcard&name=people.vcf", e.user, vcf)
	d = r.data()
	problems, _ := d["problems"].([]any)
	if num(d["created"]) != 1 || num(d["failed"]) != 1 || len(problems) != 1 {
		t.Fatalf("import: %s", r.raw)
	}
	if p := problems[0].(map[string]any); p["file"] != "people.vcf" || num(p["position"]) != 2 {
		t.Fatalf("problem: %v", p)
	}
	if c, _ := d["companies_created"].([]any); len(c) != 1 {
		t.Fatalf("companies created: %v", d["companies_created"])
	}
	// Again: recognised, not doubled.
	r = e.ok(200, "POST", "/api/import?name=people.vcf", e.user, vcf)
	if d := r.data(); num(d["created"]) != 0 || num(d["skipped"]) != 1 {
		t.Fatalf("second import: %s", r.raw)
	}

	e.fails(401, "unauthorized", "POST", "/api/import", "", vcf)
	e.fails(422, "validation_error", "POST", "/api/import?format=xml", e.user, vcf, "format")
	e.fails(400, "bad_request", "POST", "/api/import?dry_run=maybe", e.user, vcf, "dry_run")
	e.fails(422, "invalid_file", "POST", "/api/import?format=json", e.user, `{"humans": [ {"first_name": "cut`)
	e.fails(422, "invalid_file", "POST", "/api/import?format=csv", e.user, "colour,shape\nred,round\n")
}

func TestImportEndpointTakesLargeFilesAndTheMediaType(t *testing.T) {
	e := newEnv(t, Options{MaxBodyBytes: 1024})
	var big strings.Builder
	for i := range 200 {
		big.WriteString("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Person " + strings.Repeat("x", i%7) + strconv.Itoa(i) + "\r\nEND:VCARD\r\n")
	}
	if big.Len() <= 1024 {
		t.Fatal("the file must be larger than the JSON body limit")
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/import", bytes.NewReader([]byte(big.String())))
	req.Header.Set(APIKeyHeader, e.user)
	req.Header.Set("Content-Type", "text/vcard; charset=utf-8")
	res, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	if list := e.ok(200, "GET", "/api/humans?per_page=100", e.user, nil).pagination(); num(list["total"]) != 200 {
		t.Fatalf("total %v", list["total"])
	}
	// JSON bodies keep their own limit.
	e.fails(413, "payload_too_large", "POST", "/api/humans", e.user, `{"first_name": "`+strings.Repeat("x", 2000)+`"}`)
}
