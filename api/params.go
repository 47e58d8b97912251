package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"holdfast"
	"holdfast/api/dialect"
	"holdfast/store"
)

// pageQuery parses /v1 page pagination and the created_after/created_before
// range; failures are 422 validation_error naming the parameter.
func pageQuery(r *http.Request) (q store.ListQuery, page, perPage int, err error) {
	v := r.URL.Query()
	page, perPage = 1, 20
	if s := v.Get("page"); s != "" || v.Has("page") {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 || n > 10000 {
			return q, 0, 0, holdfast.ParamError("page", "page must be an integer between 1 and 10000.")
		}
		page = n
	}
	if s := v.Get("per_page"); s != "" || v.Has("per_page") {
		n, e := strconv.Atoi(s)
		if e != nil || n < 1 || n > 100 {
			return q, 0, 0, holdfast.ParamError("per_page", "per_page must be an integer between 1 and 100.")
		}
		perPage = n
	}
	if q.CreatedAfter, err = timeParam(r, "created_after"); err != nil {
		return q, 0, 0, err
	}
	if q.CreatedBefore, err = timeParam(r, "created_before"); err != nil {
		return q, 0, 0, err
	}
	q.Limit, q.Offset, q.Count = perPage, (page-1)*perPage, true
	return q, page, perPage, nil
}

// cursorQuery parses /api/v1 cursor pagination with an opaque cursor.
func cursorQuery(r *http.Request) (store.ListQuery, error) {
	q, err := limitQuery(r)
	if err != nil {
		return q, err
	}
	if c := r.URL.Query().Get("cursor"); c != "" || r.URL.Query().Has("cursor") {
		cur, err := store.DecodeCursor(c)
		if err != nil {
			return q, err
		}
		q.After = &cur
	}
	return q, nil
}

// limitQuery parses ?limit= (1..100, default 20).
func limitQuery(r *http.Request) (store.ListQuery, error) {
	q := store.ListQuery{Limit: 20}
	v := r.URL.Query()
	if s := v.Get("limit"); s != "" || v.Has("limit") {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return q, holdfast.ParamError("limit", "limit must be an integer between 1 and 100.")
		}
		q.Limit = n
	}
	return q, nil
}

// timeParam parses an optional RFC 3339 query parameter.
func timeParam(r *http.Request, name string) (*time.Time, error) {
	v := r.URL.Query()
	if !v.Has(name) {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(v.Get(name)))
	if err != nil {
		return nil, holdfast.ParamError(name, "%s must be an RFC 3339 timestamp like 2026-01-01T00:00:00Z.", name)
	}
	t = t.UTC()
	return &t, nil
}

// enumParam validates an optional filter against allowed values.
func enumParam(r *http.Request, name string, allowed ...string) (string, error) {
	v := r.URL.Query()
	if !v.Has(name) {
		return "", nil
	}
	s := v.Get(name)
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", holdfast.ParamError(name, "%s must be one of: %s.", name, strings.Join(allowed, ", "))
}

// writePage renders a /v1 page.
func writePage[T any](w http.ResponseWriter, l store.Listed[T], page, perPage int) {
	data := l.Data
	if data == nil {
		data = []T{}
	}
	writeJSON(w, http.StatusOK, dialect.NewPage(data, l.Total, page, perPage))
}

// writeCursorPage renders an /api/v1 page; next is the cursor of the last item.
func writeCursorPage[T any](w http.ResponseWriter, l store.Listed[T], next func(T) string) {
	data := l.Data
	if data == nil {
		data = []T{}
	}
	var nc *string
	if l.HasMore && len(data) > 0 {
		c := next(data[len(data)-1])
		nc = &c
	}
	writeJSON(w, http.StatusOK, dialect.CursorPage{Data: data, HasMore: l.HasMore, NextCursor: nc})
}
