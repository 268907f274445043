package server

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// XML namespaces.
const (
	nsDAV     = "DAV:"
	nsCardDAV = "urn:ietf:params:xml:ns:carddav"
	nsCS      = "http://calendarserver.org/ns/"
	nsHumans  = "https://github.com/humans-contacts/humans/ns"
)

// prefixes used in responses.
var nsPrefix = map[string]string{nsDAV: "d", nsCardDAV: "card", nsCS: "cs", nsHumans: "h"}

// maxXMLBody bounds PROPFIND, PROPPATCH and REPORT bodies.
const maxXMLBody = 1 << 20

// anyElem is any XML element, kept with its attributes and content.
type anyElem struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Hrefs   []string   `xml:"DAV: href"`
	// CardProps are the properties an address-data element asks for
	// (RFC 6352 §10.4); none means the whole card.
	CardProps []struct {
		Name string `xml:"name,attr"`
	} `xml:"urn:ietf:params:xml:ns:carddav prop"`
}

// attr returns the value of the attribute called local, "" when absent.
func (e anyElem) attr(local string) string {
	for _, a := range e.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

type propList struct {
	Props []anyElem `xml:",any"`
}

type propfindReq struct {
	XMLName  xml.Name
	Prop     *propList `xml:"DAV: prop"`
	AllProp  *struct{} `xml:"DAV: allprop"`
	PropName *struct{} `xml:"DAV: propname"`
}

type proppatchReq struct {
	XMLName xml.Name
	Updates []struct {
		XMLName xml.Name
		Prop    propList `xml:"DAV: prop"`
	} `xml:",any"`
}

type filterReq struct {
	Test  string `xml:"test,attr"`
	Props []struct {
		Name         string    `xml:"name,attr"`
		Test         string    `xml:"test,attr"`
		IsNotDefined *struct{} `xml:"urn:ietf:params:xml:ns:carddav is-not-defined"`
		TextMatches  []struct {
			Text            string `xml:",chardata"`
			Collation       string `xml:"collation,attr"`
			NegateCondition string `xml:"negate-condition,attr"`
			MatchType       string `xml:"match-type,attr"`
		} `xml:"urn:ietf:params:xml:ns:carddav text-match"`
		Params []struct {
			Name         string    `xml:"name,attr"`
			IsNotDefined *struct{} `xml:"urn:ietf:params:xml:ns:carddav is-not-defined"`
			TextMatch    *struct {
				Text            string `xml:",chardata"`
				NegateCondition string `xml:"negate-condition,attr"`
				MatchType       string `xml:"match-type,attr"`
			} `xml:"urn:ietf:params:xml:ns:carddav text-match"`
		} `xml:"urn:ietf:params:xml:ns:carddav param-filter"`
	} `xml:"urn:ietf:params:xml:ns:carddav prop-filter"`
}

type reportReq struct {
	XMLName   xml.Name
	Prop      *propList `xml:"DAV: prop"`
	AllProp   *struct{} `xml:"DAV: allprop"`
	Hrefs     []string  `xml:"DAV: href"`
	SyncToken *string   `xml:"DAV: sync-token"`
	SyncLevel string    `xml:"DAV: sync-level"`
	DAVLimit  *struct {
		NResults string `xml:"DAV: nresults"`
	} `xml:"DAV: limit"`
	CardLimit *struct {
		NResults string `xml:"urn:ietf:params:xml:ns:carddav nresults"`
	} `xml:"urn:ietf:params:xml:ns:carddav limit"`
	Filter *filterReq `xml:"urn:ietf:params:xml:ns:carddav filter"`
}

// limit returns the nresults of the request, 0 when none.
func (r *reportReq) limit() (int, error) {
	s := ""
	if r.DAVLimit != nil {
		s = r.DAVLimit.NResults
	} else if r.CardLimit != nil {
		s = r.CardLimit.NResults
	} else {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return 0, fmt.Errorf("limit: nresults must be a positive number, got %q", s)
	}
	return n, nil
}

// errBodyTooLarge is a request body over the limit.
var errBodyTooLarge = errors.New("request body too large")

// decodeXML reads an XML request body into v. An empty body leaves v
// untouched and returns io.EOF.
func decodeXML(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxXMLBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errBodyTooLarge
		}
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return io.EOF
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = true
	dec.CharsetReader = func(charset string, input io.Reader) (io.Reader, error) {
		if strings.EqualFold(charset, "utf-8") || strings.EqualFold(charset, "us-ascii") {
			return input, nil
		}
		return nil, fmt.Errorf("unsupported charset %q", charset)
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("malformed XML: %w", err)
	}
	return nil
}

// ms writes a DAV:multistatus document.
type ms struct {
	b bytes.Buffer
}

func newMS() *ms {
	m := &ms{}
	m.b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	m.b.WriteString(`<d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/">`)
	return m
}

func (m *ms) text(s string) { xml.EscapeText(&m.b, []byte(s)) }

