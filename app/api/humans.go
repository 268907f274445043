package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/humans-contacts/humans/app"
)

// humanJSON is a contact as the Hub answers it. Lists are never null;
// phone numbers and e-mails use the Hub's response spelling.
type humanJSON struct {
	ID           int64             `json:"id"`
	UID          string            `json:"uid"`
	FirstName    string            `json:"first_name"`
	LastName     string            `json:"last_name"`
	DisplayName  string            `json:"display_name"`
	Nickname     string            `json:"nickname"`
	Prefix       string            `json:"prefix"`
	Suffix       string            `json:"suffix"`
	Gender       string            `json:"gender"`
	JobTitle     string            `json:"job_title"`
	Department   string            `json:"department"`
	CompanyID    *int64            `json:"company_id"`
	CompanyName  *string           `json:"company_name"`
	Birthday     *string           `json:"birthday"`
	Notes        string            `json:"notes"`
	PhotoURL     string            `json:"photo_url"`
	HasPhoto     bool              `json:"has_photo"`
	Source       string            `json:"source"`
	IsFavorite   bool              `json:"is_favorite"`
	Language     string            `json:"language"`
	Metadata     map[string]string `json:"metadata"`
	PhoneNumbers []phoneJSON       `json:"phone_numbers"`
	Emails       []emailJSON       `json:"emails"`
	Addresses    []app.Address     `json:"addresses"`
	URLs         []app.URL         `json:"urls"`
	IMs          []app.IM          `json:"ims"`
	Groups       []groupRef        `json:"groups"`
	GroupIDs     []int64           `json:"group_ids"`
	Consents     []app.Consent     `json:"consents"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	DeletedAt    *time.Time        `json:"deleted_at,omitempty"`
	ETag         string            `json:"etag"`
}

type phoneJSON struct {
	PhoneNumber string `json:"phone_number"`
	PhoneType   string `json:"phone_type"`
	Extension   string `json:"extension,omitempty"`
	IsPrimary   bool   `json:"is_primary"`
}

type emailJSON struct {
	Email     string `json:"email"`
	EmailType string `json:"email_type"`
	IsPrimary bool   `json:"is_primary"`
}

type groupRef struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color"`
}

// phoneIn and emailIn accept both spellings of the seed: requests send
// number/type and address/type, responses carry phone_number/phone_type
// and email/email_type.
type phoneIn struct {
	Number      *string `json:"number"`
	PhoneNumber *string `json:"phone_number"`
	Type        *string `json:"type"`
	PhoneType   *string `json:"phone_type"`
	Extension   string  `json:"extension"`
	IsPrimary   bool    `json:"is_primary"`
}

type emailIn struct {
	Address   *string `json:"address"`
	Email     *string `json:"email"`
	Type      *string `json:"type"`
	EmailType *string `json:"email_type"`
	IsPrimary bool    `json:"is_primary"`
}

func first(vs ...*string) string {
	for _, v := range vs {
		if v != nil {
			return *v
		}
	}
	return ""
}

// groupIndex reads the groups once per request, for the groups of each
// contact shown.
func (s *server) groupIndex(ctx context.Context) (map[int64]*app.Group, error) {
	groups, err := s.svc.Groups(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]*app.Group, len(groups))
	for _, g := range groups {
		m[g.ID] = g
	}
	return m, nil
}

