// Package carddav is the CardDAV side of Humans: the vCard mapping shared by
// the server, import/export and sync providers (and, later, the CardDAV
// server itself). It must not import app, ui or sync.
//
// # Cards
//
// A card is a go-vcard [vcard.Card]. Field values follow go-vcard's
// convention, so that a card read here and a card go-webdav parsed from a
// PUT body look the same: a value is the text after unescaping `\\`, `\n`
// (or `\N`) and `\,`; an escaped semicolon stays `\;`, so that structured
// values (N, ADR, ORG, GENDER) split on bare semicolons. [ReadCards] reads
// files as real exports write them (vCard 2.1, 3.0 and 4.0, folded lines,
// quoted-printable, legacy charsets); [WriteCard] writes a card with
// folding, parameter quoting and a deterministic order, so that the bytes,
// and an ETag computed from them, depend only on the card.
//
// # Mapping
//
// [Encode] turns a [store.Human] into a card, [Decode] a card into a
// [Parsed] human. The rules, property by property:
//
//   - FN is the display name. Encode writes h.Name(); Decode keeps FN as
//     DisplayName unless it equals the name the store would derive, in
//     which case DisplayName stays empty (it follows later name edits). An
//     explicit display name equal to the derived one is marked
//     FN;X-HUMANS-EXPLICIT=1 so that it survives the trip.
//   - N is last;first;additional;prefix;suffix. The additional (middle)
//     names have no model field: they are kept in Extra (below) and written
//     back, even after the other name parts were edited.
//   - NICKNAME, TITLE (job title), NOTE, LANG (language) are single values.
//   - ORG is company;department. Decode returns the company name in
//     Parsed.Company for the importer to resolve; Encode asks [Names].
//   - BDAY: a full date is written 1995-05-20 in 3.0 and 19950520 in 4.0; a
//     year-less birthday is written --0520 in 4.0 and, as Apple writes it and
//     sabre/vobject converts it, BDAY;X-APPLE-OMIT-YEAR=1604:1604-05-20 in
//     3.0. Decode reads all of these, --05-20, date-times, and 0000-05-20.
//   - PHOTO: inline bytes are PHOTO;ENCODING=b;TYPE=JPEG:<base64> in 3.0 and
//     PHOTO:data:image/jpeg;base64,<base64> in 4.0; a URL value is
//     Human.PhotoURL (3.0 marks it VALUE=uri).
//   - TEL: TYPE cell (also mobile, iphone) is mobile; fax, pager, work and
//     home map by name; a TEL typed voice alone is "other"; no TYPE is the
//     empty type; any other single TYPE value is kept as the label. The
//     number is free text in both versions (vCard 4.0 allows text). An
//     extension is appended as " ext. 12" in both versions; Decode also
//     reads tel: URIs with ;ext=, and the markers ";ext=", "ext", "ext.",
//     "extension", "x" before the final digits.
//   - EMAIL: TYPE work, home and any other label; 3.0 writes TYPE=INTERNET
//     as well, 4.0 does not; INTERNET and X400 are otherwise ignored.
//   - Primary: TYPE=pref in 3.0, PREF=1 in 4.0. On Decode the first item
//     with TYPE=pref or the lowest PREF becomes primary.
//   - ADR is ;complement;street;city;region;zip;country: the street
//     component is "number street" (the number first, one space). Decode
//     splits it back: a leading word with a digit is the number, else a
//     trailing word with a digit, else there is no number. When that rule
//     would not give back the model's split (a number "12 bis", a street
//     "Route 66" with no number), Encode adds X-HUMANS-NUMBER=<number>,
//     which Decode trusts when the street component still starts with it.
//   - URL: TYPE linkedin, xing, twitter, facebook, instagram and any other
//     label; no TYPE is the empty type. Apple's X-SOCIALPROFILE is read as
//     a URL of its TYPE when its value is a web address.
//   - IMPP: X-SERVICE-TYPE names the service (Jabber is xmpp), else the URI
//     scheme does (skype:, xmpp:, sip:, aim:, ...). Encode writes
//     IMPP;X-SERVICE-TYPE=Skype:skype:handle; services without a URI scheme
//     use Apple's x-apple: scheme. X-SKYPE, X-JABBER, X-AIM, X-ICQ, X-MSN,
//     X-YAHOO, X-QQ, X-GOOGLE-TALK, X-GADUGADU and X-MS-IMADDRESS are read
//     as IMs of that service.
//   - GENDER: M, F, O, U are male, female, other, unknown; N (none) and an
//     absent GENDER are the empty gender. GENDER is written in 3.0 too (it
//     is harmless there and many 3.0 readers know it); X-GENDER and
//     Outlook's X-WAB-GENDER (1 female, 2 male) are read.
//   - CATEGORIES are the group names (Parsed.Categories), written with
//     [Names].
//   - UID is Human.UID; a urn:uuid: prefix is stripped on Decode, and 4.0
//     writes urn:uuid: before a UUID. REV is UpdatedAt, to the second.
//   - Humans' own properties: X-HUMANS-FAVORITE:1 (is_favorite),
//     X-HUMANS-SOURCE:google (source), X-HUMANS-FIELD:key;value (one per
//     custom field, in key order) and X-HUMANS-CONSENT:channel;granted_at
//     (RFC 3339, UTC, nanoseconds);source. Their text components are
//     escaped like N's.
//
// Values the store would reject (an invalid e-mail address, a phone number
// with letters the store does not accept, an impossible birthday, an
// unknown gender) are not mapped: their property is kept like an unknown
// one, so that the contact still imports and nothing is lost.
//
// # Nothing is lost: Extra["vcard"]
//
// Decode keeps in Human.Extra["vcard"] everything of the card the model
// cannot hold, and Encode writes it back:
//
//   - properties it does not map (X-ABLabel, X-ABDATE, RELATED, KEY, GEO,
//     ANNIVERSARY, X-PHONETIC-*, a second NOTE, ...), with their group and
//     parameters, verbatim;
//   - for a mapped property whose original line says more than Encode would
//     write for its model value (an Apple group item1., extra TYPE values,
//     unknown parameters, a middle name, a PO box, a different BDAY form),
//     the original line, tagged X-HUMANS-MATCH=<key>, where key is a hash
//     of the model value the line was read into. Encode writes the original
//     line instead of its own as long as the model value still has that key
//     (with TYPE=pref/PREF adjusted if only the primary flag changed); once
//     the value was edited, the line is dropped and Encode writes its own.
//     PHOTO lines are kept without their data (the store keeps the bytes).
//   - An unmapped line in a group whose mapped lines are all gone (the
//     X-ABLabel of a deleted phone) is dropped too.
//
// The encoding is vCard text: a VERSION line naming the version of the
// card it came from, then content lines as [WriteCard] writes them (CRLF,
// folded, no BEGIN/END). Encode converts the lines to the version it
// writes. PRODID and VERSION are not kept: Encode writes its own.
//
// When an import recognises a contact in a second card, [MergeExtra]
// joins the two cards' Extra["vcard"]: the second card's lines converted
// to the first's version, its item groups renamed where the first uses
// the same names, and only what the first lacks added (an unmapped line,
// or a group such as an X-ABDATE with its X-ABLabel, that the first does
// not have; the original form of a value the first has none for, with
// its label). Merging the same card again adds nothing.
//
// Both directions round-trip: card → Decode → Encode (same version) keeps
// every property and parameter of the original, compared as sets of
// normalized lines ([NormalizedLines]); and Human → Encode → Decode gives
// back every field the card carries. Store-managed fields are not in the
// card: ID, Revision, ETag, CreatedAt, DeletedAt; CompanyID and GroupIDs
// travel as names; UpdatedAt travels to the second; PhotoHash and
// PhotoType are recomputed from the photo bytes.
//
// Transfer details are not content: the reader decodes quoted-printable
// and CHARSET and drops those parameters; 2.1 bare parameters (TEL;CELL)
// become TYPE=CELL.
//
// # Versions
//
// [ConvertTo] converts a card between 3.0 and 4.0 (TYPE=pref and PREF,
// PHOTO/LOGO/SOUND/KEY inline data, BDAY/ANNIVERSARY forms, tel: URIs,
// KIND/MEMBER and Apple's X-ADDRESSBOOKSERVER-KIND/MEMBER, the mandatory
// N and FN of 3.0), for serving 3.0 by default and 4.0 when asked.
package carddav
