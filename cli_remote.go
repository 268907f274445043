package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/humans-contacts/humans/app"
	"github.com/humans-contacts/humans/app/server"
)

// book is what the import, export, apikey and backup commands need: the
// service when this process can open the store, else the Humans that
// holds it, reached through its socket.
type book interface {
	ImportFiles(ctx context.Context, paths []string, opts app.ImportOptions) (app.ImportResult, error)
	Export(ctx context.Context, req app.ExportRequest, w io.Writer) (int, error)
	ExportUnified(ctx context.Context, w io.Writer) error
	CreateAPIKey(ctx context.Context, name string, role app.Role) (string, *app.APIKey, error)
	APIKeys(ctx context.Context) ([]*app.APIKey, error)
	RevokeAPIKey(ctx context.Context, id int64) error
	BackupFile(ctx context.Context, path string) error
}

// openBook opens the book of dir for a command: the service, or, when
// another Humans holds the store and remote is set, that Humans through
// the data directory's socket. done closes what was opened.
func openBook(dir string, logger *slog.Logger, stderr io.Writer, remote bool) (b book, done func() error, err error) {
	// A Humans answering on the socket holds the store: ask it rather
	// than wait for the lock.
	if remote {
		r, derr := dialRunning(dir)
		if derr == nil {
			fmt.Fprintf(stderr, "humans: Humans is running on %s: done there\n", dir)
			return r, func() error { return nil }, nil
		}
		logger.Debug("no running Humans on the socket", "err", derr)
	}
	svc, err := app.Open(app.Options{DataDir: dir, Logger: logger})
	if errors.Is(err, app.ErrLocked) {
		return nil, nil, fmt.Errorf("Humans is running on %s; close it first", dir)
	}
	if err != nil {
		return nil, nil, err
	}
	return svc, svc.Close, nil
}

// withBook runs fn on the book of dir, opened here or reached in the
// Humans that holds it, and returns the exit status.
func withBook(dir string, logger *slog.Logger, stderr io.Writer, fn func(book) error) int {
	b, done, err := openBook(dir, logger, stderr, true)
	if err != nil {
		fmt.Fprintf(stderr, "humans: %v\n", err)
		return 1
	}
	runErr := fn(b)
	if err := done(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "humans: %v\n", runErr)
		return 1
	}
	return 0
}

// running is the Humans that holds the store, reached over its socket.
// Requests over the socket act as the owner (an admin).
type running struct {
	c *http.Client
}

// remoteCount stands for a count the running Humans does not report.
const remoteCount = -1

// dialRunning connects to the socket of dir and checks that a Humans
// answers there.
func dialRunning(dir string) (*running, error) {
	path := server.SocketPath(dir)
	if _, err := os.Stat(path); err != nil {
		return nil, errors.New("it does not serve the command line")
	}
	r := &running{c: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}}
	if err := r.call(context.Background(), "GET", "/api/admin/status", nil, "", nil); err != nil {
		return nil, err
	}
	return r, nil
}

// request sends a request to the running Humans and returns its answer
// when it succeeded; a failure envelope becomes an error with its
// message and fields.
func (r *running) request(ctx context.Context, method, path string, body io.Reader, contentType string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://humans"+path, body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := r.c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the running Humans: %w", err)
	}
	if res.StatusCode < 300 {
		return res, nil
	}
	defer res.Body.Close()
	var env struct {
		Error struct {
			Message string            `json:"message"`
			Fields  map[string]string `json:"fields"`
		} `json:"error"`
	}
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if json.Unmarshal(raw, &env) != nil || env.Error.Message == "" {
		return nil, fmt.Errorf("the running Humans answered %s", res.Status)
	}
	msg := env.Error.Message
	for k, v := range env.Error.Fields {
		msg += fmt.Sprintf("; %s: %s", k, v)
	}
	return nil, errors.New(msg)
}

// call sends a request and decodes the data of its envelope into out.
func (r *running) call(ctx context.Context, method, path string, body io.Reader, contentType string, out any) error {
	res, err := r.request(ctx, method, path, body, contentType)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, res.Body)
		return err
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil {
		return fmt.Errorf("the running Humans: reading its answer: %w", err)
	}
	return json.Unmarshal(env.Data, out)
}

