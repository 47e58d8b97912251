package mail_test

import (
	"fmt"
	"strings"
	"testing"

	"holdfast"
	"holdfast/mail"
)

var vars = mail.Vars{
	CustomerName:  "Ada Lovelace",
	Amount:        "$12.34",
	UpdateURL:     "https://pay.example.com/r/ds_1?a=1&b=2",
	InvoiceURL:    "https://invoice.stripe.com/i/acct_1/in_1",
	WorkspaceName: "Acme",
}

func TestRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		tmpl      mail.Template
		v         mail.Vars
		subject   string
		text      string
		html      []string // substrings of the HTML part
		htmlNotIn []string
	}{
		{
			name:    "CustomerName",
			tmpl:    mail.Template{Subject: "Hi {{.CustomerName}}", Body: "Dear {{.CustomerName}},"},
			v:       vars,
			subject: "Hi Ada Lovelace",
			text:    "Dear Ada Lovelace,",
			html:    []string{"Dear Ada Lovelace,"},
		},
		{
			name:    "Amount",
			tmpl:    mail.Template{Subject: "{{.Amount}} due", Body: "We could not charge {{.Amount}}."},
			v:       vars,
			subject: "$12.34 due",
			text:    "We could not charge $12.34.",
			html:    []string{"We could not charge $12.34."},
		},
		{
			name:    "UpdateURLIsALink",
			tmpl:    mail.Template{Subject: "s", Body: "Update: {{.UpdateURL}}"},
			v:       vars,
			subject: "s",
			text:    "Update: https://pay.example.com/r/ds_1?a=1&b=2",
			html: []string{`Update: <a href="https://pay.example.com/r/ds_1?a=1&amp;b=2">` +
				`https://pay.example.com/r/ds_1?a=1&amp;b=2</a>`},
		},
		{
			name:    "InvoiceURLIsALink",
			tmpl:    mail.Template{Subject: "s", Body: "{{.InvoiceURL}}"},
			v:       vars,
			subject: "s",
			text:    "https://invoice.stripe.com/i/acct_1/in_1",
			html:    []string{`<a href="https://invoice.stripe.com/i/acct_1/in_1">`},
		},
		{
			name:    "WorkspaceName",
			tmpl:    mail.Template{Subject: "From {{.WorkspaceName}}", Body: "— {{.WorkspaceName}}"},
			v:       vars,
			subject: "From Acme",
			text:    "— Acme",
			html:    []string{"— Acme"},
		},
		{
			name: "ScriptInCustomerNameEscaped",
			tmpl: mail.Template{Subject: "Hi {{.CustomerName}}", Body: "Dear {{.CustomerName}}"},
			v:    mail.Vars{CustomerName: `<script>alert("x")</script>`},
			// Subject and text are plain text, not markup: they stay as written.
			subject:   `Hi <script>alert("x")</script>`,
			text:      `Dear <script>alert("x")</script>`,
			html:      []string{"Dear &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"},
			htmlNotIn: []string{"<script"},
		},
		{
			name:      "TemplateTextEscaped",
			tmpl:      mail.Template{Subject: "s", Body: "Use <b>bold</b> & {{.Amount}}"},
			v:         vars,
			subject:   "s",
			text:      "Use <b>bold</b> & $12.34",
			html:      []string{"Use &lt;b&gt;bold&lt;/b&gt; &amp; $12.34"},
			htmlNotIn: []string{"<b>"},
		},
		{
			name:    "NewlinesBecomeBreaksAndParagraphs",
			tmpl:    mail.Template{Subject: "s", Body: "Hi {{.CustomerName}},\r\nline two\n\nNew paragraph"},
			v:       vars,
			subject: "s",
			text:    "Hi Ada Lovelace,\r\nline two\n\nNew paragraph",
			html:    []string{"<p>Hi Ada Lovelace,<br>\nline two</p>\n<p>New paragraph</p>"},
		},
		{
			name:      "JavascriptURLNotLinked",
			tmpl:      mail.Template{Subject: "s", Body: "{{.UpdateURL}}"},
			v:         mail.Vars{UpdateURL: "javascript:alert(1)"},
			subject:   "s",
			text:      "javascript:alert(1)",
			html:      []string{"<p>javascript:alert(1)</p>"},
			htmlNotIn: []string{"<a "},
		},
		{
			name:    "ConditionalsAndBranches",
			tmpl:    mail.Template{Subject: "s", Body: "{{if .UpdateURL}}Fix <here>: {{.UpdateURL}}{{else}}Pay{{end}}"},
			v:       mail.Vars{},
			subject: "s",
			text:    "Pay",
			html:    []string{"<p>Pay</p>"},
		},
		{
			name:    "EscapingInsideBranches",
			tmpl:    mail.Template{Subject: "s", Body: "{{with .CustomerName}}<i>{{.}}</i>{{end}}"},
			v:       mail.Vars{CustomerName: "<b>"},
			subject: "s",
			text:    "<i><b></i>",
			html:    []string{"&lt;i&gt;&lt;b&gt;&lt;/i&gt;"},
		},
		{
			name:    "SubjectLineBreaksFolded",
			tmpl:    mail.Template{Subject: "Hi {{.CustomerName}}", Body: "b"},
			v:       mail.Vars{CustomerName: "Eve\r\nBcc: victim@example.com"},
			subject: "Hi Eve Bcc: victim@example.com",
			text:    "b",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := mail.Render(tt.tmpl, tt.v)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", got.Subject, tt.subject)
			}
			if got.Text != tt.text {
				t.Errorf("Text = %q, want %q", got.Text, tt.text)
			}
			if !strings.HasPrefix(got.HTML, "<!DOCTYPE html>") {
				t.Errorf("HTML is not a document: %q", got.HTML)
			}
			for _, want := range tt.html {
				if !strings.Contains(got.HTML, want) {
					t.Errorf("HTML = %q\nwant it to contain %q", got.HTML, want)
				}
			}
			for _, bad := range tt.htmlNotIn {
				if strings.Contains(got.HTML, bad) {
					t.Errorf("HTML = %q\nmust not contain %q", got.HTML, bad)
				}
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tmpl  mail.Template
		param string // Validate's param; Render always says "template"
	}{
		{"SubjectUnclosedAction", mail.Template{Subject: "Hi {{.CustomerName", Body: "b"}, "subject"},
		{"SubjectUnknownField", mail.Template{Subject: "Hi {{.FirstName}}", Body: "b"}, "subject"},
		{"BodyUnclosedAction", mail.Template{Subject: "s", Body: "Pay {{.Amount"}, "body"},
		{"BodyUnknownField", mail.Template{Subject: "s", Body: "Pay {{.Total}}"}, "body"},
		{"BodyUnknownFunction", mail.Template{Subject: "s", Body: `{{upper .Amount}}`}, "body"},
		{"BodyMethodOnString", mail.Template{Subject: "s", Body: "{{.Amount.Value}}"}, "body"},
		{"BodyUnbalancedEnd", mail.Template{Subject: "s", Body: "{{if .Amount}}x"}, "body"},
		{"BodyRunaway", mail.Template{Subject: "s", Body: "{{range 100000}}{{.UpdateURL}}{{end}}"}, "body"},
		// Unbounded execution is refused before anything runs: these would
		// otherwise take seconds of CPU (or forever) on every save and send.
		{"BodyIntegerRange", mail.Template{Subject: "s", Body: "{{range 30000000}}{{end}}"}, "body"},
		{"SubjectIntegerRange", mail.Template{Subject: "{{range 30000000}}{{end}}s", Body: "b"}, "subject"},
		{"BodyRangeVariable", mail.Template{Subject: "s", Body: "{{$n := 30000000}}{{range $i := $n}}{{end}}"}, "body"},
		{"BodyNestedRange", mail.Template{Subject: "s", Body: "{{if .Amount}}{{range 3}}{{range 3}}x{{end}}{{end}}{{end}}"}, "body"},
		{"BodyRecursion", mail.Template{Subject: "s", Body: `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`}, "body"},
		{"BodyMutualRecursion", mail.Template{Subject: "s", Body: `{{define "a"}}{{template "b"}}{{end}}{{define "b"}}{{template "a"}}{{end}}{{template "a"}}`}, "body"},
		{"BodyExponentialCalls", mail.Template{Subject: "s", Body: exponentialCalls(40)}, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := mail.Render(tt.tmpl, vars)
			assertValidation(t, "Render", err, "template")
			assertValidation(t, "Validate", mail.Validate(tt.tmpl), tt.param)
		})
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		tmpl  mail.Template
		param string // empty: valid
	}{
		{"OK", mail.Template{Subject: "{{.Amount}} failed", Body: "Hi {{.CustomerName}}, update at {{.UpdateURL}}"}, ""},
		{"OKEveryVar", mail.Template{Subject: "{{.WorkspaceName}}",
			Body: "{{.CustomerName}} {{.Amount}} {{.UpdateURL}} {{.InvoiceURL}} {{.WorkspaceName}}"}, ""},
		{"OKDefine", mail.Template{Subject: "s", Body: `{{define "sig"}}-- {{.WorkspaceName}}{{end}}Hi{{template "sig" .}}`}, ""},
		{"ErrSubjectBlank", mail.Template{Subject: "  ", Body: "b"}, "subject"},
		{"ErrBodyBlank", mail.Template{Subject: "s", Body: "\n"}, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := mail.Validate(tt.tmpl)
			if tt.param == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			assertValidation(t, "Validate", err, tt.param)
		})
	}
}

