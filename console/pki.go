package console

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/internal/web"
	"github.com/vhod-id/vhod/storage"
)

// consoleKeys lists signing keys and rotates one (GET, POST /console/keys).
func (h *Handler) consoleKeys(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	if r.Method == http.MethodPost {
		alg := r.PostFormValue("alg")
		kid, err := h.cfg.Keys.Rotate(r.Context(), alg)
		if errors.Is(err, directory.ErrUnknownAlgorithm) {
			h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusBadRequest, Key: "error.bad_request", Err: err})
			return
		}
		if err != nil {
			h.consoleFailure(w, r, u, err)
			return
		}
		h.consoleAction(r, u, storage.AuditEvent{Type: directory.EventKeyRotated, Details: map[string]string{"alg": alg, "kid": kid}})
		http.Redirect(w, r, "/console/keys?notice=rotated", http.StatusSeeOther)
		return
	}
	keys, err := h.cfg.Keys.List(r.Context())
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	h.renderConsole(w, r, http.StatusOK, u, consolePage{Section: "keys", Keys: keys, Algorithms: h.cfg.Keys.Algorithms(), Notice: notice(r, "rotated")})
}

// maxAnchorBytes bounds an uploaded CA certificate.
const maxAnchorBytes = 64 << 10

// consoleAnchors lists trust anchors (GET /console/anchors).
func (h *Handler) consoleAnchors(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	h.consoleAnchorList(w, r, http.StatusOK, u, consolePage{Notice: notice(r, "added", "removed")})
}

func (h *Handler) consoleAnchorList(w http.ResponseWriter, r *http.Request, status int, u storage.User, page consolePage) {
	list, err := h.cfg.Anchors.List(r.Context())
	if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	page.Section, page.Anchors = "anchors", list
	h.renderConsole(w, r, status, u, page)
}

// consoleAnchorAdd trusts a CA certificate pasted or uploaded (POST /console/anchors).
func (h *Handler) consoleAnchorAdd(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	data := []byte(strings.TrimSpace(r.FormValue("certificate")))
	if file, _, err := r.FormFile("certificate_file"); err == nil {
		defer file.Close()
		if b, err := io.ReadAll(io.LimitReader(file, maxAnchorBytes)); err == nil && len(b) > 0 {
			data = b
		}
	}
	qualified := r.FormValue("qualified") == "yes"
	_, err := h.cfg.Anchors.Add(r.Context(), data, qualified, h.consoleActor(r, u))
	switch {
	case errors.Is(err, directory.ErrBadAnchor):
		h.consoleAnchorList(w, r, http.StatusBadRequest, u, consolePage{Errors: map[string]string{"certificate": err.Error()}, Error: "console.anchor_invalid"})
		return
	case errors.Is(err, storage.ErrAlreadyExists):
		h.consoleAnchorList(w, r, http.StatusConflict, u, consolePage{Error: "console.anchor_exists"})
		return
	case err != nil:
		h.consoleFailure(w, r, u, err)
		return
	}
	http.Redirect(w, r, "/console/anchors?notice=added", http.StatusSeeOther)
}

// consoleAnchorRemove stops trusting an added anchor (POST /console/anchors/{id}/remove).
func (h *Handler) consoleAnchorRemove(w http.ResponseWriter, r *http.Request) {
	u, ok := h.operator(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	if err := h.cfg.Anchors.Remove(r.Context(), id, h.consoleActor(r, u)); errors.Is(err, directory.ErrConfiguredAnchor) {
		h.pages.Fail(w, r, lang(r, u), &web.UserError{Status: http.StatusConflict, Key: "console.anchor_configured", Err: err})
		return
	} else if err != nil {
		h.consoleFailure(w, r, u, err)
		return
	}
	http.Redirect(w, r, "/console/anchors?notice=removed", http.StatusSeeOther)
}
