package carddav

import (
	"errors"
	"io"
	"slices"

	"github.com/emersion/go-vcard"
)

// ErrNoVersion is returned when a card to write has no VERSION.
var ErrNoVersion = errors.New("carddav: card has no VERSION")

// leadingProps are written first, in this order; the other properties
// follow by name.
var leadingProps = []string{vcard.FieldVersion, vcard.FieldProductID, vcard.FieldUID, vcard.FieldFormattedName, vcard.FieldName}

// FormatCard returns card as vCard text (BEGIN to END, CRLF line ends,
// folded at 75 octets). The order is deterministic: VERSION, PRODID, UID,
// FN, N, then the other properties by name; the lines of one property
// keep their order (the order of a contact's phones, say). Unlike
// go-vcard's Encoder it folds long lines, quotes parameter values that
// need it, leaves the commas of CATEGORIES unescaped and writes a `\;` of
// a value as `\;`.
func FormatCard(card vcard.Card) ([]byte, error) {
	return AppendCard(nil, card)
}

// AppendCard appends the text FormatCard returns to dst.
func AppendCard(dst []byte, card vcard.Card) ([]byte, error) {
	if card.Value(vcard.FieldVersion) == "" {
		return dst, ErrNoVersion
	}
	dst = append(dst, "BEGIN:VCARD\r\n"...)
	dst = appendLine(dst, vcard.FieldVersion, &vcard.Field{Value: card.Value(vcard.FieldVersion)})
	for _, k := range leadingProps[1:] {
		for _, f := range card[k] {
			if f != nil {
				dst = appendLine(dst, k, f)
			}
		}
	}
	for _, k := range sortedKeys(card) {
		if slices.Contains(leadingProps, k) || k == "BEGIN" || k == "END" {
			continue
		}
		for _, f := range card[k] {
			if f != nil {
				dst = appendLine(dst, k, f)
			}
		}
	}
	dst = append(dst, "END:VCARD\r\n"...)
	return dst, nil
}

// WriteCard writes card to w as FormatCard formats it.
func WriteCard(w io.Writer, card vcard.Card) error {
	b, err := FormatCard(card)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
