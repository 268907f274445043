package server

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/humans-contacts/humans/app"
)

// ----- REPORT -----

func (h *Handler) report(w http.ResponseWriter, r *http.Request, k kind) error {
	var req reportReq
	if err := decodeXML(r, &req); err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return err
		}
		if err == io.EOF {
			return badRequestf("REPORT needs a body")
		}
		return badRequestf("REPORT body: %v", err)
	}
	if k != kindBook {
		davError(w, http.StatusForbidden, xml.Name{Space: nsDAV, Local: "supported-report"}, "reports are supported on the address book "+BookPath)
		return nil
	}
	switch req.XMLName {
	case xml.Name{Space: nsCardDAV, Local: "addressbook-multiget"}:
		return h.multiget(w, r, &req)
	case xml.Name{Space: nsCardDAV, Local: "addressbook-query"}:
		return h.query(w, r, &req)
	case xml.Name{Space: nsDAV, Local: "sync-collection"}:
		return h.syncCollection(w, r, &req)
	}
	davError(w, http.StatusForbidden, xml.Name{Space: nsDAV, Local: "supported-report"},
		fmt.Sprintf("report %s is not supported (addressbook-multiget, addressbook-query and sync-collection are)", req.XMLName.Local))
	return nil
}

// reportProps returns the properties a REPORT asks for and the vCard
// version of its address-data.
func reportProps(req *reportReq) ([]anyElem, string) {
	els := []anyElem{{XMLName: pGetETag}, {XMLName: pAddressData}}
	if req.Prop != nil {
		els = req.Prop.Props
	}
	version := "3.0"
	for _, e := range els {
		if e.XMLName == pAddressData && strings.TrimSpace(e.attr("version")) == "4.0" {
			version = "4.0"
		}
	}
	return els, version
}

func writeCard(m *ms, c *Card, els []anyElem, version string) {
	var found []prop
	var missing []xml.Name
	for _, e := range els {
		if p, ok := cardProp(c, e, version); ok {
			found = append(found, p)
		} else {
			missing = append(missing, e.XMLName)
		}
	}
	m.response(cardHref(c.Name), found, missing)
}

func (h *Handler) multiget(w http.ResponseWriter, r *http.Request, req *reportReq) error {
	els, version := reportProps(req)
	m := newMS()
	for _, href := range req.Hrefs {
		k, name := classify(hrefPath(href))
		if k != kindCard {
			m.status(strings.TrimSpace(href), http.StatusNotFound)
			continue
		}
		c, err := h.book.Lookup(r.Context(), name)
		if errors.Is(err, app.ErrNotFound) {
			m.status(cardHref(name), http.StatusNotFound)
			continue
		}
		if err != nil {
			return err
		}
		writeCard(m, c, els, version)
	}
	writeMS(w, m)
	return nil
}

func (h *Handler) syncCollection(w http.ResponseWriter, r *http.Request, req *reportReq) error {
	if lvl := strings.TrimSpace(req.SyncLevel); lvl != "" && lvl != "1" {
		return badRequestf("sync-level must be 1 (the address book has no sub-collections)")
	}
	limit, err := req.limit()
	if err != nil {
		return badRequestf("%v", err)
	}
	els, version := reportProps(req)
	ctx := r.Context()
	tok := ""
	if req.SyncToken != nil {
		tok = strings.TrimSpace(*req.SyncToken)
	}
	invalid := func() {
		davError(w, http.StatusForbidden, xml.Name{Space: nsDAV, Local: "valid-sync-token"},
			"the sync token is unknown or too old; sync again from scratch (an empty sync-token)")
	}
	m := newMS()
	if tok == "" {
		// Initial sync: every card.
		cards, rev, err := h.book.List(ctx)
		if err != nil {
			return err
		}
		if limit > 0 && len(cards) > limit {
			// Clients must then sync from scratch; RFC 6578 §3.6 allows a
			// server to refuse truncating an initial sync.
			davError(w, http.StatusInsufficientStorage, xml.Name{Space: nsDAV, Local: "number-of-matches-within-limits"},
				fmt.Sprintf("the address book has %d cards, more than the limit of %d", len(cards), limit))
			return nil
		}
		for _, c := range cards {
			writeCard(m, c, els, version)
		}
		next, err := h.book.FormatToken(ctx, rev)
		if err != nil {
			return err
		}
		m.syncToken(next)
		writeMS(w, m)
		return nil
	}
	since, ok, err := h.book.ParseToken(ctx, tok)
	if err != nil {
		return err
	}
	if !ok {
		invalid()
		return nil
	}
	ch, err := h.book.ChangesSince(ctx, since, limit)
	if errors.Is(err, ErrInvalidToken) {
		invalid()
		return nil
	}
	if err != nil {
		return err
	}
	for _, c := range ch.Changed {
		writeCard(m, c, els, version)
	}
	for _, name := range ch.Removed {
		m.status(cardHref(name), http.StatusNotFound)
	}
	if ch.Truncated {
		m.status(BookPath, http.StatusInsufficientStorage)
	}
	next, err := h.book.FormatToken(ctx, ch.Token)
	if err != nil {
		return err
	}
	m.syncToken(next)
	writeMS(w, m)
	return nil
}

func (h *Handler) query(w http.ResponseWriter, r *http.Request, req *reportReq) error {
	limit, err := req.limit()
	if err != nil {
		return badRequestf("%v", err)
	}
	q, err := toQuery(req.Filter)
	if err != nil {
		return badRequestf("%v", err)
	}
	els, version := reportProps(req)
	cards, _, err := h.book.List(r.Context())
	if err != nil {
		return err
	}
	hit, err := matchAll(q, cards)
	if err != nil {
		return err
	}
	m := newMS()
	n := 0
	truncated := false
	for i, c := range cards {
		if !hit[i] {
			continue
		}
		if limit > 0 && n == limit {
			truncated = true
			break
		}
		writeCard(m, c, els, version)
		n++
	}
	if truncated {
		m.status(BookPath, http.StatusInsufficientStorage)
	}
	writeMS(w, m)
	return nil
}