func (s *server) toHumanJSON(h *app.Human, groups map[int64]*app.Group) humanJSON {
	out := humanJSON{
		ID: h.ID, UID: h.UID, FirstName: h.FirstName, LastName: h.LastName, DisplayName: h.Name(),
		Nickname: h.Nickname, Prefix: h.Prefix, Suffix: h.Suffix, Gender: h.Gender, JobTitle: h.JobTitle,
		Department: h.Department, Notes: h.Notes, PhotoURL: h.PhotoURL, HasPhoto: h.PhotoHash != "",
		Source: string(h.Source), IsFavorite: h.IsFavorite, Language: h.Language,
		Metadata: h.CustomFields, PhoneNumbers: make([]phoneJSON, len(h.Phones)), Emails: make([]emailJSON, len(h.Emails)),
		Addresses: h.Addresses, URLs: h.URLs, IMs: h.IMs, Groups: make([]groupRef, 0, len(h.GroupIDs)),
		GroupIDs: h.GroupIDs, Consents: h.Consents, CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt,
		DeletedAt: h.DeletedAt, ETag: h.ETag,
	}
	if h.CompanyID != 0 {
		id, name := h.CompanyID, s.svc.CompanyName(h.CompanyID)
		out.CompanyID, out.CompanyName = &id, &name
	}
	if h.Birthday != nil {
		b := h.Birthday.String()
		out.Birthday = &b
	}
	for i, p := range h.Phones {
		out.PhoneNumbers[i] = phoneJSON{PhoneNumber: p.Number, PhoneType: p.Type, Extension: p.Extension, IsPrimary: p.IsPrimary}
	}
	for i, e := range h.Emails {
		out.Emails[i] = emailJSON{Email: e.Address, EmailType: e.Type, IsPrimary: e.IsPrimary}
	}
	for _, id := range h.GroupIDs {
		if g := groups[id]; g != nil {
			out.Groups = append(out.Groups, groupRef{ID: g.ID, Name: g.Name, Color: g.Color})
		}
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if out.Addresses == nil {
		out.Addresses = []app.Address{}
	}
	if out.URLs == nil {
		out.URLs = []app.URL{}
	}
	if out.IMs == nil {
		out.IMs = []app.IM{}
	}
	if out.GroupIDs == nil {
		out.GroupIDs = []int64{}
	}
	if out.Consents == nil {
		out.Consents = []app.Consent{}
	}
	return out
}

func (s *server) humansJSON(ctx context.Context, hs []*app.Human) ([]humanJSON, error) {
	groups, err := s.groupIndex(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]humanJSON, len(hs))
	for i, h := range hs {
		out[i] = s.toHumanJSON(h, groups)
	}
	return out, nil
}

