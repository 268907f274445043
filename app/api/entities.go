package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/humans-contacts/humans/app"
)

func isNotFound(err error) bool { return errors.Is(err, app.ErrNotFound) }

// companyJSON is a company as the API answers it.
type companyJSON struct {
	ID         int64             `json:"id"`
	Name       string            `json:"name"`
	ParentID   *int64            `json:"parent_id"`
	Email      string            `json:"email"`
	Phone      string            `json:"phone"`
	Website    string            `json:"website"`
	VATNumber  string            `json:"vat_number"`
	Address    *app.Address      `json:"address"`
	Notes      string            `json:"notes"`
	IsCustomer bool              `json:"is_customer"`
	Metadata   map[string]string `json:"metadata"`
	CreatedAt  time.Time         `json:"created_at"`
	UpdatedAt  time.Time         `json:"updated_at"`
}

func toCompanyJSON(c *app.Company) companyJSON {
	out := companyJSON{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Website: c.Website,
		VATNumber: c.VATNumber, Address: c.Address, Notes: c.Notes, IsCustomer: c.IsCustomer,
		Metadata: c.CustomFields, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if c.ParentID != 0 {
		id := c.ParentID
		out.ParentID = &id
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	return out
}

// applyCompany sets on c the fields the body sends.
func applyCompany(o *object, c *app.Company) error {
	set := func(dst *string, name string) {
		if v, ok := get[*string](o, "a string", name); ok {
			*dst = ""
			if v != nil {
				*dst = *v
			}
		}
	}
	set(&c.Name, "name")
	set(&c.Email, "email")
	set(&c.Phone, "phone")
	set(&c.Website, "website")
	set(&c.VATNumber, "vat_number")
	set(&c.Notes, "notes")
	if v, ok := get[*int64](o, "an integer id or null", "parent_id"); ok {
		c.ParentID = 0
		if v != nil {
			c.ParentID = *v
		}
	}
	if v, ok := get[*app.Address](o, "an address object or null", "address"); ok {
		c.Address = v
	}
	if v, ok := get[*bool](o, "true or false", "is_customer"); ok {
		c.IsCustomer = v != nil && *v
	}
	if v, ok := get[map[string]string](o, "an object of text values", "metadata", "custom_fields"); ok {
		c.CustomFields = v
	}
	return o.done()
}

func (s *server) listCompanies(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.svc.Companies(r.Context())
	if err != nil {
		return err
	}
	out := make([]companyJSON, len(cs))
	for i, c := range cs {
		out[i] = toCompanyJSON(c)
	}
	return s.ok(w, http.StatusOK, out, "")
}

func (s *server) createCompany(w http.ResponseWriter, r *http.Request) error {
	o, err := readObject(r)
	if err != nil {
		return err
	}
	c := &app.Company{}
	if err := applyCompany(o, c); err != nil {
		return err
	}
	created, err := s.svc.CreateCompany(r.Context(), c)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/humans/companies/%d", created.ID))
	return s.ok(w, http.StatusCreated, toCompanyJSON(created), "Company created")
}

func (s *server) company(r *http.Request) (*app.Company, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	c, err := s.svc.Company(r.Context(), id)
	if isNotFound(err) {
		return nil, notFound("company", id)
	}
	return c, err
}

func (s *server) getCompany(w http.ResponseWriter, r *http.Request) error {
	c, err := s.company(r)
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, toCompanyJSON(c), "")
}

func (s *server) updateCompany(w http.ResponseWriter, r *http.Request) error {
	c, err := s.company(r)
	if err != nil {
		return err
	}
	o, err := readObject(r)
	if err != nil {
		return err
	}
	if err := applyCompany(o, c); err != nil {
		return err
	}
	updated, err := s.svc.UpdateCompany(r.Context(), c)
	if isNotFound(err) {
		return notFound("company", c.ID)
	}
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, toCompanyJSON(updated), "Company updated")
}

func (s *server) deleteCompany(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteCompany(r.Context(), id); isNotFound(err) {
		return notFound("company", id)
	} else if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, map[string]any{"id": id, "deleted": true}, "Company deleted; its people stay, without it")
}

