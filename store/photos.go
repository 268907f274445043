package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// MaxPhotoSize is the largest photo the store accepts.
const MaxPhotoSize = 10 << 20

// Photo records are: reference count (8 bytes), media type length (1
// byte), media type, image bytes. Photos are keyed by the hex SHA-256 of
// their bytes, so two contacts with the same picture share one record.

// SetPhoto stores data as the photo of a live contact; nil data removes
// the photo. The media type is sniffed from the bytes when empty; only
// JPEG, PNG, GIF and WebP are accepted.
func (s *Store) SetPhoto(ctx context.Context, id int64, data []byte, mediaType string) (*Human, error) {
	var hash string
	if data != nil {
		var verr *ValidationError
		if hash, mediaType, verr = checkPhoto(data); verr != nil {
			return nil, verr
		}
	}
	var out *Human
	err := s.update(func(w *writer) (err error) {
		out, err = w.setPhoto(id, hash, mediaType, data)
		return err
	})
	return out, err
}

// setPhoto makes the photo data (already checked, with its hash and media
// type; nil to remove) the photo of a live contact.
func (w *writer) setPhoto(id int64, hash, mediaType string, data []byte) (*Human, error) {
	h, err := w.liveHuman(id, "")
	if err != nil {
		return nil, err
	}
	if h.PhotoHash == hash {
		return h, nil
	}
	if hash != "" {
		if err := w.retainPhoto(hash, mediaType, data); err != nil {
			return nil, err
		}
	}
	if err := w.releasePhoto(h.PhotoHash); err != nil {
		return nil, err
	}
	h.PhotoHash, h.PhotoType = hash, mediaType
	h.UpdatedAt = w.now
	if err := w.putHuman(h, nil); err != nil {
		return nil, err
	}
	return h, nil
}

func (w *writer) retainPhoto(hash, mediaType string, data []byte) error {
	b := w.tx.Bucket(bucketPhotos)
	if v := b.Get([]byte(hash)); len(v) >= 8 {
		rec := append([]byte(nil), v...)
		binary.BigEndian.PutUint64(rec, binary.BigEndian.Uint64(rec)+1)
		return b.Put([]byte(hash), rec)
	}
	if len(mediaType) > 255 {
		mediaType = mediaType[:255]
	}
	rec := make([]byte, 0, 9+len(mediaType)+len(data))
	rec = binary.BigEndian.AppendUint64(rec, 1)
	rec = append(rec, byte(len(mediaType)))
	rec = append(rec, mediaType...)
	rec = append(rec, data...)
	if err := b.Put([]byte(hash), rec); err != nil {
		return fmt.Errorf("store: writing photo: %w", err)
	}
	return nil
}

func (w *writer) releasePhoto(hash string) error {
	if hash == "" {
		return nil
	}
	b := w.tx.Bucket(bucketPhotos)
	v := b.Get([]byte(hash))
	if len(v) < 8 {
		return nil
	}
	if n := binary.BigEndian.Uint64(v); n > 1 {
		rec := append([]byte(nil), v...)
		binary.BigEndian.PutUint64(rec, n-1)
		return b.Put([]byte(hash), rec)
	}
	if err := b.Delete([]byte(hash)); err != nil {
		return fmt.Errorf("store: deleting photo: %w", err)
	}
	return nil
}

// Photo returns the bytes and media type of the photo with hash.
func (s *Store) Photo(ctx context.Context, hash string) ([]byte, string, error) {
	var data []byte
	var mediaType string
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketPhotos).Get([]byte(hash))
		if len(v) < 9 || len(v) < 9+int(v[8]) {
			return fmt.Errorf("photo %s: %w", hash, ErrNotFound)
		}
		n := int(v[8])
		mediaType = string(v[9 : 9+n])
		data = append([]byte(nil), v[9+n:]...)
		return nil
	})
	return data, mediaType, err
}

// checkPhoto applies SetPhoto's rules to data and returns its hash and
// sniffed media type.
func checkPhoto(data []byte) (hash, mediaType string, err *ValidationError) {
	sniffed := http.DetectContentType(data)
	switch {
	case len(data) > MaxPhotoSize:
		return "", "", &ValidationError{Fields: map[string]string{"photo": fmt.Sprintf("is larger than %d MB", MaxPhotoSize>>20)}}
	case !strings.HasPrefix(sniffed, "image/") || sniffed == "image/x-icon" || sniffed == "image/bmp":
		return "", "", &ValidationError{Fields: map[string]string{"photo": "is not a JPEG, PNG, GIF or WebP image"}}
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), sniffed, nil
}
