package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"github.com/wneessen/go-mail"
)

// SMTPConfig is an SMTP relay.
type SMTPConfig struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	Username string `yaml:"username"`
	Password string `yaml:"password" secret:"true"`
	From     string `yaml:"from"`
	// TLS is starttls (mandatory STARTTLS, the default), tls (implicit TLS, port
	// 465) or none (only for a relay on the same host).
	TLS string `yaml:"tls"`
}

// SMTP sends email through a relay.
type SMTP struct {
	cfg    SMTPConfig
	tlsCfg *tls.Config
}

// NewSMTP checks the configuration; tlsCfg may be nil (system roots, host name checked).
func NewSMTP(cfg SMTPConfig, tlsCfg *tls.Config) (*SMTP, error) {
	if cfg.Host == "" || cfg.From == "" {
		return nil, fmt.Errorf("smtp: host and from are required")
	}
	switch cfg.TLS {
	case "", "starttls", "tls", "none":
	default:
		return nil, fmt.Errorf("smtp: tls %q is not starttls, tls or none", cfg.TLS)
	}
	return &SMTP{cfg: cfg, tlsCfg: tlsCfg}, nil
}

// SendEmail delivers one message.
func (s *SMTP) SendEmail(ctx context.Context, m Email) error {
	msg := mail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return Permanent(fmt.Errorf("smtp from: %w", err))
	}
	if err := msg.To(m.To); err != nil {
		return Permanent(fmt.Errorf("smtp to: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Text)
	opts := []mail.Option{mail.WithTimeout(15 * time.Second)}
	if s.cfg.Port != 0 {
		opts = append(opts, mail.WithPort(s.cfg.Port))
	}
	if s.tlsCfg != nil {
		opts = append(opts, mail.WithTLSConfig(s.tlsCfg))
	}
	switch s.cfg.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	c, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return Permanent(fmt.Errorf("smtp client: %w", err))
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return nil
}
