package mail

import (
	"bytes"
	"errors"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"holdfast"
)

// Vars are the template variables of SPEC §11, the only names a template may use.
type Vars struct {
	CustomerName  string
	Amount        string // already formatted with its currency, see FormatAmount
	UpdateURL     string
	InvoiceURL    string
	WorkspaceName string
}

// Template is one dunning step's email as the merchant wrote it, in Go template
// syntax ({{.CustomerName}} etc.). Body is plain text; Render derives the HTML part.
type Template struct {
	Subject string
	Body    string
}

// Rendered is a template filled in with one customer's variables.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// maxOutput bounds what one template may produce, so a runaway {{range}} in a
// merchant's template cannot exhaust memory in the engine.
const maxOutput = 256 << 10

// errTooLarge is reported (as a validation error) when a template's output passes maxOutput.
var errTooLarge = errors.New("template output is larger than 256 KiB")

// sampleVars fill a template during Validate, so that execution-time mistakes
// (an unknown field) are caught when the campaign is saved, not when it sends.
var sampleVars = Vars{
	CustomerName:  "Jane Doe",
	Amount:        "$12.34",
	UpdateURL:     "https://example.com/r/ds_sample",
	InvoiceURL:    "https://example.com/r/ds_sample",
	WorkspaceName: "Example Inc.",
}

// Render fills t with v. The subject and text part use text/template; the HTML
// part uses html/template, so every variable is escaped there. Returns EVALIDATION
// with Param "template" when t does not parse or execute.
func Render(t Template, v Vars) (Rendered, error) {
	r, _, err := render(t, v)
	if err != nil {
		return Rendered{}, &holdfast.Error{Code: holdfast.EVALIDATION, Param: "template", Message: err.Error()}
	}
	return r, nil
}

// Validate checks that t parses and executes with sample variables, and that
// neither part is blank. Returns EVALIDATION with Param "subject" or "body".
func Validate(t Template) error {
	if strings.TrimSpace(t.Subject) == "" {
		return holdfast.ParamError("subject", "subject is required")
	}
	if strings.TrimSpace(t.Body) == "" {
		return holdfast.ParamError("body", "body is required")
	}
	if _, param, err := render(t, sampleVars); err != nil {
		return holdfast.ParamError(param, "%s", err.Error())
	}
	return nil
}

// render does the work of Render and Validate; on failure it also names the part
// ("subject" or "body") that failed.
func render(t Template, v Vars) (Rendered, string, error) {
	return renderData(t, v, newHTMLVars(v))
}

// renderData renders t with text (subject and text part) and html (the HTML
// part, URLs already links) as the template data.
func renderData(t Template, text, html any) (Rendered, string, error) {
	subject, err := execText("subject", t.Subject, text)
	if err != nil {
		return Rendered{}, "subject", err
	}
	body, err := execText("body", t.Body, text)
	if err != nil {
		return Rendered{}, "body", err
	}
	htmlPart, err := execHTML(t.Body, html)
	if err != nil {
		return Rendered{}, "body", err
	}
	return Rendered{Subject: oneLine(subject), Text: body, HTML: htmlPart}, "", nil
}

// execText parses and executes src as a text/template.
func execText(name, src string, v any) (string, error) {
	tmpl, err := texttemplate.New(name).Parse(src)
	if err != nil {
		return "", err
	}
	if err := checkBounded(tmpl, name); err != nil {
		return "", err
	}
	var out limitedBuffer
	if err := tmpl.Execute(&out, v); err != nil {
		return "", err
	}
	return out.String(), nil
}

// execHTML renders the body as an HTML document; see htmlBody for how the
// plain-text template becomes HTML.
func execHTML(src string, data any) (string, error) {
	tmpl, err := htmlBody(src)
	if err != nil {
		return "", err
	}
	var out limitedBuffer
	out.WriteString(htmlHead)
	if err := tmpl.Execute(&out, data); err != nil {
		return "", err
	}
	out.WriteString(htmlTail)
	return out.String(), nil
}

// oneLine folds line breaks into spaces: a subject is a single header line, and a
// customer name containing CR/LF must not be able to start a new header.
func oneLine(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
	return strings.TrimSpace(s)
}

// limitedBuffer is a bytes.Buffer that refuses to grow past maxOutput.
type limitedBuffer struct{ bytes.Buffer }

// Write implements io.Writer, failing once the output would pass maxOutput.
func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxOutput {
		return 0, errTooLarge
	}
	return b.Buffer.Write(p)
}

// htmlVars are Vars as the HTML template sees them: the same field names (so a
// template that runs as text runs as HTML), with URLs already turned into links.
type htmlVars struct {
	CustomerName  string
	Amount        string
	UpdateURL     htmltemplate.HTML
	InvoiceURL    htmltemplate.HTML
	WorkspaceName string
}

func newHTMLVars(v Vars) htmlVars {
	return htmlVars{
		CustomerName:  v.CustomerName,
		Amount:        v.Amount,
		UpdateURL:     link(v.UpdateURL),
		InvoiceURL:    link(v.InvoiceURL),
		WorkspaceName: v.WorkspaceName,
	}
}
