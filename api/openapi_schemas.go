package api

import "holdfast/campaign"

// Component schemas of the OpenAPI document: the objects of SPEC §11, the
// list envelopes of both dialects and their error envelopes.

var (
	paymentStatusEnum  = []string{"pending", "recovered", "failed", "canceled"}
	recoveryStatusEnum = []string{"in_flight", "recovered", "lost", "abandoned"}
	outcomeEnum        = []string{"saved_discount", "saved_pause", "saved_downgrade", "saved_other", "canceled", "abandoned"}
)

func openAPIComponents() map[string]any {
	schemas := map[string]any{}
	for name, s := range objectSchemas() {
		schemas[name] = s
	}
	for name, s := range analyticsSchemas() {
		schemas[name] = s
	}
	for name, s := range errorSchemas() {
		schemas[name] = s
	}
	for name, s := range experimentSchemas() {
		schemas[name] = s
	}
	for name, item := range map[string]string{
		"Payment": "Payment", "Customer": "Customer", "Campaign": "Campaign", "CancelSession": "CancelSession",
		"WebhookEndpoint": "WebhookEndpoint", "WebhookDelivery": "WebhookDelivery", "Event": "Event",
	} {
		schemas[name+"Page"] = pageSchema(ref(item))
	}
	for name, item := range map[string]string{"Customer": "Customer", "Recovery": "Recovery", "CancelSession": "CancelSession"} {
		schemas[name+"CursorPage"] = cursorPageSchema(ref(item))
	}
	return map[string]any{
		"schemas": schemas,
		"securitySchemes": map[string]any{
			"bearerAuth": map[string]any{
				"type": "http", "scheme": "bearer",
				"description": "hf_live_… / hf_test_… secret keys (scopes read, write, admin, analytics, webhooks) or hf_pub_… publishable keys (cancel-flow widget calls only).",
			},
			"basicAuth": map[string]any{
				"type": "http", "scheme": "basic",
				"description": "The same keys as HTTP Basic: the key is the user name, the password is empty (curl -u hf_test_…:), as Stripe accepts.",
			},
		},
		"headers":    openAPIHeaders(),
		"parameters": openAPIParameters(),
	}
}

func pageSchema(item schema) schema {
	return allRequired(map[string]schema{
		"data": arr(item),
		"pagination": allRequired(map[string]schema{
			"total": intDesc("Objects matching the filters."), "page": intg(), "per_page": intg(),
			"total_pages": intDesc("ceil(total / per_page); 0 for an empty list."),
		}),
	})
}

func cursorPageSchema(item schema) schema {
	return allRequired(map[string]schema{
		"data":        arr(item),
		"has_more":    boolean(),
		"next_cursor": nullable(strDesc("Pass as ?cursor= for the next (older) page; null on the last page.")),
	})
}

