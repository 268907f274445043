package api

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestOpenAPIDocumentMatchesTheRoutes(t *testing.T) {
	e := newEnv(t, Options{Version: "1.2.3"})
	r := e.ok(200, "GET", "/api/openapi.json", "", nil)
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Info       map[string]any                       `json:"info"`
		Paths      map[string]map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas         map[string]any `json:"schemas"`
			SecuritySchemes map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(r.raw, &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || doc.Info["version"] != "1.2.3" || doc.Components.SecuritySchemes["ApiKeyAuth"] == nil {
		t.Fatalf("header: %v %v", doc.OpenAPI, doc.Info)
	}

	// Every route is documented.
	srv := New(e.svc, Options{}).(*server)
	served := map[string]bool{}
	for _, rt := range srv.routes {
		served[rt.method+" "+rt.path] = true
		if doc.Paths[rt.path][strings.ToLower(rt.method)] == nil {
			t.Errorf("route %s %s is not documented", rt.method, rt.path)
		}
	}
	// Every documented operation is served: without a key it answers 401
	// (or 200 for the public document), never the router's 404 or 405.
	params := regexp.MustCompile(`\{([a-z_]+)\}`)
	n := 0
	for path, item := range doc.Paths {
		for method, op := range item {
			n++
			key := strings.ToUpper(method) + " " + path
			if !served[key] {
				t.Errorf("%s is documented but not in the route table", key)
			}
			concrete := params.ReplaceAllString(path, "1")
			res := e.do(strings.ToUpper(method), concrete, "", nil)
			want := 401
			if key == "GET /api/openapi.json" {
				want = 200
			}
			if res.status != want {
				t.Errorf("%s: status %d without a key, want %d: %s", key, res.status, want, res.raw)
			}
			// Path parameters are declared; responses name the success and
			// the auth failure.
			declared := map[string]bool{}
			ps, _ := op["parameters"].([]any)
			for _, p := range ps {
				pm := p.(map[string]any)
				if pm["in"] == "path" {
					declared[pm["name"].(string)] = true
				}
			}
			for _, m := range params.FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s: path parameter %s not declared", key, m[1])
				}
			}
			responses, _ := op["responses"].(map[string]any)
			hasSuccess := false
			for code := range responses {
				if code[0] == '2' || code == "503" {
					hasSuccess = true
				}
			}
			if !hasSuccess || (want == 401 && responses["401"] == nil) {
				t.Errorf("%s: responses %v", key, responses)
			}
		}
	}
	if n != len(srv.routes) {
		t.Errorf("%d documented operations, %d routes", n, len(srv.routes))
	}
	// Every $ref names a schema of the document.
	refs := regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([A-Za-z]+)"`)
	for _, m := range refs.FindAllStringSubmatch(string(r.raw), -1) {
		if doc.Components.Schemas[m[1]] == nil {
			t.Errorf("$ref to a missing schema %s", m[1])
		}
	}
}
