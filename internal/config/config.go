// Package config holds Khiên's one configuration value.
//
// A Config is built by Load from, in rising precedence: built-in defaults, an
// optional JSON file (--config or KHIEN_CONFIG), KHIEN_* environment variables,
// and command-line flags. Load validates the result; Redacted gives a copy safe
// to log. There are no package variables: every consumer is handed a Config.
package config

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is everything a khien process needs to start.
type Config struct {
	Listen        string        `json:"listen"`          // HTTP address
	DataDir       string        `json:"data_dir"`        // where SQLite, JetStream and keys live
	Database      string        `json:"database"`        // SQLite path or postgres:// URL
	NATS          string        `json:"nats"`            // empty: embedded; else a nats:// URL
	Demo          bool          `json:"demo"`            // load demo data at start
	LogFormat     string        `json:"log_format"`      // "json" or "text"
	LogLevel      string        `json:"log_level"`       // debug, info, warn, error
	BaseURL       string        `json:"base_url"`        // public URL, for links and cookies
	CookieSecure  bool          `json:"cookie_secure"`   // mark session cookies Secure
	SessionTTL    time.Duration `json:"session_ttl"`     // idle lifetime of a session
	ShutdownGrace time.Duration `json:"shutdown_grace"`  // time to drain on stop
	Rules         string        `json:"rules"`           // directory of Sigma rules; empty for none
	SyslogListen  string        `json:"syslog_listen"`   // TCP address for syslog sensors; empty for none
	SyslogTLSCert string        `json:"syslog_tls_cert"` // PEM certificate: syslog over TLS (RFC 5425) when set
	SyslogTLSKey  string        `json:"syslog_tls_key"`  // PEM private key for SyslogTLSCert
	// EvidenceUploadTTL is how long an unfinished resumable evidence upload is
	// kept; EvidenceOrphanGrace how long content no evidence item claims is
	// kept after it was written. Zero takes the vault's defaults (7 days, 1 day).
	EvidenceUploadTTL   time.Duration `json:"evidence_upload_ttl"`
	EvidenceOrphanGrace time.Duration `json:"evidence_orphan_grace"`
	// EvidenceS3 keeps evidence blobs in an S3-compatible bucket instead of
	// DATA-DIR/evidence: https://ACCESS:SECRET@host/bucket[/prefix].
	EvidenceS3 string `json:"evidence_s3"`
	// Notifications (notify.go): the SMTP server e-mail goes through (none
	// configured: e-mail waits in the outbox), and whether webhooks may use
	// plain http:// to a loopback address (tests, a local receiver).
	SMTP             SMTP `json:"smtp"`
	WebhookAllowHTTP bool `json:"webhook_allow_http"`
	// CSAF provider (internal/app/csaf.go): the CERT named as publisher of
	// the platform's advisories at /.well-known/csaf/.
	CSAFPublisher string `json:"csaf_publisher"` // publisher name
	CSAFNamespace string `json:"csaf_namespace"` // publisher namespace URL (default BASE-URL)
	CSAFContact   string `json:"csaf_contact"`   // publisher contact details
	// Advisories (internal/app/advisory.go): the platform-wide due-date
	// profile ("" for the table by severity and security level, or
	// "bod-22-01"), the table itself (severity → days on level 1–3 and 4–5
	// systems; empty for the built-in one), and the escalation ladder's
	// delays (zero: 24h, 168h, 168h).
	AdvisoryDueProfile  string            `json:"advisory_due_profile"`
	AdvisoryDueDays     map[string][2]int `json:"advisory_due_days"`
	EscalateCISOAfter   time.Duration     `json:"escalate_ciso_after"`
	EscalateParentAfter time.Duration     `json:"escalate_parent_after"`
	EscalateCoordAfter  time.Duration     `json:"escalate_coordinator_after"`
}

// Default returns the built-in defaults.
func Default() Config {
	return Config{
		Listen:        "127.0.0.1:8080",
		DataDir:       "./data",
		LogFormat:     "text",
		LogLevel:      "info",
		CookieSecure:  true,
		SessionTTL:    12 * time.Hour,
		ShutdownGrace: 15 * time.Second,
		SMTP:          SMTP{Port: 587, TLS: "starttls"},
	}
}

type option struct {
	name, help string
	isBool     bool
	get        func(c *Config) string
	set        func(c *Config, v string) error
}

func str(p func(*Config) *string) (func(*Config) string, func(*Config, string) error) {
	return func(c *Config) string { return *p(c) },
		func(c *Config, v string) error { *p(c) = v; return nil }
}

