// Package incident is incident coordination: constituents report incidents
// (or alerts are escalated into them), the coordinating body triages them
// against the ENISA Reference Security Incident Taxonomy, sets a severity
// S0–S4 (Khiên proposes one; overriding it needs a reason), runs them
// through a state machine against legal and service clocks, and organises
// the work in tasks and a timeline.
//
// # Who may do what
//
// Viewer (access.go) is derived from the policy table and nothing else:
// incident:manage (coordinators, administrators) runs every incident;
// incident:read sees incidents of the organisations in its scope (leadership
// within its TLP clearance); incident:report reports for and writes shared
// notes on its organisations' incidents; incident:respond sees only the
// incidents the responder holds an active grant on (incident_members, given
// and taken by the alliance's mobilisation through the store's
// grantIncidentAccess and revokeIncidentAccess), and nothing else. Anything
// a viewer may not see answers errs.NotFound. The part a viewer plays on one
// incident (Actor) decides what it may do; transition.go holds THE table of
// the state machine: only the coordinating body triages, rejects, merges,
// reopens and closes; a mobilised responder starts, contains and resolves;
// the reporting organisation changes no state.
//
// # Clocks
//
// Clocks are data (data/clocks.json, data/holidays_vn.json): legal profiles
// (Circular 20/2017, Decree 13/2023 applied automatically to personal-data
// incidents, NIS2) and service targets per severity (triage, first
// response, update cadence). They are a pure function of the incident's
// event times and pauses (ClockConfig.Plan), recomputed after every change;
// working days skip weekends and holidays counted in Asia/Ho_Chi_Minh; times
// are stored in UTC. Only service targets pause while waiting on the
// reporter. A breach is recorded exactly once (the store's conditional
// UPDATE), flags the incident, goes on the timeline and the audit log, and
// enqueues an incident.breach notice to the affected organisation's ciso and
// duty-24x7 contacts and the owner.
//
// # Invariants
//
//   - Every change is one transaction: the incident row, timeline entries,
//     tasks, clocks, audit entries and notices together, or nothing.
//   - Every transition is on the timeline and in the audit log.
//   - A reference number (KH-YYYY-NNNNNN) is unique; the sequence is per year
//     of the report in Asia/Ho_Chi_Minh.
//   - Every affected system belongs to the reporting organisation; its
//     security level is copied when it is linked.
//   - Internal timeline entries and files are only ever read by the
//     coordinating body.
package incident
