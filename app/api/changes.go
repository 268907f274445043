package api

import (
	"net/http"
	"strings"
	"time"
)

// listChanges is GET /api/humans with updated_since and/or
// include_deleted: the change feed a sync client pages through, oldest
// change first (ties by id), contacts in the trash included as
// tombstones (deleted_at set) when include_deleted=true. Only page and
// per_page combine with it; sort and order may name updated_at asc.
func (s *server) listChanges(w http.ResponseWriter, r *http.Request, p *params) error {
	page := p.limit("page", 1, 1<<31-1)
	perPage := p.limit("per_page", 20, 100)
	var since time.Time
	if v := p.str("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			p.errs["updated_since"] = "must be a date and time such as 2026-05-20T09:30:00Z (RFC 3339)"
		}
		since = t
	}
	deleted := p.bool("include_deleted")
	if sort := strings.ToLower(p.str("sort")); sort != "" && sort != "updated_at" {
		p.errs["sort"] = "with updated_since or include_deleted the order is updated_at (got " + sort + ")"
	}
	if order := strings.ToLower(p.str("order")); order != "" && order != "asc" {
		p.errs["order"] = "with updated_since or include_deleted the order is asc (got " + order + ")"
	}
	for _, f := range []string{"q", "search", "company_id", "source", "is_favorite", "group_id"} {
		if p.str(f) != "" {
			p.errs[f] = "cannot be combined with updated_since or include_deleted"
		}
	}
	if err := p.done(); err != nil {
		return err
	}
	res, err := s.svc.HumansUpdatedSince(r.Context(), since, deleted != nil && *deleted, page, perPage)
	if err != nil {
		return err
	}
	data, err := s.humansJSON(r.Context(), res.Humans)
	if err != nil {
		return err
	}
	return s.page(w, data, pagination{Page: res.Page, PerPage: res.PerPage, Total: res.Total, TotalPages: res.TotalPages,
		UpdatedSince: since.UTC().Format(time.RFC3339Nano)})
}
