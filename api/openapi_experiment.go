package api

// OpenAPI schemas of experiments (live A/B tests of campaigns).
func experimentSchemas() map[string]schema {
	num := schema{"type": "number"}
	diff := object(map[string]schema{
		"difference": num, "ci95_low": num, "ci95_high": num,
	}, "difference", "ci95_low", "ci95_high")
	diff["description"] = "Recovered rate minus the first arm's, with its 95 % interval (Newcombe)."
	arm := object(map[string]schema{"campaign": strDesc("cmp_…"), "weight": schema{"type": "integer", "minimum": 1, "maximum": 1000}},
		"campaign", "weight")
	return map[string]schema{
		"ExperimentArm": arm,
		"ArmResult": object(map[string]schema{
			"arm": intDesc("Index in arms."), "campaign": str(), "weight": intg(), "recoveries": intg(), "in_flight": intg(),
			"recovered": intg(), "recovered_rate": nullable(num), "recovered_revenue": arr(ref("Money")), "charges": intDesc("Attempts that reached the provider."),
			"charges_per_recovery": nullable(num), "difference_from_first": nullable(diff),
		}, "arm", "campaign", "weight", "recoveries", "recovered", "recovered_rate", "recovered_revenue", "charges", "charges_per_recovery"),
		"Experiment": object(map[string]schema{
			"id": strDesc("exp_…"), "object": constant("experiment"), "livemode": boolean(), "name": str(),
			"status": enum("running", "stopped"), "arms": arr(ref("ExperimentArm")), "filters": ref("CampaignFilters"),
			"started_at": timestamp(), "stopped_at": nullable(timestamp()), "created_at": timestamp(), "updated_at": timestamp(),
			"results": schema{"type": "array", "items": ref("ArmResult"), "description": "Per arm, on GET by id, create and stop."},
		}, "id", "object", "livemode", "name", "status", "arms", "filters", "started_at", "stopped_at", "created_at"),
		"ExperimentInput": closed(object(map[string]schema{
			"name": schema{"type": "string", "minLength": 1, "maxLength": 200},
			"arms": schema{"type": "array", "minItems": 2, "maxItems": 10, "items": closed(object(map[string]schema{
				"campaign": strDesc("cmp_… of this workspace and mode."),
				"weight":   schema{"type": "integer", "minimum": 1, "maximum": 1000, "description": "Default 1."},
			}, "campaign"))},
			"filters": ref("CampaignFilters"),
		}, "name", "arms")),
		"ExperimentPage": pageSchema(ref("Experiment")),
	}
}
