package dashboard

import (
	"net/http"
	"slices"
	"strings"

	"holdfast"
	"holdfast/store"
	"holdfast/webhook"
)

type webhooksData struct {
	Rows    []*holdfast.WebhookEndpoint
	Pager   *pager
	Created *holdfast.WebhookEndpoint // just created: its secret is shown once
	Form    endpointForm
	Types   []string
}

type endpointForm struct {
	URL         string
	Description string
	Events      []string
	Errors      map[string]string
}

// Has reports whether event type t is ticked.
func (f endpointForm) Has(t string) bool { return slices.Contains(f.Events, t) }

// Err returns a field's message.
func (f endpointForm) Err(field string) string { return f.Errors[field] }

func (d *Dashboard) webhooks(w http.ResponseWriter, r *http.Request, v *viewer) error {
	return d.renderWebhooks(w, r, v, http.StatusOK, webhooksData{Form: endpointForm{Events: []string{"*"}}})
}

func (d *Dashboard) renderWebhooks(w http.ResponseWriter, r *http.Request, v *viewer, status int, data webhooksData) error {
	q, page := listQuery(r)
	list, err := d.store.ListWebhookEndpoints(r.Context(), v.ws.ID, v.Mode(), q)
	if err != nil {
		return err
	}
	data.Rows, data.Pager, data.Types = list.Data, newPager(r, page, list.Total), holdfast.EventTypes
	return d.render(w, r, v, status, "webhooks", "Webhooks", "webhooks", data)
}

// webhookCreate adds an endpoint and shows its signing secret once.
func (d *Dashboard) webhookCreate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f := endpointForm{URL: strings.TrimSpace(r.PostFormValue("url")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Events: r.PostForm["events"], Errors: map[string]string{}}
	if err := webhook.ValidateURL(f.URL, v.Mode().Livemode(), d.loopback); err != nil {
		f.Errors["url"] = messageOf(err)
	}
	if len(f.Description) > 500 {
		f.Errors["description"] = "Use at most 500 characters."
	}
	events := f.Events
	switch {
	case len(events) == 0:
		f.Errors["events"] = "Choose at least one event type, or all events."
	case slices.Contains(events, "*"):
		events = []string{"*"}
	default:
		for _, e := range events {
			if !slices.Contains(holdfast.EventTypes, e) {
				f.Errors["events"] = "Unknown event type " + e + "."
			}
		}
	}
	if len(f.Errors) > 0 {
		return d.renderWebhooks(w, r, v, http.StatusUnprocessableEntity, webhooksData{Form: f})
	}
	ep := &holdfast.WebhookEndpoint{Livemode: v.Mode().Livemode(), WorkspaceID: v.ws.ID, URL: f.URL, Events: events,
		Description: f.Description, Enabled: true, Secret: webhook.NewSecret()}
	if err := d.store.CreateWebhookEndpoint(r.Context(), ep, v.now()); err != nil {
		return err
	}
	return d.renderWebhooks(w, r, v, http.StatusOK, webhooksData{Created: ep, Form: endpointForm{Events: []string{"*"}}})
}

// deliveryStatuses filter the delivery log.
var deliveryStatuses = []string{"pending", "succeeded", "failed"}

type webhookData struct {
	Endpoint   *holdfast.WebhookEndpoint
	Deliveries []*holdfast.WebhookDelivery
	Pager      *pager
	Status     string
	Statuses   []string
	CanResend  bool
}

func (d *Dashboard) webhook(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	ep, err := d.store.GetWebhookEndpoint(ctx, v.ws.ID, v.Mode(), r.PathValue("id"))
	if err != nil {
		return err
	}
	q, page := listQuery(r)
	status := oneOf(r.URL.Query().Get("status"), deliveryStatuses...)
	list, err := d.store.ListWebhookDeliveries(ctx, v.ws.ID, v.Mode(), ep.ID, store.DeliveryFilter{Status: status}, q)
	if err != nil {
		return err
	}
	data := webhookData{Endpoint: ep, Deliveries: list.Data, Pager: newPager(r, page, list.Total), Status: status,
		Statuses: deliveryStatuses, CanResend: d.svc.ResendDelivery != nil}
	return d.render(w, r, v, http.StatusOK, "webhook", "Webhook endpoint", "webhooks", data,
		crumb{"Webhooks", Prefix + "/webhooks"}, crumb{Label: ep.URL})
}

// webhookUpdate enables, disables or deletes an endpoint.
func (d *Dashboard) webhookUpdate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	ctx := r.Context()
	id := r.PathValue("id")
	switch r.PostFormValue("action") {
	case "enable", "disable":
		on := r.PostFormValue("action") == "enable"
		if _, err := d.store.UpdateWebhookEndpoint(ctx, v.ws.ID, v.Mode(), id, store.WebhookEndpointUpdate{Enabled: &on}, v.now()); err != nil {
			return err
		}
		msg := "Endpoint disabled: new events wait until it is enabled again."
		if on {
			msg = "Endpoint enabled: waiting deliveries are sent now."
		}
		return d.redirect(w, r, Prefix+"/webhooks/"+id, msg)
	case "delete":
		if err := d.store.DeleteWebhookEndpoint(ctx, v.ws.ID, v.Mode(), id); err != nil {
			return err
		}
		return d.redirect(w, r, Prefix+"/webhooks", "Endpoint deleted.")
	}
	return holdfast.ParamError("action", "Unknown endpoint action.")
}

// webhookResend sends one delivery again now (it must belong to the
// endpoint, workspace and mode; the service checks).
func (d *Dashboard) webhookResend(w http.ResponseWriter, r *http.Request, v *viewer) error {
	if d.svc.ResendDelivery == nil {
		return holdfast.Errorf(holdfast.ENOTFOUND, "Re-sending is not available on this server.")
	}
	ctx := r.Context()
	id, delivery := r.PathValue("id"), r.PathValue("delivery")
	if _, err := d.store.GetWebhookDelivery(ctx, v.ws.ID, v.Mode(), id, delivery); err != nil {
		return err
	}
	if err := d.svc.ResendDelivery(ctx, v.ws.ID, v.Mode(), id, delivery); err != nil {
		return err
	}
	return d.redirect(w, r, Prefix+"/webhooks/"+id, "Delivery "+delivery+" re-sent.")
}
