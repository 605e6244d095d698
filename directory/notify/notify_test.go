package notify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is an in-process SMTP relay with STARTTLS and AUTH PLAIN.
type smtpServer struct {
	mu       sync.Mutex
	messages []string
	from, to []string
	authed   bool
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }

type smtpSession struct{ s *smtpServer }

func (x *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (x *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "vhod" || pass != "smtp-pass" {
			return errors.New("bad credentials")
		}
		x.s.mu.Lock()
		x.s.authed = true
		x.s.mu.Unlock()
		return nil
	}), nil
}
func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.from = append(x.s.from, from)
	return nil
}
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.to = append(x.s.to, to)
	return nil
}
func (x *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	x.s.messages = append(x.s.messages, string(b))
	return err
}
func (x *smtpSession) Reset()        {}
func (x *smtpSession) Logout() error { return nil }

// selfSigned makes a server certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestSMTPWithSTARTTLSAndAuth(t *testing.T) {
	cert, pool := selfSigned(t)
	backend := &smtpServer{}
	srv := smtp.NewServer(backend)
	srv.Domain = "127.0.0.1"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	port := ln.Addr().(*net.TCPAddr).Port

	s, err := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: port, Username: "vhod", Password: "smtp-pass",
		From: "Vhod <noreply@example.com>", TLS: "starttls"}, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SendEmail(t.Context(), Email{To: "ivanov@example.com", Subject: "Код подтверждения", Text: "Ваш код: 123456"}); err != nil {
		t.Fatal(err)
	}
	backend.mu.Lock()
	defer backend.mu.Unlock()
	if !backend.authed || len(backend.messages) != 1 || backend.to[0] != "ivanov@example.com" || backend.from[0] != "noreply@example.com" {
		t.Fatalf("relay saw auth=%v to=%v from=%v messages=%d", backend.authed, backend.to, backend.from, len(backend.messages))
	}
	if !strings.Contains(backend.messages[0], "Subject:") || !strings.Contains(backend.messages[0], "=?UTF-8?q?=D0=9A=D0=BE=D0=B4") {
		t.Errorf("subject not encoded: %.300s", backend.messages[0])
	}

	// A relay without STARTTLS is refused when TLS is mandatory: nothing goes out in clear.
	plain := smtp.NewServer(&smtpServer{})
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	go func() { _ = plain.Serve(ln2) }()
	t.Cleanup(func() { _ = plain.Close() })
	s2, _ := NewSMTP(SMTPConfig{Host: "127.0.0.1", Port: ln2.Addr().(*net.TCPAddr).Port, From: "noreply@example.com", TLS: "starttls"}, nil)
	if err := s2.SendEmail(t.Context(), Email{To: "a@example.com", Subject: "x", Text: "y"}); err == nil {
		t.Fatal("sent without TLS although STARTTLS is mandatory")
	}
}

func TestWebhookDelivers(t *testing.T) {
	var got map[string]string
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		_ = json.NewDecoder(r.Body).Decode(&got)
	}))
	defer srv.Close()
	wh, err := NewWebhook(WebhookConfig{URL: srv.URL, Token: "t0ken"})
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.SendSMS(t.Context(), SMS{To: "+79090000000", Text: "Код: 123456"}); err != nil {
		t.Fatal(err)
	}
	if got["to"] != "+79090000000" || got["text"] != "Код: 123456" || auth != "Bearer t0ken" {
		t.Fatalf("gateway got %v with %q", got, auth)
	}
}

// The outbox retries what may pass later and gives up at once on what won't.
func TestWebhookFailuresTellRetryFromPermanent(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		permanent bool
	}{
		{"server error retried", http.StatusInternalServerError, false},
		{"rate limited retried", http.StatusTooManyRequests, false},
		{"bad request is permanent", http.StatusBadRequest, true},
		{"unauthorized is permanent", http.StatusUnauthorized, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(tc.status) }))
			defer srv.Close()
			wh, _ := NewWebhook(WebhookConfig{URL: srv.URL})
			err := wh.SendSMS(t.Context(), SMS{To: "+79090000000", Text: "x"})
			if err == nil || IsPermanent(err) != tc.permanent {
				t.Fatalf("err %v (permanent %v)", err, IsPermanent(err))
			}
		})
	}
	// An unreachable gateway is a failure worth retrying, bounded by the context.
	wh, _ := NewWebhook(WebhookConfig{URL: "http://127.0.0.1:1/sms"})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	if err := wh.SendSMS(ctx, SMS{To: "+7", Text: "x"}); err == nil || IsPermanent(err) {
		t.Fatalf("unreachable gateway: %v", err)
	}
}

func TestSMSRu(t *testing.T) {
	var form map[string]string
	answer := `{"status":"OK","status_code":100,"sms":{"79090000000":{"status":"OK","status_code":100,"sms_id":"1"}}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form = map[string]string{"path": r.URL.Path, "api_id": r.PostForm.Get("api_id"), "to": r.PostForm.Get("to"), "msg": r.PostForm.Get("msg")}
		_, _ = io.WriteString(w, answer)
	}))
	defer srv.Close()
	s, err := NewSMSRu(SMSRuConfig{APIID: "key", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SendSMS(t.Context(), SMS{To: "+79090000000", Text: "Код: 1"}); err != nil {
		t.Fatal(err)
	}
	if form["path"] != "/sms/send" || form["api_id"] != "key" || form["to"] != "79090000000" || form["msg"] != "Код: 1" {
		t.Fatalf("sms.ru got %v", form)
	}
	answer = `{"status":"ERROR","status_code":200,"status_text":"Неправильный api_id"}`
	if err := s.SendSMS(t.Context(), SMS{To: "+79090000000", Text: "x"}); err == nil || !IsPermanent(err) {
		t.Fatalf("refused request: %v", err)
	}
	answer = `{"status":"OK","sms":{"79090000000":{"status":"ERROR","status_text":"Номер в стоп-листе"}}}`
	if err := s.SendSMS(t.Context(), SMS{To: "+79090000000", Text: "x"}); err == nil || !strings.Contains(err.Error(), "стоп-листе") {
		t.Fatalf("refused number: %v", err)
	}
}

func TestMemoryKeepsTheLastMessages(t *testing.T) {
	o := NewMemory(2)
	_ = o.SendSMS(t.Context(), SMS{To: "+1", Text: "a"})
	_ = o.SendEmail(t.Context(), Email{To: "b@example.com", Subject: "s", Text: "b"})
	_ = o.SendSMS(t.Context(), SMS{To: "+3", Text: "c"})
	m := o.Messages()
	if len(m) != 2 || m[0].Channel != "email" || m[1].Text != "c" {
		t.Fatalf("memory %+v", m)
	}
}
