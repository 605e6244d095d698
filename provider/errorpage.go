package provider

// PageError is a refusal on a browser route that the person reads as Vhod's
// page (Config.ErrorPage): Status and Reason say what happened, ClientID names
// a registered client the page may lead back to ("" when none is known good),
// and Detail goes to the log only.
type PageError struct {
	Status   int
	Reason   string
	ClientID string
	Detail   string
}

// Reasons of a PageError that the page says in words of their own; any other
// refusal reads by its status.
const (
	// ReasonUnknownClient: client_id names no client.
	ReasonUnknownClient = "unknown_client"
	// ReasonBadRedirectURI: a known client's request has no redirect_uri
	// registered for it, so no answer can go back.
	ReasonBadRedirectURI = "bad_redirect_uri"
)