// humanPatch reads a contact's fields from a request body: every field is
// optional and nil when not sent, as PUT wants; POST applies the same
// patch to an empty contact. Type errors are 400; a malformed birthday is
// a validation error (422).
func humanPatch(o *object) (app.HumanPatch, *app.ValidationError, error) {
	var p app.HumanPatch
	str := func(names ...string) *string {
		v := ptr[*string](o, "a string", names...)
		if v == nil {
			return nil
		}
		if *v == nil {
			empty := ""
			return &empty // null clears
		}
		return *v
	}
	p.FirstName = str("first_name")
	p.LastName = str("last_name")
	p.DisplayName = str("display_name")
	p.Nickname = str("nickname")
	p.Prefix = str("prefix")
	p.Suffix = str("suffix")
	p.Gender = str("gender")
	p.JobTitle = str("job_title")
	p.Department = str("department")
	p.Notes = str("notes")
	p.Language = str("language")
	p.PhotoURL = str("photo_url")
	if v := str("source"); v != nil {
		src := app.Source(strings.ToLower(*v))
		p.Source = &src
	}
	if v := ptr[*int64](o, "an integer id or null", "company_id"); v != nil {
		var id int64
		if *v != nil {
			id = **v
		}
		p.CompanyID = &id
	}
	if v := ptr[*bool](o, "true or false", "is_favorite"); v != nil {
		fav := *v != nil && **v
		p.IsFavorite = &fav
	}
	verr := &app.ValidationError{}
	if v := ptr[*string](o, `a date "YYYY-MM-DD", "--MM-DD" or null`, "birthday"); v != nil {
		var b *app.Birthday
		if *v != nil && strings.TrimSpace(**v) != "" {
			var err error
			if b, err = app.ParseBirthday(strings.TrimSpace(**v)); err != nil {
				verr.Add("birthday", fmt.Sprintf("%q is not a date such as 1995-05-20 or --05-20", **v))
			}
		}
		p.Birthday = &b
	}
	if v := ptr[[]phoneIn](o, "a list of {number, type, is_primary} objects", "phone_numbers", "phones"); v != nil {
		phones := make([]app.Phone, len(*v))
		for i, in := range *v {
			phones[i] = app.Phone{Number: first(in.Number, in.PhoneNumber), Type: first(in.Type, in.PhoneType), Extension: in.Extension, IsPrimary: in.IsPrimary}
		}
		p.Phones = &phones
	}
	if v := ptr[[]emailIn](o, "a list of {address, type, is_primary} objects", "emails"); v != nil {
		emails := make([]app.Email, len(*v))
		for i, in := range *v {
			emails[i] = app.Email{Address: first(in.Address, in.Email), Type: first(in.Type, in.EmailType), IsPrimary: in.IsPrimary}
		}
		p.Emails = &emails
	}
	if v := ptr[[]app.Address](o, "a list of address objects", "addresses"); v != nil {
		p.Addresses = v
	}
	if v := ptr[[]app.URL](o, "a list of {url, type, is_primary} objects", "urls"); v != nil {
		p.URLs = v
	}
	if v := ptr[[]app.IM](o, "a list of {handle, service, is_primary} objects", "ims"); v != nil {
		p.IMs = v
	}
	if v := ptr[[]int64](o, "a list of integer group ids", "group_ids"); v != nil {
		p.GroupIDs = v
	}
	if v := ptr[map[string]any](o, "an object of text values", "metadata", "custom_fields"); v != nil {
		fields := make(map[string]string, len(*v))
		for k, val := range *v {
			switch x := val.(type) {
			case string:
				fields[k] = x
			case float64:
				fields[k] = formatNumber(x)
			case bool:
				fields[k] = fmt.Sprint(x)
			case nil:
				// a null value removes the field
			default:
				o.errs["metadata."+k] = "must be a string, a number or true/false"
			}
		}
		p.CustomFields = &fields
	}
	if v := ptr[[]app.Consent](o, "a list of {channel, granted_at, source} objects", "consents"); v != nil {
		p.Consents = v
	}
	if err := o.done(); err != nil {
		return p, nil, err
	}
	if len(verr.Fields) == 0 {
		verr = nil
	}
	return p, verr, nil
}

// withEarlierProblems adds the problems found while reading the body to
// those validating h finds, so that a 422 lists them all at once.
func (s *server) withEarlierProblems(ctx context.Context, h *app.Human, early *app.ValidationError) error {
	all := &app.ValidationError{}
	var verr *app.ValidationError
	if err := s.svc.ValidateHuman(ctx, h); errors.As(err, &verr) {
		for k, v := range verr.Fields {
			all.Add(k, v)
		}
	} else if err != nil {
		return err
	}
	for k, v := range early.Fields {
		all.Add(k, v)
	}
	return all
}

func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprint(f)
}

// GET /api/humans
func (s *server) listHumans(w http.ResponseWriter, r *http.Request) error {
	p := query(r)
	if p.str("updated_since") != "" || p.str("include_deleted") != "" {
		return s.listChanges(w, r, p)
	}
	q := app.Query{
		Page:       p.limit("page", 1, math.MaxInt32),
		PerPage:    p.limit("per_page", app.DefaultPerPage, app.MaxPerPage),
		Sort:       app.SortKey(strings.ToLower(p.str("sort"))),
		Order:      app.Order(strings.ToLower(p.str("order"))),
		Q:          p.str("q", "search"),
		CompanyID:  p.id("company_id"),
		Source:     app.Source(strings.ToLower(p.str("source"))),
		IsFavorite: p.bool("is_favorite"),
		GroupID:    p.id("group_id"),
	}
	if err := p.done(); err != nil {
		return err
	}
	page, err := s.svc.ListHumans(r.Context(), q)
	if err != nil {
		return err
	}
	data, err := s.humansJSON(r.Context(), page.Humans)
	if err != nil {
		return err
	}
	return s.page(w, data, pagination{Page: page.Page, PerPage: page.PerPage, Total: page.Total, TotalPages: page.TotalPages})
}

