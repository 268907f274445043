package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	stdsync "sync"
	"sync/atomic"

	"github.com/emersion/go-vcard"

	"github.com/humans-contacts/humans/app/interchange"
	"github.com/humans-contacts/humans/carddav"
	"github.com/humans-contacts/humans/store"
)

// Format is a file format contacts are imported from or exported to.
type Format string

// The formats.
const (
	FormatAuto  Format = ""
	FormatVCard Format = "vcard"
	FormatCSV   Format = "csv"
	FormatJSON  Format = "json"
)

// ImportOptions tune an import.
type ImportOptions struct {
	// DryRun reads, matches and validates everything and reports what
	// would happen, writing nothing.
	DryRun bool
	// Progress, when set, is called from the importing goroutine every few
	// hundred records and once at the end.
	Progress func(ImportProgress)

	// batchSize is how many records a flush writes (importBatch when 0):
	// tests flush often with a small one.
	batchSize int
}

// ImportProgress is how far an import has come.
type ImportProgress struct {
	File       string
	BytesRead  int64
	BytesTotal int64 // 0 when unknown
	Records    int
	ImportResultCounts
	Done bool
}

// ImportResultCounts are the Hub's import figures.
type ImportResultCounts struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
}

// ImportResult reports an import: the counts, and why records failed.
type ImportResult struct {
	ImportResultCounts
	DryRun bool `json:"dry_run"`
	// Problems lists the failed records (at most maxReportedProblems).
	Problems []ImportProblem `json:"problems,omitempty"`
	// Actions lists what happened to each record (at most
	// maxReportedActions): what a dry run shows.
	Actions []ImportAction `json:"actions,omitempty"`
	// CompaniesCreated and GroupsCreated name what the import added.
	CompaniesCreated []string `json:"companies_created,omitempty"`
	GroupsCreated    []string `json:"groups_created,omitempty"`
	// Restored is set when a unified export was restored exactly into
	// the empty book (ids, timestamps and trash kept) instead of merged.
	Restored *RestoreResult `json:"restored,omitempty"`
}

// FileError is a file an import or a restore cannot take as a whole: not
// a contacts file, malformed or cut short, or (for an exact restore, which
// takes all or nothing) a record the book refuses. Nothing of it was
// written. Records an ordinary import refuses are ImportProblems instead.
type FileError struct {
	File string
	Err  error
}

func (e *FileError) Error() string { return "app: import " + e.File + ": " + e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }

// ImportProblem is a record that could not be imported.
type ImportProblem struct {
	File     string `json:"file"`
	Position int    `json:"position"`
	Line     int    `json:"line,omitempty"`
	Reason   string `json:"reason"`
}

// ImportAction is what an import did, or would do, with one record.
type ImportAction struct {
	File     string `json:"file"`
	Position int    `json:"position"`
	Name     string `json:"name"`
	// Action is create, update, skip (already there, nothing new) or fail.
	Action string `json:"action"`
	// MatchedID and Rule say which existing contact an update or skip
	// matched, and how (uid, email, phone, name).
	MatchedID int64  `json:"matched_id,omitempty"`
	Rule      string `json:"rule,omitempty"`
	Reason    string `json:"reason,omitempty"`
}

const (
	maxReportedProblems = 1000
	maxReportedActions  = 1000
	importBatch         = 10_000
	progressEvery       = 500
)

// ImportFiles imports every file in turn, each in the format its name or
// content says, into one result.
func (s *Service) ImportFiles(ctx context.Context, paths []string, opts ImportOptions) (ImportResult, error) {
	imp := s.newImporter(opts)
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return imp.result, fmt.Errorf("app: import: %w", err)
		}
		var size int64
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		err = imp.importReader(ctx, f, filepath.Base(path), FormatAuto, size)
		f.Close()
		if err != nil {
			return imp.result, err
		}
	}
	return imp.finish(ctx)
}

