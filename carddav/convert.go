package carddav

import (
	"encoding/base64"
	"strings"

	"github.com/emersion/go-vcard"
)

// ConvertTo returns a copy of card as a card of version "3.0" or "4.0";
// card itself is not changed. A card already of that version is copied as
// it is; any other version string gives an unchanged copy too.
//
// Converted: TYPE=pref ↔ PREF=1; inline PHOTO, LOGO, SOUND and KEY
// (ENCODING=b;TYPE=JPEG ↔ data:image/jpeg;base64,); a URL photo gets
// VALUE=uri in 3.0; BDAY and ANNIVERSARY (1995-05-20 ↔ 19950520, and a
// year-less --0520 ↔ X-APPLE-OMIT-YEAR=1604:1604-05-20); tel: URIs become
// text in 3.0 (;ext=12 as " ext. 12"); KIND and MEMBER ↔ Apple's
// X-ADDRESSBOOKSERVER-KIND and -MEMBER; TYPE=INTERNET of EMAIL is dropped
// in 4.0; vCard 2.1's ENCODING=BASE64 becomes b in 3.0. A 3.0 card always
// has N and FN (empty N, FN from N when missing); a 4.0 card has FN.
func ConvertTo(card vcard.Card, version string) vcard.Card {
	out := make(vcard.Card, len(card)+2)
	same := strings.TrimSpace(card.Value(vcard.FieldVersion)) == version
	if same || version != v3 && version != v4 {
		for k, fs := range card {
			for _, f := range fs {
				if f != nil {
					out[k] = append(out[k], copyField(f))
				}
			}
		}
		return out
	}
	for k, fs := range card {
		if k == vcard.FieldVersion {
			continue
		}
		for _, f := range fs {
			if f == nil {
				continue
			}
			name, c := convertField(k, copyField(f), version)
			out[name] = append(out[name], c)
		}
	}
	out[vcard.FieldVersion] = []*vcard.Field{field(version)}
	if len(out[vcard.FieldFormattedName]) == 0 {
		fn := ""
		if n := out.Name(); n != nil {
			fn = strings.TrimSpace(unescSemi(n.GivenName) + " " + unescSemi(n.FamilyName))
		}
		out[vcard.FieldFormattedName] = []*vcard.Field{field(fn)}
	}
	if version == v3 && len(out[vcard.FieldName]) == 0 {
		out[vcard.FieldName] = []*vcard.Field{field(";;;;")}
	}
	return out
}

// convertField converts one line (a copy it may change) to version and
// returns its property name there. The conversion reads the line's form,
// not the version it claims, so that it can run on lines of any source.
func convertField(name string, f *vcard.Field, version string) (string, *vcard.Field) {
	if version == v4 {
		return toV4(name, f)
	}
	return toV3(name, f)
}

func toV4(name string, f *vcard.Field) (string, *vcard.Field) {
	switch name {
	case "X-ADDRESSBOOKSERVER-KIND":
		name, f.Value = vcard.FieldKind, strings.ToLower(f.Value)
	case "X-ADDRESSBOOKSERVER-MEMBER":
		name = vcard.FieldMember
	}
	if _, pref := types(f); pref {
		removeTypes(f, "pref")
		if f.Params.Get(vcard.ParamPreferred) == "" {
			f.Params.Set(vcard.ParamPreferred, "1")
		}
	}
	if name == vcard.FieldEmail {
		removeTypes(f, "internet")
	}
	if binaryProps[name] {
		if data, mt, ok := inlineData(f); ok && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(f.Value)), "data:") {
			if mt == "" || !strings.Contains(mt, "/") {
				mt = binaryMediaType(name, f.Params.Get(vcard.ParamType))
			} else if name != vcard.FieldPhoto && name != vcard.FieldLogo {
				mt = binaryMediaType(name, f.Params.Get(vcard.ParamType))
			}
			f.Value = "data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(data)
			delete(f.Params, paramEncoding)
			delete(f.Params, vcard.ParamType)
			if strings.EqualFold(f.Params.Get(vcard.ParamValue), "binary") {
				delete(f.Params, vcard.ParamValue)
			}
		}
	}
	if name == vcard.FieldBirthday || name == vcard.FieldAnniversary {
		v := strings.TrimSpace(f.Value)
		omit := f.Params.Get(paramOmitYear)
		switch {
		case omit != "" && len(v) >= 10 && v[:4] == strings.TrimSpace(omit) && v[4] == '-':
			f.Value = "--" + v[5:7] + v[8:10]
			delete(f.Params, paramOmitYear)
		case len(v) == 10 && v[4] == '-' && v[7] == '-' && allDigits(v[:4]):
			f.Value = v[:4] + v[5:7] + v[8:10]
		case len(v) == 7 && strings.HasPrefix(v, "--") && v[4] == '-':
			f.Value = "--" + v[2:4] + v[5:7]
		}
	}
	cleanParams(f)
	return name, f
}

