package server

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestQueryMatching(t *testing.T) {
	long := strings.Repeat("x", 70)
	served := []byte("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Zoë Núñez\r\nN:Núñez;Zoë;;;\r\n" +
		"EMAIL;TYPE=INTERNET,WORK:zoe@work.example\r\nitem1.EMAIL;TYPE=INTERNET:zoe@home.example\r\n" +
		"NOTE:a\\, b\\nc " + long[:40] + "\r\n " + long[40:] + "tail\r\nEND:VCARD\r\n")
	c := &Card{V3: served}
	for _, tc := range []struct {
		filter string
		want   bool
	}{
		{`<C:prop-filter name="FN"><C:text-match>zoë</C:text-match></C:prop-filter>`, true},
		{`<C:prop-filter name="FN"><C:text-match collation="i;octet">zoë</C:text-match></C:prop-filter>`, false},
		{`<C:prop-filter name="FN"><C:text-match match-type="starts-with">ZOË N</C:text-match></C:prop-filter>`, true},
		{`<C:prop-filter name="FN"><C:text-match match-type="equals">Zoë</C:text-match></C:prop-filter>`, false},
		{`<C:prop-filter name="FN"><C:text-match negate-condition="yes">martin</C:text-match></C:prop-filter>`, true},
		// The second EMAIL matches: every instance counts.
		{`<C:prop-filter name="EMAIL"><C:text-match match-type="ends-with">home.example</C:text-match></C:prop-filter>`, true},
		{`<C:prop-filter name="EMAIL" test="allof"><C:text-match>home</C:text-match><C:param-filter name="TYPE"><C:text-match>work</C:text-match></C:param-filter></C:prop-filter>`, false},
		{`<C:prop-filter name="EMAIL" test="allof"><C:text-match>work</C:text-match><C:param-filter name="TYPE"><C:text-match>work</C:text-match></C:param-filter></C:prop-filter>`, true},
		{`<C:prop-filter name="TEL"><C:is-not-defined/></C:prop-filter>`, true},
		{`<C:prop-filter name="TEL"/>`, false},
		{`<C:prop-filter name="NOTE"><C:text-match>a, b` + "\n" + `c</C:text-match></C:prop-filter>`, true},
		{`<C:prop-filter name="NOTE"><C:text-match>xxtail</C:text-match></C:prop-filter>`, true},
		{`<C:prop-filter name="TEL"/><C:prop-filter name="FN"/>`, true},
	} {
		for _, test := range []string{"", "allof"} {
			var f filterReq
			doc := `<C:filter xmlns:C="urn:ietf:params:xml:ns:carddav" test="` + test + `">` + tc.filter + `</C:filter>`
			if err := xml.Unmarshal([]byte(doc), &f); err != nil {
				t.Fatal(err)
			}
			q, err := toQuery(&f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := matches(q, c)
			want := tc.want
			if test == "allof" && strings.Count(tc.filter, "<C:prop-filter") > 1 {
				want = false // TEL is not defined
			}
			if err != nil || got != want {
				t.Errorf("%s (test=%q): %v %v, want %v", tc.filter, test, got, err, want)
			}
		}
	}
	var f filterReq
	xml.Unmarshal([]byte(`<C:filter xmlns:C="urn:ietf:params:xml:ns:carddav"><C:prop-filter name="FN"><C:text-match collation="x-unknown">a</C:text-match></C:prop-filter></C:filter>`), &f)
	if _, err := toQuery(&f); err == nil {
		t.Error("an unknown collation was accepted")
	}
}

func TestAddressDataProperties(t *testing.T) {
	e := newEnv(t, Options{})
	e.expect(201, "PUT", BookPath+"p.vcf", card("p", "Part Ial", "EMAIL:p@example.org", "TEL:+33 6 12 34 56 78", "NOTE:"+strings.Repeat("long note ", 20)))
	_, body := e.expect(207, "REPORT", BookPath, `<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data><C:prop name="FN"/><C:prop name="email"/><C:prop name="NOTE"/></C:address-data></D:prop><D:href>`+BookPath+`p.vcf</D:href></C:addressbook-multiget>`)
	data := body[strings.Index(body, "<card:address-data>"):strings.Index(body, "</card:address-data>")]
	for _, want := range []string{"BEGIN:VCARD", "VERSION:3.0", "FN:Part Ial", "EMAIL", "p@example.org", "NOTE:long note", "END:VCARD"} {
		if !strings.Contains(data, want) {
			t.Errorf("partial card lacks %q:\n%s", want, data)
		}
	}
	for _, absent := range []string{"TEL", "UID", "N:"} {
		if strings.Contains(data, "\n"+absent) {
			t.Errorf("partial card has %q:\n%s", absent, data)
		}
	}
	// The folded NOTE comes whole.
	if !strings.Contains(strings.ReplaceAll(data, "&#13;\n ", ""), strings.TrimSpace(strings.Repeat("long note ", 20))) {
		t.Errorf("the folded NOTE is cut:\n%s", data)
	}
}
