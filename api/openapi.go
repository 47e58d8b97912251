package api

import "net/http"

// openAPI serves the OpenAPI document of both dialects (filled in by the /v1 issue).
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"openapi": "3.1.0", "info": map[string]any{"title": "Holdfast API", "version": s.version}, "paths": map[string]any{}})
}
