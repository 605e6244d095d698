package storage

import (
	"context"
	"time"
)

// AuditEvent is one security-relevant action, appended and never changed.
type AuditEvent struct {
	ID        string            `bson:"_id" json:"id"`
	Time      time.Time         `bson:"time" json:"time"`
	Type      string            `bson:"type" json:"type"`
	Outcome   string            `bson:"outcome" json:"outcome"`
	Actor     string            `bson:"actor,omitempty" json:"actor,omitempty"`
	UserID    string            `bson:"user_id,omitempty" json:"user_id,omitempty"`
	ClientID  string            `bson:"client_id,omitempty" json:"client_id,omitempty"`
	OrgID     string            `bson:"org_id,omitempty" json:"org_id,omitempty"`
	IP        string            `bson:"ip,omitempty" json:"ip,omitempty"`
	UserAgent string            `bson:"user_agent,omitempty" json:"user_agent,omitempty"`
	Details   map[string]string `bson:"details,omitempty" json:"details,omitempty"`
}

// AuditQuery selects events; zero fields select everything.
type AuditQuery struct {
	UserID   string
	ClientID string
	OrgID    string
	Type     string
	From, To time.Time
	// Before and BeforeID continue a page: events older than (Before, BeforeID).
	Before   time.Time
	BeforeID string
	// Oldest lists the oldest first; After and AfterID then continue a
	// page: events newer than (After, AfterID). Before is ignored.
	Oldest  bool
	After   time.Time
	AfterID string
	// Limit bounds the answer (newest first); zero means 100.
	Limit int
}

// Audit is the append-only audit log.
type Audit interface {
	AppendAudit(ctx context.Context, e AuditEvent) error
	QueryAudit(ctx context.Context, q AuditQuery) ([]AuditEvent, error)
	// PruneAudit deletes events older than before: the retention, the only way
	// an event ever leaves the log.
	PruneAudit(ctx context.Context, before time.Time) (int64, error)
}
