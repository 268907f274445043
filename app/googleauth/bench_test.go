package googleauth_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/humans-contacts/humans/app/googleauth"
	"github.com/humans-contacts/humans/app/googleauth/googleauthtest"
)

// The encrypted token file: what opening an account's provider costs
// when there is no keyring (one Load per sync job and per account shown).
func BenchmarkFileStoreLoad(b *testing.B) {
	for _, mode := range []string{"keyfile", "passphrase", "passphrase-cold"} {
		b.Run(mode, func(b *testing.B) {
			dir := b.TempDir()
			f := &googleauth.File{Path: filepath.Join(dir, "t.json"), KeyPath: filepath.Join(dir, "k")}
			if mode != "keyfile" {
				f.Passphrase = "correct horse battery staple"
			}
			for i := range 10 {
				if err := f.Save(fmt.Sprintf("google:user%d@example.com", i), "1//refresh-token-of-about-a-hundred-characters-"+fmt.Sprint(i)); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				if mode == "passphrase-cold" { // a new process: the key is derived again
					f = &googleauth.File{Path: f.Path, Passphrase: f.Passphrase}
				}
				if _, err := f.Load("google:user5@example.com"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFileStoreSave(b *testing.B) {
	dir := b.TempDir()
	f := &googleauth.File{Path: filepath.Join(dir, "t.json"), KeyPath: filepath.Join(dir, "k")}
	for b.Loop() {
		if err := f.Save("google:ada@example.com", "1//refresh-token-of-about-a-hundred-characters"); err != nil {
			b.Fatal(err)
		}
	}
}

// A whole loopback login against the fake authorization server:
// listener, consent redirect, state check, code exchange, token saved.
func BenchmarkLoopbackLogin(b *testing.B) {
	s := googleauthtest.New(b)
	dir := b.TempDir()
	l := &local{cfg: config(s), store: &googleauth.File{Path: filepath.Join(dir, "t.json"), KeyPath: filepath.Join(dir, "k")}}
	browser := googleauthtest.Browser(nil)
	for b.Loop() {
		if _, err := googleauth.Loopback(ctx, l, browser, nil); err != nil {
			b.Fatal(err)
		}
	}
}
