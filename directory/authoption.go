package directory

// AuthOption changes one rule of Authenticate.
type AuthOption func(*authOptions)

type authOptions struct {
	// knownDevice is the account the browser signed in to before ("" when none).
	knownDevice string
}

// KnownDevice says the browser proved, with a signed device cookie, that it signed
// in to account userID before: the lock that repeated failures put on that account
// does not apply to it (OWASP "device cookies"), so that a stranger's guessing
// cannot lock the owner out. Other accounts' locks still apply.
func KnownDevice(userID string) AuthOption {
	return func(o *authOptions) { o.knownDevice = userID }
}
