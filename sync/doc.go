// Package sync owns two-way synchronisation of the contact book with
// remote accounts (the Hub, later Google): the Provider interface remote
// services are reached through, and the engine that does what every
// provider has in common — the per-account mapping of local and remote
// contacts, pull cursors, the last pushed store revision, the base
// version of every mapped contact and the field-level three-way merge
// against it, conflict records, job history, retries with backoff,
// one job per account at a time, and the schedule.
//
// Its state lives in the store (store.SyncAccount, SyncLink, ...) and is
// written in the same transaction as the contact changes it describes,
// so a sync killed at any point and run again creates no duplicate and
// loses no edit.
//
// The package is named after its directory; it imports the standard
// library's sync as stdsync.
package sync
