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
		"SimulationInput": closed(object(map[string]schema{
			"strategies": schema{"type": "array", "items": enum("default", "fixed-8x14d", "fixed-4x7d", "emails-only", "unguarded-8x14d")},
			"campaigns":  schema{"type": "array", "items": strDesc("cmp_… of this workspace and mode.")},
			"population": strDesc("default, or this workspace's id to resample its live payments of the last 180 days."),
			"n":          schema{"type": "integer", "minimum": 1, "maximum": 5000, "description": "Simulated payments; default 1000."},
			"seed":       schema{"type": "integer", "minimum": 0, "description": "Default 1; a seed always gives the same report."},
			"days":       schema{"type": "integer", "minimum": 1, "maximum": 365, "description": "Default 60."},
		})),
		"Simulation": object(map[string]schema{
			"object": constant("simulation"), "model": object(map[string]schema{"name": str(), "version": intg()}),
			"population": str(), "seed": intg(), "n": intg(), "days": intg(), "start": timestamp(),
			"decline_mix": arr(object(map[string]schema{"code": str(), "class": str(), "count": intg(), "share": num})),
			"strategies":  arr(object(map[string]schema{"name": str(), "payments": intg()}, "name", "payments", "recovered", "charges", "violations", "by_class")),
			"comparison":  object(map[string]schema{"holds": boolean()}),
		}, "object", "model", "population", "seed", "n", "days", "decline_mix", "strategies"),
	}
}
