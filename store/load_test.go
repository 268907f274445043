package store

import (
	"errors"
	"testing"
	"time"
)

func TestLoaderRefusesWhatTheStoreWouldNotHold(t *testing.T) {
	when := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name  string
		load  func(l *Loader) error
		what  string
		index int
		field string
	}{
		{"parent outside the export", func(l *Loader) error {
			return l.Companies(ctx, []*Company{{ID: 4, Name: "A"}, {ID: 5, Name: "B", ParentID: 9}})
		}, "company", 1, "parent_id"},
		{"company id twice", func(l *Loader) error {
			return l.Companies(ctx, []*Company{{ID: 4, Name: "A"}, {ID: 4, Name: "B"}})
		}, "company", 1, "id"},
		{"group names equal but for case", func(l *Loader) error {
			return l.Groups(ctx, []*Group{{ID: 1, Name: "Friends"}, {ID: 2, Name: "friends"}})
		}, "group", 1, "name"},
		{"contact in an unknown company", func(l *Loader) error {
			return l.Humans(ctx, []*Human{{ID: 7, UID: "u7", FirstName: "A", CompanyID: 3}}, nil)
		}, "contact", 0, "company_id"},
		{"contact without a UID", func(l *Loader) error {
			return l.Humans(ctx, []*Human{{ID: 7, UID: "u7", FirstName: "A"}, {ID: 8, FirstName: "B"}}, nil)
		}, "contact", 1, "uid"},
		{"UID twice", func(l *Loader) error {
			return l.Humans(ctx, []*Human{{ID: 7, UID: "u", FirstName: "A"}, {ID: 8, UID: "u", FirstName: "B"}}, nil)
		}, "contact", 1, "uid"},
		{"photo that is no image", func(l *Loader) error {
			return l.Humans(ctx, []*Human{{ID: 7, UID: "u", FirstName: "A"}}, [][]byte{[]byte("plain text")})
		}, "contact", 0, "photo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t, nil)
			l, err := s.NewLoader(ctx)
			if err != nil {
				t.Fatal(err)
			}
			before := s.Revision()
			err = tt.load(l)
			var lerr *LoadError
			var verr *ValidationError
			if !errors.As(err, &lerr) || !errors.As(err, &verr) {
				t.Fatalf("error %v, want a *LoadError with a *ValidationError", err)
			}
			if lerr.What != tt.what || lerr.Index != tt.index || verr.Fields[tt.field] == "" {
				t.Fatalf("error %v (%+v), want %s [%d] %s", err, verr.Fields, tt.what, tt.index, tt.field)
			}
			if s.Revision() != before {
				t.Fatal("a refused load wrote")
			}
		})
	}

	t.Run("kept as given", func(t *testing.T) {
		s, _ := openTest(t, nil)
		l, err := s.NewLoader(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Companies(ctx, []*Company{{ID: 9, Name: "Branch", ParentID: 12, CreatedAt: when, UpdatedAt: when}, {ID: 12, Name: "Parent"}}); err != nil {
			t.Fatal(err)
		}
		deleted := when.Add(time.Hour)
		if err := l.Humans(ctx, []*Human{{ID: 40, UID: "u40", FirstName: "Ada", CompanyID: 9, CreatedAt: when, UpdatedAt: when, DeletedAt: &deleted}}, nil); err != nil {
			t.Fatal(err)
		}
		h, err := s.GetHuman(ctx, 40)
		if err != nil || h.UID != "u40" || !h.CreatedAt.Equal(when) || h.DeletedAt == nil || !h.DeletedAt.Equal(deleted) {
			t.Fatalf("loaded contact: %+v %v", h, err)
		}
		if ids, _ := s.QueryIDs(ctx, Query{Trashed: true}); len(ids) != 1 || ids[0] != 40 {
			t.Fatalf("trash: %v", ids)
		}
		if c, err := s.GetCompany(ctx, 9); err != nil || c.ParentID != 12 || !c.CreatedAt.Equal(when) {
			t.Fatalf("loaded company: %+v %v", c, err)
		}
		if _, err := s.NewLoader(ctx); !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("second loader: %v", err)
		}
		next := mustCreate(t, s, &Human{FirstName: "Next"})
		if next.ID != 41 {
			t.Fatalf("next id %d, want 41", next.ID)
		}
	})
}
