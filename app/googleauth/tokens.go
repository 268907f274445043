package googleauth

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	stdsync "sync"

	"github.com/zalando/go-keyring"
	"golang.org/x/crypto/scrypt"
	"golang.org/x/oauth2"
)

// TokenStore keeps one refresh token per account. Only the refresh token
// is kept (access tokens live in memory for their hour): Windows'
// credential manager takes at most 2560 bytes.
type TokenStore interface {
	Save(account, refreshToken string) error
	// Load returns ErrNoToken when the account has none.
	Load(account string) (string, error)
	// Delete removes the account's token; no token is not an error.
	Delete(account string) error
	// Where says where the tokens are, for the person.
	Where() string
}

// ErrNoToken: no token is stored for the account.
var ErrNoToken = errors.New("googleauth: no Google token is stored for this account: connect it again")

// Keyring keeps tokens in the OS keyring (Secret Service, macOS Keychain,
// Windows Credential Manager) under the service name Service, the
// account's name being the user.
type Keyring struct{ Service string }

func (k Keyring) Save(account, token string) error {
	if err := keyring.Set(k.Service, account, token); err != nil {
		return fmt.Errorf("googleauth: the system keyring: %w", err)
	}
	return nil
}

func (k Keyring) Load(account string) (string, error) {
	t, err := keyring.Get(k.Service, account)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", ErrNoToken
	}
	if err != nil {
		return "", fmt.Errorf("googleauth: the system keyring: %w", err)
	}
	return t, nil
}

func (k Keyring) Delete(account string) error {
	err := keyring.Delete(k.Service, account)
	if err == nil || errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return fmt.Errorf("googleauth: the system keyring: %w", err)
}

func (k Keyring) Where() string { return "the system keyring" }

// EnvPassphrase, when set, is the passphrase the token file's key is
// derived from (scrypt); else the key is a random one in a key file.
const EnvPassphrase = "HUMANS_TOKEN_PASSPHRASE"

// File keeps tokens in a JSON file, each token sealed with AES-256-GCM
// (the account name as additional data, so entries cannot be swapped).
// The key is derived from Passphrase when it is set, else read from
// KeyPath, which is made (32 random bytes, mode 0600) on first use. Both
// files are written with mode 0600.
type File struct {
	Path       string
	KeyPath    string
	Passphrase string

	mu stdsync.Mutex
	// derived caches the passphrase's key for the salt it was derived
	// with (scrypt takes a good fraction of a second on purpose).
	derivedSalt string
	derived     []byte
}

// tokenFile is the file's content.
type tokenFile struct {
	Version int               `json:"version"`
	KDF     string            `json:"kdf"`            // "keyfile" or "scrypt"
	Salt    string            `json:"salt,omitempty"` // hex, with scrypt
	Tokens  map[string]string `json:"tokens"`         // account → base64(nonce | sealed)
}

func (f *File) Where() string {
	if f.Passphrase != "" {
		return "an encrypted file (" + f.Path + ", key from " + EnvPassphrase + ")"
	}
	return "an encrypted file (" + f.Path + ", key in " + f.KeyPath + ")"
}

func (f *File) read() (*tokenFile, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		tf := &tokenFile{Version: 1, KDF: "keyfile", Tokens: map[string]string{}}
		if f.Passphrase != "" {
			salt := make([]byte, 16)
			rand.Read(salt)
			tf.KDF, tf.Salt = "scrypt", hex.EncodeToString(salt)
		}
		return tf, nil
	}
	if err != nil {
		return nil, fmt.Errorf("googleauth: reading the token file: %w", err)
	}
	var tf tokenFile
	if err := json.Unmarshal(b, &tf); err != nil || tf.Version != 1 {
		return nil, fmt.Errorf("googleauth: %s is not a token file of this version", f.Path)
	}
	if tf.Tokens == nil {
		tf.Tokens = map[string]string{}
	}
	return &tf, nil
}

