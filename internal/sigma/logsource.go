package sigma

// Logsource filtering: which events a rule is run against. The rules of
// thumb, permissive where the event model cannot tell:
//
//   - product: windows runs on Format windows only, zeek on zeek, suricata on
//     eve; linux, macos and every other product (aws, azure, github, cisco …)
//     run on the generic formats json, ecs, syslog and cef, never on the
//     formats that name another product. No product: any format.
//   - category must name the event's Kind, with aliases: registry_event covers
//     registry_add/_set/_delete/_rename (and a decoder's undivided
//     registry_event covers each of them); file_delete and
//     file_delete_detected cover each other; dns covers dns_query; proxy
//     and webserver cover http; firewall covers flow, conn and netflow;
//     network_connection covers flow and conn. Category application (and
//     network, filtered by its service) constrain the product only. An event
//     with an empty Kind passes every category — the decoder did not know —
//     except a Windows event: the Windows decoder gives the category of every
//     event that has one (Sysmon, Security 4688, PowerShell 4103/4104), so
//     there an empty Kind means the event has none (a Security 4624, say),
//     and only rules without a category (service rules) run on it.
//   - service: for windows, the event's Channel (Fields "Channel" or
//     "winlog.channel") must be one of the service's channels in the Sigma
//     taxonomy (security → Security, sysmon → Microsoft-Windows-Sysmon/
//     Operational …); an unknown service passes when the channel contains
//     its name. Elsewhere the service must equal the Kind (zeek's log path,
//     e.g. dns, http), or the Kind must be empty.

import (
	"slices"

	"github.com/khien-cert/khien/internal/event"
)

// filter is a rule's compiled logsource.
type filter struct {
	formats  []event.Format // nil: any format
	kinds    []string       // nil: any kind
	channels []string       // windows service: the channels it names
	service  string         // the service; without channels matched against Kind or Channel
}

var genericFormats = []event.Format{event.FormatJSON, event.FormatECS, event.FormatSyslog, event.FormatCEF}

// productFormats maps a product to the formats it arrives in; products not
// listed arrive in genericFormats. Never modified.
var productFormats = map[string][]event.Format{
	"windows":  {event.FormatWindows},
	"zeek":     {event.FormatZeek},
	"suricata": {event.FormatEVE},
}

// categoryKinds lists the Kinds a category accepts beyond its own name.
// Never modified.
var categoryKinds = map[string][]string{
	"registry_event":       {"registry_add", "registry_delete", "registry_set", "registry_rename"},
	"registry_add":         {"registry_event"},
	"registry_delete":      {"registry_event"},
	"registry_set":         {"registry_event"},
	"registry_rename":      {"registry_event"},
	"file_delete":          {"file_delete_detected"},
	"file_delete_detected": {"file_delete"},
	"dns":                  {"dns_query"},
	"dns_query":            {"dns"},
	"proxy":                {"http"},
	"webserver":            {"http", "access"},
	"firewall":             {"flow", "conn", "netflow"},
	"network_connection":   {"flow", "conn"},
}

func newFilter(ls Logsource) filter {
	var f filter
	if ls.Product != "" {
		f.formats = genericFormats
		if fs, ok := productFormats[ls.Product]; ok {
			f.formats = fs
		}
	}
	switch ls.Category {
	case "", "application":
	case "network":
		switch ls.Service {
		case "connection":
			f.kinds = []string{"flow", "conn", "network_connection"}
		case "dns":
			f.kinds = []string{"dns", "dns_query"}
		}
		return f
	default:
		f.kinds = append([]string{ls.Category}, categoryKinds[ls.Category]...)
	}
	if ls.Service != "" {
		f.service = ls.Service
		if ls.Product == "windows" {
			f.channels = windowsChannels[ls.Service]
		}
	}
	return f
}

// acceptsFormatKind is the part of the filter that the RuleSet's index
// decides ahead of time.
func (f *filter) acceptsFormatKind(format event.Format, kind string) bool {
	if f.formats != nil && !slices.Contains(f.formats, format) {
		return false
	}
	if f.kinds == nil || slices.Contains(f.kinds, kind) {
		return true
	}
	// The Windows decoder names every event that has a Sigma category, so
	// there an empty Kind means "none"; elsewhere it means "not known".
	return kind == "" && format != event.FormatWindows
}

// acceptsService is the part decided per event.
func (f *filter) acceptsService(ev *event.Event) bool {
	if f.service == "" {
		return true
	}
	ch, ok := ev.Fields["Channel"]
	if !ok {
		ch, ok = ev.Fields["winlog.channel"]
	}
	if f.channels != nil {
		if !ok {
			return ev.Kind == "" || equalFold(ev.Kind, f.service)
		}
		for _, c := range f.channels {
			if equalFold(ch, c) {
				return true
			}
		}
		return false
	}
	if ev.Kind == "" || equalFold(ev.Kind, f.service) {
		return true
	}
	return ok && compareDynamic(opContains, ch, f.service, true)
}

