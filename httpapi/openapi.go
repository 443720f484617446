package httpapi

import (
	_ "embed"
	"net/http"
)

// openapiJSON is the hand-written OpenAPI 3.0 document of this API; tests
// validate it, and real responses against it, with kin-openapi.
//
//go:embed openapi.json
var openapiJSON []byte

// OpenAPI returns the OpenAPI 3.0 document served at /api.
func OpenAPI() []byte { return openapiJSON }

// handleOpenAPI serves GET /api.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	writeBytes(w, http.StatusOK, "application/vnd.oai.openapi+json;version=3.0", openapiJSON)
}
