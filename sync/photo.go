package sync

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/humans-contacts/humans/store"
)

// Photos, for providers that carry photo bytes (PhotoSyncer).
//
// For such a provider Contact.PhotoURL is not a field like the others:
// it names the remote photo, while the local photo is bytes in the
// store (Human.PhotoHash). The engine takes PhotoURL out of the contacts
// it merges and compares (so bases hold no photo, and the local
// Human.PhotoURL is never touched), and keeps on each link the remote
// photo's URL and the hash of its bytes as last known. A remote URL that
// changed is downloaded and becomes the local photo; a local hash that
// differs from the link's is uploaded (or the remote photo removed);
// both changed is a "photo" conflict resolved by the account's policy.

// remotePhoto is a remote contact's photo as a pull or a fetch saw it.
type remotePhoto struct {
	URL string
	// Data is the photo URL names, when Known: downloaded, or nil for no
	// photo (URL empty). Not Known when its URL did not change since the
	// link (nothing to download) or the download failed (noted).
	Data  []byte
	Known bool
}

// photoHash is the store's name for photo bytes: the hex SHA-256.
func photoHash(data []byte) string {
	if data == nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// stripPhoto takes the photo URL out of a remote contact of a provider
// that carries photos; for others the contact is unchanged.
func (j *job) stripPhoto(r *Remote) string {
	if j.photos == nil {
		return ""
	}
	url := r.Contact.PhotoURL
	r.Contact.PhotoURL = ""
	return url
}

// localOf is the contact h as the engine compares and sends it.
func (j *job) localOf(h *store.Human, n names) Contact {
	c := FromHuman(h, n)
	if j.photos != nil {
		c.PhotoURL = ""
	}
	return c
}

// writer returns the local writer of this job inside tx.
func (j *job) writer(tx *store.Tx) *localWriter {
	w := newLocalWriter(tx, j.source())
	w.keepPhotoURL = j.photos != nil
	return w
}

// fetchPhoto returns the remote photo of contact rid as r names it,
// downloading it when its URL differs from the link's. A download that
// fails for good is said in the job and leaves the local photo alone;
// a transient failure or a lost authorization fails the job.
func (j *job) fetchPhoto(ctx context.Context, rid, url string, link *store.SyncLink) (*remotePhoto, error) {
	rp := &remotePhoto{URL: url}
	if j.photos == nil || j.exportOnly || (link != nil && link.PhotoURL == url) {
		return rp, nil
	}
	if url == "" {
		rp.Known = true
		return rp, nil
	}
	var data []byte
	err := j.retry(ctx, func() (err error) {
		data, err = j.photos.FetchPhoto(ctx, url)
		return err
	})
	var re *RetryError
	switch {
	case err == nil && len(data) > 0:
		rp.Data, rp.Known = data, true
	case err == nil:
		j.note("remote contact %s: its photo was empty; the local photo was kept", rid)
	case errors.As(err, &re), errors.Is(err, ErrSignIn), ctx.Err() != nil:
		return nil, fmt.Errorf("downloading the photo of remote contact %s: %w", rid, err)
	default:
		j.note("remote contact %s: its photo could not be downloaded (%v); the local photo was kept", rid, err)
	}
	return rp, nil
}

// mergePhoto settles the photo of local contact h against the link it
// had (nil on a first sync) and the photo rp of remote contact rid, inside tx. It
// returns the link's new photo fields and whether the local photo must
// be uploaded.
func (j *job) mergePhoto(tx *store.Tx, h *store.Human, old *store.SyncLink, rid string, rp *remotePhoto, remoteTime time.Time) (url, hash string, dirty bool, err error) {
	if j.photos == nil || rp == nil {
		if old != nil {
			return old.PhotoURL, old.PhotoHash, false, nil
		}
		return "", "", false, nil
	}
	var baseURL, baseHash string
	if old != nil {
		baseURL, baseHash = old.PhotoURL, old.PhotoHash
	}
	localChanged := h.PhotoHash != baseHash
	if rp.URL == baseURL {
		return baseURL, baseHash, localChanged, nil
	}
	if !rp.Known {
		// Changed remotely, bytes unknown (said in the job): take both
		// sides as agreeing rather than overwrite either.
		return rp.URL, h.PhotoHash, false, nil
	}
	rh := photoHash(rp.Data)
	if rh == h.PhotoHash {
		return rp.URL, rh, false, nil
	}
	if localChanged {
		m := &merger{policy: j.acc.Policy, localTime: h.UpdatedAt, remoteTime: remoteTime}
		side := m.winner()
		if err := j.recordConflicts(tx, h.ID, rid, []FieldConflict{{
			Field: "photo", Base: rawJSON(baseHash), Local: rawJSON(h.PhotoHash), Remote: rawJSON(rp.URL), Resolution: side,
		}}); err != nil {
			return "", "", false, err
		}
		if side == SideLocal {
			return rp.URL, rh, true, nil
		}
	}
	nh, err := tx.SetPhoto(h.ID, rp.Data)
	var verr *store.ValidationError
	if errors.As(err, &verr) {
		j.note("contact %d: the remote photo was not taken: %v", h.ID, err)
		return rp.URL, h.PhotoHash, false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	j.rec.Pulled.Updated++
	return rp.URL, nh.PhotoHash, false, nil
}

// pushPhoto uploads the local photo of contact id (or removes the
// remote one) when it differs from what its link says the remote has.
// counted says whether the contact was counted as updated already.
func (j *job) pushPhoto(ctx context.Context, id int64, counted bool) error {
	if j.photos == nil {
		return nil
	}
	st := j.e.st
	h, err := st.GetHuman(ctx, id)
	if err != nil {
		return err
	}
	link, err := st.SyncLinkByLocal(ctx, j.name, id)
	if err != nil || link == nil || h.DeletedAt != nil || h.PhotoHash == link.PhotoHash {
		return err
	}
	var data []byte
	if h.PhotoHash != "" {
		if data, _, err = st.Photo(ctx, h.PhotoHash); err != nil {
			return fmt.Errorf("reading the photo of contact %d: %w", id, err)
		}
	}
	var r Remote
	err = j.retry(ctx, func() (err error) {
		r, err = j.photos.PutPhoto(ctx, link.RemoteID, data)
		return err
	})
	if err != nil {
		return fmt.Errorf("sending the photo: %w", err)
	}
	if err := j.hook("push-photo"); err != nil {
		return err
	}
	url := j.stripPhoto(&r)
	return st.Write(ctx, func(tx *store.Tx) error {
		l, err := tx.SyncLinkByLocal(j.name, id)
		if err != nil || l == nil || l.RemoteID != link.RemoteID {
			return err
		}
		l.PhotoURL, l.PhotoHash = url, h.PhotoHash
		// The answer's etag is taken only when the remote's fields are
		// the agreed ones: a change made there meanwhile must still be
		// pulled and merged.
		if base, ok := decodeBase(l.Base); ok && r.ETag != "" && r.Contact.Equal(base) {
			l.ETag, l.RemoteUpdated = r.ETag, r.Updated
		}
		if !counted {
			j.rec.Pushed.Updated++
		}
		return tx.PutSyncLink(j.name, l)
	})
}
