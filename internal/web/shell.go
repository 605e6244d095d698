package web

// Shell is the frame of a signed-in person's pages (account, companies,
// console): a header with the product name, the person's name and a menu
// with "Sign out", and the navigation by sections beside the content, which
// may be up to ~72rem wide. A page whose Base has no Shell is drawn in the
// centred card of the sign-in pages.
type Shell struct {
	// Person is the name the header shows (who is signed in).
	Person string
	// Label names the navigation for screen readers ("Личный кабинет", "Консоль").
	Label string
	Nav   []NavLink
}

// NavLink is one section of the navigation; Current marks the section the
// page belongs to (aria-current="page").
type NavLink struct {
	Href, Text string
	Current    bool
}

// Link adds a section to the navigation.
func (s *Shell) Link(href, text string, current bool) {
	s.Nav = append(s.Nav, NavLink{Href: href, Text: text, Current: current})
}

// SignOutPath is where the header's "Sign out" form posts (login/logout):
// it ends the browser's session, as the logout confirmation's button does.
const SignOutPath = "/sign-out"
