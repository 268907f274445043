package store

import (
	"errors"
	"testing"
)

func TestSyncStateLinksBothWays(t *testing.T) {
	s, path := openTest(t, nil)
	a := mustCreate(t, s, &Human{FirstName: "Ada", LastName: "Lovelace"})
	b := mustCreate(t, s, &Human{FirstName: "Bob", LastName: "Marley"})
	err := s.Write(ctx, func(tx *Tx) error {
		for _, name := range []string{"a", "ab"} {
			if err := tx.PutSyncAccount(&SyncAccount{Name: name, Kind: "fake", Direction: "both", Policy: "newest"}); err != nil {
				return err
			}
		}
		if err := tx.PutSyncLink("a", &SyncLink{LocalID: a.ID, RemoteID: "r1", ETag: "e1", Base: []byte(`{"first_name":"Ada"}`)}); err != nil {
			return err
		}
		if err := tx.PutSyncLink("ab", &SyncLink{LocalID: a.ID, RemoteID: "x"}); err != nil {
			return err
		}
		// Relinking r1 to b unlinks a.
		return tx.PutSyncLink("a", &SyncLink{LocalID: b.ID, RemoteID: "r1", ETag: "e2"})
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(path, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Write(ctx, func(tx *Tx) error {
		if l, err := tx.SyncLinkByLocal("a", a.ID); err != nil || l != nil {
			t.Errorf("a still linked in account a: %+v %v", l, err)
		}
		l, err := tx.SyncLinkByRemote("a", "r1")
		if err != nil || l == nil || l.LocalID != b.ID || l.ETag != "e2" {
			t.Errorf("r1 → %+v %v, want contact %d", l, err, b.ID)
		}
		if l, _ := tx.SyncLinkByRemote("ab", "x"); l == nil || l.LocalID != a.ID {
			t.Errorf("account ab lost its link: %+v", l)
		}
		if l, _ := tx.SyncLinkByRemote("ab", "r1"); l != nil {
			t.Errorf("account ab sees account a's link: %+v", l)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	links, err := s.SyncLinks(ctx, "a")
	if err != nil || len(links) != 1 || links[0].RemoteID != "r1" {
		t.Fatalf("SyncLinks(a) = %+v, %v", links, err)
	}
}

func TestSyncStateRollsBackWithTheContacts(t *testing.T) {
	s, _ := openTest(t, nil)
	boom := errors.New("boom")
	err := s.Write(ctx, func(tx *Tx) error {
		if err := tx.PutSyncAccount(&SyncAccount{Name: "hub", Cursor: "c1"}); err != nil {
			return err
		}
		h, err := tx.CreateHuman(&Human{FirstName: "Ada"})
		if err != nil {
			return err
		}
		if err := tx.PutSyncLink("hub", &SyncLink{LocalID: h.ID, RemoteID: "r"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v", err)
	}
	if _, err := s.GetSyncAccount(ctx, "hub"); !errors.Is(err, ErrNotFound) {
		t.Errorf("account written by a failed transaction: %v", err)
	}
	if p, _ := s.ListHumans(ctx, Query{}); p.Total != 0 {
		t.Errorf("contact written by a failed transaction")
	}
}

func TestSyncJobsAndConflictsNewestFirstPerAccount(t *testing.T) {
	s, _ := openTest(t, nil)
	h := mustCreate(t, s, &Human{FirstName: "Ada"})
	err := s.Write(ctx, func(tx *Tx) error {
		for _, acc := range []string{"a", "ab", "a"} {
			if err := tx.PutSyncAccount(&SyncAccount{Name: acc}); err != nil {
				return err
			}
			if err := tx.PutSyncJob(&SyncJob{Account: acc, Direction: "both"}); err != nil {
				return err
			}
			if err := tx.AddSyncConflict(&SyncConflict{Account: acc, LocalID: h.ID, Field: "notes", Resolution: "local"}); err != nil {
				return err
			}
		}
		if err := tx.SetSyncDirty("a", h.ID, true); err != nil {
			return err
		}
		return tx.TrashHuman(h.ID, "")
	})
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := s.SyncJobs(ctx, "a", 0)
	if err != nil || len(jobs) != 2 || jobs[0].ID <= jobs[1].ID {
		t.Fatalf("jobs of a = %+v, %v", jobs, err)
	}
	if jobs, _ := s.SyncJobs(ctx, "a", 1); len(jobs) != 1 {
		t.Errorf("limit 1 gave %d jobs", len(jobs))
	}
	cs, err := s.SyncConflicts(ctx, "ab", 0)
	if err != nil || len(cs) != 1 || cs[0].Account != "ab" {
		t.Fatalf("conflicts of ab = %+v, %v", cs, err)
	}
	if ids, _ := s.SyncDirty(ctx, "a"); len(ids) != 1 || ids[0] != h.ID {
		t.Errorf("dirty of a = %v", ids)
	}
	if got, _ := s.GetHuman(ctx, h.ID); got.DeletedAt == nil {
		t.Errorf("Tx.TrashHuman did not trash")
	}
	if err := s.Write(ctx, func(tx *Tx) error { return tx.DeleteSyncAccount("a") }); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := s.SyncJobs(ctx, "a", 0); len(jobs) != 0 {
		t.Errorf("jobs left after deleting the account: %d", len(jobs))
	}
	if jobs, _ := s.SyncJobs(ctx, "ab", 0); len(jobs) != 1 {
		t.Errorf("deleting account a removed ab's jobs")
	}
	if ids, _ := s.SyncDirty(ctx, "a"); len(ids) != 0 {
		t.Errorf("dirty left after deleting the account: %v", ids)
	}
}
