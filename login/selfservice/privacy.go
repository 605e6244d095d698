package selfservice

import (
	"net/http"

	"github.com/vhod-id/vhod/internal/web"
)

// SamplePolicyPath is the sample personal-data policy `vhod dev` links the
// sign-up's consent to, until an operator sets registration.privacy_policy_url
// to their own text.
const SamplePolicyPath = "/privacy"

// samplePolicy shows the sample policy (GET /privacy, vhod dev only).
func (h *Pages) samplePolicy(w http.ResponseWriter, r *http.Request) {
	lang := web.PickLanguage(r, nil)
	h.pages.Render(w, r, http.StatusOK, "privacy", h.kit.Base(r, lang, "forms.privacy.title"))
}
