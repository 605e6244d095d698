// Package web is what every page of Vhod shares, whichever audience it serves
// (login, account, console): the page layout and its rendering, the message
// catalogues (Russian by default, English) and the choice of language, CSRF
// protection, security headers, cookie naming and the browser cookies,
// user-facing errors with error IDs, the request body bound and the static
// assets. It holds no rules and no storage; of Vhod it imports only
// internal/clientaddr (see internal/layout).
package web