func options() []option {
	mk := func(name, help string, p func(*Config) *string) option {
		g, s := str(p)
		return option{name: name, help: help, get: g, set: s}
	}
	boolOpt := func(name, help string, p func(*Config) *bool) option {
		return option{name: name, help: help, isBool: true,
			get: func(c *Config) string { return strconv.FormatBool(*p(c)) },
			set: func(c *Config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return fmt.Errorf("%s: want true or false, got %q", name, v)
				}
				*p(c) = b
				return nil
			}}
	}
	durOpt := func(name, help string, p func(*Config) *time.Duration) option {
		return option{name: name, help: help,
			get: func(c *Config) string { return p(c).String() },
			set: func(c *Config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil {
					return fmt.Errorf("%s: want a duration such as 30s, got %q", name, v)
				}
				*p(c) = d
				return nil
			}}
	}
	return append([]option{
		mk("listen", "HTTP listen address", func(c *Config) *string { return &c.Listen }),
		mk("data-dir", "directory for the database, stream and keys", func(c *Config) *string { return &c.DataDir }),
		mk("database", "SQLite file path or postgres:// URL (default DATA-DIR/khien.db)", func(c *Config) *string { return &c.Database }),
		mk("nats", "external NATS URL; empty runs the embedded server", func(c *Config) *string { return &c.NATS }),
		boolOpt("demo", "load demo data", func(c *Config) *bool { return &c.Demo }),
		mk("log-format", "json or text", func(c *Config) *string { return &c.LogFormat }),
		mk("log-level", "debug, info, warn or error", func(c *Config) *string { return &c.LogLevel }),
		mk("base-url", "public base URL (default http://LISTEN)", func(c *Config) *string { return &c.BaseURL }),
		boolOpt("cookie-secure", "mark session cookies Secure", func(c *Config) *bool { return &c.CookieSecure }),
		durOpt("session-ttl", "idle lifetime of a browser session", func(c *Config) *time.Duration { return &c.SessionTTL }),
		durOpt("shutdown-grace", "time to drain requests on stop", func(c *Config) *time.Duration { return &c.ShutdownGrace }),
		mk("rules", "directory of Sigma detection rules (YAML), loaded at start", func(c *Config) *string { return &c.Rules }),
		mk("syslog-listen", "TCP address for syslog sensors (RFC 5425/6587 framing), e.g. :6514; empty: off", func(c *Config) *string { return &c.SyslogListen }),
		mk("syslog-tls-cert", "PEM certificate file: serve syslog over TLS", func(c *Config) *string { return &c.SyslogTLSCert }),
		mk("syslog-tls-key", "PEM private key file for --syslog-tls-cert", func(c *Config) *string { return &c.SyslogTLSKey }),
		durOpt("evidence-upload-ttl", "how long an unfinished evidence upload is kept (0: 168h)", func(c *Config) *time.Duration { return &c.EvidenceUploadTTL }),
		mk("evidence-s3", "S3-compatible bucket for evidence blobs: https://ACCESS:SECRET@host/bucket[/prefix]; empty: DATA-DIR/evidence", func(c *Config) *string { return &c.EvidenceS3 }),
		durOpt("evidence-orphan-grace", "how long evidence content no item claims is kept (0: 24h)", func(c *Config) *time.Duration { return &c.EvidenceOrphanGrace }),
		mk("csaf-publisher", "CERT named as publisher of the CSAF advisories", func(c *Config) *string { return &c.CSAFPublisher }),
		mk("csaf-namespace", "publisher namespace URL of the CSAF advisories (default BASE-URL)", func(c *Config) *string { return &c.CSAFNamespace }),
		mk("csaf-contact", "contact details of the CSAF publisher", func(c *Config) *string { return &c.CSAFContact }),
		mk("advisory-due-profile", "due-date profile of action items: empty (table by severity and security level) or bod-22-01", func(c *Config) *string { return &c.AdvisoryDueProfile }),
		durOpt("escalate-ciso-after", "overdue time before an action item reaches its organisation's CISO (0: 24h)", func(c *Config) *time.Duration { return &c.EscalateCISOAfter }),
		durOpt("escalate-parent-after", "further time before it reaches the parent organisation (0: 168h)", func(c *Config) *time.Duration { return &c.EscalateParentAfter }),
		durOpt("escalate-coordinator-after", "further time before it reaches the coordinating body (0: 168h)", func(c *Config) *time.Duration { return &c.EscalateCoordAfter }),
	}, notifyOptions(mk, boolOpt)...)
}

// flagValue holds a flag's text until the layers are applied; boolean
// options are boolean flags (--demo alone means true).
type flagValue struct {
	s      string
	isBool bool
}

func (v *flagValue) String() string     { return v.s }
func (v *flagValue) Set(s string) error { v.s = s; return nil }
func (v *flagValue) IsBoolFlag() bool   { return v.isBool }