// groupJSON is a group as the API answers it; Members only in a group's
// own answer.
type groupJSON struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	Color       string       `json:"color"`
	Description string       `json:"description"`
	MemberCount int          `json:"member_count"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
	Members     *[]humanJSON `json:"members,omitempty"`
}

func toGroupJSON(g *app.Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Color: g.Color, Description: g.Description,
		MemberCount: g.MemberCount, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

func applyGroup(o *object, g *app.Group) error {
	for name, dst := range map[string]*string{"name": &g.Name, "color": &g.Color, "description": &g.Description} {
		if v, ok := get[*string](o, "a string", name); ok {
			*dst = ""
			if v != nil {
				*dst = *v
			}
		}
	}
	return o.done()
}

func (s *server) listGroups(w http.ResponseWriter, r *http.Request) error {
	gs, err := s.svc.Groups(r.Context())
	if err != nil {
		return err
	}
	out := make([]groupJSON, len(gs))
	for i, g := range gs {
		out[i] = toGroupJSON(g)
	}
	return s.ok(w, http.StatusOK, out, "")
}

func (s *server) createGroup(w http.ResponseWriter, r *http.Request) error {
	o, err := readObject(r)
	if err != nil {
		return err
	}
	g := &app.Group{}
	if err := applyGroup(o, g); err != nil {
		return err
	}
	created, err := s.svc.CreateGroup(r.Context(), g)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/humans/groups/%d", created.ID))
	return s.ok(w, http.StatusCreated, toGroupJSON(created), "Group created")
}

func (s *server) group(r *http.Request) (*app.Group, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	g, err := s.svc.Group(r.Context(), id)
	if isNotFound(err) {
		return nil, notFound("group", id)
	}
	return g, err
}

// GET /api/humans/groups/{id}: the group with its full member list.
func (s *server) getGroup(w http.ResponseWriter, r *http.Request) error {
	g, err := s.group(r)
	if err != nil {
		return err
	}
	ids, err := s.svc.HumanIDs(r.Context(), app.Query{GroupID: g.ID, Sort: "display_name"})
	if err != nil {
		return err
	}
	hs, err := s.svc.HumansByID(r.Context(), ids)
	if err != nil {
		return err
	}
	members, err := s.humansJSON(r.Context(), hs)
	if err != nil {
		return err
	}
	out := toGroupJSON(g)
	out.Members = &members
	out.MemberCount = len(members)
	return s.ok(w, http.StatusOK, out, "")
}

func (s *server) updateGroup(w http.ResponseWriter, r *http.Request) error {
	g, err := s.group(r)
	if err != nil {
		return err
	}
	o, err := readObject(r)
	if err != nil {
		return err
	}
	if err := applyGroup(o, g); err != nil {
		return err
	}
	updated, err := s.svc.UpdateGroup(r.Context(), g)
	if isNotFound(err) {
		return notFound("group", g.ID)
	}
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, toGroupJSON(updated), "Group updated")
}

func (s *server) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.svc.DeleteGroup(r.Context(), id); isNotFound(err) {
		return notFound("group", id)
	} else if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, map[string]any{"id": id, "deleted": true}, "Group deleted; its members stay")
}

// memberIDs reads {"human_ids": [1, 2]}.
func memberIDs(r *http.Request) ([]int64, error) {
	o, err := readObject(r)
	if err != nil {
		return nil, err
	}
	ids, _ := get[[]int64](o, "a list of integer contact ids", "human_ids")
	if err := o.done(); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, &app.ValidationError{Fields: map[string]string{"human_ids": "give at least one contact id"}}
	}
	return ids, nil
}

func (s *server) changeMembers(w http.ResponseWriter, r *http.Request, add bool) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ids, err := memberIDs(r)
	if err != nil {
		return err
	}
	change, verb := s.svc.AddGroupMembers, "added"
	if !add {
		change, verb = s.svc.RemoveGroupMembers, "removed"
	}
	res, err := change(r.Context(), id, ids)
	if isNotFound(err) {
		return notFound("group", id)
	}
	if err != nil {
		return err
	}
	return s.ok(w, http.StatusOK, map[string]int{verb: res.Changed, "requested": res.Requested, "valid": res.Valid},
		fmt.Sprintf("%d members %s", res.Changed, verb))
}

func (s *server) addMembers(w http.ResponseWriter, r *http.Request) error {
	return s.changeMembers(w, r, true)
}

func (s *server) removeMembers(w http.ResponseWriter, r *http.Request) error {
	return s.changeMembers(w, r, false)
}
