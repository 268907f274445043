package server

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/humans-contacts/humans/app"
)

// ----- PROPFIND -----

var (
	pResourceType      = xml.Name{Space: nsDAV, Local: "resourcetype"}
	pDisplayName       = xml.Name{Space: nsDAV, Local: "displayname"}
	pPrincipal         = xml.Name{Space: nsDAV, Local: "current-user-principal"}
	pPrincipalURL      = xml.Name{Space: nsDAV, Local: "principal-URL"}
	pPrincipalColl     = xml.Name{Space: nsDAV, Local: "principal-collection-set"}
	pOwner             = xml.Name{Space: nsDAV, Local: "owner"}
	pPrivileges        = xml.Name{Space: nsDAV, Local: "current-user-privilege-set"}
	pReports           = xml.Name{Space: nsDAV, Local: "supported-report-set"}
	pSyncToken         = xml.Name{Space: nsDAV, Local: "sync-token"}
	pGetETag           = xml.Name{Space: nsDAV, Local: "getetag"}
	pContentType       = xml.Name{Space: nsDAV, Local: "getcontenttype"}
	pContentLength     = xml.Name{Space: nsDAV, Local: "getcontentlength"}
	pLastModified      = xml.Name{Space: nsDAV, Local: "getlastmodified"}
	pCTag              = xml.Name{Space: nsCS, Local: "getctag"}
	pMeCard            = xml.Name{Space: nsCS, Local: "me-card"}
	pHomeSet           = xml.Name{Space: nsCardDAV, Local: "addressbook-home-set"}
	pAddressData       = xml.Name{Space: nsCardDAV, Local: "address-data"}
	pSupportedData     = xml.Name{Space: nsCardDAV, Local: "supported-address-data"}
	pMaxResourceSize   = xml.Name{Space: nsCardDAV, Local: "max-resource-size"}
	pCollationSetCard  = xml.Name{Space: nsCardDAV, Local: "supported-collation-set"}
	allPropsCollection = []xml.Name{pResourceType, pDisplayName, pPrincipal, pSyncToken, pCTag, pReports, pSupportedData}
	allPropsCard       = []xml.Name{pResourceType, pGetETag, pContentType, pContentLength, pLastModified}
)

const readPrivileges = "<d:privilege><d:read/></d:privilege><d:privilege><d:read-current-user-privilege-set/></d:privilege>"

const allPrivileges = readPrivileges + "<d:privilege><d:write/></d:privilege><d:privilege><d:write-content/></d:privilege>" +
	"<d:privilege><d:write-properties/></d:privilege><d:privilege><d:bind/></d:privilege><d:privilege><d:unbind/></d:privilege>"

const reportSet = "<d:supported-report><d:report><card:addressbook-multiget/></d:report></d:supported-report>" +
	"<d:supported-report><d:report><card:addressbook-query/></d:report></d:supported-report>" +
	"<d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report>"

// bookState is what the properties of a request share, read once.
type bookState struct {
	token    string
	settings app.ServerSettings
}

func (h *Handler) state(ctx context.Context) (*bookState, error) {
	rev, err := h.book.Token(ctx)
	if err != nil {
		return nil, err
	}
	tok, err := h.book.FormatToken(ctx, rev)
	if err != nil {
		return nil, err
	}
	return &bookState{token: tok, settings: h.svc.Settings().Server}, nil
}

