package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/humans-contacts/humans/app"
)

// apiKeyUsage is the apikey command's line of the help.
const apiKeyUsage = `  humans apikey create NAME [--role admin|user]
                           make a REST API key (user by default) and print
                           it; it is shown this once only
  humans apikey list       list the keys (names, roles, prefixes)
  humans apikey revoke ID  delete a key; requests made with it fail
`

// apiKeyCommand is a parsed "humans apikey ..." command.
type apiKeyCommand struct {
	action string // create, list or revoke
	name   string
	id     int64
}

// parseAPIKey checks the arguments of apikey.
func (o *commandOptions) parseAPIKey(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("apikey needs create, list or revoke")
	}
	c := apiKeyCommand{action: args[0]}
	switch {
	case c.action == "create" && len(args) == 2:
		c.name = strings.TrimSpace(args[1])
		if c.name == "" {
			return fmt.Errorf("apikey create needs a name")
		}
		if o.role != string(app.RoleAdmin) && o.role != string(app.RoleUser) {
			return fmt.Errorf("--role %q: use admin or user", o.role)
		}
	case c.action == "create":
		return fmt.Errorf("apikey create takes one name (quote a name with spaces)")
	case c.action == "list" && len(args) == 1:
	case c.action == "revoke" && len(args) == 2:
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("apikey revoke: %q is not a key id", args[1])
		}
		c.id = id
	case c.action == "list" || c.action == "revoke":
		return fmt.Errorf("apikey %s: unexpected arguments %q", c.action, strings.Join(args[1:], " "))
	default:
		return fmt.Errorf("apikey: unknown action %q (use create, list or revoke)", c.action)
	}
	o.apiKey = c
	return nil
}

// runAPIKey runs a parsed apikey command. The key made by create goes to
// stdout alone, so a script can capture it; the notes go to stderr.
func runAPIKey(svc book, o commandOptions, stdout, stderr io.Writer) error {
	ctx := context.Background()
	c := o.apiKey
	switch c.action {
	case "create":
		key, k, err := svc.CreateAPIKey(ctx, c.name, app.Role(o.role))
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		fmt.Fprintf(stderr, "API key %d %q (%s) created. Keep it now: it is not shown again.\n", k.ID, k.Name, k.Role)
		fmt.Fprintf(stderr, "Use it as: curl -H \"X-API-Key: %s...\" http://127.0.0.1:8765/api/humans\n", k.Prefix)
	case "list":
		keys, err := svc.APIKeys(ctx)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			fmt.Fprintln(stderr, "no API keys; make one with: humans apikey create NAME --role admin")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLE\tPREFIX\tCREATED")
		for _, k := range keys {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s...\t%s\n", k.ID, k.Name, k.Role, k.Prefix, k.CreatedAt.Local().Format("2006-01-02 15:04"))
		}
		return tw.Flush()
	case "revoke":
		if err := svc.RevokeAPIKey(ctx, c.id); err != nil {
			return fmt.Errorf("revoking API key %d: %w", c.id, err)
		}
		fmt.Fprintf(stdout, "API key %d revoked\n", c.id)
	}
	return nil
}
