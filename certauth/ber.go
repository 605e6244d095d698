package certauth

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
)

// Limits of the BER converter. A challenge signature with its chain nests about
// fifteen levels deep and holds under two thousand elements; the limits leave
// room for long chains and streamed content, and bound what a stranger's input
// costs (memory and time grow with the element count, never faster).
const (
	maxBERDepth    = 32
	maxBERElements = 16384
)

// errTooComplex marks input over the converter's limits.
var errTooComplex = errors.New("too deeply nested or too many elements")

// berNode is one element of the parsed input, kept in pre-order so that the
// DER output is written in one pass over the slice.
type berNode struct {
	tag         []byte // identifier octets as received
	content     []byte // a primitive's content
	size        int    // length of the DER content
	end         int    // index of the last node of this element's subtree
	constructed bool
	flat        bool // a constructed OCTET STRING, written as a primitive one
}

// berToDER converts BER (indefinite lengths, constructed OCTET STRINGs,
// non-minimal lengths, as `openssl cms -stream` and some CSP plug-ins write it)
// to DER in time linear in the input: one pass reads it, computing every DER
// length bottom-up, another writes it. DER input comes out unchanged. Only
// trailing zero bytes or white space may follow the element. Input over the
// limits fails with errTooComplex; other failures are malformed input.
//
// It replaces go-cryptobin's ber.Ber2der, whose search for end-of-contents
// rescans the rest of the input at every element (seconds for 256 KiB).
func berToDER(in []byte) ([]byte, error) {
	// DER of certificates averages about ten bytes an element.
	p := berParser{nodes: make([]berNode, 0, min(len(in)/8+8, maxBERElements))}
	s := cryptobyte.String(in)
	root, err := p.element(&s, 0, false)
	if err != nil {
		return nil, err
	}
	for _, b := range s {
		if b != 0 && b != ' ' && b != '\t' && b != '\r' && b != '\n' {
			return nil, errors.New("ber: data after the end")
		}
	}
	out := make([]byte, 0, p.encodedSize(root))
	for i := 0; i < len(p.nodes); {
		n := &p.nodes[i]
		if n.flat {
			out = append(out, 0x04) // OCTET STRING, primitive
		} else {
			out = append(out, n.tag...)
		}
		out = appendDERLength(out, n.size)
		switch {
		case n.flat:
			for j := i + 1; j <= n.end; j++ {
				if !p.nodes[j].constructed {
					out = append(out, p.nodes[j].content...)
				}
			}
			i = n.end + 1
		case n.constructed:
			i++ // the children follow
		default:
			out = append(out, n.content...)
			i++
		}
	}
	return out, nil
}

type berParser struct {
	nodes []berNode
}

func (p *berParser) encodedSize(i int) int {
	n := &p.nodes[i]
	if n.flat {
		return 1 + derLengthSize(n.size) + n.size
	}
	return len(n.tag) + derLengthSize(n.size) + n.size
}

// element reads one element from s inside depth others and returns its node's
// index. Inside a constructed OCTET STRING (inString) only OCTET STRINGs may
// appear, and a node's size is the length of the octets it contributes.
func (p *berParser) element(s *cryptobyte.String, depth int, inString bool) (int, error) {
	if len(p.nodes) >= maxBERElements || depth >= maxBERDepth {
		return 0, errTooComplex
	}
	start := *s
	var id, l uint8
	if !s.ReadUint8(&id) {
		return 0, errors.New("ber: truncated")
	}
	if id&0x1f == 0x1f {
		// High tag number: base-128 digits, the last without the top bit.
		for digits := 1; ; digits++ {
			var b uint8
			if !s.ReadUint8(&b) {
				return 0, errors.New("ber: truncated tag")
			}
			if digits > 4 {
				return 0, errors.New("ber: tag number too large")
			}
			if b < 0x80 {
				break
			}
		}
	}
	tag := start[:len(start)-len(*s)]
	if id == 0 {
		return 0, errors.New("ber: unexpected end-of-contents")
	}
	constructed := id&0x20 != 0
	if inString && id&^0x20 != 0x04 {
		return 0, fmt.Errorf("ber: tag %#x inside a constructed OCTET STRING", id)
	}
	if !s.ReadUint8(&l) {
		return 0, errors.New("ber: truncated length")
	}
	indefinite := l == 0x80
	length := int(l)
	if l > 0x80 {
		n := int(l & 0x7f)
		if n > 4 {
			return 0, errors.New("ber: length of more than four bytes")
		}
		var v uint32
		for range n {
			var b uint8
			if !s.ReadUint8(&b) {
				return 0, errors.New("ber: truncated length")
			}
			v = v<<8 | uint32(b)
		}
		if uint64(v) > uint64(len(*s)) {
			return 0, errors.New("ber: length beyond the end")
		}
		length = int(v)
	}
	idx := len(p.nodes)
	p.nodes = append(p.nodes, berNode{tag: tag, constructed: constructed, flat: constructed && id == 0x24 && !inString})
	if !constructed {
		if indefinite {
			return 0, errors.New("ber: indefinite length of a primitive element")
		}
		var content cryptobyte.String
		if !s.ReadBytes((*[]byte)(&content), length) {
			return 0, errors.New("ber: truncated content")
		}
		p.nodes[idx].content, p.nodes[idx].size, p.nodes[idx].end = content, length, idx
		return idx, nil
	}
	// The children of a constructed OCTET STRING are strings whose octets are
	// concatenated; those of anything else are elements.
	kidsInString := id == 0x24
	size := 0
	add := func(kid int) {
		if kidsInString {
			size += p.nodes[kid].size
		} else {
			size += p.encodedSize(kid)
		}
	}
	if indefinite {
		for {
			if len(*s) >= 2 && (*s)[0] == 0 && (*s)[1] == 0 {
				s.Skip(2)
				break
			}
			if len(*s) == 0 {
				return 0, errors.New("ber: missing end-of-contents")
			}
			kid, err := p.element(s, depth+1, kidsInString)
			if err != nil {
				return 0, err
			}
			add(kid)
		}
	} else {
		var body cryptobyte.String
		if !s.ReadBytes((*[]byte)(&body), length) {
			return 0, errors.New("ber: truncated content")
		}
		for !body.Empty() {
			kid, err := p.element(&body, depth+1, kidsInString)
			if err != nil {
				return 0, err
			}
			add(kid)
		}
	}
	p.nodes[idx].size, p.nodes[idx].end = size, len(p.nodes)-1
	return idx, nil
}

func derLengthSize(n int) int {
	switch {
	case n < 0x80:
		return 1
	case n < 1<<8:
		return 2
	case n < 1<<16:
		return 3
	case n < 1<<24:
		return 4
	}
	return 5
}

func appendDERLength(b []byte, n int) []byte {
	if n < 0x80 {
		return append(b, byte(n))
	}
	k := derLengthSize(n) - 1
	b = append(b, 0x80|byte(k))
	for i := k - 1; i >= 0; i-- {
		b = append(b, byte(n>>(8*i)))
	}
	return b
}
