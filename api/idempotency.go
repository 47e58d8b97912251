package api

import "net/http"

// idempotent runs h, honouring the Idempotency-Key header on /v1 writes
// (implemented with the /v1 API issue; for now it simply runs h).
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, h handlerFunc) error {
	return h(w, r)
}
