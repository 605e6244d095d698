// Package login is the browser side of Vhod: the pages a person sees while signing
// in for a relying party, over the browser cookies of internal/web that tie those
// pages to one browser.
//
// This package is the core of sign-in; the other ways in and the flows beside
// it are packages of their own below it, built by cmd/vhod over the core's Kit
// (kit.go) and mounted with Handler.Mount as Pages:
//
//	login/certificate  sign-in with an X.509 certificate (signed challenge or TLS)
//	login/phone        sign-in with a code sent by SMS
//	login/contract     the accountant's sign-in by INN, contract and PIN
//	login/selfservice  registration, recovery and activation (side flows)
//	login/logout       RP-initiated logout, its confirmation, /logged-out
//	login/device       the page for device user codes (RFC 8628), GET and POST /device
//	login/logintest    the in-process test harness they share
//
// The core imports none of them: the password form shows the links they put
// (Pages.Links), a flow state it does not own is drawn by the part that does
// (Pages.Show), and a request that needs a stronger sign-in starts at the
// part's step (Pages.FirstStep).
//
// Routes of the core:
//
//	GET  /login?authRequestID=…      entry from op: SSO check, prompt handling, starts a flow
//	GET  /login/{flow}               shows the flow's current page
//	POST /login/{flow}/password      checks login + password
//	POST /login/{flow}/password/change  replaces a temporary password
//	POST /login/{flow}/org           the company to act for
//	POST /login/{flow}/consent       allow or deny the client
//	GET  /static/…                   embedded CSS
//
// A sign-in is a flow document (storage.Flow) with an explicit state; the
// transitions are the table of directory/flows, drawn in its flow_login.mermaid. The browser
// only holds the flow ID, a binding cookie and, once signed in, the SSO session
// cookie. Every POST is checked for CSRF (gorilla/csrf), for the binding cookie,
// and for the flow's state.
//
//	op /authorize ──► /login?authRequestID ──► session valid? ──yes──► consent? ──► callback
//	                                   │no                                  │needed
//	                                   ▼                                    ▼
//	                           /login/{flow} password ──ok──────────► /login/{flow} consent
package login
