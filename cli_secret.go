package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// terminal reports whether r is a terminal.
func terminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// readSecret reads one line from in, a password or a client secret. When
// in is a terminal the typing is not echoed (prompt is shown on stderr
// first); from a pipe ("echo … | humans carddav password") the line is
// read as it comes. io.EOF means nothing was given.
func readSecret(in io.Reader, stderr io.Writer, prompt string) (string, error) {
	if terminal(in) {
		f := in.(*os.File)
		fmt.Fprint(stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("reading from the terminal: %w", err)
		}
		if len(b) == 0 {
			return "", io.EOF
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", io.EOF
	}
	return line, nil
}
