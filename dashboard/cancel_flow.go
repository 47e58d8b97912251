package dashboard

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"holdfast"
	"holdfast/cancelflow"
)

// blankReasonRows are the empty rows offered for new survey reasons.
const blankReasonRows = 2

// flowForm is the cancel-flow editor: typed values and per-field errors
// (the field names are those of PUT /v1/cancel_flow, e.g.
// "reasons[1].offer.percent_off").
type flowForm struct {
	Reasons  []reasonForm
	Timeout  string
	Cooldown string
	Errors   map[string]string
}

type reasonForm struct {
	Index          int
	ID             string
	Label          string
	OfferType      string
	Message        string
	PercentOff     string
	DurationMonths string
	Coupon         string
	MaxMonths      string
	ResumeBehavior string
	Behavior       string
	Price          string
	Proration      string
}

// Err returns the message for a field.
func (f *flowForm) Err(field string) string { return f.Errors[field] }

func itoaOrBlank(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func formFromFlow(fl *holdfast.CancelFlow) *flowForm {
	f := &flowForm{Timeout: strconv.Itoa(fl.SessionTimeoutMinutes), Cooldown: strconv.Itoa(fl.DiscountCooldownDays), Errors: map[string]string{}}
	for i, r := range fl.Reasons {
		rf := reasonForm{Index: i, ID: r.ID, Label: r.Label}
		if o := r.Offer; o != nil {
			rf.OfferType, rf.Message, rf.Coupon, rf.Price = o.Type, o.Message, o.CouponID, o.PriceID
			rf.PercentOff, rf.DurationMonths, rf.MaxMonths = itoaOrBlank(o.PercentOff), itoaOrBlank(o.DurationMonths), itoaOrBlank(o.MaxMonths)
			rf.ResumeBehavior, rf.Behavior, rf.Proration = o.ResumeBehavior, o.Behavior, o.Proration
		}
		f.Reasons = append(f.Reasons, rf)
	}
	for range blankReasonRows {
		f.Reasons = append(f.Reasons, reasonForm{Index: len(f.Reasons)})
	}
	return f
}

// parseFlowForm turns the posted editor into a flow; a row without an id
// and label is unused. Numbers that do not parse are reported here; the
// rest of the validation is cancelflow.ValidateFlow's, the same the API uses.
func parseFlowForm(r *http.Request) (*flowForm, *holdfast.CancelFlow) {
	f := &flowForm{Timeout: strings.TrimSpace(r.PostFormValue("session_timeout_minutes")),
		Cooldown: strings.TrimSpace(r.PostFormValue("discount_cooldown_days")), Errors: map[string]string{}}
	fl := &holdfast.CancelFlow{Object: "cancel_flow"}
	num := func(field, s string) int {
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			f.Errors[field] = "Enter a whole number."
		}
		return n
	}
	fl.SessionTimeoutMinutes = num("session_timeout_minutes", f.Timeout)
	fl.DiscountCooldownDays = num("discount_cooldown_days", f.Cooldown)
	for i := 0; i < cancelflow.MaxReasons+blankReasonRows; i++ {
		p := fmt.Sprintf("reasons[%d].", i)
		if !r.PostForm.Has(p + "id") {
			break
		}
		get := func(k string) string { return strings.TrimSpace(r.PostFormValue(p + k)) }
		rf := reasonForm{Index: len(f.Reasons), ID: get("id"), Label: get("label"), OfferType: get("offer.type"), Message: get("offer.message"),
			PercentOff: get("offer.percent_off"), DurationMonths: get("offer.duration_months"), Coupon: get("offer.coupon"),
			MaxMonths: get("offer.max_months"), ResumeBehavior: get("offer.resume_behavior"), Behavior: get("offer.behavior"),
			Price: get("offer.price"), Proration: get("offer.proration_behavior")}
		if rf.ID == "" && rf.Label == "" {
			continue
		}
		q := fmt.Sprintf("reasons[%d].offer.", rf.Index)
		f.Reasons = append(f.Reasons, rf)
		reason := holdfast.CancelReason{ID: rf.ID, Label: rf.Label}
		// Only the fields of the chosen offer type are sent: the others
		// stay in the form but would be refused as not applicable.
		switch rf.OfferType {
		case "":
		case holdfast.OfferDiscount:
			reason.Offer = &holdfast.Offer{Type: rf.OfferType, Message: rf.Message, CouponID: rf.Coupon,
				PercentOff: num(q+"percent_off", rf.PercentOff), DurationMonths: num(q+"duration_months", rf.DurationMonths)}
		case holdfast.OfferPause:
			reason.Offer = &holdfast.Offer{Type: rf.OfferType, Message: rf.Message, MaxMonths: num(q+"max_months", rf.MaxMonths),
				ResumeBehavior: rf.ResumeBehavior, Behavior: rf.Behavior}
		case holdfast.OfferDowngrade:
			reason.Offer = &holdfast.Offer{Type: rf.OfferType, Message: rf.Message, PriceID: rf.Price, Proration: rf.Proration}
		default:
			reason.Offer = &holdfast.Offer{Type: rf.OfferType, Message: rf.Message}
		}
		fl.Reasons = append(fl.Reasons, reason)
	}
	for range blankReasonRows {
		f.Reasons = append(f.Reasons, reasonForm{Index: len(f.Reasons)})
	}
	return f, fl
}

func (d *Dashboard) cancelFlow(w http.ResponseWriter, r *http.Request, v *viewer) error {
	fl, err := d.store.CancelFlow(r.Context(), v.ws.ID, v.Mode())
	if err != nil {
		return err
	}
	return d.render(w, r, v, http.StatusOK, "cancel_flow", "Cancel flow", "cancel-flow", formFromFlow(fl))
}

func (d *Dashboard) cancelFlowSave(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f, fl := parseFlowForm(r)
	if len(f.Errors) == 0 {
		norm, err := cancelflow.ValidateFlow(fl)
		if err == nil {
			if _, err := d.store.PutCancelFlow(r.Context(), v.ws.ID, v.Mode(), norm, v.now()); err != nil {
				return err
			}
			return d.redirect(w, r, Prefix+"/cancel-flow", "Cancel flow saved.")
		}
		he, ok := holdfast.AsError(err)
		if !ok || he.Code != holdfast.EVALIDATION {
			return err
		}
		f.Errors[he.Param] = he.Message
	}
	return d.render(w, r, v, http.StatusUnprocessableEntity, "cancel_flow", "Cancel flow", "cancel-flow", f)
}
