package dashboard

import (
	"net/http"

	"holdfast"
)

type campaignsData struct {
	Rows  []holdfast.Campaign
	Pager *pager
}

func (d *Dashboard) campaigns(w http.ResponseWriter, r *http.Request, v *viewer) error {
	q, page := listQuery(r)
	list, err := d.store.ListCampaigns(r.Context(), v.ws.ID, v.Mode(), q)
	if err != nil {
		return err
	}
	return d.render(w, r, v, http.StatusOK, "campaigns", "Campaigns", "campaigns",
		campaignsData{Rows: list.Data, Pager: newPager(r, page, list.Total)})
}

// campaignNew starts from the default playbook's shape so a new campaign
// has sensible steps to edit.
func (d *Dashboard) campaignNew(w http.ResponseWriter, r *http.Request, v *viewer) error {
	tpl := holdfast.DefaultCampaign(v.ws.ID, v.Mode(), v.now())
	tpl.ID, tpl.Name, tpl.IsDefault, tpl.Priority = "", "", false, 10
	f := formFromCampaign(tpl)
	f.WasDefault = false
	return d.renderCampaignForm(w, r, v, http.StatusOK, f)
}

func (d *Dashboard) campaignCreate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	f := &campaignForm{}
	c := &holdfast.Campaign{WorkspaceID: v.ws.ID, Livemode: v.Mode().Livemode()}
	if !parseCampaignForm(r, f, c) {
		return d.renderCampaignForm(w, r, v, http.StatusUnprocessableEntity, f)
	}
	if err := d.store.CreateCampaign(r.Context(), c, v.now()); err != nil {
		return err
	}
	return d.redirect(w, r, Prefix+"/campaigns", "Campaign “"+c.Name+"” created.")
}

func (d *Dashboard) campaignEdit(w http.ResponseWriter, r *http.Request, v *viewer) error {
	c, err := d.store.GetCampaign(r.Context(), v.ws.ID, v.Mode(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return d.renderCampaignForm(w, r, v, http.StatusOK, formFromCampaign(c))
}

func (d *Dashboard) campaignUpdate(w http.ResponseWriter, r *http.Request, v *viewer) error {
	cur, err := d.store.GetCampaign(r.Context(), v.ws.ID, v.Mode(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f := &campaignForm{ID: cur.ID, WasDefault: cur.IsDefault}
	c := &holdfast.Campaign{ID: cur.ID, WorkspaceID: v.ws.ID, Livemode: v.Mode().Livemode()}
	if !parseCampaignForm(r, f, c) {
		return d.renderCampaignForm(w, r, v, http.StatusUnprocessableEntity, f)
	}
	if err := d.store.UpdateCampaign(r.Context(), c, v.now()); err != nil {
		return err
	}
	return d.redirect(w, r, Prefix+"/campaigns", "Campaign “"+c.Name+"” saved.")
}

func (d *Dashboard) renderCampaignForm(w http.ResponseWriter, r *http.Request, v *viewer, status int, f *campaignForm) error {
	title := "New campaign"
	if f.ID != "" {
		title = "Edit campaign"
	}
	return d.render(w, r, v, status, "campaign_form", title, "campaigns", f,
		crumb{"Campaigns", Prefix + "/campaigns"}, crumb{Label: title})
}
