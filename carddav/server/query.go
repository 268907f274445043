package server

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/emersion/go-vcard"
)

// The addressbook-query filter (RFC 6352 §10.5). go-webdav's matcher
// compares case-sensitively and only the first instance of a property,
// while the default collation, i;unicode-casemap, ignores case; so the
// server matches itself.

type textMatch struct {
	text      string
	negate    bool
	matchType string // equals, contains (default), starts-with, ends-with
	octet     bool   // i;octet: case-sensitive
}

type paramFilter struct {
	name       string
	notDefined bool
	tm         *textMatch
}

type propFilter struct {
	name       string
	nameBytes  []byte
	allOf      bool
	notDefined bool
	tms        []textMatch
	params     []paramFilter
}

type query struct {
	allOf bool
	props []propFilter
}

func newTextMatch(text, collation, negate, matchType string) (textMatch, error) {
	tm := textMatch{text: text, negate: negate == "yes", matchType: matchType}
	switch collation {
	case "", "i;unicode-casemap", "i;ascii-casemap":
		tm.text = strings.ToLower(text)
	case "i;octet":
		tm.octet = true
	default:
		return tm, fmt.Errorf("unsupported collation %q", collation)
	}
	switch matchType {
	case "", "contains", "equals", "starts-with", "ends-with":
	default:
		return tm, fmt.Errorf("unknown match-type %q", matchType)
	}
	if negate != "" && negate != "yes" && negate != "no" {
		return tm, fmt.Errorf("negate-condition must be yes or no, not %q", negate)
	}
	return tm, nil
}

// toQuery reads a CARDDAV:filter.
func toQuery(f *filterReq) (*query, error) {
	q := &query{}
	if f == nil {
		return q, nil
	}
	q.allOf = f.Test == "allof"
	for _, p := range f.Props {
		if p.Name == "" {
			return nil, fmt.Errorf("a prop-filter has no name")
		}
		pf := propFilter{name: strings.ToUpper(p.Name), nameBytes: []byte(strings.ToUpper(p.Name)), allOf: p.Test == "allof", notDefined: p.IsNotDefined != nil}
		for _, t := range p.TextMatches {
			tm, err := newTextMatch(t.Text, t.Collation, t.NegateCondition, t.MatchType)
			if err != nil {
				return nil, err
			}
			pf.tms = append(pf.tms, tm)
		}
		for _, pp := range p.Params {
			par := paramFilter{name: strings.ToUpper(pp.Name), notDefined: pp.IsNotDefined != nil}
			if pp.TextMatch != nil {
				tm, err := newTextMatch(pp.TextMatch.Text, "", pp.TextMatch.NegateCondition, pp.TextMatch.MatchType)
				if err != nil {
					return nil, err
				}
				par.tm = &tm
			}
			pf.params = append(pf.params, par)
		}
		q.props = append(q.props, pf)
	}
	return q, nil
}

func (tm textMatch) match(v string) bool {
	if !tm.octet {
		v = strings.ToLower(v)
	}
	var ok bool
	switch tm.matchType {
	case "equals":
		ok = v == tm.text
	case "starts-with":
		ok = strings.HasPrefix(v, tm.text)
	case "ends-with":
		ok = strings.HasSuffix(v, tm.text)
	default:
		ok = strings.Contains(v, tm.text)
	}
	return ok != tm.negate
}

// matchField tests one instance of the property.
func (pf propFilter) matchField(f *vcard.Field) bool {
	tests := 0
	passed := 0
	for _, tm := range pf.tms {
		tests++
		if tm.match(f.Value) {
			passed++
		}
	}
	for _, p := range pf.params {
		tests++
		vals, defined := f.Params[p.name]
		ok := false
		switch {
		case p.notDefined:
			ok = !defined
		case p.tm == nil:
			ok = defined
		default:
			for _, v := range vals {
				ok = ok || p.tm.match(v)
			}
		}
		if ok {
			passed++
		}
	}
	if tests == 0 {
		return true
	}
	if pf.allOf {
		return passed == tests
	}
	return passed > 0
}

func (pf propFilter) match(card vcard.Card) bool {
	fields := card[pf.name]
	if pf.notDefined {
		return len(fields) == 0
	}
	for _, f := range fields {
		if pf.matchField(f) {
			return true
		}
	}
	return false
}

// matchAll runs q on every card, on every core.
func matchAll(q *query, cards []*Card) ([]bool, error) {
	hit := make([]bool, len(cards))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(cards)/512))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(cards); i += workers {
				ok, err := matches(q, cards[i])
				if err != nil {
					errs[w] = fmt.Errorf("carddav: matching %q: %w", cards[i].Name, err)
					return
				}
				hit[i] = ok
			}
		})
	}
	wg.Wait()
	return hit, errors.Join(errs...)
}

// matches runs q on the properties of c it names: only those lines of
// the served card are parsed.
func matches(q *query, c *Card) (bool, error) {
	if len(q.props) == 0 {
		return true, nil
	}
	card, err := linesOf(c.V3, q)
	if err != nil {
		return false, err
	}
	for _, pf := range q.props {
		ok := pf.match(card)
		if ok && !q.allOf {
			return true, nil
		}
		if !ok && q.allOf {
			return false, nil
		}
	}
	return q.allOf, nil
}

