package api

// Route is one endpoint of the API.
type Route struct {
	Method string // "GET", "POST", "PUT", "PATCH" or "DELETE"
	Path   string // a net/http pattern path such as "/api/v1/orgs/{id}"
	// Tenant names the kind of tenant-owned object the path's parameters
	// point at ("org", "contact", "system", "resource", "software", "user",
	// "membership", "token", "sensor", "alert"), "" when the path names
	// none (threat-intel feeds are national data, gated by permission and
	// TLP rather than by tenant). Tests call every
	// tenant route with another tenant's object and expect 404.
	Tenant string
	Query  []string // the query parameters it takes; any other answers 400
	Public bool     // served without a token
	h      handler
}

// Pattern is the route's net/http ServeMux pattern.
func (rt Route) Pattern() string { return rt.Method + " " + rt.Path }

// Routes lists the whole route surface, for tests and documentation.
func Routes() []Route {
	var a *API // the method values below are taken, never called
	return a.routes()
}

// routes is the whole route surface of the API, in one place.
func (a *API) routes() []Route {
	const v = "/api/v1"
	return []Route{
		{Method: "GET", Path: v + "/openapi.json", Public: true, h: a.openAPI},
		{Method: "GET", Path: v + "/me", h: a.me},

		{Method: "GET", Path: v + "/orgs", Query: paged("q", "kind", "sector", "province", "parent"), h: a.listOrgs},
		{Method: "POST", Path: v + "/orgs", h: a.createOrg},
		{Method: "GET", Path: v + "/orgs/{id}", Tenant: "org", h: a.getOrg},
		{Method: "PATCH", Path: v + "/orgs/{id}", Tenant: "org", h: a.updateOrg},

		{Method: "GET", Path: v + "/orgs/{org}/contacts", Tenant: "org", Query: paged("role"), h: a.listContacts},
		{Method: "POST", Path: v + "/orgs/{org}/contacts", Tenant: "org", h: a.createContact},
		{Method: "PUT", Path: v + "/contacts/{id}", Tenant: "contact", h: a.replaceContact},
		{Method: "DELETE", Path: v + "/contacts/{id}", Tenant: "contact", h: a.deleteContact},
		{Method: "POST", Path: v + "/contacts/{id}/confirm", Tenant: "contact", h: a.confirmContact},

		{Method: "GET", Path: v + "/orgs/{org}/systems", Tenant: "org", Query: paged("level", "q"), h: a.listSystems},
		{Method: "POST", Path: v + "/orgs/{org}/systems", Tenant: "org", h: a.createSystem},
		{Method: "GET", Path: v + "/systems/{id}", Tenant: "system", h: a.getSystem},
		{Method: "PATCH", Path: v + "/systems/{id}", Tenant: "system", h: a.updateSystem},

		{Method: "POST", Path: v + "/orgs/{org}/resources", Tenant: "org", h: a.claimResource},
		{Method: "GET", Path: v + "/resources", Query: paged("org", "type", "status", "q"), h: a.listResources},
		{Method: "GET", Path: v + "/resources/{id}", Tenant: "resource", h: a.getResource},
		{Method: "DELETE", Path: v + "/resources/{id}", Tenant: "resource", h: a.deleteResource},
		{Method: "POST", Path: v + "/resources/{id}/approve", Tenant: "resource", h: a.approveResource},
		{Method: "POST", Path: v + "/resources/{id}/reject", Tenant: "resource", h: a.rejectResource},
		{Method: "GET", Path: v + "/ownership", Query: []string{"q"}, h: a.ownership},

		{Method: "GET", Path: v + "/systems/{id}/software", Tenant: "system", Query: paged("q"), h: a.listSoftware},
		{Method: "POST", Path: v + "/systems/{id}/software", Tenant: "system", h: a.addSoftware},
		{Method: "DELETE", Path: v + "/software/{id}", Tenant: "software", h: a.deleteSoftware},
		{Method: "POST", Path: v + "/orgs/{org}/inventory.csv", Tenant: "org", h: a.importInventory},

		{Method: "GET", Path: v + "/users", Query: paged("q", "role", "org"), h: a.listUsers},
		{Method: "POST", Path: v + "/users", h: a.createUser},
		{Method: "GET", Path: v + "/users/{id}", Tenant: "user", h: a.getUser},
		{Method: "PATCH", Path: v + "/users/{id}", Tenant: "user", h: a.updateUser},
		{Method: "POST", Path: v + "/users/{id}/memberships", Tenant: "user", h: a.addMembership},
		{Method: "DELETE", Path: v + "/users/{id}/memberships/{org}", Tenant: "membership", h: a.removeMembership},

		{Method: "GET", Path: v + "/tokens", Query: []string{"user"}, h: a.listTokens},
		{Method: "POST", Path: v + "/tokens", h: a.createToken},
		{Method: "DELETE", Path: v + "/tokens/{id}", Tenant: "token", h: a.revokeToken},

		{Method: "GET", Path: v + "/audit", Query: paged("actor", "action", "target_type", "target_id", "org", "from", "to"), h: a.listAudit},
		{Method: "POST", Path: v + "/audit/verify", h: a.verifyAudit},

		{Method: "GET", Path: v + "/orgs/{org}/sensors", Tenant: "org", Query: paged("silent"), h: a.listSensors},
		{Method: "POST", Path: v + "/orgs/{org}/sensors", Tenant: "org", h: a.registerSensor},
		{Method: "GET", Path: v + "/sensors/{id}", Tenant: "sensor", h: a.getSensor},
		{Method: "PATCH", Path: v + "/sensors/{id}", Tenant: "sensor", h: a.updateSensor},
		{Method: "POST", Path: v + "/sensors/{id}/rotate-token", Tenant: "sensor", h: a.rotateSensorToken},
		{Method: "GET", Path: v + "/sensors/{id}/health", Tenant: "sensor", h: a.sensorHealth},

		{Method: "GET", Path: v + "/alerts", Query: paged("state", "kind", "org", "q"), h: a.listAlerts},
		{Method: "GET", Path: v + "/alerts/{id}", Tenant: "alert", h: a.getAlert},
		{Method: "POST", Path: v + "/alerts/{id}/acknowledge", Tenant: "alert", h: a.acknowledgeAlert},
		{Method: "POST", Path: v + "/alerts/{id}/close", Tenant: "alert", h: a.closeAlert},
		{Method: "POST", Path: v + "/alerts/{id}/false-positive", Tenant: "alert", h: a.falsePositive},
		{Method: "POST", Path: v + "/alerts/{id}/escalate", Tenant: "alert", h: a.escalateAlert},

		{Method: "GET", Path: v + "/intel/feeds", h: a.listFeeds},
		{Method: "POST", Path: v + "/intel/feeds", h: a.createFeed},
		{Method: "GET", Path: v + "/intel/feeds/{id}", h: a.getFeed},
		{Method: "PATCH", Path: v + "/intel/feeds/{id}", h: a.updateFeed},
		{Method: "POST", Path: v + "/intel/feeds/{id}/import", Query: []string{"name"}, h: a.importFeed},
		{Method: "GET", Path: v + "/intel/indicators", Query: paged("type", "feed", "q"), h: a.listIndicators},

		{Method: "GET", Path: v + "/evidence/cases", Query: paged(), h: a.listMyCases},
		{Method: "POST", Path: v + "/evidence/cases", h: a.openCase},
		{Method: "GET", Path: v + "/evidence/cases/{id}", Tenant: "evidence_case", h: a.getCase},
		{Method: "POST", Path: v + "/evidence/cases/{id}/assignments", Tenant: "evidence_case", h: a.assignCase},
		{Method: "DELETE", Path: v + "/evidence/cases/{id}/assignments/{user}", Tenant: "evidence_assignment", h: a.unassignCase},
		{Method: "GET", Path: v + "/evidence/cases/{id}/items", Tenant: "evidence_case", h: a.listItems},
		{Method: "POST", Path: v + "/evidence/cases/{id}/items", Tenant: "evidence_case", Query: itemQuery, h: a.addItem},
		{Method: "POST", Path: v + "/evidence/cases/{id}/uploads", Tenant: "evidence_case", h: a.startUpload},
		{Method: "POST", Path: v + "/evidence/cases/{id}/export", Tenant: "evidence_case", h: a.exportCase},
		{Method: "GET", Path: v + "/evidence/uploads/{id}", Tenant: "evidence_upload", h: a.uploadStatus},
		{Method: "PUT", Path: v + "/evidence/uploads/{id}", Tenant: "evidence_upload", Query: []string{"offset"}, h: a.appendUpload},
		{Method: "DELETE", Path: v + "/evidence/uploads/{id}", Tenant: "evidence_upload", h: a.abortUpload},
		{Method: "POST", Path: v + "/evidence/uploads/{id}/commit", Tenant: "evidence_upload", h: a.commitUpload},
		{Method: "GET", Path: v + "/evidence/items/{id}", Tenant: "evidence_item", Query: []string{"location", "reason"}, h: a.getItem},
		{Method: "GET", Path: v + "/evidence/items/{id}/content", Tenant: "evidence_item", Query: []string{"location", "reason"}, h: a.downloadItem},
		{Method: "POST", Path: v + "/evidence/items/{id}/custody", Tenant: "evidence_item", h: a.recordCustody},
		{Method: "POST", Path: v + "/evidence/items/{id}/transfers", Tenant: "evidence_item", h: a.requestTransfer},
		{Method: "POST", Path: v + "/evidence/items/{id}/hold", Tenant: "evidence_item", h: a.setHold},
		{Method: "POST", Path: v + "/evidence/items/{id}/share", Tenant: "evidence_item", h: a.shareItem},
		{Method: "POST", Path: v + "/evidence/items/{id}/retention", Tenant: "evidence_item", h: a.setRetention},
		{Method: "POST", Path: v + "/evidence/items/{id}/destroy", Tenant: "evidence_item", h: a.destroyItem},
		{Method: "POST", Path: v + "/evidence/transfers/{id}/confirm", Tenant: "evidence_transfer", h: a.confirmTransfer},
		{Method: "POST", Path: v + "/evidence/transfers/{id}/decline", Tenant: "evidence_transfer", h: a.declineTransfer},
		{Method: "GET", Path: v + "/portal/entries", Query: paged("state", "kind", "q"), h: a.listPortalEntries},
		{Method: "GET", Path: v + "/portal/entries/{id}", h: a.getPortalEntry},
		{Method: "GET", Path: v + "/portal/entries/{id}/reports", h: a.listPortalReports},
		{Method: "POST", Path: v + "/portal/entries/{id}/confirm", h: a.portalStep("confirm")},
		{Method: "POST", Path: v + "/portal/entries/{id}/reject", h: a.portalStep("reject")},
		{Method: "POST", Path: v + "/portal/entries/{id}/renew", h: a.portalStep("renew")},
		{Method: "POST", Path: v + "/portal/entries/{id}/reopen", h: a.portalStep("reopen")},
		{Method: "GET", Path: v + "/portal/screenshots/{id}", h: a.getPortalScreenshot},
		{Method: "POST", Path: v + "/portal/reports", h: a.fileReport},
		{Method: "GET", Path: v + "/portal/appeals", Query: paged("state", "entry"), h: a.listPortalAppeals},
		{Method: "GET", Path: v + "/portal/reviewers", Query: []string{"all"}, h: a.listPortalReviewers},
		{Method: "POST", Path: v + "/portal/reviewers", h: a.designatePortalReviewer},
		{Method: "DELETE", Path: v + "/portal/reviewers/{id}", h: a.revokePortalReviewer},

		{Method: "GET", Path: v + "/me/notifications", h: a.needs(a.notifyReady, a.myPreferences)},
		{Method: "PUT", Path: v + "/me/notifications", h: a.needs(a.notifyReady, a.setMyPreferences)},
		{Method: "GET", Path: v + "/notifications", Query: paged("state", "kind", "ref", "channel", "org"), h: a.needs(a.notifyReady, a.listNotifications)},
		{Method: "POST", Path: v + "/notifications/{id}/retry", Tenant: "notification", h: a.needs(a.notifyReady, a.retryNotification)},
		{Method: "GET", Path: v + "/webhooks", Query: []string{"org", "national"}, h: a.needs(a.notifyReady, a.listWebhooks)},
		{Method: "POST", Path: v + "/webhooks", h: a.needs(a.notifyReady, a.createWebhook)},
		{Method: "GET", Path: v + "/webhooks/{id}", Tenant: "webhook", h: a.needs(a.notifyReady, a.getWebhook)},
		{Method: "PATCH", Path: v + "/webhooks/{id}", Tenant: "webhook", h: a.needs(a.notifyReady, a.updateWebhook)},
		{Method: "DELETE", Path: v + "/webhooks/{id}", Tenant: "webhook", h: a.needs(a.notifyReady, a.deleteWebhook)},
		{Method: "POST", Path: v + "/portal/appeals/{id}/decide", h: a.decidePortalAppeal},

		{Method: "GET", Path: v + "/advisories", Query: paged("source", "severity", "status", "cve", "q", "kev"), h: a.needs(a.advisoryReady, a.listAdvisories)},
		{Method: "POST", Path: v + "/advisories", h: a.needs(a.advisoryReady, a.createAdvisory)},
		{Method: "POST", Path: v + "/advisories/import", Query: []string{"name"}, h: a.needs(a.advisoryReady, a.importAdvisories)},
		{Method: "GET", Path: v + "/advisories/{id}", h: a.needs(a.advisoryReady, a.getAdvisory)},
		{Method: "PUT", Path: v + "/advisories/{id}", h: a.needs(a.advisoryReady, a.updateAdvisory)},
		{Method: "POST", Path: v + "/advisories/{id}/publish", h: a.needs(a.advisoryReady, a.publishAdvisory)},
		{Method: "GET", Path: v + "/advisory-feeds", h: a.needs(a.advisoryReady, a.listAdvisoryFeeds)},
		{Method: "POST", Path: v + "/advisory-feeds", h: a.needs(a.advisoryReady, a.createAdvisoryFeed)},
		{Method: "GET", Path: v + "/advisory-feeds/{id}", h: a.needs(a.advisoryReady, a.getAdvisoryFeed)},
		{Method: "PATCH", Path: v + "/advisory-feeds/{id}", h: a.needs(a.advisoryReady, a.updateAdvisoryFeed)},
		{Method: "POST", Path: v + "/advisory-feeds/{id}/pull", h: a.needs(a.advisoryReady, a.pullAdvisoryFeed)},
		{Method: "GET", Path: v + "/actions", Query: paged("org", "system", "advisory", "state", "overdue"), h: a.needs(a.advisoryReady, a.listActions)},
		{Method: "POST", Path: v + "/actions/recompute", h: a.needs(a.advisoryReady, a.recomputeActions)},
		{Method: "GET", Path: v + "/actions/{id}", Tenant: "action", h: a.needs(a.advisoryReady, a.getAction)},
		{Method: "POST", Path: v + "/actions/{id}/transitions", Tenant: "action", h: a.needs(a.advisoryReady, a.transitionAction)},
		{Method: "POST", Path: v + "/actions/{id}/exceptions", Tenant: "action", h: a.needs(a.advisoryReady, a.requestException)},
		{Method: "POST", Path: v + "/actions/{id}/evidence", Tenant: "action", h: a.needs(a.advisoryReady, a.uploadActionEvidence)},
		{Method: "GET", Path: v + "/actions/{id}/evidence", Tenant: "action", h: a.needs(a.advisoryReady, a.downloadActionEvidence)},
		{Method: "GET", Path: v + "/action-exceptions", Query: []string{"state"}, h: a.needs(a.advisoryReady, a.listExceptions)},
		{Method: "POST", Path: v + "/action-exceptions/{id}/decide", Tenant: "action_exception", h: a.needs(a.advisoryReady, a.decideException)},
		{Method: "GET", Path: v + "/debt", Query: []string{"by"}, h: a.needs(a.advisoryReady, a.debt)},
		{Method: "GET", Path: v + "/debt/trend", Query: []string{"org", "days"}, h: a.needs(a.advisoryReady, a.debtTrend)},
		{Method: "GET", Path: v + "/debt.csv", Query: []string{"by"}, h: a.needs(a.advisoryReady, a.debtCSV)},

		{Method: "GET", Path: v + "/incidents", Query: paged("state", "severity", "category", "org", "breached", "q"), h: a.needs(a.incidentsOn, a.listIncidents)},
		{Method: "POST", Path: v + "/incidents", h: a.needs(a.incidentsOn, a.reportIncident)},
		{Method: "GET", Path: v + "/incident-taxonomy", h: a.needs(a.incidentsOn, a.incidentTaxonomy)},
		{Method: "GET", Path: v + "/reports/incidents", Query: []string{"year"}, h: a.needs(a.incidentsOn, a.incidentStats)},
		{Method: "GET", Path: v + "/incidents/{id}", Tenant: "incident", h: a.needs(a.incidentsOn, a.getIncident)},
		{Method: "POST", Path: v + "/incidents/{id}/triage", Tenant: "incident", h: a.needs(a.incidentsOn, a.triageIncident)},
		{Method: "POST", Path: v + "/incidents/{id}/transition", Tenant: "incident", h: a.needs(a.incidentsOn, a.transitionIncident)},
		{Method: "POST", Path: v + "/incidents/{id}/reject", Tenant: "incident", h: a.needs(a.incidentsOn, a.rejectIncident)},
		{Method: "POST", Path: v + "/incidents/{id}/merge", Tenant: "incident", h: a.needs(a.incidentsOn, a.mergeIncident)},
		{Method: "POST", Path: v + "/incidents/{id}/notes", Tenant: "incident", h: a.needs(a.incidentsOn, a.addIncidentNote)},
		{Method: "POST", Path: v + "/incidents/{id}/tasks", Tenant: "incident", h: a.needs(a.incidentsOn, a.addIncidentTask)},
		{Method: "PATCH", Path: v + "/incidents/{id}/tasks/{task}", Tenant: "incident_task", h: a.needs(a.incidentsOn, a.updateIncidentTask)},
		{Method: "POST", Path: v + "/incidents/{id}/clocks/pause", Tenant: "incident", h: a.needs(a.incidentsOn, a.pauseIncidentClocks)},
		{Method: "POST", Path: v + "/incidents/{id}/clocks/resume", Tenant: "incident", h: a.needs(a.incidentsOn, a.resumeIncidentClocks)},
		{Method: "POST", Path: v + "/incidents/{id}/alerts", Tenant: "incident", h: a.needs(a.incidentsOn, a.linkIncidentAlert)},
		{Method: "POST", Path: v + "/incidents/{id}/files", Tenant: "incident", Query: []string{"name", "visibility"}, h: a.needs(a.incidentsOn, a.attachIncidentFile)},
		{Method: "GET", Path: v + "/incidents/{id}/files/{file}", Tenant: "incident_file", h: a.needs(a.incidentsOn, a.getIncidentFile)},

		{Method: "GET", Path: v + "/alliance/skills", h: a.allianceSkills},
		{Method: "GET", Path: v + "/alliance/members", Query: paged(), h: a.needs(a.allianceReady, a.allianceMembers)},
		{Method: "GET", Path: v + "/alliance/responders", Query: paged("org", "skill", "province", "active"), h: a.needs(a.allianceReady, a.listResponders)},
		{Method: "GET", Path: v + "/alliance/responders/{id}", Tenant: "responder", h: a.needs(a.allianceReady, a.getResponder)},
		{Method: "PUT", Path: v + "/alliance/responders/{id}", Tenant: "responder", h: a.needs(a.allianceReady, a.putResponder)},
		{Method: "PUT", Path: v + "/alliance/responders/{id}/availability", Tenant: "responder", h: a.needs(a.allianceReady, a.putAvailability)},
		{Method: "GET", Path: v + "/alliance/roster", Query: []string{"org", "skill", "province", "now"}, h: a.needs(a.allianceReady, a.roster)},
		{Method: "GET", Path: v + "/alliance/mobilisations", Query: []string{"incident"}, h: a.needs(a.allianceReady, a.listMobilisations)},
		{Method: "POST", Path: v + "/alliance/mobilisations", h: a.needs(a.allianceReady, a.createMobilisation)},
		{Method: "GET", Path: v + "/alliance/mobilisations/{id}", Tenant: "mobilisation", h: a.needs(a.allianceReady, a.getMobilisation)},
		{Method: "GET", Path: v + "/alliance/mobilisations/{id}/candidates", Tenant: "mobilisation", h: a.needs(a.allianceReady, a.mobilisationCandidates)},
		{Method: "POST", Path: v + "/alliance/mobilisations/{id}/asks", Tenant: "mobilisation", h: a.needs(a.allianceReady, a.askResponders)},
		{Method: "GET", Path: v + "/alliance/asks", h: a.needs(a.allianceReady, a.myAsks)},
		{Method: "GET", Path: v + "/alliance/asks/{id}", Tenant: "mobilisation_ask", h: a.needs(a.allianceReady, a.getAsk)},
		{Method: "POST", Path: v + "/alliance/asks/{id}/answer", Tenant: "mobilisation_ask", h: a.needs(a.allianceReady, a.answerAsk)},
		{Method: "POST", Path: v + "/alliance/asks/{id}/release", Tenant: "mobilisation_ask", h: a.needs(a.allianceReady, a.releaseAsk)},
		{Method: "GET", Path: v + "/alliance/asks/{id}/hours", Tenant: "mobilisation_ask", h: a.needs(a.allianceReady, a.listHours)},
		{Method: "POST", Path: v + "/alliance/asks/{id}/hours", Tenant: "mobilisation_ask", h: a.needs(a.allianceReady, a.logHours)},
		{Method: "POST", Path: v + "/alliance/asks/{id}/rating", Tenant: "mobilisation_ask", h: a.needs(a.allianceReady, a.rateAsk)},
	}
}
