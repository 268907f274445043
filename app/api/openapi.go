package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/humans-contacts/humans/app"
)

// The OpenAPI 3 document of the API, built from a description of each
// operation written here by hand, apart from the route table: a test
// checks that the two list the same endpoints.

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func arrayOf(items any) obj { return obj{"type": "array", "items": items} }

func str(desc string) obj { return obj{"type": "string", "description": desc} }

var (
	strT    = obj{"type": "string"}
	intT    = obj{"type": "integer", "format": "int64"}
	boolT   = obj{"type": "boolean"}
	timeT   = obj{"type": "string", "format": "date-time"}
	nullInt = obj{"type": "integer", "format": "int64", "nullable": true}
	nullStr = obj{"type": "string", "nullable": true}
	textMap = obj{"type": "object", "additionalProperties": strT}
)

func objectSchema(props obj, required ...string) obj {
	o := obj{"type": "object", "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// param is a query or path parameter.
type param struct {
	name, in, desc string
	schema         obj
}

func q(name, desc string, schema obj) param { return param{name, "query", desc, schema} }

var (
	pathIDParam  = param{"id", "path", "the id", intT}
	pageParam    = q("page", "page number, from 1", obj{"type": "integer", "minimum": 1, "default": 1})
	perPageParam = q("per_page", "items per page; larger asks get 100", obj{"type": "integer", "minimum": 1, "maximum": 100, "default": 20})
)

// operation describes one endpoint.
type operation struct {
	summary string
	tag     string
	params  []param
	body    obj // the request body's schema; nil for none
	// file, when set, says the request body is a file of these media
	// types, not JSON.
	file   []string
	status int // the success status
	// data is the schema of the envelope's data; raw, when set, is the
	// media type of a response that is a file, not an envelope.
	data  obj
	paged bool
	raw   string
	// errors lists the failure statuses besides 401/403/429/500.
	errors []int
}

func (s *server) operations() map[string]operation {
	listParams := []param{pageParam, perPageParam,
		q("sort", "sort key", obj{"type": "string", "enum": []string{"created_at", "updated_at", "first_name", "last_name", "display_name"}, "default": "created_at"}),
		q("order", "ASC or DESC (any case); DESC by default for dates, ASC for names", obj{"type": "string", "enum": []string{"asc", "desc", "ASC", "DESC"}}),
		q("q", "search in names, nickname, company, e-mails and phone digits", strT),
		q("search", "the same as q", strT),
		q("company_id", "only the people of this company", intT),
		q("source", "only contacts from this source", obj{"type": "string", "enum": []string{"manual", "google", "hub", "carddav", "import"}}),
		q("is_favorite", "only favourites (true) or the others (false)", boolT),
		q("group_id", "only the members of this group", intT),
		q("updated_since", "change feed for sync clients: only contacts updated at or after this time (RFC 3339), oldest change first (ties by id); only page and per_page combine with it, and pagination echoes it as updated_since", timeT),
		q("include_deleted", "with true, contacts in the trash are listed too, as tombstones carrying deleted_at (the same feed order as updated_since)", boolT),
	}
	return map[string]operation{
		"GET /api/openapi.json": {summary: "This document", tag: "Meta", status: 200, raw: "application/json"},

		"GET /api/humans":                {summary: "List contacts, a page at a time", tag: "Humans", params: listParams, status: 200, data: arrayOf(ref("Human")), paged: true, errors: []int{400, 422}},
		"POST /api/humans":               {summary: "Create a contact", tag: "Humans", body: ref("HumanInput"), status: 201, data: ref("Human"), errors: []int{400, 413, 422}},
		"GET /api/humans/search":         {summary: "Search contacts, best matches first", tag: "Humans", params: []param{q("q", "at least 2 characters", obj{"type": "string", "minLength": 2}), q("limit", "at most this many; larger asks get 100", obj{"type": "integer", "minimum": 1, "maximum": 100, "default": 50})}, status: 200, data: arrayOf(ref("Human")), errors: []int{400, 422}},
		"GET /api/humans/stats":          {summary: "The book's figures", tag: "Humans", status: 200, data: ref("Stats")},
		"GET /api/humans/{id}":           {summary: "One contact, with its phone numbers, e-mails and groups", tag: "Humans", params: []param{pathIDParam}, status: 200, data: ref("Human"), errors: []int{400, 404}},
		"PUT /api/humans/{id}":           {summary: "Update a contact: every field optional, those not sent stay; lists sent replace the whole list; If-Match may name the etag read", tag: "Humans", params: []param{pathIDParam}, body: ref("HumanInput"), status: 200, data: ref("Human"), errors: []int{400, 404, 412, 413, 422}},
		"DELETE /api/humans/{id}":        {summary: "Move a contact to the trash (soft delete, restorable for the retention period)", tag: "Humans", params: []param{pathIDParam}, status: 200, data: ref("Deleted"), errors: []int{400, 404, 412}},
		"POST /api/humans/{id}/favorite": {summary: "Toggle the favourite flag; answers the new value", tag: "Humans", params: []param{pathIDParam}, status: 200, data: ref("Favorite"), errors: []int{400, 404}},

		"GET /api/humans/companies":         {summary: "List companies by name", tag: "Companies", status: 200, data: arrayOf(ref("Company"))},
		"POST /api/humans/companies":        {summary: "Create a company", tag: "Companies", body: ref("CompanyInput"), status: 201, data: ref("Company"), errors: []int{400, 413, 422}},
		"GET /api/humans/companies/{id}":    {summary: "One company", tag: "Companies", params: []param{pathIDParam}, status: 200, data: ref("Company"), errors: []int{400, 404}},
		"PUT /api/humans/companies/{id}":    {summary: "Update a company; fields not sent stay", tag: "Companies", params: []param{pathIDParam}, body: ref("CompanyInput"), status: 200, data: ref("Company"), errors: []int{400, 404, 413, 422}},
		"DELETE /api/humans/companies/{id}": {summary: "Delete a company; its people stay, without it", tag: "Companies", params: []param{pathIDParam}, status: 200, data: ref("Deleted"), errors: []int{400, 404}},

		"GET /api/humans/groups":                 {summary: "List groups with their member counts", tag: "Groups", status: 200, data: arrayOf(ref("Group"))},
		"POST /api/humans/groups":                {summary: "Create a group", tag: "Groups", body: ref("GroupInput"), status: 201, data: ref("Group"), errors: []int{400, 413, 422}},
		"GET /api/humans/groups/{id}":            {summary: "One group with its full member list", tag: "Groups", params: []param{pathIDParam}, status: 200, data: ref("GroupWithMembers"), errors: []int{400, 404}},
		"PUT /api/humans/groups/{id}":            {summary: "Update a group; fields not sent stay", tag: "Groups", params: []param{pathIDParam}, body: ref("GroupInput"), status: 200, data: ref("Group"), errors: []int{400, 404, 413, 422}},
		"DELETE /api/humans/groups/{id}":         {summary: "Delete a group; its members stay", tag: "Groups", params: []param{pathIDParam}, status: 200, data: ref("Deleted"), errors: []int{400, 404}},
		"POST /api/humans/groups/{id}/members":   {summary: "Add contacts to a group", tag: "Groups", params: []param{pathIDParam}, body: ref("MemberIDs"), status: 200, data: ref("MembersAdded"), errors: []int{400, 404, 413, 422}},
		"DELETE /api/humans/groups/{id}/members": {summary: "Remove contacts from a group", tag: "Groups", params: []param{pathIDParam}, body: ref("MemberIDs"), status: 200, data: ref("MembersRemoved"), errors: []int{400, 404, 413, 422}},

		"POST /api/import": {summary: "Import a file (.vcf, Google or Outlook .csv, this app's .json or unified export) as humans import does: matching contacts are updated, not doubled; a unified export into an empty book is restored exactly", tag: "Import",
			params: []param{
				q("format", "auto (from the name's extension, the media type, then the content), vcard, csv or json", obj{"type": "string", "enum": []string{"auto", "vcard", "csv", "json"}, "default": "auto"}),
				q("name", "the file's name, for format detection and the report", strT),
				q("dry_run", "report what would happen, change nothing", boolT),
			}, file: []string{"text/vcard", "text/csv", "application/json", "application/octet-stream"},
			status: 200, data: ref("ImportResult"), errors: []int{400, 413, 422}},
		"GET /api/export": {summary: "Export contacts as a file (all live contacts, or those selected)", tag: "Export", params: []param{
			q("format", "json, csv or vcard (also google-csv, outlook-csv)", obj{"type": "string", "enum": []string{"json", "csv", "vcard", "google-csv", "outlook-csv"}, "default": "json"}),
			q("ids", "comma-separated contact ids", strT),
			q("group_id", "the members of this group", intT),
			q("company_id", "the people of this company", intT),
			q("version", "vCard version", obj{"type": "string", "enum": []string{"3.0", "4.0"}, "default": "3.0"}),
		}, status: 200, raw: "application/json, text/csv or text/vcard", errors: []int{400, 404, 422}},
		"GET /api/export/unified": {summary: "The whole book (contacts with photos, trash, companies, groups, custom fields, stats) as one JSON document that import restores", tag: "Export", status: 200, raw: "application/json"},

		"GET /api/google/auth-url": {summary: "Begin connecting a Google account: the consent page's address and the login's state (it waits 15 minutes)", tag: "Google", params: []param{
			q("state", "the OAuth state to use (16 to 200 URL-safe characters); a random one when absent", strT),
			q("redirect_uri", "where Google sends the browser back (a loopback address of a desktop OAuth client); by default "+app.GoogleNoBrowserRedirect+", whose address the person copies to the callback", strT),
		}, status: 200, data: ref("GoogleAuthURL"), errors: []int{400, 409, 422}},
		"POST /api/google/callback":        {summary: "Finish connecting: exchange the code for tokens (kept in the keyring or the encrypted token file, never answered) and create the account, or renew one connected before", tag: "Google", body: ref("GoogleCallback"), status: 201, data: ref("GoogleAccount"), errors: []int{400, 409, 413, 422, 502}},
		"GET /api/google/accounts":         {summary: "Connected Google accounts with their sync status (needs_sign_in: connect again)", tag: "Google", status: 200, data: arrayOf(ref("GoogleAccount"))},
		"POST /api/google/import":          {summary: "Import from a Google account now (one pull); answers created, updated, skipped", tag: "Google", body: ref("GoogleImportInput"), status: 200, data: ref("GoogleImport"), errors: []int{400, 404, 409, 413, 422, 502}},
		"DELETE /api/google/accounts/{id}": {summary: "Disconnect a Google account: revoke its token at Google (a failure is reported, the removal happens all the same), forget the token and the mapping; every contact stays", tag: "Google", params: []param{{"id", "path", "the account's id (google:ada@example.com) or e-mail address", strT}}, status: 200, data: ref("GoogleDisconnected"), errors: []int{404, 409}},

		"GET /api/hub/config":               {summary: "The Hub sync configuration; the Hub's API key is masked", tag: "Hub", status: 200, data: ref("HubConfig")},
		"POST /api/hub/config":              {summary: "Change the Hub sync configuration (admin); fields not sent stay", tag: "Hub", body: ref("HubConfigInput"), status: 200, data: ref("HubConfig"), errors: []int{400, 413, 422}},
		"POST /api/hub/import":              {summary: "Pull the Hub's changes into this book now; answers the job (import: changes here, export: changes on the Hub)", tag: "Hub", status: 200, data: ref("SyncJob"), errors: []int{409, 422, 502}},
		"POST /api/hub/export":              {summary: "Push this book's changes to the Hub now; answers the job", tag: "Hub", status: 200, data: ref("SyncJob"), errors: []int{409, 422, 502}},
		"POST /api/hub/sync":                {summary: "Run a two-way sync (the configured direction) now; answers the job with its import and export results", tag: "Hub", status: 200, data: ref("SyncJob"), errors: []int{409, 502}},
		"GET /api/hub/history":              {summary: "Sync job history, newest first", tag: "Hub", params: []param{q("limit", "at most this many jobs", obj{"type": "integer", "minimum": 1, "maximum": 100, "default": 20})}, status: 200, data: arrayOf(ref("SyncJob")), errors: []int{400}},
		"GET /api/hub/status":               {summary: "Sync status: idle or running (with progress), last success, last error", tag: "Hub", status: 200, data: ref("SyncStatus"), errors: []int{409}},
		"GET /api/hub/conflicts":            {summary: "Fields changed on both sides, newest first, with both values and the side kept", tag: "Hub", params: []param{q("limit", "at most this many", obj{"type": "integer", "minimum": 1, "maximum": 100, "default": 50})}, status: 200, data: arrayOf(ref("SyncConflict")), errors: []int{400}},
		"POST /api/hub/conflicts/{id}/flip": {summary: "Give the contact the value that lost (or, again, the one that won); the next sync sends it", tag: "Hub", params: []param{pathIDParam}, status: 200, data: ref("SyncConflict"), errors: []int{400, 404, 409}},
		"GET /api/sync/deletions": {summary: "Remote deletions waiting for confirmation: a sync found more than the account's share deleted remotely at once and applied none of them", tag: "Sync",
			params: []param{q("account", "the sync account (default: the Hub's)", strT)}, status: 200, data: arrayOf(ref("PendingDeletion")), errors: []int{404, 409}},
		"POST /api/sync/deletions/confirm": {summary: "Confirm waiting remote deletions (all, or those of remote_ids): the contacts go to the trash, except those edited here since (kept, as a conflict)", tag: "Sync",
			body: ref("DeletionsInput"), status: 200, data: ref("DeletionsResult"), errors: []int{400, 404, 409, 422}},
		"POST /api/sync/deletions/keep": {summary: "Refuse waiting remote deletions (all, or those of remote_ids): the contacts stay and the next sync creates them again remotely", tag: "Sync",
			body: ref("DeletionsInput"), status: 200, data: ref("DeletionsResult"), errors: []int{400, 404, 409, 422}},

		"POST /api/sms/send":      {summary: "Queue a text message to a contact's mobile or a number, with {{first_name}} {{last_name}} {{display_name}} {{company_name}} {{job_title}} substituted", tag: "SMS", body: ref("SendSMS"), status: 201, data: ref("SMS"), errors: []int{400, 413, 422}},
		"POST /api/sms/send-bulk": {summary: "Queue one message per contact of human_ids or of a group; contacts without a mobile number are skipped and reported (201 when any is queued, else 200)", tag: "SMS", body: ref("SendBulkSMS"), status: 201, data: ref("BulkSMSResult"), errors: []int{400, 413, 422}},
		"GET /api/sms": {summary: "List messages, newest first", tag: "SMS", params: []param{pageParam, perPageParam,
			q("status", "only messages in this status", obj{"type": "string", "enum": []string{"queued", "sending", "sent", "delivered", "failed"}}),
			q("human_id", "only messages of this contact", intT),
			q("direction", "outbound or inbound", obj{"type": "string", "enum": []string{"outbound", "inbound"}}),
			q("q", "text in the message or the number", strT),
		}, status: 200, data: arrayOf(ref("SMS")), paged: true, errors: []int{400, 422}},
		"GET /api/sms/stats": {summary: "Message counts over a period: totals and by_status", tag: "SMS", params: []param{
			q("period", "how far back", obj{"type": "string", "enum": []string{"7d", "30d", "90d", "all"}, "default": "30d"}),
		}, status: 200, data: ref("SMSStats"), errors: []int{422}},

		"GET /api/admin/status":           {summary: "Server and store status (admin)", tag: "Admin", status: 200, data: ref("Status")},
		"GET /api/admin/backup":           {summary: "Download a consistent copy of the store file (admin)", tag: "Admin", status: 200, raw: "application/octet-stream"},
		"GET /api/admin/api-keys":         {summary: "List API keys, never the keys themselves (admin)", tag: "Admin", status: 200, data: arrayOf(ref("APIKey"))},
		"POST /api/admin/api-keys":        {summary: "Create an API key; the answer holds the key, shown this once (admin)", tag: "Admin", body: ref("APIKeyInput"), status: 201, data: ref("CreatedAPIKey"), errors: []int{400, 413, 422}},
		"DELETE /api/admin/api-keys/{id}": {summary: "Revoke an API key (admin)", tag: "Admin", params: []param{pathIDParam}, status: 200, data: ref("Revoked"), errors: []int{400, 404}},
	}
}

var statusText = map[int]string{
	400: "Malformed JSON or parameters (fields of the wrong type are listed in error.fields)",
	401: "Missing or invalid X-API-Key",
	403: "The key lacks the role this endpoint needs",
	404: "Not found",
	412: "If-Match does not match the current etag",
	413: "Request body too large",
	422: "Validation error: error.fields says what is wrong with each field",
	429: "Rate limited: retry after the Retry-After header's seconds",
	409: "Conflict: not configured, a sync running, or the account must sign in again (error.code says which)",
	500: "Server error (details are logged, never sent)",
	502: "The remote (Google, the Hub) refused or failed; nothing was half done",
}

// openAPIDoc builds the document from the operations and the schemas.
func (s *server) openAPIDoc() obj {
	paths := obj{}
	for key, op := range s.operations() {
		method, path, _ := strings.Cut(key, " ")
		o := obj{"summary": op.summary, "tags": []string{op.tag}, "operationId": operationID(method, path)}
		var params []obj
		for _, p := range op.params {
			po := obj{"name": p.name, "in": p.in, "description": p.desc, "schema": p.schema}
			if p.in == "path" {
				po["required"] = true
			}
			params = append(params, po)
		}
		if params != nil {
			o["parameters"] = params
		}
		if op.file != nil {
			content := obj{}
			for _, mt := range op.file {
				content[mt] = obj{"schema": obj{"type": "string", "format": "binary"}}
			}
			o["requestBody"] = obj{"required": true, "content": content}
		}
		if op.body != nil {
			o["requestBody"] = obj{"required": true, "content": obj{"application/json": obj{"schema": op.body}}}
		}
		responses := obj{}
		switch {
		case op.raw != "":
			responses[fmt.Sprint(op.status)] = obj{"description": "The file (" + op.raw + "), not an envelope",
				"content": obj{strings.Split(op.raw, ",")[0]: obj{"schema": obj{"type": "string", "format": "binary"}}}}
		default:
			props := obj{"success": obj{"type": "boolean", "enum": []bool{true}}, "data": op.data, "message": strT}
			required := []string{"success", "data"}
			if op.paged {
				props["pagination"] = ref("Pagination")
				required = append(required, "pagination")
			}
			responses[fmt.Sprint(op.status)] = obj{"description": "Success", "content": obj{"application/json": obj{"schema": objectSchema(props, required...)}}}
		}
		errs := op.errors
		if key != "GET /api/openapi.json" {
			errs = append(errs, 401, 429, 500)
			if strings.HasPrefix(path, "/api/admin/") || key == "POST /api/hub/config" {
				errs = append(errs, 403)
			}
		} else {
			o["security"] = []obj{}
		}
		for _, code := range errs {
			responses[fmt.Sprint(code)] = obj{"description": statusText[code], "content": obj{"application/json": obj{"schema": ref("Error")}}}
		}
		o["responses"] = responses
		item, _ := paths[path].(obj)
		if item == nil {
			item = obj{}
			paths[path] = item
		}
		item[strings.ToLower(method)] = o
	}
	return obj{
		"openapi": "3.0.3",
		"info": obj{"title": "Humans local REST API", "version": s.opts.Version,
			"description": "The Hub protocol (Oui Humans REST API), served by the Humans app. Every answer is an envelope {success, data, message} or {success: false, error: {code, message, fields}}; authenticate with the X-API-Key header (make a key with `humans apikey create NAME --role admin|user`)."},
		"servers":    []obj{{"url": "/"}},
		"security":   []obj{{"ApiKeyAuth": []string{}}},
		"paths":      paths,
		"components": obj{"securitySchemes": obj{"ApiKeyAuth": obj{"type": "apiKey", "in": "header", "name": APIKeyHeader}}, "schemas": schemas()},
	}
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

func operationID(method, path string) string {
	return strings.ToLower(method) + nonWord.ReplaceAllString(strings.TrimPrefix(path, "/api"), "_")
}

func schemas() obj {
	address := objectSchema(obj{"type": strT, "street": strT, "number": strT, "complement": strT, "zip": strT, "city": strT, "region": strT, "country": strT, "is_primary": boolT})
	return obj{
		"Error": objectSchema(obj{"success": obj{"type": "boolean", "enum": []bool{false}}, "error": objectSchema(obj{
			"code":    str("validation_error, bad_request, unauthorized, forbidden, not_found, route_not_found, method_not_allowed, conflict, payload_too_large, rate_limited, not_configured, busy, sign_in_required, invalid_state, google_refused, sync_failed or internal_error"),
			"message": strT, "fields": obj{"type": "object", "additionalProperties": strT, "description": "field name → what is wrong"},
		}, "code", "message")}, "success", "error"),
		"SyncCounts": objectSchema(obj{"created": intT, "updated": intT, "deleted": intT, "skipped": intT}),
		"SyncJob": objectSchema(obj{"id": intT, "direction": str("both, import or export"), "started_at": timeT,
			"finished_at": obj{"type": "string", "format": "date-time", "nullable": true}, "status": str("done, failed or interrupted (never finished)"),
			"import": ref("SyncCounts"), "export": ref("SyncCounts"), "conflicts": intT, "errors": arrayOf(strT), "notes": arrayOf(strT)},
			"id", "direction", "started_at", "status", "import", "export", "conflicts"),
		"SyncStatus": objectSchema(obj{"account": strT, "state": str("idle or running"), "phase": str("pull or push, while running"),
			"done": intT, "total": intT, "last_success": timeT, "last_error": strT, "last_error_at": timeT,
			"needs_sign_in":     obj{"type": "boolean", "description": "the remote refused the account's authorization: connect it again; it is not synced meanwhile"},
			"pending_deletions": obj{"type": "integer", "description": "remote deletions waiting for confirmation (GET /api/sync/deletions)"}}, "account", "state"),
		"PendingDeletion": objectSchema(obj{"account": strT, "remote_id": strT, "human_id": intT, "name": str("the contact's name when the deletion was found"),
			"absent": obj{"type": "boolean", "description": "true: missing from a complete listing; false: reported deleted"}, "found": timeT}, "account", "remote_id", "human_id"),
		"DeletionsInput":  objectSchema(obj{"account": str("the sync account (default: the Hub's)"), "remote_ids": obj{"type": "array", "items": strT, "description": "the deletions to settle (default: all)"}}),
		"DeletionsResult": objectSchema(obj{"deleted": obj{"type": "integer", "description": "contacts moved to the trash"}, "kept": obj{"type": "integer", "description": "contacts that stay"}, "conflicts": obj{"type": "integer", "description": "deletions of contacts edited here, recorded as conflicts"}}, "deleted", "kept", "conflicts"),
		"SyncConflict": objectSchema(obj{"id": intT, "human_id": intT, "remote_id": strT, "field": strT,
			"key": str("the list element (phone number, e-mail...) for list fields"), "base": obj{"description": "the value both sides last agreed on"},
			"local": obj{"description": "this book's value (null: deleted)"}, "remote": obj{"description": "the Hub's value (null: deleted)"},
			"resolution": str("local or remote: the side kept"), "policy": strT, "flipped": boolT, "created_at": timeT, "updated_at": timeT},
			"id", "human_id", "field", "resolution"),
		"Pagination": objectSchema(obj{"page": intT, "per_page": intT, "total": intT, "total_pages": intT,
			"updated_since": obj{"type": "string", "format": "date-time", "description": "the updated_since applied, on change-feed listings only"}},
			"page", "per_page", "total", "total_pages"),
		"PhoneNumber": objectSchema(obj{"phone_number": strT, "phone_type": str("mobile, work, home, fax, pager, other or another label"), "extension": strT, "is_primary": boolT}),
		"Email":       objectSchema(obj{"email": strT, "email_type": str("work, home, personal, other or another label"), "is_primary": boolT}),
		"PhoneInput":  objectSchema(obj{"number": strT, "phone_number": str("the same as number"), "type": strT, "phone_type": str("the same as type"), "extension": strT, "is_primary": boolT}),
		"EmailInput":  objectSchema(obj{"address": strT, "email": str("the same as address"), "type": strT, "email_type": str("the same as type"), "is_primary": boolT}),
		"Address":     address,
		"URL":         objectSchema(obj{"url": strT, "type": str("website, linkedin, xing, twitter, facebook, instagram, other"), "is_primary": boolT}),
		"IM":          objectSchema(obj{"handle": strT, "service": str("skype, slack, teams, ..."), "is_primary": boolT}),
		"Consent":     objectSchema(obj{"channel": strT, "granted_at": timeT, "source": strT}),
		"GroupRef":    objectSchema(obj{"id": intT, "name": strT, "color": strT}),
		"Human": objectSchema(obj{
			"id": intT, "uid": strT, "first_name": strT, "last_name": strT, "display_name": strT, "nickname": strT,
			"prefix": strT, "suffix": strT, "gender": strT, "job_title": strT, "department": strT,
			"company_id": nullInt, "company_name": nullStr, "birthday": obj{"type": "string", "nullable": true, "description": "YYYY-MM-DD, or --MM-DD without a year"},
			"notes": strT, "photo_url": strT, "has_photo": boolT, "source": strT, "is_favorite": boolT, "language": strT,
			"metadata": textMap, "phone_numbers": arrayOf(ref("PhoneNumber")), "emails": arrayOf(ref("Email")),
			"addresses": arrayOf(ref("Address")), "urls": arrayOf(ref("URL")), "ims": arrayOf(ref("IM")),
			"groups": arrayOf(ref("GroupRef")), "group_ids": arrayOf(intT), "consents": arrayOf(ref("Consent")),
			"created_at": timeT, "updated_at": timeT, "etag": strT,
			"deleted_at": obj{"type": "string", "format": "date-time", "description": "set on tombstones of include_deleted listings"},
		}, "id", "first_name", "last_name", "display_name", "phone_numbers", "emails", "groups"),
		"HumanInput": objectSchema(obj{
			"uid":        obj{"type": "string", "description": "on create only: the contact's UID (a sync client sends its own); 422 when taken"},
			"first_name": strT, "last_name": strT, "display_name": strT, "nickname": strT, "prefix": strT, "suffix": strT,
			"gender": str("female, male, other, unknown"), "job_title": strT, "department": strT, "company_id": nullInt,
			"birthday": obj{"type": "string", "nullable": true, "description": "YYYY-MM-DD or --MM-DD; null clears"},
			"notes":    strT, "photo_url": strT, "source": obj{"type": "string", "enum": []string{"manual", "google", "hub", "carddav", "import"}},
			"is_favorite": boolT, "language": strT, "metadata": obj{"type": "object", "description": "custom fields (custom_fields is accepted too)"},
			"phone_numbers": arrayOf(ref("PhoneInput")), "emails": arrayOf(ref("EmailInput")), "addresses": arrayOf(ref("Address")),
			"urls": arrayOf(ref("URL")), "ims": arrayOf(ref("IM")), "group_ids": arrayOf(intT), "consents": arrayOf(ref("Consent")),
		}),
		"Stats": objectSchema(obj{"total": intT, "favorites": intT, "by_source": obj{"type": "object", "additionalProperties": intT},
			"with_phone": intT, "with_email": intT, "companies": intT, "groups": intT, "added_last_7_days": intT,
			"added_last_30_days": intT, "trashed": intT,
			"upcoming_birthdays": arrayOf(objectSchema(obj{"id": intT, "display_name": strT, "date": timeT, "age": intT}))}),
		"Favorite": objectSchema(obj{"id": intT, "is_favorite": boolT}, "id", "is_favorite"),
		"ImportResult": objectSchema(obj{"created": intT, "updated": intT, "skipped": intT, "failed": intT, "dry_run": boolT,
			"problems": arrayOf(objectSchema(obj{"file": strT, "position": intT, "line": intT, "reason": strT})),
			"actions": arrayOf(objectSchema(obj{"file": strT, "position": intT, "name": strT,
				"action": obj{"type": "string", "enum": []string{"create", "update", "skip", "fail"}}, "matched_id": intT, "rule": strT, "reason": strT})),
			"companies_created": arrayOf(strT), "groups_created": arrayOf(strT),
			"restored": objectSchema(obj{"humans": intT, "trashed": intT, "photos": intT, "companies": intT, "groups": intT,
				"custom_fields": intT, "sms": intT, "previous": str("where the book as it was before was saved")}),
		}, "created", "updated", "skipped", "failed", "dry_run"),
		"Deleted": objectSchema(obj{"id": intT, "deleted": boolT}),
		"Revoked": objectSchema(obj{"id": intT, "revoked": boolT}),
		"Company": objectSchema(obj{"id": intT, "name": strT, "parent_id": nullInt, "email": strT, "phone": strT, "website": strT,
			"vat_number": strT, "address": address, "notes": strT, "is_customer": boolT, "metadata": textMap,
			"created_at": timeT, "updated_at": timeT}, "id", "name"),
		"CompanyInput": objectSchema(obj{"name": strT, "parent_id": nullInt, "email": strT, "phone": strT, "website": strT,
			"vat_number": strT, "address": address, "notes": strT, "is_customer": boolT, "metadata": textMap}),
		"Group": objectSchema(obj{"id": intT, "name": strT, "color": str("#RRGGBB"), "description": strT, "member_count": intT,
			"created_at": timeT, "updated_at": timeT}, "id", "name", "member_count"),
		"GroupWithMembers": obj{"allOf": []any{ref("Group"), objectSchema(obj{"members": arrayOf(ref("Human"))})}},
		"GroupInput":       objectSchema(obj{"name": strT, "color": str("#RRGGBB"), "description": strT}),
		"MemberIDs":        objectSchema(obj{"human_ids": arrayOf(intT)}, "human_ids"),
		"MembersAdded":     objectSchema(obj{"added": intT, "requested": intT, "valid": intT}, "added", "requested", "valid"),
		"MembersRemoved":   objectSchema(obj{"removed": intT, "requested": intT, "valid": intT}, "removed", "requested", "valid"),
		"SMS": objectSchema(obj{"id": intT, "human_id": nullInt, "to": strT, "message": str("the text as queued, variables substituted"),
			"direction": obj{"type": "string", "enum": []string{"outbound", "inbound"}},
			"status":    obj{"type": "string", "enum": []string{"queued", "sending", "sent", "delivered", "failed"}},
			"error":     strT, "provider_id": strT, "created_at": timeT, "updated_at": timeT, "sent_at": obj{"type": "string", "format": "date-time", "nullable": true}}),
		"SendSMS": objectSchema(obj{"human_id": intT, "to": str("a number; by default the contact's mobile"),
			"message": obj{"type": "string", "maxLength": app.MaxSMSLength}}, "message"),
		"SendBulkSMS": objectSchema(obj{"human_ids": arrayOf(intT), "group_id": intT, "message": obj{"type": "string", "maxLength": app.MaxSMSLength}}, "message"),
		"BulkSMSResult": objectSchema(obj{"requested": intT, "queued": intT, "messages": arrayOf(ref("SMS")),
			"skipped": arrayOf(objectSchema(obj{"human_id": intT, "display_name": strT, "reason": str("no mobile number or no such contact")}))}),
		"SMSStats": objectSchema(obj{"period": strT, "since": obj{"type": "string", "format": "date-time", "nullable": true},
			"total": intT, "outbound": intT, "inbound": intT, "by_status": obj{"type": "object", "additionalProperties": intT}}),
		"GoogleAuthURL": objectSchema(obj{"url": str("the consent page to open"), "state": strT, "redirect_uri": strT, "expires_in": intT}, "url", "state", "redirect_uri"),
		"GoogleCallback": objectSchema(obj{"code": str("the code Google sent the browser back with"), "state": strT,
			"url": str("instead of code and state: the whole address Google sent the browser to")}),
		"GoogleAccount": objectSchema(obj{"id": str("google: and the e-mail address"), "email": strT, "name": strT, "connected_at": timeT,
			"direction": strT, "sync_interval_minutes": intT, "status": ref("SyncStatus"),
			"needs_sign_in": str("true when Google no longer accepts the account's token: connect it again")}, "id", "email", "status", "needs_sign_in"),
		"GoogleImportInput": objectSchema(obj{"account": str("the account's id or e-mail; may be left out when one account is connected")}),
		"GoogleImport":      objectSchema(obj{"account": strT, "created": intT, "updated": intT, "skipped": intT, "deleted": intT, "job": ref("SyncJob")}, "account", "created", "updated", "skipped"),
		"GoogleDisconnected": objectSchema(obj{"id": strT, "deleted": boolT, "revoked": boolT,
			"revoke_error": str("why Google did not revoke the token, when it did not")}, "id", "deleted", "revoked"),
		"HubConfig": objectSchema(obj{"url": strT, "api_key": str("masked: ****wxyz"), "api_key_set": boolT,
			"direction": obj{"type": "string", "enum": []string{"import", "export", "both"}}, "sync_interval_minutes": intT,
			"enabled": boolT, "conflict_policy": obj{"type": "string", "enum": []string{"newest", "local", "remote"}}, "sync_available": boolT}),
		"HubConfigInput": objectSchema(obj{"url": strT, "api_key": strT,
			"direction": obj{"type": "string", "enum": []string{"import", "export", "both"}}, "sync_interval_minutes": obj{"type": "integer", "minimum": 1, "maximum": 10080},
			"enabled": boolT, "conflict_policy": obj{"type": "string", "enum": []string{"newest", "local", "remote"}}}),
		"APIKey":        objectSchema(obj{"id": intT, "name": strT, "role": obj{"type": "string", "enum": []string{"admin", "user"}}, "prefix": strT, "created_at": timeT}),
		"APIKeyInput":   objectSchema(obj{"name": strT, "role": obj{"type": "string", "enum": []string{"admin", "user"}, "default": "user"}}, "name"),
		"CreatedAPIKey": obj{"allOf": []any{ref("APIKey"), objectSchema(obj{"key": str("the key; shown this once")}, "key")}},
		"Status": objectSchema(obj{"version": strT, "go_version": strT, "started_at": timeT, "uptime_seconds": intT,
			"store": obj{"type": "object"}, "rate_limit": obj{"type": "object", "nullable": true}, "hub_sync": strT, "google_sync": strT}),
	}
}

// GET /api/openapi.json (no key needed).
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	s.docOnce.Do(func() { s.doc, s.docErr = json.MarshalIndent(s.openAPIDoc(), "", "  ") })
	if s.docErr != nil {
		return s.docErr
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(s.doc)
	return nil
}

// docCache holds the encoded document.
type docCache struct {
	docOnce sync.Once
	doc     []byte
	docErr  error
}
