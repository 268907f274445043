package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/humans-contacts/humans/store"
)

// Flip reverses the resolution of a conflict: the contact takes the
// value of the side that lost (or, flipped again, of the side that won)
// as a local edit, which the next sync sends to the remote. For a
// deletion conflict the contact goes to the trash or comes back from it.
func (e *Engine) Flip(ctx context.Context, account string, id int64) (*store.SyncConflict, error) {
	var out *store.SyncConflict
	err := e.st.Write(ctx, func(tx *store.Tx) error {
		c, err := tx.SyncConflict(account, id)
		if err != nil {
			return err
		}
		h, err := tx.GetHuman(c.LocalID)
		if err != nil {
			return fmt.Errorf("the contact of conflict %d: %w", id, err)
		}
		flipped := !c.Flipped
		side := c.Resolution
		if flipped {
			side = other(side)
		}
		value := c.Local
		if side == SideRemote {
			value = c.Remote
		}
		if c.Field == "photo" {
			// The photo that lost is no longer kept on either side.
			return &store.ValidationError{Fields: map[string]string{"field": "a photo conflict cannot be flipped: set the photo you want on the contact, the next sync sends it"}}
		}
		if c.Field == "deleted" {
			gone := isNull(value)
			switch {
			case gone && h.DeletedAt == nil:
				if err := tx.TrashHuman(h.ID, ""); err != nil {
					return err
				}
			case !gone && h.DeletedAt != nil:
				if _, err := tx.RestoreHuman(h.ID); err != nil {
					return err
				}
			}
		} else {
			if h.DeletedAt != nil {
				return fmt.Errorf("the contact of conflict %d is in the trash: %w", id, store.ErrNotFound)
			}
			local := FromHuman(h, tx)
			if err := setField(&local, c.Field, c.Key, value, e.opts.Region); err != nil {
				return fmt.Errorf("conflict %d: %w", id, err)
			}
			if _, err := newLocalWriter(tx, store.SourceManual).update(h.ID, local); err != nil {
				return err
			}
		}
		c.Flipped = flipped
		if err := tx.PutSyncConflict(c); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

func other(side string) string {
	if side == SideLocal {
		return SideRemote
	}
	return SideLocal
}

func isNull(v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	return len(v) == 0 || bytes.Equal(v, []byte("null"))
}

// setField sets one field (or list element, by key) of c to a JSON value
// as a conflict recorded it; null clears it or removes the element.
func setField(c *Contact, field, key string, value json.RawMessage, region string) error {
	for _, f := range stringFields {
		if f.name == field {
			var s string
			if !isNull(value) {
				if err := json.Unmarshal(value, &s); err != nil {
					return fmt.Errorf("field %s: %w", field, err)
				}
			}
			*f.ptr(c) = s
			return nil
		}
	}
	switch {
	case field == "is_favorite":
		var b bool
		if !isNull(value) {
			if err := json.Unmarshal(value, &b); err != nil {
				return fmt.Errorf("field %s: %w", field, err)
			}
		}
		c.IsFavorite = b
		return nil
	case strings.HasPrefix(field, "custom_fields."):
		k := strings.TrimPrefix(field, "custom_fields.")
		var s string
		if !isNull(value) {
			if err := json.Unmarshal(value, &s); err != nil {
				return fmt.Errorf("field %s: %w", field, err)
			}
		}
		if c.CustomFields == nil {
			c.CustomFields = make(map[string]string)
		}
		if s == "" {
			delete(c.CustomFields, k)
		} else {
			c.CustomFields[k] = s
		}
		return nil
	case field == "phone_numbers":
		return setElem(&c.Phones, key, value, phoneKey(region))
	case field == "emails":
		return setElem(&c.Emails, key, value, emailKey)
	case field == "addresses":
		return setElem(&c.Addresses, key, value, addressKey)
	case field == "urls":
		return setElem(&c.URLs, key, value, urlKey)
	case field == "ims":
		return setElem(&c.IMs, key, value, imKey)
	case field == "groups":
		return setElem(&c.Groups, key, value, store.Fold)
	}
	return errors.New("unknown field " + field)
}

// setElem replaces the element of list with key by value, removes it
// when value is null, or appends value when no element has key.
func setElem[T any](list *[]T, key string, value json.RawMessage, keyOf func(T) string) error {
	keys, _ := keyed(*list, keyOf)
	at := -1
	for i, k := range keys {
		if k == key {
			at = i
		}
	}
	if isNull(value) {
		if at >= 0 {
			*list = append((*list)[:at], (*list)[at+1:]...)
		}
		return nil
	}
	var v T
	if err := json.Unmarshal(value, &v); err != nil {
		return fmt.Errorf("element %s: %w", key, err)
	}
	if at >= 0 {
		(*list)[at] = v
	} else {
		*list = append(*list, v)
	}
	return nil
}
