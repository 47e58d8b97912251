package api

// Services are the domain services behind the handlers, wired by cmd/holdfast.
// Each field is owned by the package that implements it; a nil service makes
// its routes answer 404 so a partially wired server still behaves.
type Services struct {
}
