package carddav

// SplitStreet splits a one-line street ("12 bis rue de la Paix") into the
// number and the street name with the rule vCards are read with, so that
// every remote that keeps a street as one line (Google) splits it alike.
func SplitStreet(s string) (number, street string) { return splitStreet(s) }

// JoinStreet is the one-line street of a number and a street name.
func JoinStreet(number, street string) string {
	s, _ := joinStreet(number, street)
	return s
}
