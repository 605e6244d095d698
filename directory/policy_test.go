package directory

import (
	"errors"
	"testing"
)

func TestPasswordPolicy(t *testing.T) {
	p := PasswordPolicy{}
	for _, tc := range []struct {
		name, password string
		ids            []string
		want           error
	}{
		{name: "good", password: "S3cure-pass!"},
		{name: "eight characters", password: "Tz8#kq2!"},
		{name: "seven characters", password: "Tz8#kq2", want: ErrPasswordTooShort},
		{name: "cyrillic counted in characters", password: "пароль-ок", want: nil},
		{name: "common", password: "password", want: ErrPasswordCommon},
		{name: "common in capitals", password: "QWERTYUIOP", want: ErrPasswordCommon},
		{name: "common digits", password: "12345678", want: ErrPasswordCommon},
		{name: "the login itself", password: "ivanov2024", ids: []string{"Ivanov2024"}, want: ErrPasswordIsLogin},
		{name: "too long", password: string(make([]byte, 2000)), want: ErrPasswordTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := p.Check(tc.password, tc.ids...); !errors.Is(err, tc.want) {
				t.Fatalf("Check(%q) = %v, want %v", tc.password, err, tc.want)
			}
		})
	}
	if err := (PasswordPolicy{MinLength: 12}).Check("S3cure-pass!"); err != nil {
		t.Fatalf("12 characters with a minimum of 12: %v", err)
	}
}