// collectionProp returns a property of a collection, ok false when it has
// none of that name.
func (h *Handler) collectionProp(k kind, n xml.Name, st *bookState) (prop, bool) {
	p := prop{name: n}
	switch n {
	case pResourceType:
		switch k {
		case kindPrincipal:
			p.inner = "<d:collection/><d:principal/>"
		case kindBook:
			p.inner = "<d:collection/><card:addressbook/>"
		default:
			p.inner = "<d:collection/>"
		}
	case pPrincipal:
		p.inner = hrefXML(PrincipalPath)
	case pDisplayName:
		switch k {
		case kindBook:
			p.inner = escaped(st.settings.DisplayBookName())
		case kindPrincipal:
			p.inner = "Humans"
		default:
			return p, false
		}
	case pPrivileges:
		if k == kindBook {
			p.inner = allPrivileges
		} else if k == kindHome {
			p.inner = readPrivileges + "<d:privilege><d:write-properties/></d:privilege>"
		} else {
			p.inner = readPrivileges
		}
	case pHomeSet:
		if k == kindBook {
			return p, false
		}
		p.inner = hrefXML(HomePath)
	case pPrincipalURL, pOwner:
		if k == kindRoot {
			return p, false
		}
		p.inner = hrefXML(PrincipalPath)
	case pPrincipalColl:
		p.inner = hrefXML(PrincipalPath)
	case pReports:
		if k != kindBook {
			p.inner = ""
			return p, k == kindHome
		}
		p.inner = reportSet
	case pSyncToken, pCTag:
		if k != kindBook {
			return p, false
		}
		p.inner = escaped(st.token)
	case pSupportedData:
		if k != kindBook {
			return p, false
		}
		p.inner = `<card:address-data-type content-type="text/vcard" version="3.0"/><card:address-data-type content-type="text/vcard" version="4.0"/>`
	case pMaxResourceSize:
		if k != kindBook {
			return p, false
		}
		p.inner = strconv.FormatInt(h.maxSize, 10)
	case pMeCard:
		if k != kindHome || st.settings.MeCard == "" {
			return p, false
		}
		p.inner = hrefXML(cardHref(st.settings.MeCard))
	case pCollationSetCard:
		if k != kindBook {
			return p, false
		}
		p.inner = "<card:supported-collation>i;ascii-casemap</card:supported-collation><card:supported-collation>i;unicode-casemap</card:supported-collation><card:supported-collation>i;octet</card:supported-collation>"
	default:
		return p, false
	}
	return p, true
}

// cardProp returns a property of a card; version is the address-data
// version asked for.
func cardProp(c *Card, el anyElem, version string) (prop, bool) {
	p := prop{name: el.XMLName}
	switch el.XMLName {
	case pResourceType:
	case pGetETag:
		p.inner = escaped(c.ETag)
	case pContentType:
		p.inner = "text/vcard; charset=utf-8"
	case pContentLength:
		p.inner = strconv.Itoa(len(c.V3))
	case pLastModified:
		p.inner = c.Modified.UTC().Format(http.TimeFormat)
	case pPrivileges:
		p.inner = allPrivileges
	case pPrincipal:
		p.inner = hrefXML(PrincipalPath)
	case pAddressData:
		if version == "" {
			return p, false // only in REPORT
		}
		p.raw = c.Bytes(version)
		if len(el.CardProps) > 0 {
			names := make(map[string]bool, len(el.CardProps))
			for _, cp := range el.CardProps {
				names[strings.ToUpper(strings.TrimSpace(cp.Name))] = true
			}
			p.raw = selectProps(p.raw, names)
		}
	default:
		return p, false
	}
	return p, true
}

// requested lists the properties a PROPFIND or REPORT asks for; nil with
// all true for allprop (or an empty body).
func requested(pl *propList, allProp, propName bool) (els []anyElem, all bool) {
	if pl == nil || allProp || propName {
		return nil, true
	}
	return pl.Props, false
}

func namesOf(els []anyElem) []xml.Name {
	out := make([]xml.Name, len(els))
	for i, e := range els {
		out[i] = e.XMLName
	}
	return out
}

func elems(names []xml.Name) []anyElem {
	out := make([]anyElem, len(names))
	for i, n := range names {
		out[i] = anyElem{XMLName: n}
	}
	return out
}

func depthOf(r *http.Request) (int, error) {
	switch strings.TrimSpace(r.Header.Get("Depth")) {
	case "0":
		return 0, nil
	case "1":
		return 1, nil
	case "", "infinity":
		return 2, nil
	}
	return 0, badRequestf("Depth must be 0, 1 or infinity")
}