// ImportFiles sends each file to the running Humans, one import each.
func (r *running) ImportFiles(ctx context.Context, paths []string, opts app.ImportOptions) (app.ImportResult, error) {
	total := app.ImportResult{DryRun: opts.DryRun}
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return total, fmt.Errorf("import: %w", err)
		}
		q := url.Values{"name": {filepath.Base(path)}, "dry_run": {strconv.FormatBool(opts.DryRun)}}
		var res app.ImportResult
		err = r.call(ctx, "POST", "/api/import?"+q.Encode(), f, "application/octet-stream", &res)
		f.Close()
		if err != nil {
			return total, err
		}
		total.Created += res.Created
		total.Updated += res.Updated
		total.Skipped += res.Skipped
		total.Failed += res.Failed
		total.Problems = append(total.Problems, res.Problems...)
		total.Actions = append(total.Actions, res.Actions...)
		total.CompaniesCreated = append(total.CompaniesCreated, res.CompaniesCreated...)
		total.GroupsCreated = append(total.GroupsCreated, res.GroupsCreated...)
		if res.Restored != nil {
			total.Restored = res.Restored
		}
		if opts.Progress != nil {
			opts.Progress(app.ImportProgress{File: filepath.Base(path), ImportResultCounts: total.ImportResultCounts, Done: true})
		}
	}
	return total, nil
}

// Export streams the export from the running Humans; the count is not
// known (remoteCount).
func (r *running) Export(ctx context.Context, req app.ExportRequest, w io.Writer) (int, error) {
	q := url.Values{"format": {string(req.Format)}}
	if len(req.IDs) > 0 {
		ids := make([]string, len(req.IDs))
		for i, id := range req.IDs {
			ids[i] = strconv.FormatInt(id, 10)
		}
		q.Set("ids", strings.Join(ids, ","))
	}
	if req.GroupID != 0 {
		q.Set("group_id", strconv.FormatInt(req.GroupID, 10))
	}
	if req.CompanyID != 0 {
		q.Set("company_id", strconv.FormatInt(req.CompanyID, 10))
	}
	if req.VCardVersion != "" {
		q.Set("version", req.VCardVersion)
	}
	return remoteCount, r.download(ctx, "/api/export?"+q.Encode(), w)
}

// ExportUnified streams the whole book from the running Humans.
func (r *running) ExportUnified(ctx context.Context, w io.Writer) error {
	return r.download(ctx, "/api/export/unified", w)
}

func (r *running) download(ctx context.Context, path string, w io.Writer) error {
	res, err := r.request(ctx, "GET", path, nil, "")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(w, res.Body); err != nil {
		return fmt.Errorf("the running Humans: the download broke off: %w", err)
	}
	return nil
}

// apiKey is a key as the API shows it.
type apiKey struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	Prefix string `json:"prefix"`
	Key    string `json:"key"`
	app.APIKey
}

func (k apiKey) toApp() *app.APIKey {
	out := k.APIKey
	out.ID, out.Name, out.Role, out.Prefix = k.ID, k.Name, app.Role(k.Role), k.Prefix
	return &out
}

// CreateAPIKey makes a key in the running Humans.
func (r *running) CreateAPIKey(ctx context.Context, name string, role app.Role) (string, *app.APIKey, error) {
	body, _ := json.Marshal(map[string]string{"name": name, "role": string(role)})
	var k apiKey
	if err := r.call(ctx, "POST", "/api/admin/api-keys", bytes.NewReader(body), "application/json", &k); err != nil {
		return "", nil, err
	}
	return k.Key, k.toApp(), nil
}

// APIKeys lists the running Humans' keys.
func (r *running) APIKeys(ctx context.Context) ([]*app.APIKey, error) {
	var list []apiKey
	if err := r.call(ctx, "GET", "/api/admin/api-keys", nil, "", &list); err != nil {
		return nil, err
	}
	out := make([]*app.APIKey, len(list))
	for i, k := range list {
		out[i] = k.toApp()
	}
	return out, nil
}

// RevokeAPIKey revokes a key of the running Humans.
func (r *running) RevokeAPIKey(ctx context.Context, id int64) error {
	return r.call(ctx, "DELETE", "/api/admin/api-keys/"+strconv.FormatInt(id, 10), nil, "", nil)
}

