package provider

import (
	"io"
	"net/http"
	"net/url"
)

// formType is the content type of every OAuth request body (RFC 6749
// section 3.2), as clients send it.
const formType = "application/x-www-form-urlencoded"

// maxFormBody is the largest body parseForm reads itself. Its buffer is made
// for the whole declared length before a byte arrives, so this stays at what a
// token request takes (a client assertion included): a client that declares
// 64 KiB and sends nothing would otherwise hold that much per request until
// the read timeout. A longer body goes to ParseForm, whose buffer grows as the
// bytes come (maxBody bounds it at 64 KiB).
const maxFormBody = 4 << 10

// parseForm is r.ParseForm for a client endpoint's POST. The body of the one
// content type clients send is read as ParseForm reads it (into r.PostForm,
// which clientAuth makes r.Form too) without its media-type parser, a map
// per request, and its copy of the body's parameters into a second map that
// clientAuth would drop. Anything else — another spelling of the type, a
// query, a form read already, a body of unknown or larger length — goes to
// ParseForm itself.
func parseForm(r *http.Request) error {
	if r.PostForm != nil || r.Form != nil || r.Method != http.MethodPost || r.Body == nil ||
		r.URL.RawQuery != "" || r.ContentLength < 0 || r.ContentLength > maxFormBody ||
		r.Header.Get("Content-Type") != formType {
		return r.ParseForm()
	}
	// The server reads no more than the Content-Length of the body (a short
	// one is io.ErrUnexpectedEOF either way); a buffer of that length, not
	// ReadAll's 512 bytes and growth.
	b := make([]byte, r.ContentLength)
	if _, err := io.ReadFull(r.Body, b); err != nil {
		r.PostForm, r.Form = url.Values{}, url.Values{}
		return err
	}
	v, err := url.ParseQuery(string(b))
	r.PostForm, r.Form = v, v
	return err
}