func (h *Handler) propfind(w http.ResponseWriter, r *http.Request, k kind, name string) error {
	depth, err := depthOf(r)
	if err != nil {
		return err
	}
	var req propfindReq
	switch err := decodeXML(r, &req); {
	case err == io.EOF:
		req.AllProp = &struct{}{}
	case err != nil:
		if errors.Is(err, errBodyTooLarge) {
			return err
		}
		return badRequestf("PROPFIND body: %v", err)
	case req.XMLName != xml.Name{Space: nsDAV, Local: "propfind"}:
		return badRequestf("PROPFIND body must be a DAV:propfind element, not %s", req.XMLName.Local)
	}
	els, all := requested(req.Prop, req.AllProp != nil, req.PropName != nil)
	onlyNames := req.PropName != nil
	ctx := r.Context()
	st, err := h.state(ctx)
	if err != nil {
		return err
	}
	m := newMS()
	coll := func(k kind, href string) {
		want := els
		if all {
			want = elems(allPropsCollection)
		}
		var found []prop
		var missing []xml.Name
		for _, e := range want {
			p, ok := h.collectionProp(k, e.XMLName, st)
			switch {
			case ok && onlyNames:
				found = append(found, prop{name: p.name})
			case ok:
				found = append(found, p)
			case !all:
				missing = append(missing, e.XMLName)
			}
		}
		m.response(href, found, missing)
	}
	cardResp := func(c *Card) {
		want := els
		if all {
			want = elems(allPropsCard)
		}
		var found []prop
		var missing []xml.Name
		for _, e := range want {
			p, ok := cardProp(c, e, "")
			switch {
			case ok && onlyNames:
				found = append(found, prop{name: p.name})
			case ok:
				found = append(found, p)
			case !all:
				missing = append(missing, e.XMLName)
			}
		}
		m.response(cardHref(c.Name), found, missing)
	}
	switch k {
	case kindCard:
		c, err := h.book.Lookup(ctx, name)
		if err != nil {
			return err
		}
		cardResp(c)
	case kindBook:
		coll(kindBook, BookPath)
		if depth > 0 {
			cards, _, err := h.book.List(ctx)
			if err != nil {
				return err
			}
			for _, c := range cards {
				cardResp(c)
			}
		}
	case kindHome:
		coll(kindHome, HomePath)
		if depth > 0 {
			coll(kindBook, BookPath)
		}
	case kindPrincipal:
		coll(kindPrincipal, PrincipalPath)
	case kindRoot:
		coll(kindRoot, RootPath)
		if depth > 0 {
			coll(kindPrincipal, PrincipalPath)
			coll(kindHome, HomePath)
		}
	}
	writeMS(w, m)
	return nil
}

// ----- PROPPATCH -----

func (h *Handler) proppatch(w http.ResponseWriter, r *http.Request, k kind) error {
	var req proppatchReq
	if err := decodeXML(r, &req); err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return err
		}
		return badRequestf("PROPPATCH body: %v", err)
	}
	if req.XMLName != (xml.Name{Space: nsDAV, Local: "propertyupdate"}) {
		return badRequestf("PROPPATCH body must be a DAV:propertyupdate element")
	}
	type change struct {
		name  xml.Name
		set   bool
		value anyElem
	}
	var changes []change
	for _, u := range req.Updates {
		set := u.XMLName == xml.Name{Space: nsDAV, Local: "set"}
		if !set && u.XMLName != (xml.Name{Space: nsDAV, Local: "remove"}) {
			continue
		}
		for _, p := range u.Prop.Props {
			changes = append(changes, change{name: p.XMLName, set: set, value: p})
		}
	}
	// Only the book's name and the home set's me-card can change; the
	// update is atomic (RFC 4918 §9.2): one refusal fails them all.
	refused := false
	for _, c := range changes {
		ok := (k == kindBook && c.name == pDisplayName) || (k == kindHome && c.name == pMeCard)
		refused = refused || !ok
	}
	statuses := map[int][]xml.Name{}
	if refused {
		for _, c := range changes {
			ok := (k == kindBook && c.name == pDisplayName) || (k == kindHome && c.name == pMeCard)
			if ok {
				statuses[424] = append(statuses[424], c.name)
			} else {
				statuses[403] = append(statuses[403], c.name)
			}
		}
	} else if len(changes) > 0 {
		err := h.svc.SetServerSettings(func(s *app.ServerSettings) {
			for _, c := range changes {
				switch c.name {
				case pDisplayName:
					s.BookName = ""
					if c.set {
						s.BookName = strings.TrimSpace(c.value.Text)
					}
				case pMeCard:
					s.MeCard = ""
					if c.set && len(c.value.Hrefs) > 0 {
						if _, name := classify(hrefPath(c.value.Hrefs[0])); name != "" {
							s.MeCard = name
						}
					}
				}
			}
		})
		var ve *app.ValidationError
		if errors.As(err, &ve) {
			for _, c := range changes {
				statuses[409] = append(statuses[409], c.name)
			}
		} else if err != nil {
			return err
		} else {
			for _, c := range changes {
				statuses[200] = append(statuses[200], c.name)
			}
		}
	}
	m := newMS()
	href := BookPath
	if k != kindBook {
		href = r.URL.Path
	}
	m.propstats(href, statuses)
	writeMS(w, m)
	return nil
}

// hrefPath is the decoded path of an href, absolute or relative.
func hrefPath(href string) string {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return ""
	}
	return u.Path
}