// aead returns the cipher of tf: from the passphrase or the key file.
func (f *File) aead(tf *tokenFile, create bool) (cipher.AEAD, error) {
	var key []byte
	switch tf.KDF {
	case "scrypt":
		if f.Passphrase == "" {
			return nil, fmt.Errorf("googleauth: %s is sealed with a passphrase: set %s", f.Path, EnvPassphrase)
		}
		salt, err := hex.DecodeString(tf.Salt)
		if err != nil || len(salt) < 16 {
			return nil, fmt.Errorf("googleauth: %s has a broken salt", f.Path)
		}
		if f.derivedSalt != tf.Salt {
			if f.derived, err = scrypt.Key([]byte(f.Passphrase), salt, 1<<15, 8, 1, 32); err != nil {
				return nil, err
			}
			f.derivedSalt = tf.Salt
		}
		key = f.derived
	case "keyfile":
		b, err := os.ReadFile(f.KeyPath)
		switch {
		case errors.Is(err, fs.ErrNotExist) && create:
			b = make([]byte, 32)
			rand.Read(b)
			if err := writeFile(f.KeyPath, []byte(hex.EncodeToString(b)+"\n")); err != nil {
				return nil, fmt.Errorf("googleauth: writing the token key: %w", err)
			}
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("googleauth: the token key %s is missing: connect the accounts again", f.KeyPath)
		case err != nil:
			return nil, fmt.Errorf("googleauth: reading the token key: %w", err)
		default:
			b, err = hex.DecodeString(string(trimNL(b)))
			if err != nil || len(b) != 32 {
				return nil, fmt.Errorf("googleauth: the token key %s is not 32 hex-encoded bytes", f.KeyPath)
			}
		}
		key = b
	default:
		return nil, fmt.Errorf("googleauth: %s: unknown key derivation %q", f.Path, tf.KDF)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func (f *File) Save(account, token string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	tf, err := f.read()
	if err != nil {
		return err
	}
	a, err := f.aead(tf, true)
	if err != nil {
		return err
	}
	nonce := make([]byte, a.NonceSize())
	rand.Read(nonce)
	tf.Tokens[account] = base64.StdEncoding.EncodeToString(a.Seal(nonce, nonce, []byte(token), []byte(account)))
	return f.write(tf)
}

func (f *File) Load(account string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	tf, err := f.read()
	if err != nil {
		return "", err
	}
	sealed, ok := tf.Tokens[account]
	if !ok {
		return "", ErrNoToken
	}
	a, err := f.aead(tf, false)
	if err != nil {
		return "", err
	}
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < a.NonceSize() {
		return "", fmt.Errorf("googleauth: the token of %s in %s is damaged", account, f.Path)
	}
	plain, err := a.Open(nil, b[:a.NonceSize()], b[a.NonceSize():], []byte(account))
	if err != nil {
		return "", fmt.Errorf("googleauth: the token of %s in %s cannot be opened with this key (wrong key or passphrase)", account, f.Path)
	}
	return string(plain), nil
}

func (f *File) Delete(account string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	tf, err := f.read()
	if err != nil {
		return err
	}
	if _, ok := tf.Tokens[account]; !ok {
		return nil
	}
	delete(tf.Tokens, account)
	return f.write(tf)
}

func (f *File) write(tf *tokenFile) error {
	b, err := json.MarshalIndent(tf, "", "  ")
	if err != nil {
		return err
	}
	if err := writeFile(f.Path, append(b, '\n')); err != nil {
		return fmt.Errorf("googleauth: writing the token file: %w", err)
	}
	return nil
}

// writeFile replaces path atomically with a 0600 file.
func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// Fallback keeps tokens in Primary (the keyring) and, when it cannot be
// used (no Secret Service on a server, a value too big), in Secondary
// (the encrypted file), saying so in the log once. A token lives in one
// of them only.
type Fallback struct {
	Primary, Secondary TokenStore
	Log                *slog.Logger

	warned stdsync.Once
}

func (f *Fallback) Save(account, token string) error {
	err := f.Primary.Save(account, token)
	if err == nil {
		_ = f.Secondary.Delete(account)
		return nil
	}
	f.warned.Do(func() {
		if f.Log != nil {
			f.Log.Warn("no usable system keyring: keeping Google tokens in "+f.Secondary.Where(), "err", err)
		}
	})
	if err2 := f.Secondary.Save(account, token); err2 != nil {
		return errors.Join(err, err2)
	}
	_ = f.Primary.Delete(account)
	return nil
}

func (f *Fallback) Load(account string) (string, error) {
	t, err := f.Primary.Load(account)
	if err == nil {
		return t, nil
	}
	t, err2 := f.Secondary.Load(account)
	if err2 == nil {
		return t, nil
	}
	if errors.Is(err, ErrNoToken) || !errors.Is(err2, ErrNoToken) {
		return "", err2
	}
	return "", err
}

func (f *Fallback) Delete(account string) error {
	return errors.Join(f.Primary.Delete(account), f.Secondary.Delete(account))
}

func (f *Fallback) Where() string {
	return f.Primary.Where() + ", else " + f.Secondary.Where()
}

// persisting hands out base's tokens and saves the refresh token each
// time it changes (Google may rotate it); errors become CleanError's.
type persisting struct {
	base    oauth2.TokenSource
	account string
	store   TokenStore
	log     *slog.Logger

	mu   stdsync.Mutex
	last string
}

func (p *persisting) Token() (*oauth2.Token, error) {
	t, err := p.base.Token()
	if err != nil {
		return nil, fmt.Errorf("google account %s: %w", p.account, CleanError(err))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t.RefreshToken != "" && t.RefreshToken != p.last {
		if err := p.store.Save(p.account, t.RefreshToken); err != nil {
			// The old token may still work; the new one is in memory.
			p.log.Warn("saving the refreshed Google token", "account", p.account, "err", err)
		} else {
			p.last = t.RefreshToken
		}
	}
	return t, nil
}

// TokenSource returns the token source of account: its stored refresh
// token refreshed at c's token endpoint, each new refresh token saved,
// access tokens reused until they expire. ErrNoToken when none is stored.
func (c Config) TokenSource(ctx context.Context, account string, store TokenStore, log *slog.Logger) (oauth2.TokenSource, error) {
	if !c.Configured() {
		return nil, ErrNotConfigured
	}
	rt, err := store.Load(account)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base := c.oauth("").TokenSource(c.ctx(ctx), &oauth2.Token{RefreshToken: rt})
	return oauth2.ReuseTokenSource(nil, &persisting{base: base, account: account, store: store, log: log, last: rt}), nil
}

// Client returns an *http.Client that authorizes its requests as
// account (for the People API).
func (c Config) Client(ctx context.Context, account string, store TokenStore, log *slog.Logger) (*http.Client, error) {
	ts, err := c.TokenSource(ctx, account, store, log)
	if err != nil {
		return nil, err
	}
	return oauth2.NewClient(c.ctx(ctx), ts), nil
}
