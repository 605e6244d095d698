package provider

import "testing"

// TestSealer: what is sealed opens; a flipped bit, another purpose's key or
// garbage do not.
func TestSealer(t *testing.T) {
	var key [32]byte
	key[0] = 1
	s := newSealer(key, "page")
	sealed := s.seal([]byte(`{"c":"https://shop.example/"}`))
	if got, err := s.open(sealed); err != nil || string(got) != `{"c":"https://shop.example/"}` {
		t.Fatalf("open: %q %v", got, err)
	}
	b := []byte(sealed)
	b[len(b)/2] ^= 1
	for name, in := range map[string]string{"flipped": string(b), "garbage": "not-base64!", "short": "AAAA"} {
		if _, err := s.open(in); err == nil {
			t.Errorf("%s opened", name)
		}
	}
	if _, err := newSealer(key, "other").open(sealed); err == nil {
		t.Error("another purpose's key opened it")
	}
}