// Import imports the contacts read from r; name labels problems and, with
// FormatAuto, helps detect the format.
func (s *Service) Import(ctx context.Context, r io.Reader, name string, format Format, opts ImportOptions) (ImportResult, error) {
	imp := s.newImporter(opts)
	if err := imp.importReader(ctx, r, name, format, 0); err != nil {
		return imp.result, err
	}
	return imp.finish(ctx)
}

// importer carries one import's state across files.
type importer struct {
	s      *Service
	opts   ImportOptions
	result ImportResult
	region string

	companies map[string]int64 // folded name → id (negative: created at the next flush)
	groups    map[string]int64
	folded    map[string]string // name as written → foldKey
	nextFake  int64

	// Companies and groups to create, and contacts of the book to
	// update, at the next flush.
	newCompanies, newGroups []newEntity
	pendingUpdates          map[int64]*pendingUpdate
	updateOrder             []int64

	// Records to create, written in batches; pendingKeys recognises a
	// later record of the same person before the batch is stored.
	pending     []*pendingHuman
	pendingKeys map[string]*pendingHuman

	// flushes counts the flushes that wrote to the book, so that a
	// batch's matches are looked up again once the book changed.
	flushes int

	file     string
	progress ImportProgress
	read     *countingReader

	// flushEnd is closed when the running flush ends; nil when none runs
	// (waitForFlush).
	flushMu  stdsync.Mutex
	flushEnd chan struct{}
}

type pendingHuman struct {
	human    *Human
	keys     store.MatchKeySet
	photo    []byte
	file     string
	position int
}

func (s *Service) newImporter(opts ImportOptions) *importer {
	return &importer{
		s:              s,
		opts:           opts,
		result:         ImportResult{DryRun: opts.DryRun},
		region:         s.Settings().PhoneRegion,
		pendingKeys:    make(map[string]*pendingHuman),
		pendingUpdates: make(map[int64]*pendingUpdate),
	}
}

// countingReader counts the bytes read, for progress.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (imp *importer) importReader(ctx context.Context, r io.Reader, name string, format Format, size int64) error {
	imp.file = name
	imp.read = &countingReader{r: r}
	imp.progress = ImportProgress{File: name, BytesTotal: size}
	br := bufio.NewReaderSize(imp.read, 64<<10)
	if format == FormatAuto {
		format = detectFormat(name, br)
	}
	if restore, err := imp.restoresExactly(ctx, format, br); err != nil {
		return err
	} else if restore {
		res, err := imp.s.RestoreUnified(ctx, br, func(p ImportProgress) {
			if imp.opts.Progress != nil && !p.Done { // finish reports the end
				p.File, p.BytesTotal = name, size
				imp.opts.Progress(p)
			}
		})
		if err != nil {
			var ferr *FileError
			if errors.As(err, &ferr) {
				ferr.File = name
			}
			return err
		}
		imp.progress.Records += res.Humans
		imp.result.Created += res.Humans
		imp.result.Restored = &res
		return nil
	}
	// One goroutine reads the file; workers on every core decode the
	// cards, parse their phone numbers and validate them, a batch at a
	// time; this goroutine takes the batches in file order to match and
	// store them.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *readBatch, readAhead)
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		readErr <- imp.readBatches(ctx, br, format, batches)
	}()
	// stop ends the reading after err.
	stop := func(err error) error {
		cancel()
		for range batches {
		}
		<-readErr
		return err
	}
	for b := range batches {
		select {
		case <-b.done:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		if err := imp.matchBatch(ctx, b); err != nil {
			return stop(err)
		}
		for i := range b.recs {
			if err := imp.handle(ctx, &b.recs[i]); err != nil {
				return stop(err)
			}
		}
	}
	if err := <-readErr; err != nil || ctx.Err() != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &FileError{File: name, Err: err}
	}
	return imp.flush(ctx)
}

