package store

// ValidPhone reports whether number passes the check contacts' phone
// numbers get (allowed characters, at least two digits, 64 bytes at
// most), so that a sync can leave out a remote value the book would
// refuse instead of refusing the whole contact.
func ValidPhone(number string) bool {
	return number != "" && len(number) <= 64 && phoneChars(number) && len(digitsOnly(number)) >= 2
}

// ValidWebAddress reports whether s passes the check contacts' web
// addresses get.
func ValidWebAddress(s string) bool { return s != "" && checkWebAddress(s) == "" }
