// Package ruid checks Russian identification numbers by their official check
// digits: INN of organisations and persons, OGRN, OGRNIP and SNILS. It has no
// dependencies, so certauth (which reads these numbers from certificates) and
// directory (which takes them in forms) share one set of rules.
package ruid

// digits returns the decimal digits of s, or nil when s is not exactly n digits.
func digits(s string, n int) []int {
	if len(s) != n {
		return nil
	}
	d := make([]int, n)
	for i := 0; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return nil
		}
		d[i] = int(c - '0')
	}
	return d
}

// weighted is Σ d[i]·w[i] mod 11 mod 10, the INN check digit.
func weighted(d, w []int) int {
	sum := 0
	for i, wi := range w {
		sum += d[i] * wi
	}
	return sum % 11 % 10
}

var (
	inn10Weights  = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights1 = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights2 = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// ValidINN10 checks an organisation's INN (10 digits).
func ValidINN10(s string) bool {
	d := digits(s, 10)
	return d != nil && weighted(d, inn10Weights) == d[9]
}

// ValidINN12 checks a person's or an individual entrepreneur's INN (12 digits).
func ValidINN12(s string) bool {
	d := digits(s, 12)
	return d != nil && weighted(d, inn12Weights1) == d[10] && weighted(d, inn12Weights2) == d[11]
}

// ValidINN checks an INN of either length.
func ValidINN(s string) bool { return ValidINN10(s) || ValidINN12(s) }

// mod returns the number formed by the digits d modulo m, without overflow.
func mod(d []int, m int) int {
	r := 0
	for _, x := range d {
		r = (r*10 + x) % m
	}
	return r
}

// ValidOGRN checks a legal entity's OGRN: 13 digits, first 1 or 5, the last being
// the number formed by the first twelve mod 11 mod 10.
func ValidOGRN(s string) bool {
	d := digits(s, 13)
	return d != nil && (d[0] == 1 || d[0] == 5) && mod(d[:12], 11)%10 == d[12]
}

// ValidOGRNIP checks an individual entrepreneur's OGRNIP: 15 digits, first 3, the
// last being the number formed by the first fourteen mod 13 mod 10.
func ValidOGRNIP(s string) bool {
	d := digits(s, 15)
	return d != nil && d[0] == 3 && mod(d[:14], 13)%10 == d[14]
}

// ValidSNILS checks a SNILS (11 digits, no separators). Numbers up to
// 001-001-998 were issued before the check sum existed and pass as they are.
func ValidSNILS(s string) bool {
	d := digits(s, 11)
	if d == nil {
		return false
	}
	number := 0
	for _, x := range d[:9] {
		number = number*10 + x
	}
	if number <= 1001998 {
		return true
	}
	sum := 0
	for i, x := range d[:9] {
		sum += x * (9 - i)
	}
	control := sum
	if sum >= 100 {
		control = sum % 101
		if control == 100 {
			control = 0
		}
	}
	return control == d[9]*10+d[10]
}

// NormalizeSNILS strips the usual separators ("123-456-789 01" → "12345678901").
func NormalizeSNILS(s string) string {
	out := make([]byte, 0, 11)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= '0' && c <= '9' {
			out = append(out, c)
		} else if c != '-' && c != ' ' {
			return s
		}
	}
	return string(out)
}
