package mail

import (
	"html"
	htmltemplate "html/template"
	"net/url"
	"regexp"
	"strings"
	texttemplate "text/template"
	"text/template/parse"
)

// The HTML part is wrapped in a minimal document; mail clients render a bare
// fragment inconsistently.
const (
	htmlHead = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n" +
		"<body style=\"font-family:sans-serif;line-height:1.5\">\n<p>"
	htmlTail = "</p>\n</body></html>\n"
)

// htmlBody turns a plain-text body template into an html/template. Merchants
// write text, not markup, so the template's own text is escaped too (a literal
// "<b>" shows as "<b>", it does not turn bold); blank lines become paragraph
// breaks and single newlines <br>. The actions are left as they are, and
// html/template then escapes every variable by context.
//
// The change is made on the parsed tree rather than on the source, so text
// inside actions (a string literal containing "}}", say) can never be mistaken
// for template text.
func htmlBody(src string) (*htmltemplate.Template, error) {
	parsed, err := texttemplate.New("body").Parse(src)
	if err != nil {
		return nil, err
	}
	if err := checkBounded(parsed, "body"); err != nil {
		return nil, err
	}
	out := htmltemplate.New("body")
	for _, t := range parsed.Templates() {
		if t.Tree == nil {
			continue
		}
		tree := t.Tree.Copy()
		textNodesToHTML(tree.Root)
		if _, err := out.AddParseTree(t.Name(), tree); err != nil {
			return nil, err
		}
	}
	// AddParseTree files the "body" tree under a new *Template in out's set,
	// leaving out itself empty: execute that one.
	return out.Lookup("body"), nil
}

// textNodesToHTML rewrites every text node under n, following the branches of
// if, range and with.
func textNodesToHTML(n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, child := range n.Nodes {
			textNodesToHTML(child)
		}
	case *parse.TextNode:
		n.Text = []byte(textToHTML(string(n.Text)))
	case *parse.IfNode:
		textNodesToHTML(n.List)
		textNodesToHTML(n.ElseList)
	case *parse.RangeNode:
		textNodesToHTML(n.List)
		textNodesToHTML(n.ElseList)
	case *parse.WithNode:
		textNodesToHTML(n.List)
		textNodesToHTML(n.ElseList)
	}
}

var blankLines = regexp.MustCompile(`\n[ \t]*\n\s*`)

// textToHTML escapes plain text and turns its line structure into markup. Each
// paragraph break closes and reopens a <p>, so the markup stays balanced however
// the surrounding actions branch.
func textToHTML(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = html.EscapeString(s)
	paras := blankLines.Split(s, -1)
	for i, p := range paras {
		paras[i] = strings.ReplaceAll(p, "\n", "<br>\n")
	}
	return strings.Join(paras, "</p>\n<p>")
}

// link renders a URL variable as a clickable link showing the URL itself. Only
// absolute http(s) URLs become links; anything else (a javascript: URL, say) is
// shown as escaped text.
func link(raw string) htmltemplate.HTML {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return htmltemplate.HTML(html.EscapeString(raw))
	}
	esc := html.EscapeString(raw)
	return htmltemplate.HTML(`<a href="` + esc + `">` + esc + `</a>`)
}
