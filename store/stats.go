package store

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// upcomingDays is how far ahead Stats looks for birthdays.
const upcomingDays = 30

// Stats returns the book's figures, computed from memory.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	now := s.now()
	st := Stats{BySource: make(map[Source]int)}
	for _, src := range Sources {
		st.BySource[src] = 0
	}
	week := now.AddDate(0, 0, -7).UnixNano()
	month := now.AddDate(0, 0, -30).UnixNano()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())

	s.idx.mu.RLock()
	for _, r := range s.idx.recs {
		if !r.live() {
			st.Trashed++
			continue
		}
		st.Total++
		if r.IsFavorite {
			st.Favorites++
		}
		st.BySource[r.Source]++
		if r.HasPhone {
			st.WithPhone++
		}
		if r.HasEmail {
			st.WithEmail++
		}
		if r.CreatedAt >= week {
			st.AddedLast7Days++
		}
		if r.CreatedAt >= month {
			st.AddedLast30Days++
		}
		if r.BirthMonth != 0 {
			next := nextBirthday(today, r.BirthMonth, r.BirthDay)
			if next.Sub(today) <= upcomingDays*24*time.Hour {
				u := Upcoming{ID: r.ID, DisplayName: r.DisplayName, Date: next}
				if r.BirthYear != 0 {
					u.Age = next.Year() - r.BirthYear
				}
				st.UpcomingBirthdays = append(st.UpcomingBirthdays, u)
			}
		}
	}
	st.Groups = len(s.idx.groups)
	st.Companies = len(s.idx.companies)
	s.idx.mu.RUnlock()

	slices.SortFunc(st.UpcomingBirthdays, func(a, b Upcoming) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.DisplayName, b.DisplayName), cmp.Compare(a.ID, b.ID))
	})
	if st.UpcomingBirthdays == nil {
		st.UpcomingBirthdays = []Upcoming{}
	}
	return st, nil
}

// nextBirthday is the first day on or after today that is month/day; a
// 29 February birthday falls on 1 March in other years.
func nextBirthday(today time.Time, month, day int) time.Time {
	for _, year := range []int{today.Year(), today.Year() + 1} {
		d := time.Date(year, time.Month(month), day, 0, 0, 0, 0, today.Location())
		if !d.Before(today) {
			return d
		}
	}
	return time.Date(today.Year()+1, time.Month(month), day, 0, 0, 0, 0, today.Location())
}
