package certauth

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"
)

// FromTLS returns the client certificate and the certificates sent with it. The
// handshake proved the client holds the certificate's key (CertificateVerify),
// and nothing more: the listener only requests certificates, since
// self-signed client certificates (RFC 8705 section 2.2) and those of anchors
// added at run time must reach Vhod. Verify the chain before trusting it.
func FromTLS(cs *tls.ConnectionState) (leaf *x509.Certificate, chain []*x509.Certificate, ok bool) {
	if cs == nil || len(cs.PeerCertificates) == 0 {
		return nil, nil, false
	}
	return cs.PeerCertificates[0], cs.PeerCertificates[1:], true
}

// FromProxyHeader reads a client certificate a TLS proxy passed on: PEM,
// URL-escaped PEM (nginx $ssl_client_escaped_cert) or base64 DER. Extra
// certificates after the first are the chain.
func FromProxyHeader(value string) (leaf *x509.Certificate, chain []*x509.Certificate, err error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return nil, nil, errors.New("no certificate")
	}
	if len(value) > MaxCMSBytes {
		return nil, nil, refuse(ReasonMalformed, "certificate header too large")
	}
	if strings.Contains(value, "%") {
		if u, err := url.QueryUnescape(value); err == nil {
			value = u
		}
	}
	b := []byte(value)
	if !strings.Contains(value, "-----BEGIN") {
		if b, err = decodeArmour(b); err != nil {
			return nil, nil, refuse(ReasonMalformed, "%v", err)
		}
	} else {
		// Some proxies fold the PEM into one line with spaces for newlines.
		value = strings.ReplaceAll(value, "\t", "\n")
		b = []byte(value)
	}
	certs, err := ParseCertificates(b)
	if err != nil {
		return nil, nil, refuse(ReasonMalformed, "%v", err)
	}
	if len(certs) > maxCMSCertificates {
		return nil, nil, refuse(ReasonTooLarge, "more than %d certificates in the header", maxCMSCertificates)
	}
	return certs[0], certs[1:], nil
}

// ProxyTrusted tells whether a request's remote address (host:port) is one of
// the proxies allowed to vouch for a client certificate.
func ProxyTrusted(remoteAddr string, trusted []netip.Prefix) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
