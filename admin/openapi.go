package admin

import (
	"context"
	_ "embed"
	"encoding/json"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed openapi.yaml
var openapiYAML []byte

// Document is the API's OpenAPI 3 description, loaded and validated once.
var Document = func() *openapi3.T {
	doc, err := openapi3.NewLoader().LoadFromData(openapiYAML)
	if err != nil {
		panic("admin: openapi.yaml: " + err.Error())
	}
	if err := doc.Validate(context.Background()); err != nil {
		panic("admin: openapi.yaml: " + err.Error())
	}
	return doc
}()

var openapiJSON, _ = json.Marshal(Document)

func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapiJSON)
}
