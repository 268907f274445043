// Package store owns the contact book: the domain types (humans,
// companies, groups, custom fields, photos) and their persistence in one
// bbolt file, with the in-memory indexes that make listing, sorting and
// searching fast, the change log every mutation appends to, trash, backup,
// restore and schema migrations.
//
// Every mutation runs in one bbolt transaction that also appends to the
// change log and bumps the store-wide revision; a failed write changes
// nothing. Subscribers are told about committed revisions.
//
// It also keeps the sync engine's state per remote account (syncstate.go:
// mappings, base versions, cursors, conflicts, job history), written
// through Tx in the same transaction as the contact changes it describes.
//
// store imports nothing of the application: not app, ui, sync or carddav.
package store
