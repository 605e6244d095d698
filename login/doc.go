// Package login is the browser side of Vhod: the pages a person sees while signing
// in for a relying party, over the browser cookies of internal/web that tie those
// pages to one browser.
//
// Routes:
//
//	GET  /login?authRequestID=…      entry from op: SSO check, prompt handling, starts a flow
//	GET  /login/{flow}               shows the flow's current page
//	POST /login/{flow}/password      checks login + password
//	POST /login/{flow}/consent       allow or deny the client
//	GET  /logged-out                 landing page after logout without a redirect
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
