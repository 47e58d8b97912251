package api

import "github.com/go-chi/chi/v5"

// Router exposes the route tree of routes.go to the external tests, which
// walk it (chi.Walk) to check every route is documented and walked.
func (s *Server) Router() chi.Routes { return s.handler.(chi.Routes) }