func objectSchemas() map[string]schema {
	money := allRequired(map[string]schema{"currency": strDesc("Lowercase ISO currency."), "amount": intDesc("Minor units.")})
	return map[string]schema{
		"Money": money,
		"Customer": object(map[string]schema{
			"id": strDesc("cus_…, Holdfast's id."), "object": constant("customer"), "livemode": boolean(),
			"provider_id": strDesc("Stripe's customer id."), "email": nullable(str()), "name": nullable(str()),
			"metadata": schema{"type": "object", "additionalProperties": str()}, "tags": arr(str()),
			"timezone": str(), "default_payment_method": str(), "card_brand": str(), "card_funding": str(),
			"card":       nullable(ref("Card")),
			"created_at": timestamp(), "updated_at": timestamp(),
		}, "id", "object", "livemode", "provider_id", "email", "name", "metadata", "tags", "created_at"),
		"CustomerDetail": schema{"allOf": []any{ref("Customer"), object(map[string]schema{
			"subscriptions":    arr(ref("Subscription")),
			"recent_campaigns": schema{"type": "array", "items": ref("Recovery"), "maxItems": 10, "description": "The customer's last 10 recoveries, newest first."},
		}, "subscriptions", "recent_campaigns")}},
		"DeletedObject": object(map[string]schema{"id": str(), "object": str(), "deleted": schema{"type": "boolean", "const": true}},
			"id", "object", "deleted"),
		"Subscription": object(map[string]schema{
			"id": str(), "object": constant("subscription"), "livemode": boolean(), "provider_id": str(),
			"customer": str(), "provider_customer_id": str(), "status": str(), "price": str(), "product": str(),
			"amount": intg(), "currency": str(), "interval": str(), "current_period_end": nullable(timestamp()),
			"cancel_at_period_end": boolean(), "canceled_at": nullable(timestamp()),
			"pause_collection": nullable(schema{"type": "object"}), "discount": nullable(schema{"type": "object"}),
			"created_at": timestamp(), "updated_at": timestamp(),
		}, "id", "object", "livemode", "provider_id", "status", "created_at"),
		"Payment": object(map[string]schema{
			"id": strDesc("pay_…"), "object": constant("payment"), "livemode": boolean(),
			"customer": strDesc("Our customer id; empty when the customer is not mirrored."), "provider_customer": str(),
			"subscription": str(), "invoice": strDesc("Stripe invoice id."), "amount": intg(), "currency": str(),
			"status": enum(paymentStatusEnum...), "decline_code": str(), "failure_code": str(), "advice_code": str(),
			"network_advice_code": str(), "failure_message": str(), "attempt_count": intg(),
			"next_retry_at": nullable(timestamp()), "recovery": str(), "attempts": arr(ref("PaymentAttempt")),
			"provider_error": nullable(ref("ProviderError")),
			"created_at":     timestamp(), "updated_at": timestamp(),
		}, "id", "object", "livemode", "created_at", "customer", "subscription", "invoice", "amount", "currency", "status",
			"decline_code", "failure_code", "advice_code", "failure_message", "attempt_count", "next_retry_at", "recovery",
			"provider_error"),
		"ProviderError": schema{"description": "The latest failed call to Stripe while retrying the payment that was not an " +
			"answer from the card network (a bad or restricted key, an invalid request, a rate limit, an outage, a network " +
			"failure). It is not a decline: the attempt is sent again with backoff under the same idempotency key and counts " +
			"toward neither the card networks' limits nor the campaign's budget. null once the card network answers.",
			"type": "object", "required": []any{"message", "http_status", "occurred_at"}, "properties": map[string]any{
				"message": strDesc("Stripe's own message, or the network error."), "type": strDesc("Stripe's error type."),
				"code": strDesc("Stripe's error code."), "http_status": intDesc("Stripe's HTTP status; 0 when Stripe did not answer."),
				"request_id": strDesc("Stripe's request id."), "occurred_at": timestamp(),
			}},
		"PaymentDetail": schema{"allOf": []any{ref("Payment"), object(map[string]schema{"attempts": arr(ref("PaymentAttempt"))}, "attempts")}},
		"PaymentAttempt": object(map[string]schema{
			"id": str(), "object": constant("payment_attempt"), "livemode": boolean(), "payment": str(), "recovery": str(),
			"initiator":    enum("schedule", "manual", "card_update"),
			"outcome":      schema{"type": "string", "enum": []any{"succeeded", "failed", "refused", ""}, "description": "Empty while the provider call is in flight."},
			"decline_code": str(), "idempotency_key": str(), "created_at": timestamp(), "completed_at": timestamp(),
		}, "id", "object", "created_at", "initiator", "outcome", "decline_code", "idempotency_key"),
		"Recovery": object(map[string]schema{
			"id": strDesc("rec_…"), "object": constant("recovery"), "livemode": boolean(), "status": enum(recoveryStatusEnum...),
			"payment": str(), "customer": str(), "campaign": strDesc("The playbook (cmp_…)."), "amount": intg(), "currency": str(),
			"step_index": intg(), "retries_used": intg(), "emails_sent": intg(), "awaiting_card": boolean(),
			"started_at": timestamp(), "ended_at": nullable(timestamp()), "next_action_at": nullable(timestamp()),
			"created_at": timestamp(), "updated_at": timestamp(),
			"payment_attempts": arr(ref("PaymentAttempt")), "dunning_sends": arr(ref("DunningSend")),
		}, "id", "object", "livemode", "status", "payment", "customer", "campaign", "amount", "currency", "started_at",
			"ended_at", "next_action_at", "created_at"),
		"RecoveryDetail": schema{"allOf": []any{ref("Recovery"), object(map[string]schema{
			"payment_attempts": arr(ref("PaymentAttempt")), "dunning_sends": arr(ref("DunningSend")),
			"provider_error": nullable(ref("ProviderError")),
		}, "payment_attempts", "dunning_sends", "provider_error")}},
		"DunningSend": object(map[string]schema{
			"id": str(), "object": constant("dunning_send"), "livemode": boolean(), "recovery": str(), "payment": str(),
			"customer": str(), "channel": constant("email"), "to": str(), "subject": str(), "template": strDesc("The step's template name."),
			"status": enum("queued", "sent", "failed"), "sent_at": nullable(timestamp()), "clicked_at": nullable(timestamp()),
			"created_at": timestamp(),
		}, "id", "object", "channel", "to", "subject", "template", "status", "sent_at", "clicked_at"),
		"EmailTemplate": object(map[string]schema{
			"name": str(), "subject": strDesc("Go template: {{.CustomerName}}, {{.Amount}}, {{.UpdateURL}}, {{.InvoiceURL}}, {{.WorkspaceName}}."),
			"body": strDesc("Plain-text Go template; the HTML part is derived."),
		}, "subject", "body"),
		"CampaignStep": object(map[string]schema{
			"after_hours": schema{"type": "integer", "minimum": 0, "maximum": campaign.MaxAfterHours, "description": "Hours after the recovery opened; not less than the previous step's."},
			"action":      enum("retry", "email"),
			"template":    ref("EmailTemplate"),
		}, "after_hours", "action"),
		"CampaignFilters": object(map[string]schema{
			"currency": str(), "min_amount": intg(), "max_amount": intg(), "customer_tag": str(),
		}),
		"Campaign": object(map[string]schema{
			"id": strDesc("cmp_…"), "object": constant("campaign"), "livemode": boolean(), "name": str(),
			"is_default": boolean(), "priority": intg(), "steps": arr(ref("CampaignStep")), "max_retries": intg(),
			"smart_retries": boolean(), "filters": ref("CampaignFilters"), "created_at": timestamp(), "updated_at": timestamp(),
		}, "id", "object", "livemode", "name", "is_default", "priority", "steps", "max_retries", "smart_retries", "filters", "created_at"),
		"CampaignInput": closed(object(map[string]schema{
			"name":          schema{"type": "string", "minLength": 1, "maxLength": campaign.MaxName},
			"is_default":    boolean(),
			"priority":      schema{"type": "integer", "minimum": -campaign.MaxPriority, "maximum": campaign.MaxPriority, "description": "Higher matches first; default 0."},
			"steps":         schema{"type": "array", "items": ref("CampaignStep"), "minItems": 1, "maxItems": campaign.MaxSteps},
			"max_retries":   schema{"type": "integer", "minimum": 0, "maximum": campaign.MaxRetries, "description": "Default 8."},
			"smart_retries": schema{"type": "boolean", "description": "Default true."},
			"filters":       ref("CampaignFilters"),
			"id":            strDesc("Read-only; ignored."), "object": strDesc("Read-only; ignored."), "livemode": boolean(),
			"created_at": timestamp(), "updated_at": timestamp(),
		})),
		"Offer": object(map[string]schema{"type": enum("discount", "pause", "downgrade", "other")}, "type"),
		"CancelSession": object(map[string]schema{
			"id": strDesc("cs_…"), "object": constant("cancel_session"), "livemode": boolean(), "created_at": timestamp(),
			"customer": strDesc("Stripe customer id."), "subscription": strDesc("Stripe subscription id."),
			"status":  enum("in_progress", "completed"),
			"outcome": nullable(enum(outcomeEnum...)), "reason": nullable(str()), "feedback": nullable(str()),
			"offer": nullable(ref("Offer")), "accepted_offer": nullable(ref("Offer")), "completed_at": nullable(timestamp()),
			"provider_error": schema{"type": "object", "description": "Stripe's full answer to the latest failed attempt to apply the outcome " +
				"(secret keys only; widget answers with a publishable key never carry it).",
				"properties": map[string]schema{"message": str(), "type": str(), "code": str(), "http_status": intg(),
					"request_id": strDesc("Stripe's request id (req_…)."), "occurred_at": timestamp()}, "required": []string{"message", "occurred_at"}},
		}, "id", "object", "livemode", "created_at", "customer", "subscription", "status", "outcome", "reason", "feedback",
			"offer", "accepted_offer", "completed_at"),
		"CancelFlow": object(map[string]schema{
			"object": constant("cancel_flow"), "livemode": boolean(),
			"reasons":                 arr(object(map[string]schema{"id": str(), "label": str(), "offer": nullable(ref("Offer"))}, "id", "label")),
			"session_timeout_minutes": intg(),
		}, "reasons"),
		"WebhookEndpoint": object(map[string]schema{
			"id": strDesc("we_…"), "object": constant("webhook_endpoint"), "livemode": boolean(), "url": str(),
			"events": arr(str()), "description": str(), "enabled": boolean(),
			"secret":     strDesc("whsec_…, only in the response that created the endpoint."),
			"created_at": timestamp(),
		}, "id", "object", "livemode", "url", "events", "enabled", "created_at"),
		"WebhookDelivery": object(map[string]schema{
			"id": str(), "object": constant("webhook_delivery"), "livemode": boolean(), "endpoint": str(), "event": str(),
			"status": enum("pending", "succeeded", "failed"), "attempt_count": intg(), "created_at": timestamp(),
		}, "id", "object", "endpoint", "event", "status"),
		"Event": object(map[string]schema{
			"id": strDesc("evt_…"), "object": constant("event"), "type": str(), "livemode": boolean(),
			"data": object(map[string]schema{"object": schema{"type": "object"}}, "object"), "created_at": timestamp(),
		}, "id", "object", "type", "livemode", "data", "created_at"),
		"AuthMe": object(map[string]schema{
			"workspace": object(map[string]schema{"id": str(), "name": str(), "plan": str(), "trial_ends_at": nullable(timestamp())},
				"id", "name", "plan", "trial_ends_at"),
			"key": object(map[string]schema{"id": str(), "mode": enum("live", "test"), "kind": enum("secret", "publishable"),
				"scopes": arr(enum("read", "write", "admin", "analytics", "webhooks")), "expires_at": nullable(timestamp())},
				"id", "mode", "kind", "scopes", "expires_at"),
			"rate_limit": allRequired(map[string]schema{"limit": intg(), "window_seconds": schema{"type": "integer", "const": 60}}),
		}, "workspace", "key", "rate_limit"),
		"TestClock": object(map[string]schema{"now": timestamp()}, "now"),
		"Card": allRequired(map[string]schema{
			"payment_method": strDesc("pm_…"), "brand": str(), "funding": str(),
			"last4":     schema{"type": "string", "maxLength": 4, "description": "The last four digits; the number itself is never stored."},
			"exp_month": intg(), "exp_year": intg(), "fingerprint": str(),
		}),
		"CardExpiryNotices": allRequired(map[string]schema{
			"object": constant("card_expiry_notices"), "livemode": boolean(), "enabled": boolean(),
			"days_before": schema{"type": "array", "items": intg(), "description": "Days before the end of the card's expiry month, largest first."},
			"template": object(map[string]schema{
				"subject": strDesc("Go template: the dunning variables plus {{.CardBrand}}, {{.CardLast4}}, {{.ExpiresOn}}."),
				"body":    strDesc("Plain-text Go template; the HTML part is derived."),
			}, "subject", "body"),
			"updated_at": nullable(timestamp()),
		}),
		"CardExpiryNoticesInput": closed(object(map[string]schema{
			"enabled":     boolean(),
			"days_before": schema{"type": "array", "items": schema{"type": "integer", "minimum": 1, "maximum": 365}, "minItems": 1, "maxItems": 5},
			"template":    object(map[string]schema{"subject": str(), "body": str(), "name": str()}),
			"object":      strDesc("Read-only; ignored."), "livemode": boolean(), "updated_at": nullable(timestamp()),
		})),
		"CustomerNotice": object(map[string]schema{
			"object": constant("customer_notice"), "livemode": boolean(), "customer": str(),
			"state":          enum("ok", "payment_failed", "card_expiring"),
			"amount_due":     nullable(intDesc("Minor units: the oldest failed payment, or the renewal the expiring card would pay.")),
			"currency":       nullable(str()),
			"invoice_due_at": nullable(timestamp()),
			"update_url":     nullable(strDesc("The failed invoice's hosted page, or a /r/ link to the customer portal.")),
			"card":           object(map[string]schema{"brand": str(), "last4": str(), "exp_month": intg(), "exp_year": intg()}),
		}, "object", "livemode", "customer", "state", "amount_due", "currency", "invoice_due_at", "update_url"),
		"CustomerNoticeActionInput": closed(object(map[string]schema{
			"customer": str(), "auth_hash": str(), "style": enum("banner", "wall"),
		}, "customer", "auth_hash")),
		"CustomerNoticeAction": object(map[string]schema{
			"id": strDesc("cna_…"), "object": constant("customer_notice_action"), "livemode": boolean(),
			"customer": strDesc("Our customer id; empty for an unknown customer (nothing recorded)."),
			"action":   enum("view", "click"), "state": enum("ok", "payment_failed", "card_expiring"),
			"style": enum("banner", "wall"), "payment": str(), "recovery": str(), "created_at": timestamp(),
		}, "id", "object", "action", "state", "created_at"),
	}
}

