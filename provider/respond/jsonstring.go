package respond

import "encoding/json"

// AppendJSONString appends s as a JSON string exactly as encoding/json writes
// it (HTML characters, U+2028 and U+2029 escaped, invalid UTF-8 replaced):
// copied as it is when it has nothing to escape — a JWT, an ID, a scope name —
// and through json.Marshal otherwise. Answers and tokens written by hand with
// it are byte for byte those of the reflective encoder, without its cost.
func AppendJSONString(out []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(out, b...)
		}
	}
	out = append(out, '"')
	out = append(out, s...)
	return append(out, '"')
}