// restoresExactly reports whether this file is a unified export to
// restore exactly rather than merge: it is, when the book is empty and
// this import has not added anything yet (and it is not a dry run).
func (imp *importer) restoresExactly(ctx context.Context, format Format, br *bufio.Reader) (bool, error) {
	if format != FormatJSON || imp.opts.DryRun || imp.progress.Records > 0 || len(imp.pending) > 0 ||
		imp.result.Created+imp.result.Updated > 0 || len(imp.companies)+len(imp.groups) > 0 {
		return false, nil
	}
	if head, _ := br.Peek(4096); !IsUnifiedExport(head) {
		return false, nil
	}
	empty, err := imp.s.store.IsEmpty(ctx)
	if err != nil {
		return false, fmt.Errorf("app: import: %w", err)
	}
	return empty, nil
}

// detectFormat names the format of a file from its extension, else from
// its first bytes.
func detectFormat(name string, br *bufio.Reader) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".vcf", ".vcard":
		return FormatVCard
	case ".csv", ".tsv":
		return FormatCSV
	case ".json":
		return FormatJSON
	}
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimSpace(head)
	switch {
	case bytes.Contains(bytes.ToUpper(head), []byte("BEGIN:VCARD")):
		return FormatVCard
	case len(trimmed) > 0 && (trimmed[0] == '[' || trimmed[0] == '{'):
		return FormatJSON
	default:
		return FormatCSV
	}
}

// recordFromCard turns what the vCard reader produced into a record.
func recordFromCard(index int, card vcard.Card, err error) interchange.Record {
	rec := interchange.Record{Position: index + 1}
	var cerr *carddav.CardError
	if errors.As(err, &cerr) {
		rec.Line = cerr.Line
	}
	if err != nil {
		rec.Err = err
		return rec
	}
	p, err := carddav.Decode(card)
	if err != nil {
		rec.Err = err
		return rec
	}
	rec.Human, rec.Company, rec.Groups, rec.Photo = p.Human, p.Company, p.Categories, p.Photo
	return rec
}

// readRecord is a record with what the workers worked out about it: its
// match keys and whether it is valid. A vCard is read as card and
// decoded into rec by a worker.
type readRecord struct {
	rec     interchange.Record
	keys    store.MatchKeySet
	invalid error
	// match is the contact of the book it matched when its batch was
	// looked up, after matched flushes of the import (matchBatch).
	match   store.Match
	matched int

	card    vcard.Card
	cardErr error
	index   int
	isCard  bool
}

// readBatch is a run of records of the file; done is closed once the
// workers have prepared every one.
type readBatch struct {
	recs []readRecord
	done chan struct{}
}

const (
	readBatchSize = 256
	readAhead     = 48 // batches read ahead of the matching and storing
)

// readBatches reads the file in batches, hands each to the workers and
// sends it, in file order, on out.
func (imp *importer) readBatches(ctx context.Context, br *bufio.Reader, format Format, out chan<- *readBatch) error {
	work := make(chan *readBatch, readAhead)
	var workers stdsync.WaitGroup
	for i := range runtime.GOMAXPROCS(0) {
		workers.Go(func() {
			for b := range work {
				if i > 0 {
					imp.waitForFlush(ctx)
				}
				if ctx.Err() == nil {
					imp.work(ctx, b)
				}
				close(b.done)
			}
		})
	}
	defer workers.Wait()
	defer close(work)
	batch := make([]readRecord, 0, readBatchSize)
	send := func(rr readRecord) error {
		batch = append(batch, rr)
		if len(batch) < readBatchSize {
			return nil
		}
		return imp.sendBatch(ctx, &batch, work, out)
	}
	var err error
	switch format {
	case FormatVCard:
		err = carddav.ReadCards(br, func(index int, card vcard.Card, cerr error) error {
			return send(readRecord{card: card, cardErr: cerr, index: index, isCard: true})
		})
	case FormatCSV:
		err = interchange.ReadCSV(br, func(rec interchange.Record) error { return send(readRecord{rec: rec}) })
	case FormatJSON:
		err = interchange.ReadJSON(br, func(rec interchange.Record) error { return send(readRecord{rec: rec}) })
	default:
		err = fmt.Errorf("unknown format %q", format)
	}
	if err == nil && len(batch) > 0 {
		err = imp.sendBatch(ctx, &batch, work, out)
	}
	return err
}