func envName(flagName string) string {
	return "KHIEN_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Flags registers every option on fs (plus --config) and returns a function
// that, after fs.Parse, builds the layered, validated Config.
func Flags(fs *flag.FlagSet, getenv func(string) string) func() (Config, error) {
	opts := options()
	vals := make(map[string]*string, len(opts))
	def := Default()
	for _, o := range opts {
		v := &flagValue{s: o.get(&def), isBool: o.isBool}
		vals[o.name] = &v.s
		fs.Var(v, o.name, o.help+" (env "+envName(o.name)+")")
	}
	cfgPath := fs.String("config", "", "optional JSON config file (env KHIEN_CONFIG)")
	return func() (Config, error) {
		c := Default()
		path := *cfgPath
		if path == "" {
			path = getenv("KHIEN_CONFIG")
		}
		if path != "" {
			if err := loadFile(&c, path); err != nil {
				return Config{}, err
			}
		}
		for _, o := range opts {
			if v := getenv(envName(o.name)); v != "" {
				if err := o.set(&c, v); err != nil {
					return Config{}, fmt.Errorf("environment %s", err)
				}
			}
		}
		var err error
		fs.Visit(func(f *flag.Flag) {
			for _, o := range opts {
				if o.name == f.Name && err == nil {
					err = o.set(&c, *vals[o.name])
				}
			}
		})
		if err != nil {
			return Config{}, err
		}
		c.fill()
		return c, c.Validate()
	}
}

// Load parses args (flags only, no subcommand) into a Config.
func Load(args []string, getenv func(string) string) (Config, error) {
	fs := flag.NewFlagSet("khien", flag.ContinueOnError)
	build := Flags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	return build()
}

func loadFile(c *Config, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	raw := map[string]string{}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(&raw); err != nil {
		return fmt.Errorf("config file %s: want a JSON object of strings: %w", path, err)
	}
	known := map[string]option{}
	for _, o := range options() {
		known[strings.ReplaceAll(o.name, "-", "_")] = o
	}
	for k, v := range raw {
		o, ok := known[k]
		if !ok {
			return fmt.Errorf("config file %s: unknown key %q", path, k)
		}
		if err := o.set(c, v); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
	}
	return nil
}

func (c *Config) fill() {
	if c.Database == "" {
		c.Database = filepath.Join(c.DataDir, "khien.db")
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Listen
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.CSAFPublisher == "" {
		c.CSAFPublisher = "Khiên CERT"
	}
	if c.CSAFNamespace == "" {
		c.CSAFNamespace = c.BaseURL
	}
	if strings.HasPrefix(c.BaseURL, "http://") {
		// Browsers keep Secure cookies only from secure origins: behind plain
		// HTTP (a laptop demo) the session cookie cannot be Secure.
		c.CookieSecure = false
	}
}

// IsPostgres reports whether Database names a PostgreSQL server.
func (c Config) IsPostgres() bool {
	return strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://")
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	var problems []string
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		problems = append(problems, fmt.Sprintf("listen: %q is not host:port", c.Listen))
	}
	if c.DataDir == "" {
		problems = append(problems, "data-dir: must not be empty")
	}
	if c.NATS != "" {
		if u, err := url.Parse(c.NATS); err != nil || (u.Scheme != "nats" && u.Scheme != "tls") {
			problems = append(problems, fmt.Sprintf("nats: %q is not a nats:// or tls:// URL", c.NATS))
		}
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		problems = append(problems, fmt.Sprintf("log-format: want json or text, got %q", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Sprintf("log-level: want debug, info, warn or error, got %q", c.LogLevel))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("base-url: %q is not an http(s) URL", c.BaseURL))
	}
	if c.SyslogListen != "" {
		if _, _, err := net.SplitHostPort(c.SyslogListen); err != nil {
			problems = append(problems, fmt.Sprintf("syslog-listen: %q is not host:port", c.SyslogListen))
		}
	}
	if c.AdvisoryDueProfile != "" && c.AdvisoryDueProfile != "bod-22-01" {
		problems = append(problems, fmt.Sprintf("advisory-due-profile: want empty or bod-22-01, got %q", c.AdvisoryDueProfile))
	}
	for sev, days := range c.AdvisoryDueDays {
		if days[0] < 1 || days[1] < 1 || days[0] > 3650 || days[1] > 3650 {
			problems = append(problems, fmt.Sprintf("advisory_due_days.%s: days must be 1 to 3650", sev))
		}
	}
	if c.EscalateCISOAfter < 0 || c.EscalateParentAfter < 0 || c.EscalateCoordAfter < 0 {
		problems = append(problems, "escalate-*-after: must not be negative")
	}
	if (c.SyslogTLSCert == "") != (c.SyslogTLSKey == "") {
		problems = append(problems, "syslog-tls-cert and syslog-tls-key go together")
	}
	if c.SessionTTL < time.Minute {
		problems = append(problems, "session-ttl: must be at least 1m")
	}
	if c.EvidenceUploadTTL < 0 || c.EvidenceOrphanGrace < 0 || (c.EvidenceOrphanGrace > 0 && c.EvidenceOrphanGrace < time.Hour) {
		problems = append(problems, "evidence-upload-ttl and evidence-orphan-grace: 0 (default) or positive; the grace at least 1h")
	}
	problems = append(problems, c.SMTP.problems()...)
	if len(problems) > 0 {
		return errors.New("config: " + strings.Join(problems, "; "))
	}
	return nil
}

// Redacted returns a copy fit for logs: passwords in URLs are masked.
func (c Config) Redacted() Config {
	c.Database = redactURL(c.Database)
	c.NATS = redactURL(c.NATS)
	c.EvidenceS3 = redactURL(c.EvidenceS3)
	if c.SMTP.Password != "" {
		c.SMTP.Password = "xxxxx"
	}
	return c
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
