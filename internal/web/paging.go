package web

import "net/url"

// NextPageURL links to the page of a list after the cursor next, given in the
// parameter param, with the same search; "" when there is none.
func NextPageURL(path, param, next string, search url.Values) string {
	if next == "" {
		return ""
	}
	v := url.Values{param: {next}}
	for k, vs := range search {
		if len(vs) > 0 && vs[0] != "" {
			v.Set(k, vs[0])
		}
	}
	return path + "?" + v.Encode()
}