// waitForFlush returns once no flush runs, or ctx is done. The workers
// prepare batches ahead of the importing goroutine, which waits for each
// flush, and a flush does part of its work on every core (index records,
// validation, JSON): all workers but one call it before each batch, so
// that the flush has the cores rather than work for later, the one left
// keeping a core busy during the flush's single-threaded steps (writes,
// commit, in-memory index). The import's cores went from 1.8 to 1.9 busy
// of 2 with it.
func (imp *importer) waitForFlush(ctx context.Context) {
	imp.flushMu.Lock()
	end := imp.flushEnd
	imp.flushMu.Unlock()
	if end != nil {
		select {
		case <-end:
		case <-ctx.Done():
		}
	}
}

// flushing tells the workers a flush runs (waitForFlush) and returns
// what tells them it ended.
func (imp *importer) flushing() (ended func()) {
	end := make(chan struct{})
	imp.flushMu.Lock()
	imp.flushEnd = end
	imp.flushMu.Unlock()
	return func() {
		imp.flushMu.Lock()
		imp.flushEnd = nil
		imp.flushMu.Unlock()
		close(end)
	}
}

// sendBatch hands *batch to the workers and to the matching goroutine,
// and starts a new one.
func (imp *importer) sendBatch(ctx context.Context, batch *[]readRecord, work, out chan<- *readBatch) error {
	b := &readBatch{recs: *batch, done: make(chan struct{})}
	*batch = make([]readRecord, 0, readBatchSize)
	for _, ch := range []chan<- *readBatch{work, out} {
		select {
		case ch <- b:
		case <-ctx.Done():
			if ch == out {
				// The workers have it: wait for them to close it.
				<-b.done
			}
			return ctx.Err()
		}
	}
	return nil
}

// work decodes the batch's cards and prepares its records, on a worker:
// it clears what the book assigns, computes the match keys (parsing the
// phone numbers) and validates the contacts, all of the batch in one read
// of the book. A record's company and groups are given by name and
// resolved later; the importer creates those that are missing, so they
// count as existing here.
func (imp *importer) work(ctx context.Context, b *readBatch) {
	humans := make([]*Human, 0, len(b.recs))
	for i := range b.recs {
		rr := &b.recs[i]
		if rr.isCard {
			rr.rec = recordFromCard(rr.index, rr.card, rr.cardErr)
			carddav.ReleaseCard(rr.card)
			rr.card = nil
		}
		h := rr.rec.Human
		if h == nil {
			continue
		}
		h.ID, h.Revision, h.ETag = 0, 0, ""
		// The photo bytes are stored after the contact, through SetPhoto.
		h.PhotoHash, h.PhotoType = "", ""
		if h.Source == "" || h.Source == store.SourceManual {
			h.Source = store.SourceImport
		}
		rr.keys = imp.s.store.MatchKeysOf(h)
		h.CompanyID, h.GroupIDs = 0, nil
		if strings.TrimSpace(rr.rec.Company) != "" {
			h.CompanyID = -1 // Validate: a company the importer will create
		}
		humans = append(humans, h)
	}
	problems, err := imp.s.store.ValidateAll(ctx, humans)
	for i := range b.recs {
		rr := &b.recs[i]
		if rr.rec.Human == nil {
			continue
		}
		switch {
		case err != nil:
			rr.invalid = err
		default:
			rr.invalid, problems = problems[0], problems[1:]
		}
		rr.rec.Human.CompanyID = 0
	}
}

// batch is how many records a flush writes.
func (imp *importer) batch() int {
	if imp.opts.batchSize > 0 {
		return imp.opts.batchSize
	}
	return importBatch
}

