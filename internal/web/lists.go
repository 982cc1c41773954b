package web

import (
	"context"
	"net/url"

	"github.com/khien-cert/khien/internal/auth"
	"github.com/khien-cert/khien/internal/org"
	"github.com/khien-cert/khien/internal/page"
)

// countPages bounds how many pages a count reads; beyond it the count is
// shown as "N+".
const countPages = 20

// Count is a number of records, possibly a lower bound.
type Count struct {
	N    int
	More bool // there are more than N
}

// countAll counts by paging through list.
func countAll[T any](list func(page.Request) (page.Result[T], error)) (Count, error) {
	var c Count
	pr := page.Request{Limit: page.MaxLimit}
	for range countPages {
		res, err := list(pr)
		if err != nil {
			return Count{}, err
		}
		c.N += len(res.Items)
		if res.Next == "" {
			return c, nil
		}
		pr.Cursor = res.Next
	}
	c.More = true
	return c, nil
}

// collect reads every page of list, up to countPages pages.
func collect[T any](list func(page.Request) (page.Result[T], error), sort string) ([]T, error) {
	var out []T
	pr := page.Request{Limit: page.MaxLimit, Sort: sort}
	for range countPages {
		res, err := list(pr)
		if err != nil {
			return nil, err
		}
		out = append(out, res.Items...)
		if res.Next == "" {
			break
		}
		pr.Cursor = res.Next
	}
	return out, nil
}

// Orgs is the organisations a principal may see, for names and choices.
type Orgs struct {
	List []org.Org
	name map[string]string
}

// Name is an organisation's name, or its ID when it is not visible.
func (o Orgs) Name(id string) string {
	if n, ok := o.name[id]; ok {
		return n
	}
	return id
}

// Options lists the organisations as choices, optionally only those ids
// allowed by keep.
func (o Orgs) Options(keep func(string) bool) []Option {
	out := make([]Option, 0, len(o.List))
	for _, x := range o.List {
		if keep == nil || keep(x.ID) {
			out = append(out, Option{Value: x.ID, Label: x.Name})
		}
	}
	return out
}

// orgs loads the organisations p may see, by name.
func (w *Web) orgs(ctx context.Context, p auth.Principal) (Orgs, error) {
	list, err := collect(func(pr page.Request) (page.Result[org.Org], error) {
		return w.org.ListOrgs(ctx, p, org.OrgFilter{}, pr)
	}, "name")
	if err != nil {
		return Orgs{}, err
	}
	o := Orgs{List: list, name: make(map[string]string, len(list))}
	for _, x := range list {
		o.name[x.ID] = x.Name
	}
	return o, nil
}

// Pager links to the next page of a cursor-paged list.
type Pager struct {
	Next  string // URL of the next page; "" on the last
	First string // URL of the first page; "" on the first
}

// pager builds the links of a list page from the request's query.
func pager(path string, q url.Values, next string) Pager {
	var p Pager
	if q.Get("cursor") != "" {
		first := cloneValues(q)
		first.Del("cursor")
		p.First = path + "?" + first.Encode()
	}
	if next != "" {
		n := cloneValues(q)
		n.Set("cursor", next)
		p.Next = path + "?" + n.Encode()
	}
	return p
}

func cloneValues(q url.Values) url.Values {
	c := url.Values{}
	for k, v := range q {
		c[k] = append([]string(nil), v...)
	}
	return c
}

// enumOptions turns a list of string-like values into choices whose labels
// are catalogue keys prefix+value.
func enumOptions[T ~string](prefix string, values []T) []Option {
	out := make([]Option, 0, len(values))
	for _, v := range values {
		out = append(out, Option{Value: string(v), Key: prefix + string(v)})
	}
	return out
}
