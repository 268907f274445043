package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadSecretFromAPipe(t *testing.T) {
	tests := []struct {
		in, want string
		err      error
	}{
		{"s3cret pass\n", "s3cret pass", nil},
		{"no newline", "no newline", nil},
		{"crlf\r\nrest\n", "crlf", nil},
		{"  spaces kept  \n", "  spaces kept  ", nil},
		{"\n", "", io.EOF},
		{"", "", io.EOF},
	}
	for _, tt := range tests {
		var prompt strings.Builder
		got, err := readSecret(strings.NewReader(tt.in), &prompt, "secret: ")
		if got != tt.want || !errors.Is(err, tt.err) && err != tt.err {
			t.Errorf("readSecret(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
		if prompt.Len() != 0 {
			t.Errorf("readSecret(%q) prompted %q on a pipe", tt.in, prompt.String())
		}
	}
	if terminal(strings.NewReader("x")) {
		t.Error("a strings.Reader taken for a terminal")
	}
}
