package telemetry

// commonKeys interns the dotted keys that most records share, so that
// flattening a typical EVE, ECS or Windows record does not allocate a new
// string for each of them. It is read-only after package initialisation.
var commonKeys = func() map[string]string {
	m := make(map[string]string)
	for _, group := range [][]string{
		prefixed("alert.", "action", "gid", "signature_id", "rev", "signature", "category", "severity",
			"metadata.signature_severity.0", "metadata.created_at.0", "metadata.updated_at.0", "metadata.former_category.0"),
		prefixed("http.", "hostname", "url", "http_user_agent", "http_content_type", "http_method", "protocol",
			"status", "length", "http_refer", "http_port", "redirect"),
		prefixed("tls.", "subject", "issuerdn", "serial", "fingerprint", "sni", "version", "notbefore", "notafter",
			"ja3.hash", "ja3.string", "ja3s.hash", "ja3s.string", "ja4"),
		prefixed("dns.", "type", "id", "rrname", "rrtype", "rcode", "ttl", "rdata", "tx_id", "version", "flags",
			"qr", "rd", "ra", "aa", "tc", "opcode", "z"),
		prefixed("flow.", "pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient", "start", "end",
			"age", "state", "reason", "alerted", "src_ip", "dest_ip", "src_port", "dest_port"),
		prefixed("fileinfo.", "filename", "state", "stored", "size", "tx_id", "md5", "sha1", "sha256", "gaps",
			"magic", "type", "file_id"),
		prefixed("tcp.", "tcp_flags", "tcp_flags_ts", "tcp_flags_tc", "syn", "ack", "psh", "fin", "rst", "state", "ecn", "cwr"),
		prefixed("packet_info.", "linktype"),
		prefixed("Event.System.", "Provider.#attributes.Name", "Provider.#attributes.Guid", "EventID", "Version",
			"Level", "Task", "Opcode", "Keywords", "TimeCreated.#attributes.SystemTime", "EventRecordID",
			"Correlation", "Execution.#attributes.ProcessID", "Execution.#attributes.ThreadID", "Channel",
			"Computer", "Security.#attributes.UserID"),
		prefixed("Event.EventData.", "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion",
			"Description", "Product", "Company", "OriginalFileName", "CommandLine", "CurrentDirectory", "User",
			"LogonGuid", "LogonId", "TerminalSessionId", "IntegrityLevel", "Hashes", "ParentProcessGuid",
			"ParentProcessId", "ParentImage", "ParentCommandLine", "ParentUser", "TargetFilename",
			"CreationUtcTime", "TargetObject", "Details", "EventType", "ImageLoaded", "Signed", "Signature",
			"SignatureStatus", "QueryName", "QueryStatus", "QueryResults"),
		prefixed("source.", "ip", "port", "address", "domain", "bytes", "packets"),
		prefixed("destination.", "ip", "port", "address", "domain", "bytes", "packets"),
		prefixed("event.", "kind", "category", "category.0", "type", "type.0", "action", "dataset", "module",
			"outcome", "severity", "created", "ingested", "original", "code", "provider"),
		prefixed("network.", "transport", "protocol", "direction", "type", "community_id", "bytes", "packets"),
		prefixed("host.", "name", "hostname", "ip.0", "os.name", "os.family"),
		prefixed("agent.", "name", "type", "version", "id", "hostname"),
		prefixed("url.", "full", "original", "domain", "path", "query", "scheme", "port"),
		prefixed("user.", "name", "id", "domain", "email"),
		prefixed("process.", "executable", "name", "pid", "command_line", "args.0", "parent.executable",
			"parent.name", "parent.pid", "parent.command_line"),
	} {
		for _, k := range group {
			m[k] = k
		}
	}
	return m
}()

func prefixed(prefix string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}