func toV3(name string, f *vcard.Field) (string, *vcard.Field) {
	switch name {
	case vcard.FieldKind:
		name = "X-ADDRESSBOOKSERVER-KIND"
	case vcard.FieldMember:
		name = "X-ADDRESSBOOKSERVER-MEMBER"
	}
	if strings.TrimSpace(f.Params.Get(vcard.ParamPreferred)) == "1" {
		delete(f.Params, vcard.ParamPreferred)
		if _, pref := types(f); !pref {
			f.Params.Add(vcard.ParamType, "pref")
		}
	}
	if binaryProps[name] {
		v := strings.TrimSpace(f.Value)
		switch {
		case len(v) > 5 && strings.EqualFold(v[:5], "data:"):
			if data, mt, ok := inlineData(f); ok {
				if f.Params == nil {
					f.Params = vcard.Params{}
				}
				f.Value = base64.StdEncoding.EncodeToString(data)
				f.Params.Set(paramEncoding, "b")
				if mt != "" {
					f.Params.Set(vcard.ParamType, photoTypeParam(mt))
				}
				delete(f.Params, vcard.ParamMediaType)
				delete(f.Params, vcard.ParamValue)
			}
		case strings.EqualFold(f.Params.Get(paramEncoding), "base64"):
			f.Params.Set(paramEncoding, "b")
		case isURLValue(f) && f.Params.Get(vcard.ParamValue) == "" && f.Params.Get(paramEncoding) == "":
			if f.Params == nil {
				f.Params = vcard.Params{}
			}
			f.Params.Set(vcard.ParamValue, "uri")
		}
	}
	if name == vcard.FieldBirthday || name == vcard.FieldAnniversary {
		v := strings.TrimSpace(f.Value)
		switch {
		case strings.HasPrefix(v, "--") && (len(v) == 6 || len(v) == 7 && v[4] == '-'):
			md := strings.ReplaceAll(v[2:], "-", "")
			if f.Params == nil {
				f.Params = vcard.Params{}
			}
			f.Value = "1604-" + md[:2] + "-" + md[2:]
			f.Params.Set(paramOmitYear, "1604")
		case len(v) == 8 && allDigits(v):
			f.Value = v[:4] + "-" + v[4:6] + "-" + v[6:]
		}
	}
	if name == vcard.FieldTelephone {
		v := strings.TrimSpace(f.Value)
		if len(v) > 4 && strings.EqualFold(v[:4], "tel:") {
			f.Value = formatTel(parseTel(f))
			if strings.EqualFold(f.Params.Get(vcard.ParamValue), "uri") {
				delete(f.Params, vcard.ParamValue)
			}
		}
	}
	cleanParams(f)
	return name, f
}

// binaryMediaType guesses the media type of inline data from its 3.0 TYPE.
func binaryMediaType(name, t string) string {
	switch name {
	case vcard.FieldSound:
		if t == "" {
			return "audio/basic"
		}
		return "audio/" + strings.ToLower(t)
	case vcard.FieldKey:
		switch strings.ToLower(t) {
		case "pgp", "gpg":
			return "application/pgp-keys"
		case "x509":
			return "application/pkix-cert"
		}
		return "application/octet-stream"
	}
	if t == "" {
		return "image/jpeg"
	}
	return mediaType(t)
}

// removeTypes removes TYPE values (case-insensitive) from f.
func removeTypes(f *vcard.Field, drop ...string) {
	ts, ok := f.Params[vcard.ParamType]
	if !ok {
		return
	}
	var keep []string
	for _, t := range ts {
		var parts []string
		for _, p := range strings.Split(t, ",") {
			if !has(drop, strings.ToLower(strings.TrimSpace(p))) {
				parts = append(parts, p)
			}
		}
		if len(parts) > 0 {
			keep = append(keep, strings.Join(parts, ","))
		}
	}
	if len(keep) == 0 {
		delete(f.Params, vcard.ParamType)
	} else {
		f.Params[vcard.ParamType] = keep
	}
}

func cleanParams(f *vcard.Field) {
	if len(f.Params) == 0 {
		f.Params = nil
	}
}