// BackupFile writes the running Humans' backup to path, atomically.
func (r *running) BackupFile(ctx context.Context, path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = r.download(ctx, "/api/admin/backup", tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// syncBook is what the sync command needs: the service, or the running
// Humans (its Hub account only, through the REST API's /api/hub).
type syncBook interface {
	SyncNow(ctx context.Context, account, direction string) (*app.SyncJob, error)
	SyncStatus(ctx context.Context, account string) (app.SyncStatus, error)
	SyncConflicts(ctx context.Context, account string, limit int) ([]*app.SyncConflict, error)
	FlipSyncConflict(ctx context.Context, account string, id int64) (*app.SyncConflict, error)
	SyncJobs(ctx context.Context, account string, limit int) ([]*app.SyncJob, error)
	DeliverSMS(ctx context.Context) (app.SMSDelivery, error)
	SyncPendingDeletions(ctx context.Context, account string) ([]*app.SyncPendingDeletion, error)
	ConfirmSyncDeletions(ctx context.Context, account string, remoteIDs []string) (app.SyncDeletionsResult, error)
	KeepSyncDeletions(ctx context.Context, account string, remoteIDs []string) (app.SyncDeletionsResult, error)
}

// hubOnly refuses another account than the Hub's over the socket.
func hubOnly(account string) error {
	if account != "" && account != app.HubAccount {
		return fmt.Errorf("through the running Humans only the Hub account syncs; close it to sync %q from here", account)
	}
	return nil
}

// syncJob is a job as /api/hub answers it.
type syncJob struct {
	ID         int64          `json:"id"`
	Direction  string         `json:"direction"`
	StartedAt  time.Time      `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at"`
	Import     app.SyncCounts `json:"import"`
	Export     app.SyncCounts `json:"export"`
	Conflicts  int            `json:"conflicts"`
	Errors     []string       `json:"errors"`
	Notes      []string       `json:"notes"`
}

func (j syncJob) toApp() *app.SyncJob {
	out := &app.SyncJob{ID: j.ID, Account: app.HubAccount, Direction: j.Direction, StartedAt: j.StartedAt,
		Pulled: j.Import, Pushed: j.Export, Conflicts: j.Conflicts, Notes: j.Notes}
	if j.FinishedAt != nil {
		out.FinishedAt = *j.FinishedAt
	}
	if len(j.Errors) > 0 {
		out.Error = strings.Join(j.Errors, "; ")
	}
	return out
}

// syncConflict is a conflict as /api/hub answers it.
type syncConflict struct {
	app.SyncConflict
	HumanID int64 `json:"human_id"`
}

func (c syncConflict) toApp() *app.SyncConflict {
	out := c.SyncConflict
	out.LocalID, out.Account = c.HumanID, app.HubAccount
	return &out
}

// SyncNow asks the running Humans to sync with the Hub now.
func (r *running) SyncNow(ctx context.Context, account, direction string) (*app.SyncJob, error) {
	if err := hubOnly(account); err != nil {
		return nil, err
	}
	path := map[string]string{"": "/api/hub/sync", "both": "/api/hub/sync", "import": "/api/hub/import", "export": "/api/hub/export"}[direction]
	if path == "" {
		return nil, fmt.Errorf("--direction %q: use import, export or both", direction)
	}
	var j syncJob
	if err := r.call(ctx, "POST", path, nil, "", &j); err != nil {
		return nil, err
	}
	return j.toApp(), nil
}

// SyncStatus is the running Humans' sync status with the Hub.
func (r *running) SyncStatus(ctx context.Context, account string) (app.SyncStatus, error) {
	var st app.SyncStatus
	if err := hubOnly(account); err != nil {
		return st, err
	}
	err := r.call(ctx, "GET", "/api/hub/status", nil, "", &st)
	return st, err
}

// SyncConflicts lists the running Humans' conflicts with the Hub.
func (r *running) SyncConflicts(ctx context.Context, account string, limit int) ([]*app.SyncConflict, error) {
	if err := hubOnly(account); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	var list []syncConflict
	if err := r.call(ctx, "GET", "/api/hub/conflicts?limit="+strconv.Itoa(limit), nil, "", &list); err != nil {
		return nil, err
	}
	out := make([]*app.SyncConflict, len(list))
	for i, c := range list {
		out[i] = c.toApp()
	}
	return out, nil
}

// FlipSyncConflict flips a conflict in the running Humans.
func (r *running) FlipSyncConflict(ctx context.Context, account string, id int64) (*app.SyncConflict, error) {
	if err := hubOnly(account); err != nil {
		return nil, err
	}
	var c syncConflict
	if err := r.call(ctx, "POST", "/api/hub/conflicts/"+strconv.FormatInt(id, 10)+"/flip", nil, "", &c); err != nil {
		return nil, err
	}
	return c.toApp(), nil
}

// SyncJobs is the running Humans' sync history with the Hub.
func (r *running) SyncJobs(ctx context.Context, account string, limit int) ([]*app.SyncJob, error) {
	if err := hubOnly(account); err != nil {
		return nil, err
	}
	var list []syncJob
	if err := r.call(ctx, "GET", "/api/hub/history?limit="+strconv.Itoa(limit), nil, "", &list); err != nil {
		return nil, err
	}
	out := make([]*app.SyncJob, len(list))
	for i, j := range list {
		out[i] = j.toApp()
	}
	return out, nil
}

// DeliverSMS leaves the text messages to the running Humans, which hands
// them to the Hub on its own schedule after each sync.
func (r *running) DeliverSMS(ctx context.Context) (app.SMSDelivery, error) {
	return app.SMSDelivery{}, nil
}

// Both kinds of book do everything the commands ask.
var (
	_ book     = (*app.Service)(nil)
	_ book     = (*running)(nil)
	_ syncBook = (*app.Service)(nil)
	_ syncBook = (*running)(nil)
)
