package google

// SetPageSize makes pulls ask for n contacts a page (Google's limit is
// 1000), so that tests page through small books.
func SetPageSize(p *Provider, n int64) { p.pageSize = n }
