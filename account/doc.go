// Package account is the person's own pages: profile and news consent,
// password, sessions, certificates, a new email or phone (confirmed by a
// code), and companies: registration (a wizard in a flow), joining, members
// and roles, invitations, accountant PINs and integration systems.
//
// A person without a session is sent to sign in through Vhod's own client
// (directory.AccountClientID) and comes back to /account/callback; changing a
// way in needs a recent sign-in (flows.Reauths), else the change waits in a
// flow while the person signs in again. Rules and side effects (mail, audit)
// are directory's; this package is the pages, mounted by Mount on the router
// cmd/vhod gives it.
package account