func (f *filter) accepts(ev *event.Event) bool {
	return f.acceptsFormatKind(ev.Format, ev.Kind) && f.acceptsService(ev)
}

// windowsChannels maps the Windows services of the Sigma taxonomy appendix
// (specification v2.1.0) to their event log channels. Never modified.
var windowsChannels = map[string][]string{
	"application":            {"Application"},
	"application-experience": {"Microsoft-Windows-Application-Experience/Program-Telemetry", "Microsoft-Windows-Application-Experience/Program-Compatibility-Assistant"},
	"applocker": {"Microsoft-Windows-AppLocker/MSI and Script", "Microsoft-Windows-AppLocker/EXE and DLL",
		"Microsoft-Windows-AppLocker/Packaged app-Deployment", "Microsoft-Windows-AppLocker/Packaged app-Execution"},
	"appmodel-runtime":      {"Microsoft-Windows-AppModel-Runtime/Admin"},
	"appxdeployment-server": {"Microsoft-Windows-AppXDeploymentServer/Operational"},
	"appxpackaging-om":      {"Microsoft-Windows-AppxPackaging/Operational"},
	"bitlocker":             {"Microsoft-Windows-BitLocker/BitLocker Management"},
	"bits-client":           {"Microsoft-Windows-Bits-Client/Operational"},
	"capi2":                 {"Microsoft-Windows-CAPI2/Operational"},
	"certificateservicesclient-lifecycle-system": {"Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"},
	"codeintegrity-operational":                  {"Microsoft-Windows-CodeIntegrity/Operational"},
	"dhcp":                                       {"Microsoft-Windows-DHCP-Server/Operational"},
	"diagnosis-scripted":                         {"Microsoft-Windows-Diagnosis-Scripted/Operational"},
	"dns-client":                                 {"Microsoft-Windows-DNS Client Events/Operational"},
	"dns-server":                                 {"DNS Server"},
	"dns-server-analytic":                        {"Microsoft-Windows-DNS-Server/Analytical"},
	"dns-server-audit":                           {"Microsoft-Windows-DNS-Server/Audit"},
	"driver-framework":                           {"Microsoft-Windows-DriverFrameworks-UserMode/Operational"},
	"firewall-as":                                {"Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"},
	"hyper-v-worker":                             {"Microsoft-Windows-Hyper-V-Worker"},
	"iis-configuration":                          {"Microsoft-IIS-Configuration/Operational"},
	"kernel-event-tracing":                       {"Microsoft-Windows-Kernel-EventTracing"},
	"kernel-shimengine":                          {"Microsoft-Windows-Kernel-ShimEngine/Operational", "Microsoft-Windows-Kernel-ShimEngine/Diagnostic"},
	"ldap":                                       {"Microsoft-Windows-LDAP-Client/Debug"},
	"lsa-server":                                 {"Microsoft-Windows-LSA/Operational"},
	"msexchange-management":                      {"MSExchange Management"},
	"ntfs":                                       {"Microsoft-Windows-Ntfs/Operational"},
	"ntlm":                                       {"Microsoft-Windows-NTLM/Operational"},
	"openssh":                                    {"OpenSSH/Operational"},
	"powershell":                                 {"Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational"},
	"powershell-classic":                         {"Windows PowerShell"},
	"printservice-admin":                         {"Microsoft-Windows-PrintService/Admin"},
	"printservice-operational":                   {"Microsoft-Windows-PrintService/Operational"},
	"security":                                   {"Security"},
	"security-mitigations":                       {"Microsoft-Windows-Security-Mitigations/Kernel Mode", "Microsoft-Windows-Security-Mitigations/User Mode"},
	"sense":                                      {"Microsoft-Windows-SENSE/Operational"},
	"servicebus-client":                          {"Microsoft-ServiceBus-Client/Operational", "Microsoft-ServiceBus-Client/Admin"},
	"shell-core":                                 {"Microsoft-Windows-Shell-Core/Operational"},
	"smbclient-security":                         {"Microsoft-Windows-SmbClient/Security"},
	"sysmon":                                     {"Microsoft-Windows-Sysmon/Operational"},
	"system":                                     {"System"},
	"taskscheduler":                              {"Microsoft-Windows-TaskScheduler/Operational"},
	"terminalservices-localsessionmanager":       {"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"},
	"vhdmp":                                      {"Microsoft-Windows-VHDMP/Operational"},
	"windefend":                                  {"Microsoft-Windows-Windows Defender/Operational"},
	"wmi":                                        {"Microsoft-Windows-WMI-Activity/Operational"},
}