// matchBatch looks the batch's records up in the book, all at once: each
// record's match holds until the next flush changes the book.
func (imp *importer) matchBatch(ctx context.Context, b *readBatch) error {
	keys := make([]store.MatchKeySet, 0, len(b.recs))
	for i := range b.recs {
		if rr := &b.recs[i]; rr.rec.Err == nil && rr.invalid == nil {
			keys = append(keys, rr.keys)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	ms, err := imp.s.store.FindMatchesKeys(ctx, keys)
	if err != nil {
		return err
	}
	for i := range b.recs {
		if rr := &b.recs[i]; rr.rec.Err == nil && rr.invalid == nil {
			rr.match, rr.matched, ms = ms[0], imp.flushes, ms[1:]
		}
	}
	return nil
}

func (imp *importer) handle(ctx context.Context, rr *readRecord) error {
	rec, mk := rr.rec, rr.keys
	imp.progress.Records++
	defer imp.report(false)
	if rec.Err != nil {
		imp.fail(rec.Position, rec.Line, rec.Err.Error(), "")
		return nil
	}
	h := rec.Human
	var err error
	if h.CompanyID, err = imp.companyID(ctx, rec.Company); err != nil {
		return err
	}
	h.GroupIDs = h.GroupIDs[:0:0]
	for _, name := range rec.Groups {
		id, err := imp.groupID(ctx, name)
		if err != nil {
			return err
		}
		if id != 0 && !containsID(h.GroupIDs, id) {
			h.GroupIDs = append(h.GroupIDs, id)
		}
	}
	if rr.invalid != nil {
		imp.fail(rec.Position, rec.Line, rr.invalid.Error(), h.Name())
		return nil
	}
	// A record of a person met earlier in this import merges into it.
	keys := mk.Keys()
	for _, k := range keys {
		p := imp.pendingKeys[k]
		if p == nil || !store.SamePerson(p.keys.PersonName, mk.PersonName) {
			continue
		}
		mergeInto(p.human, h, imp.region)
		p.keys = imp.s.store.MatchKeysOf(p.human)
		for _, k2 := range p.keys.Keys() {
			imp.pendingKeys[k2] = p
		}
		imp.result.Updated++
		imp.act(ImportAction{Position: rec.Position, Name: h.Name(), Action: "update", Reason: "same person as record " + fmt.Sprint(p.position)})
		return nil
	}
	m := rr.match
	if rr.matched != imp.flushes {
		// The book changed since the batch was looked up.
		if m, err = imp.s.store.FindMatchKeys(ctx, mk); err != nil {
			return err
		}
	}
	if m.Rule == store.MatchNone {
		p := &pendingHuman{human: h, keys: mk, photo: rec.Photo, file: imp.file, position: rec.Position}
		imp.pending = append(imp.pending, p)
		for _, k := range keys {
			if imp.pendingKeys[k] == nil {
				imp.pendingKeys[k] = p
			}
		}
		imp.act(ImportAction{Position: rec.Position, Name: h.Name(), Action: "create"})
		if len(imp.pending) >= imp.batch() {
			return imp.flush(ctx)
		}
		return nil
	}
	return imp.update(ctx, rec, h, m)
}

// update merges h into the contact it matched. The merged contact waits
// in pendingUpdates for the next flush; a later record of the same
// contact merges into it there.
func (imp *importer) update(ctx context.Context, rec interchange.Record, h *Human, m store.Match) error {
	u := imp.pendingUpdates[m.ID]
	if u == nil {
		existing, err := imp.s.store.GetHuman(ctx, m.ID)
		if err != nil {
			return err
		}
		merged := cloneForMerge(existing)
		merged.DeletedAt = nil
		u = &pendingUpdate{id: m.ID, merged: merged, restore: m.Trashed, hadPhoto: existing.PhotoHash != ""}
	}
	before := cloneForMerge(u.merged)
	changed := mergeInto(u.merged, h, imp.region) || (m.Trashed && imp.pendingUpdates[m.ID] == nil)
	action := ImportAction{Position: rec.Position, Name: h.Name(), MatchedID: m.ID, Rule: string(m.Rule)}
	newPhoto := len(rec.Photo) > 0 && !u.hadPhoto && u.photo == nil
	if !changed && !newPhoto {
		imp.result.Skipped++
		action.Action, action.Reason = "skip", "already there"
		imp.act(action)
		return nil
	}
	if err := imp.validate(ctx, u.merged); err != nil {
		u.merged = before
		imp.fail(rec.Position, rec.Line, "merging into contact "+fmt.Sprint(m.ID)+": "+err.Error(), h.Name())
		return nil
	}
	if newPhoto {
		u.photo = rec.Photo
	}
	u.records = append(u.records, recordRef{file: imp.file, position: rec.Position, line: rec.Line, name: h.Name()})
	if imp.pendingUpdates[m.ID] == nil {
		imp.pendingUpdates[m.ID] = u
		imp.updateOrder = append(imp.updateOrder, m.ID)
	}
	action.Action = "update"
	if m.Trashed {
		action.Reason = "restored from the trash"
	}
	imp.result.Updated++
	imp.act(action)
	if len(imp.pending)+len(imp.updateOrder) >= imp.batch() {
		return imp.flush(ctx)
	}
	return nil
}

// pendingUpdate is a contact of the book that records of the import
// changed, waiting for the next flush.
type pendingUpdate struct {
	id       int64
	merged   *Human
	restore  bool   // it was in the trash
	hadPhoto bool   // it had a photo: an imported one does not replace it
	photo    []byte // the photo to give it
	records  []recordRef
}

// recordRef names a record of an import file.
type recordRef struct {
	file           string
	position, line int
	name           string
}

func cloneForMerge(h *Human) *Human {
	c := *h
	c.Phones = append([]Phone(nil), h.Phones...)
	c.Emails = append([]Email(nil), h.Emails...)
	c.Addresses = append([]Address(nil), h.Addresses...)
	c.URLs = append([]URL(nil), h.URLs...)
	c.IMs = append([]IM(nil), h.IMs...)
	c.GroupIDs = append([]int64(nil), h.GroupIDs...)
	c.Consents = append([]Consent(nil), h.Consents...)
	if h.CustomFields != nil {
		c.CustomFields = make(map[string]string, len(h.CustomFields))
		for k, v := range h.CustomFields {
			c.CustomFields[k] = v
		}
	}
	if h.Extra != nil {
		c.Extra = make(map[string][]byte, len(h.Extra))
		for k, v := range h.Extra {
			c.Extra[k] = v
		}
	}
	return &c
}

// validate checks h as the store will. Companies and groups the import
// creates at its next flush have negative stand-in ids, which the
// store's Validate counts as existing.
func (imp *importer) validate(ctx context.Context, h *Human) error {
	return imp.s.store.Validate(ctx, h)
}

// flush writes what the import has gathered since the last flush in one
// transaction: the new companies and groups, the new contacts, the
// updated ones and the photos.
func (imp *importer) flush(ctx context.Context) error {
	creates, updates := imp.pending, imp.updateOrder
	imp.pending, imp.updateOrder = nil, nil
	if imp.opts.DryRun {
		// Nothing is stored, so FindMatch will not see these: keep their
		// keys to recognise later records of the same people.
		imp.result.Created += len(creates)
		return nil
	}
	pendingUpdates := imp.pendingUpdates
	imp.pendingUpdates = make(map[int64]*pendingUpdate)
	clear(imp.pendingKeys)
	newCompanies, newGroups := imp.newCompanies, imp.newGroups
	imp.newCompanies, imp.newGroups = nil, nil
	if len(creates)+len(updates)+len(newCompanies)+len(newGroups) == 0 {
		return nil
	}
	imp.flushes++
	defer imp.flushing()()
	var created int
	// failed reports the records that failed once the transaction is over.
	var failed []func()
	// realID maps the stand-in ids of new companies and groups to theirs.
	realID := make(map[int64]int64, len(newCompanies)+len(newGroups))
	err := imp.s.store.Write(ctx, func(tx *store.Tx) error {
		created, failed = 0, nil
		for _, c := range newCompanies {
			made, err := tx.CreateCompany(&Company{Name: c.name})
			if err != nil {
				return fmt.Errorf("creating company %q: %w", c.name, err)
			}
			realID[c.id] = made.ID
		}
		for _, g := range newGroups {
			made, err := tx.CreateGroup(&Group{Name: g.name})
			if err != nil {
				return fmt.Errorf("creating group %q: %w", g.name, err)
			}
			realID[g.id] = made.ID
		}
		resolve := func(h *Human) {
			if id, ok := realID[h.CompanyID]; ok {
				h.CompanyID = id
			}
			for i, g := range h.GroupIDs {
				if id, ok := realID[g]; ok {
					h.GroupIDs[i] = id
				}
			}
		}
		humans := make([]*Human, len(creates))
		for i, p := range creates {
			resolve(p.human)
			humans[i] = p.human
			if len(p.photo) == 0 {
				continue
			}
			// Created with its photo: one write of the contact.
			hash, mediaType, err := tx.PreparePhoto(p.photo)
			if err != nil {
				if !isRecordError(err) {
					return err
				}
				imp.s.log.Warn("import: photo not kept", "file", p.file, "record", p.position, "err", err)
				continue
			}
			p.human.PhotoHash, p.human.PhotoType = hash, mediaType
		}
		ids, err := tx.CreateHumans(humans)
		var verr *store.ValidationError
		if errors.As(err, &verr) {
			// Checked one by one before, so something changed meanwhile
			// (a group deleted): create them one at a time.
			ids = make([]int64, len(creates))
			for i, p := range creates {
				made, err := tx.CreateHuman(p.human)
				if err != nil {
					if !isRecordError(err) {
						return err
					}
					failed = append(failed, func() { imp.failIn(p.file, p.position, 0, err.Error(), p.human.Name()) })
					continue
				}
				ids[i] = made.ID
			}
		} else if err != nil {
			return err
		}
		for i := range creates {
			if ids[i] != 0 {
				created++
			}
		}
		for _, id := range updates {
			u := pendingUpdates[id]
			resolve(u.merged)
			if err := imp.applyUpdate(tx, u); err != nil {
				if !isRecordError(err) {
					return err
				}
				failed = append(failed, func() {
					for _, r := range u.records {
						imp.result.Updated--
						imp.failIn(r.file, r.position, r.line, err.Error(), r.name)
					}
				})
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("app: import: %w", err)
	}
	imp.result.Created += created
	for _, c := range newCompanies {
		imp.companies[c.key] = realID[c.id]
	}
	for _, g := range newGroups {
		imp.groups[g.key] = realID[g.id]
	}
	for _, report := range failed {
		report()
	}
	return nil
}

// applyUpdate writes one pending update.
func (imp *importer) applyUpdate(tx *store.Tx, u *pendingUpdate) error {
	if u.restore {
		if _, err := tx.RestoreHuman(u.id); err != nil {
			return err
		}
	}
	if _, err := tx.UpdateHuman(u.id, patchOf(u.merged), ""); err != nil {
		return fmt.Errorf("merging into contact %d: %w", u.id, err)
	}
	return imp.setPhoto(tx, u.id, u.photo)
}

// isRecordError reports whether err is about one record (invalid, gone
// meanwhile) rather than the store: the import goes on without it.
func isRecordError(err error) bool {
	var verr *store.ValidationError
	return errors.As(err, &verr) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrConflict)
}

// setPhoto gives contact id the imported photo; a photo the store
// refuses (not an image, too big) is logged and the contact kept.
func (imp *importer) setPhoto(tx *store.Tx, id int64, photo []byte) error {
	if len(photo) == 0 {
		return nil
	}
	if _, err := tx.SetPhoto(id, photo); err != nil {
		if !isRecordError(err) {
			return err
		}
		imp.s.log.Warn("import: photo not kept", "contact", id, "err", err)
	}
	return nil
}

// newEntity is a company or group the import will create at its next
// flush; until then its records refer to it by a negative stand-in id.
type newEntity struct {
	id   int64
	name string
	key  string // foldKey(name)
}

// companyID resolves a company name to its id, or to a stand-in id for a
// company the import creates.
func (imp *importer) companyID(ctx context.Context, name string) (int64, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return 0, nil
	}
	if imp.companies == nil {
		imp.companies = make(map[string]int64)
		list, err := imp.s.store.ListCompanies(ctx)
		if err != nil {
			return 0, err
		}
		for _, c := range list {
			imp.companies[foldKey(c.Name)] = c.ID
		}
	}
	key := imp.foldKey(name)
	if id, ok := imp.companies[key]; ok {
		return id, nil
	}
	imp.nextFake--
	imp.companies[key] = imp.nextFake
	imp.newCompanies = append(imp.newCompanies, newEntity{imp.nextFake, name, key})
	imp.result.CompaniesCreated = append(imp.result.CompaniesCreated, name)
	return imp.nextFake, nil
}

// groupID resolves a group name as companyID does a company's.
func (imp *importer) groupID(ctx context.Context, name string) (int64, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return 0, nil
	}
	if imp.groups == nil {
		imp.groups = make(map[string]int64)
		list, err := imp.s.store.ListGroups(ctx)
		if err != nil {
			return 0, err
		}
		for _, g := range list {
			imp.groups[foldKey(g.Name)] = g.ID
		}
	}
	key := imp.foldKey(name)
	if id, ok := imp.groups[key]; ok {
		return id, nil
	}
	imp.nextFake--
	imp.groups[key] = imp.nextFake
	imp.newGroups = append(imp.newGroups, newEntity{imp.nextFake, name, key})
	imp.result.GroupsCreated = append(imp.result.GroupsCreated, name)
	return imp.nextFake, nil
}

func (imp *importer) fail(position, line int, reason, name string) {
	imp.failIn(imp.file, position, line, reason, name)
}

func (imp *importer) failIn(file string, position, line int, reason, name string) {
	imp.result.Failed++
	if len(imp.result.Problems) < maxReportedProblems {
		imp.result.Problems = append(imp.result.Problems, ImportProblem{File: file, Position: position, Line: line, Reason: reason})
	}
	imp.act(ImportAction{Position: position, Name: name, Action: "fail", Reason: reason})
}

func (imp *importer) act(a ImportAction) {
	if a.File == "" {
		a.File = imp.file
	}
	if len(imp.result.Actions) < maxReportedActions {
		imp.result.Actions = append(imp.result.Actions, a)
	}
}

func (imp *importer) report(done bool) {
	if imp.opts.Progress == nil || (!done && imp.progress.Records%progressEvery != 0) {
		return
	}
	p := imp.progress
	p.ImportResultCounts = imp.result.ImportResultCounts
	p.Created += len(imp.pending)
	if imp.read != nil {
		p.BytesRead = imp.read.n.Load()
	}
	p.Done = done
	imp.opts.Progress(p)
}

func (imp *importer) finish(ctx context.Context) (ImportResult, error) {
	if err := imp.flush(ctx); err != nil {
		return imp.result, err
	}
	imp.report(true)
	return imp.result, nil
}

// foldKey is how names of companies and groups are compared: the store
// keeps group names unique ignoring case and accents.
func foldKey(s string) string { return store.Fold(strings.Join(strings.Fields(s), " ")) }

// foldKey is foldKey for the names of this import's records, each folded
// once: a file names a few companies and groups thousands of times.
func (imp *importer) foldKey(name string) string {
	if k, ok := imp.folded[name]; ok {
		return k
	}
	if imp.folded == nil {
		imp.folded = make(map[string]string)
	}
	k := foldKey(name)
	imp.folded[strings.Clone(name)] = k
	return k
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
