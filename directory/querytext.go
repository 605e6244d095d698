package directory

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A query string's parameters reach the store (searches, filters), which fails
// on text that is not text; the API and the console refuse such a query with
// these checks before anything reads it.

// Bounds of a query string: far above what any list of this API takes.
const (
	MaxQueryValues = 32
	MaxQueryValue  = 512 // bytes, of one name or value
)

// CheckQuery says which parameter of a raw query string is malformed and how
// ("" when none is). The name is given as sent only when it is valid text.
func CheckQuery(raw string) (name, bad string) {
	if raw == "" {
		return "", ""
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		return "query", "not a valid query string (percent-escapes, separators)"
	}
	n := 0
	for key, vs := range values {
		if why := BadText(key); why != "" {
			return "query", "a parameter name " + why
		}
		if len(key) > MaxQueryValue {
			return "query", fmt.Sprintf("a parameter name is longer than %d bytes", MaxQueryValue)
		}
		for _, v := range vs {
			n++
			if why := BadText(v); why != "" {
				return key, why
			}
			if len(v) > MaxQueryValue {
				return key, fmt.Sprintf("is longer than %d bytes", MaxQueryValue)
			}
		}
	}
	if n > MaxQueryValues {
		return "query", fmt.Sprintf("more than %d parameters", MaxQueryValues)
	}
	return "", ""
}

// BadText says what is wrong with decoded text from a URL ("" when nothing is).
func BadText(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return "contains control characters"
	}
	return ""
}
