package ruid

import "strings"

// ValidKPP checks the format of a KPP: 4 digits of the tax office, 2 of the
// reason (digits or, since 2019, capital Latin letters), 3 digits of the number.
func ValidKPP(s string) bool {
	if len(s) != 9 {
		return false
	}
	for i := 0; i < 9; i++ {
		c := s[i]
		digit := c >= '0' && c <= '9'
		if i == 4 || i == 5 {
			if !digit && !(c >= 'A' && c <= 'Z') {
				return false
			}
		} else if !digit {
			return false
		}
	}
	return true
}

// ValidBIK checks the format of a Russian bank identification code: 9 digits,
// starting with 04 (the country code of Russia in the BIK directory).
func ValidBIK(s string) bool {
	return digits(s, 9) != nil && strings.HasPrefix(s, "04")
}

// accountKey checks the control key of a 23-digit string (3 digits derived from
// the BIK and the 20-digit account) with the weights 7, 1, 3 repeated: the sum
// of the products' last digits must end in 0 (Bank of Russia 385-P).
func accountKey(s string) bool {
	d := digits(s, 23)
	if d == nil {
		return false
	}
	w := [3]int{7, 1, 3}
	sum := 0
	for i, x := range d {
		sum += x * w[i%3] % 10
	}
	return sum%10 == 0
}

// ValidSettlementAccount checks a 20-digit settlement account against its
// bank's BIK (the BIK's last three digits lead).
func ValidSettlementAccount(account, bik string) bool {
	return ValidBIK(bik) && digits(account, 20) != nil && accountKey(bik[6:]+account)
}

// ValidCorrespondentAccount checks a bank's 20-digit correspondent account
// against its BIK ("0" and the BIK's 5th and 6th digits lead); such accounts
// begin with 301.
func ValidCorrespondentAccount(account, bik string) bool {
	return ValidBIK(bik) && strings.HasPrefix(account, "301") && digits(account, 20) != nil && accountKey("0"+bik[4:6]+account)
}

// ValidOKPO checks an OKPO code: 8 digits (legal entities) or 10 (individual
// entrepreneurs), the last being a check digit: the weighted sum (weights 1, 2,
// … cycling after 10) mod 11; if that gives 10, weights starting at 3; if 10
// again, 0.
func ValidOKPO(s string) bool {
	d := digits(s, len(s))
	if d == nil || (len(s) != 8 && len(s) != 10) {
		return false
	}
	body := d[:len(d)-1]
	check := func(start int) int {
		sum := 0
		for i, x := range body {
			sum += x * ((start+i-1)%10 + 1)
		}
		return sum % 11
	}
	c := check(1)
	if c == 10 {
		if c = check(3); c == 10 {
			c = 0
		}
	}
	return c == d[len(d)-1]
}

// ValidOKVED checks the format of an OKVED 2 code: "NN", "NN.N", "NN.NN",
// "NN.NN.N" or "NN.NN.NN".
func ValidOKVED(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) > 3 || digits(parts[0], 2) == nil {
		return false
	}
	for _, p := range parts[1:] {
		if digits(p, len(p)) == nil || len(p) < 1 || len(p) > 2 {
			return false
		}
	}
	// A one-digit group ends the code ("01.1", "01.11.1"), it is never followed.
	if len(parts) == 3 && len(parts[1]) != 2 {
		return false
	}
	return true
}

// ValidPostcode checks a Russian postcode: 6 digits, the first 1 to 6.
func ValidPostcode(s string) bool {
	return digits(s, 6) != nil && s[0] >= '1' && s[0] <= '6'
}
