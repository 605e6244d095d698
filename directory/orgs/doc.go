// Package orgs holds the rules of organisations: legal entities and
// entrepreneurs, with their branches (a company of the same INN and its own
// KPP); a company's registration by a person, its moderation (pending →
// active or rejected, a rejected one corrected and resubmitted, then
// suspended and reactivated) and its requisites; the memberships of people
// and the roles they hold there (every role taken: removed, listed and given
// roles again), with the join policy that says who approves a request
// (JoinEither, JoinBoth, JoinOrgAdmin) and the roles given on approval;
// invitations by email or phone, with what became of them; a company's integration systems (machine
// clients authenticating by its certificate); the accountant sign-in by
// contract number and PIN; a company's sign-in policy as a setting; and the
// organisation claims of tokens. Each action checks, writes through storage,
// audits and mails the people it concerns once, whoever calls it: the account
// and console pages, the API, the bootstrap, the sign-in.
//
// It is a package of its own, in directory's layer like directory/factors, so
// that directory stays within the size the layout allows and a caller that
// needs companies reads one package for them. It uses directory (actors, the
// auditor and its event names, the notifier, passwords for accountant PINs,
// identifier and contract rules), directory/notify and internal/ruid (the
// check digits of requisites); directory never imports it.
package orgs