// linesOf reads the lines of a served card whose property the query
// filters on. The bytes are this server's own output (carddav.WriteCard:
// UTF-8, CRLF, folded at 75 octets), so a plain line reader is enough.
func linesOf(b []byte, q *query) (vcard.Card, error) {
	var card vcard.Card
	for len(b) > 0 {
		// The logical line runs to a CRLF not followed by a space or tab.
		end := 0
		for {
			i := bytes.IndexByte(b[end:], '\n')
			if i < 0 {
				end = len(b)
				break
			}
			end += i + 1
			if end >= len(b) || (b[end] != ' ' && b[end] != '\t') {
				break
			}
		}
		line := bytes.TrimRight(b[:end], "\r\n")
		b = b[end:]
		nameEnd := bytes.IndexAny(line, ":;")
		if nameEnd < 0 {
			continue
		}
		name := line[:nameEnd]
		group := ""
		if k := bytes.IndexByte(name, '.'); k >= 0 {
			group, name = string(name[:k]), name[k+1:]
		}
		for i := range q.props {
			pf := &q.props[i]
			if !bytes.EqualFold(name, pf.nameBytes) {
				continue
			}
			f, err := parseLine(unfold(line[nameEnd:]))
			if err != nil {
				return nil, err
			}
			f.Group = group
			if card == nil {
				card = vcard.Card{}
			}
			card[pf.name] = append(card[pf.name], f)
			break
		}
	}
	return card, nil
}

// unfold joins folded lines (CRLF and one space or tab).
func unfold(b []byte) []byte {
	if bytes.IndexByte(b, '\n') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' && i+2 < len(b) && b[i+1] == '\n' && (b[i+2] == ' ' || b[i+2] == '\t') {
			i += 2
			continue
		}
		if b[i] == '\n' && i+1 < len(b) && (b[i+1] == ' ' || b[i+1] == '\t') {
			i++
			continue
		}
		out = append(out, b[i])
	}
	return out
}

// parseLine reads ";PARAM=a,b;X="q":value" (what follows the name).
func parseLine(rest []byte) (*vcard.Field, error) {
	f := &vcard.Field{}
	for len(rest) > 0 && rest[0] == ';' {
		rest = rest[1:]
		eq := bytes.IndexAny(rest, "=;:")
		if eq < 0 {
			return nil, fmt.Errorf("a parameter without end")
		}
		pname := strings.ToUpper(string(rest[:eq]))
		if rest[eq] != '=' {
			if f.Params == nil {
				f.Params = vcard.Params{}
			}
			f.Params[vcard.ParamType] = append(f.Params[vcard.ParamType], pname)
			rest = rest[eq:]
			continue
		}
		rest = rest[eq+1:]
		for {
			var v string
			if len(rest) > 0 && rest[0] == '"' {
				q := bytes.IndexByte(rest[1:], '"')
				if q < 0 {
					return nil, fmt.Errorf("an unclosed quote")
				}
				v, rest = string(rest[1:1+q]), rest[2+q:]
			} else {
				k := bytes.IndexAny(rest, ",;:")
				if k < 0 {
					return nil, fmt.Errorf("a parameter without end")
				}
				v, rest = string(rest[:k]), rest[k:]
			}
			if f.Params == nil {
				f.Params = vcard.Params{}
			}
			f.Params[pname] = append(f.Params[pname], v)
			if len(rest) > 0 && rest[0] == ',' {
				rest = rest[1:]
				continue
			}
			break
		}
	}
	if len(rest) == 0 || rest[0] != ':' {
		return nil, fmt.Errorf("a line without a value")
	}
	f.Value = unescape(rest[1:])
	return f, nil
}

// unescape applies go-vcard's value convention: \\, \n, \N and \, are
// unescaped; \; stays escaped (structured values split on bare ;).
func unescape(v []byte) string {
	if bytes.IndexByte(v, '\\') < 0 {
		return string(v)
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+1 < len(v) {
			switch v[i+1] {
			case '\\', ',':
				out = append(out, v[i+1])
				i++
				continue
			case 'n', 'N':
				out = append(out, '\n')
				i++
				continue
			}
		}
		out = append(out, v[i])
	}
	return string(out)
}

// selectProps keeps of a served card the properties named (upper case),
// with BEGIN, END and VERSION, which every card has: an address-data
// element that lists properties asks for those only.
func selectProps(b []byte, names map[string]bool) []byte {
	out := make([]byte, 0, 256)
	for len(b) > 0 {
		end := 0
		for {
			i := bytes.IndexByte(b[end:], '\n')
			if i < 0 {
				end = len(b)
				break
			}
			end += i + 1
			if end >= len(b) || (b[end] != ' ' && b[end] != '\t') {
				break
			}
		}
		line := b[:end]
		b = b[end:]
		nameEnd := bytes.IndexAny(line, ":;")
		if nameEnd < 0 {
			continue
		}
		name := line[:nameEnd]
		if k := bytes.IndexByte(name, '.'); k >= 0 {
			name = name[k+1:]
		}
		upper := strings.ToUpper(string(name))
		if names[upper] || upper == "BEGIN" || upper == "END" || upper == "VERSION" {
			out = append(out, line...)
		}
	}
	return out
}
