package dialect

// Page is a /v1 list response.
type Page struct {
	Data       any        `json:"data"`
	Pagination Pagination `json:"pagination"`
}

// Pagination describes a /v1 page.
type Pagination struct {
	Total      int64 `json:"total"`
	Page       int   `json:"page"`
	PerPage    int   `json:"per_page"`
	TotalPages int64 `json:"total_pages"`
}

// NewPage builds a /v1 list body; total_pages is 0 for an empty list.
func NewPage(data any, total int64, page, perPage int) Page {
	tp := int64(0)
	if total > 0 {
		tp = (total + int64(perPage) - 1) / int64(perPage)
	}
	return Page{Data: data, Pagination: Pagination{Total: total, Page: page, PerPage: perPage, TotalPages: tp}}
}

// CursorPage is an /api/v1 list response.
type CursorPage struct {
	Data       any     `json:"data"`
	HasMore    bool    `json:"has_more"`
	NextCursor *string `json:"next_cursor"`
}
