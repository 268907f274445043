// Package server is the CardDAV server of Humans: one address book at
// /addressbooks/contacts/ holding every live contact of an app.Service,
// for iOS and macOS Contacts, DAVx5, Thunderbird, Evolution and
// vdirsyncer.
//
// It speaks WebDAV and CardDAV (RFC 4918, 6352) with what phones need on
// top: the sync-collection REPORT (RFC 6578) over the store's change log,
// so that an incremental sync costs O(changes); the DAV:sync-token and
// CalendarServer getctag properties; supported-report-set,
// current-user-privilege-set, principal-URL and addressbook-home-set for
// discovery; PROPPATCH of the book's displayname and Apple's me-card;
// If-Match and If-None-Match on PUT and DELETE (412); 201 on create and
// 204 on update; vCard 3.0 served by default and 4.0 when address-data or
// Accept asks for it, really converted (carddav.Encode writes each).
//
// go-webdav's carddav.Handler was the starting point, but it re-encodes
// every card through go-vcard on output, so the bytes served could not be
// the ones the ETag names, and it lacks most of the above (no
// sync-collection, getctag, PROPPATCH, DELETE If-Match, 204, version
// conversion); its addressbook-query matcher compares case-sensitively
// and only the first instance of a property. This package therefore
// serves every method itself (query.go has its own matcher) and uses
// go-webdav's client in the tests, as a real third-party client.
//
// Groups are one model (store groups, membership on the contacts) seen
// three ways: CATEGORIES on each card, and group cards (Apple's
// X-ADDRESSBOOKSERVER-KIND:group with -MEMBER in 3.0, KIND:group with
// MEMBER in 4.0) for the groups a client created as cards, or for every
// group when the setting asks. A group card changes when its group does
// or when a contact joins or leaves it; the tracker notes both.
//
// Book is the logic (served bytes cached by contact revision, strong
// ETags from those bytes, the sync token, changes since a token); Handler
// translates HTTP into Book and app.Service calls. Cards are stored
// through app.Service.PutCard: a PUT replaces the card while what only
// the app knows (favourite, consents, custom fields, attachments by id)
// stays.
package server