// POST /api/humans
func (s *server) createHuman(w http.ResponseWriter, r *http.Request) error {
	o, err := readObject(r)
	if err != nil {
		return err
	}
	patch, early, err := humanPatch(o)
	if err != nil {
		return err
	}
	h := &app.Human{}
	patch.Apply(h)
	// A sync client sends its own UID, so that a create whose answer was
	// lost is recognised; a UID taken already is a 422.
	if uid := ptr[string](o, "a string", "uid"); uid != nil {
		h.UID = strings.TrimSpace(*uid)
	}
	if err := o.done(); err != nil {
		return err
	}
	if early != nil {
		return s.withEarlierProblems(r.Context(), h, early)
	}
	created, err := s.svc.CreateHuman(r.Context(), h)
	if err != nil {
		return err
	}
	groups, err := s.groupIndex(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/humans/%d", created.ID))
	w.Header().Set("ETag", `"`+created.ETag+`"`)
	return s.ok(w, http.StatusCreated, s.toHumanJSON(created, groups), "Human created")
}

// liveHuman returns a live contact or a 404.
func (s *server) liveHuman(ctx context.Context, id int64) (*app.Human, error) {
	h, err := s.svc.Human(ctx, id)
	if isNotFound(err) || (err == nil && h.DeletedAt != nil) {
		return nil, notFound("human", id)
	}
	return h, err
}

// GET /api/humans/{id}
func (s *server) getHuman(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	h, err := s.liveHuman(r.Context(), id)
	if err != nil {
		return err
	}
	groups, err := s.groupIndex(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("ETag", `"`+h.ETag+`"`)
	return s.ok(w, http.StatusOK, s.toHumanJSON(h, groups), "")
}

// ifMatch is the etag a request's If-Match header names ("" for none).
func ifMatch(r *http.Request) string {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	v = strings.TrimPrefix(v, "W/")
	return strings.Trim(v, `"`)
}

// PUT /api/humans/{id}
func (s *server) updateHuman(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	o, err := readObject(r)
	if err != nil {
		return err
	}
	patch, early, err := humanPatch(o)
	if err != nil {
		return err
	}
	if early != nil {
		h, err := s.liveHuman(r.Context(), id)
		if err != nil {
			return err
		}
		patch.Apply(h)
		return s.withEarlierProblems(r.Context(), h, early)
	}
	h, err := s.svc.UpdateHuman(r.Context(), id, patch, ifMatch(r))
	if isNotFound(err) {
		return notFound("human", id)
	}
	if err != nil {
		return err
	}
	groups, err := s.groupIndex(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("ETag", `"`+h.ETag+`"`)
	return s.ok(w, http.StatusOK, s.toHumanJSON(h, groups), "Human updated")
}

// DELETE /api/humans/{id}: to the trash.
func (s *server) deleteHuman(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.svc.TrashHuman(r.Context(), id, ifMatch(r)); isNotFound(err) {
		return notFound("human", id)
	} else if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, map[string]any{"id": id, "deleted": true}, "Human moved to the trash")
}

// GET /api/humans/search
func (s *server) searchHumans(w http.ResponseWriter, r *http.Request) error {
	p := query(r)
	q := p.str("q", "search")
	limit := p.limit("limit", app.DefaultSearchLimit, app.MaxSearchLimit)
	if err := p.done(); err != nil {
		return err
	}
	hs, err := s.svc.Search(r.Context(), q, limit)
	if err != nil {
		return err
	}
	data, err := s.humansJSON(r.Context(), hs)
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, data, "")
}

// POST /api/humans/{id}/favorite
func (s *server) toggleFavorite(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fav, err := s.svc.ToggleFavorite(r.Context(), id)
	if isNotFound(err) {
		return notFound("human", id)
	}
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, map[string]any{"id": id, "is_favorite": fav}, "")
}

// GET /api/humans/stats
func (s *server) humanStats(w http.ResponseWriter, r *http.Request) error {
	st, err := s.svc.Stats(r.Context())
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, st, "")
}
