package admin

// Audit event types of changes made through the API (the directory's events
// cover sign-ins, the organisations' lifecycle and memberships).
const (
	EventClientChanged    = "client.changed"
	EventCatalogueChanged = "role_catalogue.changed"
	EventUserChanged      = "user.changed"
	EventKeyRotated       = "key.rotated"
	EventSessionRevoked   = "session.revoked"
)
