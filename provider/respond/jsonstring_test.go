package respond

import (
	"encoding/json"
	"testing"
)

// TestAppendJSONStringIsMarshal: the same bytes as json.Marshal, whatever the string.
func TestAppendJSONStringIsMarshal(t *testing.T) {
	for _, s := range []string{"", "eyJhbGciOi.x_y-z", "a b", `"q"`, `back\slash`, "<script>&", "tab\tnl\n\x00\x1f",
		"юникод", "\u2028\u2029", "bad \xff utf-8", "~!#$%^*()[]{}|;:',./?`"} {
		want, _ := json.Marshal(s)
		if got := AppendJSONString([]byte("x"), s); string(got) != "x"+string(want) {
			t.Errorf("%q: got %s, want %s", s, got[1:], want)
		}
	}
}
