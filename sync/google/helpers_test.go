package google_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"golang.org/x/oauth2"

	"github.com/humans-contacts/humans/sync/google/googletest"
)

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// oauthClient is an HTTP client that gets its access token from the
// fake's token endpoint with refresh, as the app's will from Google's.
func oauthClient(t testing.TB, f *googletest.Server, refresh string) *http.Client {
	t.Helper()
	cfg := &oauth2.Config{ClientID: "id", ClientSecret: "secret-client",
		Endpoint: oauth2.Endpoint{TokenURL: f.TokenURL(), AuthStyle: oauth2.AuthStyleInParams}}
	return cfg.Client(ctx, &oauth2.Token{RefreshToken: refresh})
}
