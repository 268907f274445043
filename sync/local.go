package sync

import (
	"errors"
	"fmt"
	"slices"

	"github.com/humans-contacts/humans/store"
)

// localWriter writes contacts into the book inside one transaction,
// resolving company and group names to ids (creating the missing ones).
type localWriter struct {
	tx        *store.Tx
	source    store.Source
	companies map[string]int64 // folded name → id
	groups    map[string]int64
	// keepPhotoURL: the contact's PhotoURL is not the remote's to set
	// (a provider that carries photo bytes instead).
	keepPhotoURL bool
}

func newLocalWriter(tx *store.Tx, source store.Source) *localWriter {
	return &localWriter{tx: tx, source: source}
}

func (w *localWriter) load() error {
	if w.companies != nil {
		return nil
	}
	cs, err := w.tx.Companies()
	if err != nil {
		return err
	}
	gs, err := w.tx.Groups()
	if err != nil {
		return err
	}
	w.companies = make(map[string]int64, len(cs))
	for _, c := range cs {
		w.companies[store.Fold(c.Name)] = c.ID
	}
	w.groups = make(map[string]int64, len(gs))
	for _, g := range gs {
		w.groups[store.Fold(g.Name)] = g.ID
	}
	return nil
}

func (w *localWriter) companyID(name string) (int64, error) {
	if name == "" {
		return 0, nil
	}
	if id, ok := w.companies[store.Fold(name)]; ok {
		return id, nil
	}
	c, err := w.tx.CreateCompany(&store.Company{Name: name})
	if err != nil {
		return 0, fmt.Errorf("company %q: %w", name, err)
	}
	w.companies[store.Fold(name)] = c.ID
	return c.ID, nil
}

func (w *localWriter) groupIDs(names []string) ([]int64, error) {
	var ids []int64
	for _, name := range names {
		id, ok := w.groups[store.Fold(name)]
		if !ok {
			g, err := w.tx.CreateGroup(&store.Group{Name: name})
			if err != nil {
				return nil, fmt.Errorf("group %q: %w", name, err)
			}
			id = g.ID
			w.groups[store.Fold(name)] = id
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// patch is the HumanPatch that gives a contact c's mapped fields.
func (w *localWriter) patch(c Contact) (store.HumanPatch, error) {
	if err := w.load(); err != nil {
		return store.HumanPatch{}, err
	}
	companyID, err := w.companyID(c.Company)
	if err != nil {
		return store.HumanPatch{}, err
	}
	groupIDs, err := w.groupIDs(c.Groups)
	if err != nil {
		return store.HumanPatch{}, err
	}
	var bday *store.Birthday
	if c.Birthday != "" {
		if bday, err = store.ParseBirthday(c.Birthday); err != nil {
			return store.HumanPatch{}, &store.ValidationError{Fields: map[string]string{"birthday": err.Error()}}
		}
	}
	c = c.Clone()
	photoURL := &c.PhotoURL
	if w.keepPhotoURL {
		photoURL = nil
	}
	return store.HumanPatch{
		FirstName: &c.FirstName, LastName: &c.LastName, DisplayName: &c.DisplayName, Nickname: &c.Nickname,
		Prefix: &c.Prefix, Suffix: &c.Suffix, Gender: &c.Gender, JobTitle: &c.JobTitle, Department: &c.Department,
		CompanyID: &companyID, Birthday: &bday, Notes: &c.Notes, Language: &c.Language, PhotoURL: photoURL,
		IsFavorite: &c.IsFavorite, Phones: &c.Phones, Emails: &c.Emails, Addresses: &c.Addresses, URLs: &c.URLs,
		IMs: &c.IMs, GroupIDs: &groupIDs, CustomFields: &c.CustomFields,
	}, nil
}

// create stores c as a new contact, with c's UID unless another
// contact has it.
func (w *localWriter) create(c Contact) (*store.Human, error) {
	p, err := w.patch(c)
	if err != nil {
		return nil, err
	}
	h := &store.Human{
		UID: c.UID, Source: w.source, FirstName: *p.FirstName, LastName: *p.LastName, DisplayName: *p.DisplayName,
		Nickname: *p.Nickname, Prefix: *p.Prefix, Suffix: *p.Suffix, Gender: *p.Gender, JobTitle: *p.JobTitle,
		Department: *p.Department, CompanyID: *p.CompanyID, Birthday: *p.Birthday, Notes: *p.Notes,
		Language: *p.Language, PhotoURL: c.PhotoURL, IsFavorite: *p.IsFavorite, Phones: *p.Phones,
		Emails: *p.Emails, Addresses: *p.Addresses, URLs: *p.URLs, IMs: *p.IMs, GroupIDs: *p.GroupIDs,
		CustomFields: *p.CustomFields,
	}
	out, err := w.tx.CreateHuman(h)
	var verr *store.ValidationError
	if errors.As(err, &verr) && verr.Fields["uid"] != "" && len(verr.Fields) == 1 {
		h.UID = ""
		out, err = w.tx.CreateHuman(h)
	}
	return out, err
}

// update gives contact id c's mapped fields.
func (w *localWriter) update(id int64, c Contact) (*store.Human, error) {
	p, err := w.patch(c)
	if err != nil {
		return nil, err
	}
	return w.tx.UpdateHuman(id, p, "")
}
