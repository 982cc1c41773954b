package notify

import (
	"slices"
	"strings"
)

// Kind is one kind of notice a user may turn on or off on the preferences
// page. Every kind a package emits is registered here, so the page lists
// them all and an unknown kind in a preference is refused.
type Kind struct {
	Name  string // dotted, as in Notice.Kind: "incident.breach"
	Group string // the capability it belongs to, for grouping on the page
}

// LabelKey is the UI catalogue key of the kind's label
// ("notify.kind.incident_breach"); the web catalogue holds vi and en.
func (k Kind) LabelKey() string { return "notify.kind." + strings.ReplaceAll(k.Name, ".", "_") }

// GroupKey is the UI catalogue key of the kind's group heading.
func (k Kind) GroupKey() string { return "notify.group." + k.Group }

// Kinds of notice, in the order the preferences page shows them.
const (
	KindIncidentReported    = "incident.reported"
	KindIncidentAssigned    = "incident.assigned"
	KindIncidentState       = "incident.state"
	KindIncidentBreach      = "incident.breach"
	KindIncidentNote        = "incident.note"
	KindMobilisationRequest = "mobilisation.request"
	KindMobilisationAnswer  = "mobilisation.answer"
	KindMobilisationRelease = "mobilisation.released"
	KindAdvisoryDigest      = "advisory.digest"
	KindActionEscalated     = "action.escalated"
	KindActionReview        = "action.review"
	KindExceptionExpiring   = "exception.expiring"
	KindSensorSilent        = "sensor.silent"
	KindSensorResumed       = "sensor.resumed"
)

var registry = []Kind{
	{KindIncidentReported, "incident"},
	{KindIncidentAssigned, "incident"},
	{KindIncidentState, "incident"},
	{KindIncidentBreach, "incident"},
	{KindIncidentNote, "incident"},
	{KindMobilisationRequest, "alliance"},
	{KindMobilisationAnswer, "alliance"},
	{KindMobilisationRelease, "alliance"},
	{KindAdvisoryDigest, "advisory"},
	{KindActionEscalated, "action"},
	{KindActionReview, "action"},
	{KindExceptionExpiring, "action"},
	{KindSensorSilent, "monitoring"},
	{KindSensorResumed, "monitoring"},
}

// Kinds lists every registered kind of notice.
func Kinds() []Kind { return slices.Clone(registry) }

// KindNames lists the names of every registered kind.
func KindNames() []string {
	out := make([]string, len(registry))
	for i, k := range registry {
		out[i] = k.Name
	}
	return out
}

// Known reports whether name is a registered kind.
func Known(name string) bool {
	return slices.ContainsFunc(registry, func(k Kind) bool { return k.Name == name })
}