func assertValidation(t *testing.T, what string, err error, param string) {
	t.Helper()
	e, ok := holdfast.AsError(err)
	if !ok {
		t.Fatalf("%s error = %v, want *holdfast.Error", what, err)
	}
	if e.Code != holdfast.EVALIDATION || e.Param != param {
		t.Errorf("%s error = %v, want code %s param %q", what, e, holdfast.EVALIDATION, param)
	}
	if e.Message == "" {
		t.Errorf("%s error has no message", what)
	}
}

// exponentialCalls defines t0..tn where each template calls the next one
// twice: no loop and no recursion, but 2^n executions of the innermost one.
func exponentialCalls(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{{define "t%d"}}{{template "t%d"}}{{template "t%d"}}{{end}}`, i, i+1, i+1)
	}
	fmt.Fprintf(&b, `{{define "t%d"}}{{end}}{{template "t0"}}`, n)
	return b.String()
}

// TestBoundedTemplatesStillRender: templates that use define, template,
// if, with and functions within the bound keep working.
func TestBoundedTemplatesStillRender(t *testing.T) {
	t.Parallel()
	tmpl := mail.Template{Subject: `{{with .WorkspaceName}}{{.}}{{end}}: {{printf "%s due" .Amount}}`,
		Body: `{{define "sig"}}-- {{.WorkspaceName}}{{end}}{{if eq .CustomerName ""}}Hi{{else}}Hi {{.CustomerName}}{{end}}{{template "sig" .}}{{template "sig" .}}` +
			exponentialTail(8)}
	r, err := mail.Render(tmpl, vars)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "-- ") || !strings.Contains(r.Subject, "due") {
		t.Fatalf("rendered %+v", r)
	}
	if err := mail.Validate(tmpl); err != nil {
		t.Fatal(err)
	}
}

// exponentialTail is exponentialCalls with a small n under other names
// (2^8 = 256 calls: well within the bound).
func exponentialTail(n int) string {
	return strings.ReplaceAll(exponentialCalls(n), `"t`, `"x`)
}
