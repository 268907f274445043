package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/humans-contacts/humans/app"
)

// The running Humans' remote deletions waiting for confirmation, through
// the REST API's /api/sync/deletions.

type pendingDeletion struct {
	Account  string    `json:"account"`
	RemoteID string    `json:"remote_id"`
	HumanID  int64     `json:"human_id"`
	Name     string    `json:"name"`
	Absent   bool      `json:"absent"`
	Found    time.Time `json:"found"`
}

// SyncPendingDeletions lists the running Humans' waiting deletions.
func (r *running) SyncPendingDeletions(ctx context.Context, account string) ([]*app.SyncPendingDeletion, error) {
	path := "/api/sync/deletions"
	if account != "" {
		path += "?account=" + url.QueryEscape(account)
	}
	var list []pendingDeletion
	if err := r.call(ctx, "GET", path, nil, "", &list); err != nil {
		return nil, err
	}
	out := make([]*app.SyncPendingDeletion, len(list))
	for i, d := range list {
		out[i] = &app.SyncPendingDeletion{Account: d.Account, RemoteID: d.RemoteID, LocalID: d.HumanID, Name: d.Name, Absent: d.Absent, Found: d.Found}
	}
	return out, nil
}

func (r *running) settleDeletions(ctx context.Context, action, account string, ids []string) (app.SyncDeletionsResult, error) {
	var res app.SyncDeletionsResult
	body, err := json.Marshal(map[string]any{"account": account, "remote_ids": ids})
	if err != nil {
		return res, err
	}
	err = r.call(ctx, "POST", "/api/sync/deletions/"+action, bytes.NewReader(body), "application/json", &res)
	return res, err
}

// ConfirmSyncDeletions confirms waiting deletions in the running Humans.
func (r *running) ConfirmSyncDeletions(ctx context.Context, account string, ids []string) (app.SyncDeletionsResult, error) {
	return r.settleDeletions(ctx, "confirm", account, ids)
}

// KeepSyncDeletions refuses waiting deletions in the running Humans.
func (r *running) KeepSyncDeletions(ctx context.Context, account string, ids []string) (app.SyncDeletionsResult, error) {
	return r.settleDeletions(ctx, "keep", account, ids)
}