func analyticsSchemas() map[string]schema {
	rate := nullable(schema{"type": "number", "minimum": 0, "maximum": 1})
	counts := func(rateName, rateDesc string, props map[string]schema) schema {
		r := nullable(schema{"type": "number", "minimum": 0, "maximum": 1, "description": rateDesc})
		props[rateName] = r
		return allRequired(props)
	}
	return map[string]schema{
		"Stats": allRequired(map[string]schema{
			"campaigns": counts("recovery_rate", "recovered / (recovered + lost + abandoned); null when that is 0.", map[string]schema{
				"in_flight": intg(), "recovered": intg(), "lost": intg(), "abandoned": intg(),
			}),
			"recovered_revenue": arr(ref("Money")),
			"at_risk_revenue":   schema{"type": "array", "items": ref("Money"), "description": "In-flight recoveries' amounts."},
			"cancel_sessions": counts("save_rate", "saved / (saved + canceled), saved = the four saved_* outcomes; null when that is 0.", map[string]schema{
				"total": intg(), "in_progress": intg(), "saved_discount": intg(), "saved_pause": intg(), "saved_downgrade": intg(),
				"saved_other": intg(), "canceled": intg(), "abandoned": intg(),
			}),
			"customers": intDesc("Mirrored customers that are not deleted (created in [from, to) when bounded)."),
			"card_expiry": allRequired(map[string]schema{
				"notices_sent":           intDesc("Expiring-card emails sent in the period."),
				"updated_before_expiry":  intDesc("Cards with a notice that were replaced or auto-updated before they expired, in the period."),
				"expired_without_update": intDesc("Cards with a notice that expired unchanged, in the period."),
			}),
			"in_app_notice": allRequired(map[string]schema{
				"views": intg(), "clicks": intg(),
				"recovered": intDesc("Recoveries started in the period that were recovered after a click on the in-app notice (recovered_by in_app_notice)."),
			}),
		}),
		"RecoveryPeriod": allRequired(map[string]schema{
			"period_start": timestamp(), "currency": str(), "failed_count": intg(), "failed_amount": intg(),
			"recovered_count": intg(), "recovered_amount": intg(), "in_flight_count": intg(), "lost_count": intg(),
			"abandoned_count": intg(), "recovery_rate": rate,
		}),
		"RecoveryAnalytics": allRequired(map[string]schema{
			"object": constant("analytics.recovery"), "period": enum("day", "week", "month"),
			"created_after": nullable(timestamp()), "created_before": nullable(timestamp()), "data": arr(ref("RecoveryPeriod")),
		}),
		"CampaignPerformance": allRequired(map[string]schema{
			"campaign": str(), "name": nullable(strDesc("null once the campaign is deleted")), "currency": nullable(str()),
			"started": intg(), "in_flight": intg(), "recovered": intg(), "lost": intg(), "abandoned": intg(),
			"recovery_rate": rate, "recovered_amount": intg(), "retries": intg(), "emails_sent": intg(),
		}),
		"CampaignAnalytics": allRequired(map[string]schema{
			"object": constant("analytics.campaigns"), "created_after": nullable(timestamp()),
			"created_before": nullable(timestamp()), "data": arr(ref("CampaignPerformance")),
		}),
	}
}

