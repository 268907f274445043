package app

import (
	"context"
	"os"
)

// Status is what a server's status page tells about the book.
type Status struct {
	DataDir     string `json:"data_dir"`
	StoreFile   string `json:"store_file"`
	StoreBytes  int64  `json:"store_bytes"`
	Revision    uint64 `json:"revision"`
	Contacts    int    `json:"contacts"`
	Trashed     int    `json:"trashed"`
	Companies   int    `json:"companies"`
	Groups      int    `json:"groups"`
	SMSQueued   int    `json:"sms_queued"`
	APIKeys     int    `json:"api_keys"`
	SearchReady bool   `json:"search_ready"`
}

// Status returns the book's figures and where it is stored.
func (s *Service) Status(ctx context.Context) (Status, error) {
	st, err := s.store.Stats(ctx)
	if err != nil {
		return Status{}, err
	}
	keys, err := s.store.APIKeys(ctx)
	if err != nil {
		return Status{}, err
	}
	queued, err := s.store.ListSMS(ctx, SMSQuery{Status: SMSQueued, PerPage: 1})
	if err != nil {
		return Status{}, err
	}
	out := Status{
		DataDir: s.dataDir, StoreFile: s.store.Path(), Revision: s.store.Revision(),
		Contacts: st.Total, Trashed: st.Trashed, Companies: st.Companies, Groups: st.Groups,
		SMSQueued: queued.Total, APIKeys: len(keys),
	}
	if fi, err := os.Stat(s.store.Path()); err == nil {
		out.StoreBytes = fi.Size()
	}
	select {
	case <-s.store.SearchReady():
		out.SearchReady = true
	default:
	}
	return out, nil
}
