package certauth

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"testing"
)

func TestDN(t *testing.T) {
	n := pkix.Name{Names: []pkix.AttributeTypeAndValue{
		{Type: asn1.ObjectIdentifier{2, 5, 4, 6}, Value: "RU"},
		{Type: asn1.ObjectIdentifier{2, 5, 4, 9}, Value: "ул. Тверская, д. 7"},
		{Type: oidSNILS, Value: "56559136127"},
		{Type: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: "#x"},
		{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: " Петров "},
	}}
	want := `CN=\ Петров\ ,1.2.3.4=\#x,SNILS=56559136127,STREET=ул. Тверская\, д. 7,C=RU`
	if got := DN(n); got != want {
		t.Fatalf("DN = %q, want %q", got, want)
	}
}
