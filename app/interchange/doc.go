// Package interchange reads and writes contacts in the CSV and JSON formats
// people move between apps: Google Contacts and Outlook CSV, this app's own
// CSV and JSON, and the unified export of the whole book. It parses and
// formats only: matching, merging and writing to the store are app's job.
//
// Readers stream: ReadCSV and ReadJSON call a function once per contact
// with a Record, and never hold the whole file in memory. A contact that
// cannot be read is a Record with Err set (and its position in the file),
// not a failed read: the good contacts around it are still delivered. A
// reader returns an error only when the file as a whole cannot be read (an
// I/O error, a file that is not a contacts file, JSON that stops making
// sense) or when the callback returns one.
//
// Writers stream too: they take the contacts as an iter.Seq2[*store.Human,
// error] and write one contact at a time.
//
// Records are not validated: an invalid e-mail address or an unusual
// phone label is kept as read, for the store to validate and the importer
// to report.
//
// interchange imports store (for its types and a few pure helpers) and the
// standard library and golang.org/x/text; nothing else of the app.
package interchange
