package dashboard

import (
	"net/http"
	"strconv"

	"holdfast/store"
)

// perPage is the length of every dashboard list page.
const perPage = 25

// pager is the "Page X of Y" navigation under a list.
type pager struct {
	Page       int
	TotalPages int
	Total      int64
	PrevURL    string
	NextURL    string
}

// listQuery reads ?page= (a bad or missing value means page 1) and returns
// the page-mode query for it.
func listQuery(r *http.Request) (store.ListQuery, int) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	page = min(page, 10000)
	return store.ListQuery{Limit: perPage, Offset: (page - 1) * perPage, Count: true}, page
}

// newPager builds the navigation for page of a list with total items,
// keeping the request's other query parameters (filters) in the links.
func newPager(r *http.Request, page int, total int64) *pager {
	p := &pager{Page: page, Total: total, TotalPages: int((total + perPage - 1) / perPage)}
	link := func(n int) string {
		q := r.URL.Query()
		if n <= 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		if enc := q.Encode(); enc != "" {
			return r.URL.Path + "?" + enc
		}
		return r.URL.Path
	}
	if page > 1 {
		p.PrevURL = link(min(page-1, max(p.TotalPages, 1)))
	}
	if page < p.TotalPages {
		p.NextURL = link(page + 1)
	}
	return p
}

// oneOf returns v when it is one of allowed, else "" (an unknown filter
// value shows the unfiltered list rather than an error page).
func oneOf(v string, allowed ...string) string {
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	return ""
}
