package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"holdfast"
	"holdfast/mail"
	"holdfast/store"
)

// cardUpdateTemplate is the card-update email of a never-retry or
// needs-customer decline when the campaign has no email step left to use.
var cardUpdateTemplate = holdfast.EmailTemplate{
	Name:    "card_update",
	Subject: "Please update your card for {{.WorkspaceName}}",
	Body: "Hi {{.CustomerName}},\n\n" +
		"Your card was declined for a payment of {{.Amount}} to {{.WorkspaceName}}, and it can't be charged again.\n\n" +
		"Please add a new card or pay the invoice here:\n{{.UpdateURL}}\n\n" +
		"Thanks,\n{{.WorkspaceName}}\n",
}

// queueEmail renders an email step (step < 0: the built-in card-update
// email) for the recovery's customer and records it queued, with a job to
// deliver it. When test mode keeps mail in memory there is nothing outside
// to fail, so the send is delivered inside this transaction and is already
// sent when the caller's transaction commits.
func (e *Engine) queueEmail(ctx context.Context, r *run, step int) error {
	tmpl := cardUpdateTemplate
	name := tmpl.Name
	if step >= 0 && step < len(r.rs.Playbook.Steps) && r.rs.Playbook.Steps[step].Template != nil {
		tmpl = *r.rs.Playbook.Steps[step].Template
		name = orDefault(tmpl.Name, fmt.Sprintf("step_%d", step))
	}
	ws, err := e.workspace(ctx, r.pay.WorkspaceID)
	if err != nil {
		return err
	}
	d := &holdfast.DunningSend{
		ID: holdfast.NewID(holdfast.PrefixDunningSend), Livemode: r.mode.Livemode(), WorkspaceID: r.pay.WorkspaceID,
		Recovery: r.rs.ID, Payment: r.pay.ID, Customer: r.pay.Customer, Channel: "email", Template: name,
		Status: holdfast.SendQueued, CreatedAt: r.now,
	}
	link := e.link(d.ID, r.now)
	vars := mail.Vars{CustomerName: "there", Amount: mail.FormatAmount(r.pay.Amount, r.pay.Currency),
		UpdateURL: link, InvoiceURL: link, WorkspaceName: ws.name}
	if r.cust != nil && r.cust.Name != nil && *r.cust.Name != "" {
		vars.CustomerName = *r.cust.Name
	}
	if r.cust != nil && r.cust.Email != nil && !r.cust.Deleted {
		d.To = *r.cust.Email
	}
	out, err := mail.Render(mail.Template{Subject: tmpl.Subject, Body: tmpl.Body}, vars)
	switch {
	case err != nil:
		d.Status, d.Error = holdfast.SendFailed, "template: "+err.Error()
	case d.To == "":
		d.Status, d.Error = holdfast.SendFailed, "the customer has no email address"
	}
	d.Subject, d.BodyText, d.BodyHTML = out.Subject, out.Text, out.HTML
	if err := e.st.InsertSend(ctx, d); err != nil {
		return err
	}
	if d.Status != holdfast.SendQueued {
		return nil
	}
	if r.mode == holdfast.ModeTest && e.cfg.TestMailer == nil {
		return e.deliver(ctx, d, r.now)
	}
	if err := e.st.ScheduleJob(ctx, store.Job{WorkspaceID: d.WorkspaceID, Mode: r.mode, Kind: jobSend, RefID: d.ID,
		DedupeKey: sendJobKey(d.ID), RunAt: r.now}, e.clock.Now()); err != nil {
		return err
	}
	if r.own {
		e.Kick()
	} else {
		e.kickSoon()
	}
	return nil
}

// sender is the mail sender of a mode: Mailer for live; TestMailer, else
// the in-memory capture, for test mode.
func (e *Engine) sender(mode holdfast.Mode) mail.Sender {
	if mode == holdfast.ModeTest {
		if e.cfg.TestMailer != nil {
			return e.cfg.TestMailer
		}
		return e.capture
	}
	return e.cfg.Mailer
}

// errNoMailer marks live sends without an SMTP server configured.
var errNoMailer = &holdfast.Error{Code: holdfast.EVALIDATION, Message: "no SMTP server is configured (HOLDFAST_SMTP_URL)"}

// deliver sends a queued email and records the outcome: sent (with the
// dunning.sent event) or, for a permanent failure, failed. A temporary
// failure is returned so the job is retried with backoff; the send stays
// queued. The Message-ID is the send id, so a resend after an uncertain
// failure is recognisable as the same message.
func (e *Engine) deliver(ctx context.Context, d *holdfast.DunningSend, now time.Time) error {
	mode := holdfast.ModeOf(d.Livemode)
	s := e.sender(mode)
	var err error
	if s == nil {
		err = errNoMailer
	} else {
		err = s.Send(ctx, mail.Message{To: d.To, Subject: d.Subject, Text: d.BodyText, HTML: d.BodyHTML, MessageID: d.ID})
	}
	if err != nil && !mail.IsPermanent(err) {
		_ = e.st.NoteSendFailure(ctx, d.ID, err.Error())
		return err
	}
	return e.st.InTx(ctx, func(ctx context.Context) error {
		status, msg := holdfast.SendSent, ""
		if err != nil {
			status, msg = holdfast.SendFailed, err.Error()
		}
		ok, ferr := e.st.FinishSend(ctx, d, status, msg, now)
		if ferr != nil || !ok || status != holdfast.SendSent {
			return ferr
		}
		if err := e.st.AddEmailSent(ctx, d.Recovery); err != nil {
			return err
		}
		_, err := e.st.RecordEvent(ctx, d.WorkspaceID, mode, holdfast.EventDunningSent, d.ID, d, now)
		return err
	})
}

// runSend is the job that delivers a queued send. A send whose recovery
// ended before delivery (paid, abandoned) is dropped as failed: dunning a
// customer who has paid would be wrong.
func (e *Engine) runSend(ctx context.Context, j store.Job, now time.Time) error {
	d, err := e.st.GetSend(ctx, j.RefID)
	if err != nil {
		if holdfast.ErrorCode(err) == holdfast.ENOTFOUND {
			return nil
		}
		return err
	}
	if d.Status != holdfast.SendQueued {
		return nil
	}
	mode := holdfast.ModeOf(d.Livemode)
	rec, err := e.st.GetRecovery(ctx, d.WorkspaceID, mode, d.Recovery)
	if err != nil {
		return err
	}
	if rec.Status == holdfast.RecoveryRecovered || rec.Status == holdfast.RecoveryAbandoned {
		_, err := e.st.FinishSend(ctx, d, holdfast.SendFailed, "not sent: the recovery ended ("+rec.Status+")", now)
		return err
	}
	return e.deliver(ctx, d, now)
}

// giveUpSend records a send whose delivery kept failing as failed.
func (e *Engine) giveUpSend(ctx context.Context, j store.Job, now time.Time, cause error) error {
	d, err := e.st.GetSend(ctx, j.RefID)
	if err != nil {
		return nil
	}
	_, err = e.st.FinishSend(ctx, d, holdfast.SendFailed, "gave up: "+cause.Error(), now)
	return err
}

// isPermanent reports whether a job error can never succeed on a retry.
func isPermanent(err error) bool {
	var he *holdfast.Error
	return errors.As(err, &he) && he.Code != holdfast.EINTERNAL
}