// prop is one property of a response: its name and its content, already
// XML (empty for an empty element).
type prop struct {
	name  xml.Name
	inner string
	raw   []byte // address-data bytes, escaped on write
}

// open writes the start of an element named n; its namespace is declared
// on the element when it is not one of the document's.
func (m *ms) open(n xml.Name, selfClose bool) {
	m.b.WriteByte('<')
	if p, ok := nsPrefix[n.Space]; ok && p != "h" {
		m.b.WriteString(p)
		m.b.WriteByte(':')
		m.b.WriteString(n.Local)
	} else {
		m.b.WriteString("x:")
		m.b.WriteString(n.Local)
		m.b.WriteString(` xmlns:x="`)
		m.text(n.Space)
		m.b.WriteByte('"')
	}
	if selfClose {
		m.b.WriteString("/>")
	} else {
		m.b.WriteByte('>')
	}
}

func (m *ms) close(n xml.Name) {
	m.b.WriteString("</")
	if p, ok := nsPrefix[n.Space]; ok && p != "h" {
		m.b.WriteString(p)
		m.b.WriteByte(':')
	} else {
		m.b.WriteString("x:")
	}
	m.b.WriteString(n.Local)
	m.b.WriteByte('>')
}

// response writes one DAV:response with a propstat for the found
// properties and one for the missing ones.
func (m *ms) response(href string, found []prop, missing []xml.Name) {
	m.b.WriteString("<d:response><d:href>")
	m.text(href)
	m.b.WriteString("</d:href>")
	if len(found) > 0 {
		m.b.WriteString("<d:propstat><d:prop>")
		for _, p := range found {
			if p.inner == "" && p.raw == nil {
				m.open(p.name, true)
				continue
			}
			m.open(p.name, false)
			if p.raw != nil {
				escapeData(&m.b, p.raw)
			} else {
				m.b.WriteString(p.inner)
			}
			m.close(p.name)
		}
		m.b.WriteString("</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>")
	}
	if len(missing) > 0 {
		m.b.WriteString("<d:propstat><d:prop>")
		for _, n := range missing {
			m.open(n, true)
		}
		m.b.WriteString("</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>")
	}
	m.b.WriteString("</d:response>")
}

// propstats writes a response whose properties have their own status
// each (PROPPATCH).
func (m *ms) propstats(href string, statuses map[int][]xml.Name) {
	m.b.WriteString("<d:response><d:href>")
	m.text(href)
	m.b.WriteString("</d:href>")
	for _, code := range []int{200, 403, 409, 424} {
		names := statuses[code]
		if len(names) == 0 {
			continue
		}
		m.b.WriteString("<d:propstat><d:prop>")
		for _, n := range names {
			m.open(n, true)
		}
		fmt.Fprintf(&m.b, "</d:prop><d:status>HTTP/1.1 %d %s</d:status></d:propstat>", code, http.StatusText(code))
	}
	m.b.WriteString("</d:response>")
}

// status writes a response that has only a status (a removed member, a
// missing href).
func (m *ms) status(href string, code int) {
	m.b.WriteString("<d:response><d:href>")
	m.text(href)
	fmt.Fprintf(&m.b, "</d:href><d:status>HTTP/1.1 %d %s</d:status></d:response>", code, http.StatusText(code))
}

func (m *ms) syncToken(tok string) {
	m.b.WriteString("<d:sync-token>")
	m.text(tok)
	m.b.WriteString("</d:sync-token>")
}

func (m *ms) bytes() []byte {
	m.b.WriteString("</d:multistatus>\n")
	return m.b.Bytes()
}

func writeMS(w http.ResponseWriter, m *ms) {
	b := m.bytes()
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusMultiStatus)
	w.Write(b)
}

// davError writes a DAV:error body (RFC 4918 §16) naming a precondition,
// with a human-readable message.
func davError(w http.ResponseWriter, code int, cond xml.Name, message string) {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n")
	b.WriteString(`<d:error xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:h="` + nsHumans + `">`)
	if cond.Local != "" {
		m := &ms{}
		m.open(cond, true)
		b.Write(m.b.Bytes())
	}
	b.WriteString("<h:message>")
	xml.EscapeText(&b, []byte(message))
	b.WriteString("</h:message></d:error>\n")
	w.Header().Set("Content-Type", `application/xml; charset="utf-8"`)
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

// hrefXML is the content of a property holding one href.
func hrefXML(path string) string {
	var b bytes.Buffer
	b.WriteString("<d:href>")
	xml.EscapeText(&b, []byte(path))
	b.WriteString("</d:href>")
	return b.String()
}

func escaped(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// escapeData escapes card bytes for XML text: &, < and > as entities,
// CR as &#13; (XML would turn a raw CRLF into LF); LF stays raw.
func escapeData(b *bytes.Buffer, data []byte) {
	last := 0
	for i, c := range data {
		var esc string
		switch c {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#13;"
		case '\t', '\n':
			continue
		default:
			if c >= 0x20 {
				continue
			}
			esc = "\uFFFD" // not representable in XML 1.0
		}
		b.Write(data[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.Write(data[last:])
}
