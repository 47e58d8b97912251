package dashboard

import (
	"net/http"

	"holdfast"
)

// errorData is what the error page shows.
type errorData struct {
	Status  int
	Heading string
	Message string
}

// fail renders err as a page. Domain codes choose the status; anything that
// is not a *holdfast.Error is logged and shown as a generic failure.
func (d *Dashboard) fail(w http.ResponseWriter, r *http.Request, v *viewer, err error) {
	e := errorData{Status: http.StatusInternalServerError, Heading: "Something went wrong",
		Message: "The page could not be shown. Try again in a moment."}
	switch holdfast.ErrorCode(err) {
	case holdfast.ENOTFOUND:
		e.Status, e.Heading, e.Message = http.StatusNotFound, "Not found", messageOf(err)
	case holdfast.EFORBIDDEN:
		e.Status, e.Heading, e.Message = http.StatusForbidden, "Forbidden", messageOf(err)
	case holdfast.EVALIDATION, holdfast.EINVALID:
		e.Status, e.Heading, e.Message = http.StatusBadRequest, "Bad request", messageOf(err)
	case holdfast.ECONFLICT:
		e.Status, e.Heading, e.Message = http.StatusConflict, "Not possible right now", messageOf(err)
	default:
		d.log.ErrorContext(r.Context(), "dashboard error", "path", r.URL.Path, "err", err)
	}
	if rerr := d.render(w, r, v, e.Status, "error", e.Heading, "", e); rerr != nil {
		d.log.ErrorContext(r.Context(), "dashboard error page", "err", rerr)
		http.Error(w, e.Message, e.Status)
	}
}

// crossOrigin answers a form posted from another site.
func (d *Dashboard) crossOrigin(w http.ResponseWriter, r *http.Request) {
	d.fail(w, r, nil, errCSRF)
}

func (d *Dashboard) notFound(w http.ResponseWriter, r *http.Request) error {
	v, _ := d.viewerFrom(r)
	d.fail(w, r, v, holdfast.Errorf(holdfast.ENOTFOUND, "There is no page at %s.", r.URL.Path))
	return nil
}