// v1ErrorCodes are the /v1 error codes each status can carry.
var v1ErrorCodes = map[int][]string{
	400: {"invalid_request"},
	401: {"invalid_api_key"},
	403: {"insufficient_scope", "trial_expired", "ip_not_allowed", "invalid_auth_hash"},
	404: {"resource_not_found"},
	405: {"method_not_allowed"},
	409: {"state_conflict"},
	413: {"invalid_request"},
	422: {"validation_error"},
	429: {"rate_limit_exceeded"},
	500: {"internal_error"},
}

// readErrorTypes are the /api/v1 error types each status can carry.
var readErrorTypes = map[int][]string{
	400: {"invalid_param"},
	401: {"authentication_required", "invalid_token"},
	403: {"insufficient_scope", "ip_not_allowed"},
	404: {"not_found"},
	405: {"method_not_allowed"},
	413: {"invalid_param"},
	429: {"rate_limit_exceeded"},
	500: {"internal_error"},
}

func errorSchemas() map[string]schema {
	out := map[string]schema{}
	for status, codes := range v1ErrorCodes {
		errProps := map[string]schema{
			"code": enum(codes...), "message": str(), "request_id": strDesc("req_…, as in X-Request-Id."),
			"param": strDesc("The field, query parameter or header at fault."),
		}
		errRequired := []string{"code", "message", "request_id"}
		if status == 429 {
			errProps["retry_after"] = schema{"type": "integer", "minimum": 1}
			errRequired = append(errRequired, "retry_after")
		}
		props := map[string]schema{"error": closed(object(errProps, errRequired...))}
		required := []string{"error"}
		if status == 429 {
			props["retry_after"] = schema{"type": "integer", "minimum": 1}
			required = append(required, "retry_after")
		}
		out[v1ErrorName(status)] = closed(object(props, required...))
	}
	for status, types := range readErrorTypes {
		out[readErrorName(status)] = closed(allRequired(map[string]schema{
			"error": closed(allRequired(map[string]schema{"type": enum(types...), "message": str()})),
		}))
	}
	return out
}

func v1ErrorName(status int) string   { return "V1Error" + itoa(status) }
func readErrorName(status int) string { return "ReadError" + itoa(status) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func openAPIHeaders() map[string]any {
	h := func(desc string, s schema, required bool) map[string]any {
		return map[string]any{"description": desc, "schema": s, "required": required}
	}
	return map[string]any{
		"X-Request-Id":          h("req_… id of this request.", str(), true),
		"X-RateLimit-Limit":     h("Requests allowed per 60-second window for this key.", intg(), true),
		"X-RateLimit-Remaining": h("Requests left in the current window.", intg(), true),
		"X-RateLimit-Reset-V1":  h("/v1: Unix time (seconds) at which the window next frees a slot.", intg(), true),
		"X-RateLimit-Reset-Read": h("/api/v1: seconds until the window has fully refilled (0 when nothing is counted).",
			schema{"type": "integer", "minimum": 0}, true),
		"Retry-After":         h("Seconds until a request would be accepted again.", schema{"type": "integer", "minimum": 1}, true),
		"Idempotent-Replayed": h("true when this response is the stored answer to an earlier request with the same Idempotency-Key.", str(), false),
	}
}
