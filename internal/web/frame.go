package web

import "net/http"

// Framer finds the frame of a page that its handler draws without knowing
// who is signed in: the error page (Fail), a confirmation (Confirmed) and the
// 404 and 405 pages (Missing). It returns the Shell of the person signed in
// on this request, built in the page's language t, or nil when nobody is (or
// the session cannot be read), and the page is then drawn in the centred card.
// An audience whose pages are signed-in pages (account, console) sets one;
// the sign-in pages set none, so that their failures stay cards.
type Framer func(r *http.Request, t Translator) *Shell

// SetFramer makes the renderer frame its error, confirmation and missing
// pages with f. Call it before serving.
func (p *Renderer) SetFramer(f Framer) { p.framer = f }

// frame puts the signed-in frame around b when its caller gave none.
func (p *Renderer) frame(r *http.Request, b *Base) {
	if b.Shell == nil && p.framer != nil {
		b.Shell = p.framer(r, b.Translator)
	}
}
