package ui

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync/atomic"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/humans-contacts/humans/app"
)

var firstNames = []string{"Zoë", "Adam", "Léa", "Hugo", "Chloé", "Louis", "Inès", "Jules", "Manon", "Noah", "Sofía", "Ömer"}
var lastNames = []string{"Durand", "Martin", "Núñez", "Smith", "Bernard", "Dubois", "Müller", "Rossi", "Kowalski", "Nguyen"}

// fillBook adds n generated contacts to svc.
func fillBook(tb testing.TB, svc *app.Service, n int) {
	tb.Helper()
	ctx := context.Background()
	gen := func(i int) *app.Human {
		return &app.Human{
			FirstName:  firstNames[i%len(firstNames)],
			LastName:   fmt.Sprintf("%s %d", lastNames[(i/len(firstNames))%len(lastNames)], i),
			JobTitle:   []string{"", "Engineer", "Nurse", "Teacher"}[i%4],
			IsFavorite: i%50 == 0,
			Emails:     []app.Email{{Address: fmt.Sprintf("person%d@example.com", i), Type: "home"}},
			Phones:     []app.Phone{{Number: fmt.Sprintf("+33 6 %02d %02d %02d %02d", i/1000000%100, i/10000%100, i/100%100, i%100), Type: "mobile"}},
		}
	}
	const batch = 5000
	for start := 0; start < n; start += batch {
		hs := make([]*app.Human, 0, batch)
		for i := start; i < min(start+batch, n); i++ {
			hs = append(hs, gen(i))
		}
		if _, err := svc.CreateHumans(ctx, hs); err != nil {
			tb.Fatal(err)
		}
	}
}

// countingSummaries counts the summaries the list reads.
type countingSummaries struct {
	src summaries
	n   atomic.Int64
}

func (c *countingSummaries) Summary(id int64) (app.Summary, bool) {
	c.n.Add(1)
	return c.src.Summary(id)
}

func TestListReadsOnlyVisibleRows(t *testing.T) {
	svc := openService(t, t.TempDir())
	fillBook(t, svc, 300)
	h := newHarnessOn(t, svc)
	h.waitFor("the list", h.listLen(300))

	counter := &countingSummaries{src: svc}
	h.w.list.src = counter
	h.w.list.list.Refresh()
	visible := int64(h.w.list.list.Size().Height/h.w.list.CreateItem().MinSize().Height) + 3
	if got := counter.n.Load(); got == 0 || got > visible {
		t.Errorf("a refresh read %d summaries; the list shows about %d rows", got, visible)
	}
	// Scrolling to the end reads only the rows that come into view.
	counter.n.Store(0)
	h.w.list.list.ScrollToBottom()
	if got := counter.n.Load(); got > 2*visible {
		t.Errorf("scrolling to the end read %d summaries", got)
	}
}

// BenchmarkNewWindow100k measures the window's first frame on a book of
// 100,000 contacts (HUMANS_BENCH_CONTACTS changes the number): building
// the content, querying the ids off the UI goroutine and laying out the
// visible rows. No contact is read in full; rows read in-memory
// summaries.
func BenchmarkNewWindow100k(b *testing.B) {
	n := 100_000
	if s := os.Getenv("HUMANS_BENCH_CONTACTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("HUMANS_BENCH_CONTACTS=%q: %v", s, err)
		}
		n = v
	}
	svc := openService(b, b.TempDir())
	fillBook(b, svc, n)
	a := test.NewTempApp(b)

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		queue := make(chan func(), 64)
		done := make(chan struct{})
		win := a.NewWindow("Humans")
		w := newWindow(a, win, svc, func(f func()) {
			select {
			case queue <- f:
			case <-done:
			}
		})
		win.Resize(fyne.NewSize(1100, 720))
		for w.list.Length() != n || w.loading {
			(<-queue)()
		}
		// The first frame: lay out and draw the visible rows.
		w.list.list.Refresh()
		close(done)
		win.Close()
	}
}
