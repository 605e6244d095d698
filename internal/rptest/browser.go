// Package rptest drives Vhod like a person with a browser and a relying party would:
// a cookie-keeping HTTP client that follows redirects, fills the pages' forms, and
// stops when the provider hands control back to the relying party. The tests and
// `vhod bench` use it.
package rptest

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// Browser is a scripted browser.
type Browser struct {
	Client *http.Client
	// stopAt: a redirect to a URL with this prefix ends navigation (the RP's callback).
	stopAt string
	// Lang is sent as Accept-Language.
	Lang string
}

// NewBrowser makes a browser that stops at redirects to stopAt.
func NewBrowser(stopAt string) *Browser { return NewBrowserWith(stopAt, nil) }

// NewBrowserWith makes a browser on a given transport (nil: the default one).
func NewBrowserWith(stopAt string, rt http.RoundTripper) *Browser {
	jar, _ := cookiejar.New(nil)
	b := &Browser{stopAt: stopAt}
	b.Client = &http.Client{Transport: rt, Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if stopAt != "" && strings.HasPrefix(req.URL.String(), stopAt) {
			return http.ErrUseLastResponse
		}
		if len(via) > 20 {
			return errors.New("too many redirects")
		}
		return nil
	}}
	return b
}

// Page is a loaded page.
type Page struct {
	Status   int
	URL      *url.URL
	Body     string
	Location string // set when navigation stopped at the RP
	Header   http.Header
}

// Get navigates to u.
func (b *Browser) Get(u string) (*Page, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return b.do(req)
}

// Submit fills the page's form whose action contains actionPart and posts it; the
// hidden fields (CSRF token) are taken from the page.
func (b *Browser) Submit(p *Page, actionPart string, fields url.Values) (*Page, error) {
	target, values, err := fill(p, actionPart, fields)
	if err != nil {
		return nil, err
	}
	return b.post(target, "application/x-www-form-urlencoded", strings.NewReader(values.Encode()))
}

// SubmitFile posts the form as multipart/form-data with one file, as a
// browser uploads one.
func (b *Browser) SubmitFile(p *Page, actionPart string, fields url.Values, fileField, fileName string, content []byte) (*Page, error) {
	target, values, err := fill(p, actionPart, fields)
	if err != nil {
		return nil, err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range values {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(fileField, fileName)
	if err != nil {
		return nil, err
	}
	fw.Write(content)
	mw.Close()
	return b.post(target, mw.FormDataContentType(), &body)
}

// fill finds the page's form whose action contains actionPart and returns where
// it posts and its hidden fields with fields over them.
func fill(p *Page, actionPart string, fields url.Values) (*url.URL, url.Values, error) {
	action, hidden, err := form(p.Body, actionPart)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (page %s, status %d)", err, p.URL, p.Status)
	}
	for k, v := range fields {
		hidden[k] = v
	}
	target, err := p.URL.Parse(action)
	return target, hidden, err
}

// post sends a form body as a browser does, with its Origin.
func (b *Browser) post(target *url.URL, contentType string, body io.Reader) (*Page, error) {
	req, err := http.NewRequest(http.MethodPost, target.String(), body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", target.Scheme+"://"+target.Host)
	return b.do(req)
}

func (b *Browser) do(req *http.Request) (*Page, error) {
	if b.Lang != "" {
		req.Header.Set("Accept-Language", b.Lang)
	}
	resp, err := b.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	p := &Page{Status: resp.StatusCode, URL: resp.Request.URL, Body: string(body), Header: resp.Header}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		p.Location = resp.Header.Get("Location")
	}
	return p, nil
}

var (
	formRe   = regexp.MustCompile(`(?s)<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>`)
	hiddenRe = regexp.MustCompile(`<input[^>]*type="hidden"[^>]*name="([^"]*)"[^>]*value="([^"]*)"`)
)

func form(body, actionPart string) (string, url.Values, error) {
	for _, m := range formRe.FindAllStringSubmatch(body, -1) {
		action := html.UnescapeString(m[1])
		if !strings.Contains(action, actionPart) {
			continue
		}
		vals := url.Values{}
		for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
			vals.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
		}
		return action, vals, nil
	}
	return "", nil, fmt.Errorf("no form with action containing %q", actionPart)
}

// SignIn starts at authURL, signs in with the password form when it appears,
// allows consent when asked, and returns the RP callback URL it stopped at.
func (b *Browser) SignIn(authURL, login, password string) (*url.URL, error) {
	p, err := b.Get(authURL)
	if err != nil {
		return nil, err
	}
	for range 5 {
		switch {
		case p.Location != "":
			return url.Parse(p.Location)
		case strings.Contains(p.Body, `name="password"`):
			p, err = b.Submit(p, "/password", url.Values{"login": {login}, "password": {password}})
		case strings.Contains(p.Body, `value="allow"`):
			p, err = b.Submit(p, "/consent", url.Values{"action": {"allow"}})
		default:
			return nil, fmt.Errorf("unexpected page %s (status %d): %.400s", p.URL, p.Status, p.Body)
		}
		if err != nil {
			return nil, err
		}
	}
	return nil, errors.New("sign-in did not finish")
}
