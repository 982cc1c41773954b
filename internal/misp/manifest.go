package misp

// This file reads the index of a MISP feed, manifest.json: an object whose
// keys are event UUIDs (each event is served as <uuid>.json beside it) and
// whose values repeat some of the event's fields.

import (
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/khien-cert/khien/internal/intel"
	"github.com/khien-cert/khien/internal/tlp"
)

// FeedEvent is one entry of a feed manifest.
type FeedEvent struct {
	UUID        string    `json:"uuid"` // lower case; the event file is UUID + ".json"
	Info        string    `json:"info"`
	Date        string    `json:"date,omitempty"`         // YYYY-MM-DD as written
	ThreatLevel int       `json:"threat_level,omitempty"` // 1 high … 4 undefined; 0 when absent
	Org         string    `json:"org,omitempty"`          // Orgc name
	Tags        []string  `json:"tags,omitempty"`
	TLP         tlp.Level `json:"tlp,omitempty"`      // from the tags; 0 when none
	Timestamp   time.Time `json:"timestamp,omitzero"` // last change; a fetcher compares it to skip unchanged events
}

type manifestEntry struct {
	Info          string     `json:"info"`
	Date          string     `json:"date"`
	ThreatLevelID flexString `json:"threat_level_id"`
	Timestamp     flexString `json:"timestamp"`
	Tag           list[Tag]  `json:"Tag"`
	Orgc          struct {
		Name string `json:"name"`
	} `json:"Orgc"`
}

// ReadManifest reads a feed's manifest.json (at most intel.DefaultMaxBytes)
// and returns its events sorted by UUID. Every key must be a UUID, since a
// fetcher builds file names from them. The error is an *errs.Error:
// misp.bad_json or misp.bad_manifest (KindInvalid), intel.too_large, or a
// failure of r.
func ReadManifest(r io.Reader) ([]FeedEvent, error) {
	data, err := intel.ReadAll(r, intel.DefaultMaxBytes)
	if err != nil {
		return nil, err
	}
	var m map[string]manifestEntry
	if err := decode(data, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, invalid(CodeBadManifest, "a feed manifest is a JSON object keyed by event UUID")
	}
	out := make([]FeedEvent, 0, len(m))
	for key, e := range m {
		if !isUUID(key) {
			return nil, invalid(CodeBadManifest, "manifest key %q is not an event UUID", clipN(key, 60))
		}
		fe := FeedEvent{UUID: strings.ToLower(key), Info: e.Info, Date: e.Date, Org: e.Orgc.Name, TLP: tagLevel(e.Tag)}
		fe.ThreatLevel, _ = strconv.Atoi(string(e.ThreatLevelID))
		if n, err := strconv.ParseInt(string(e.Timestamp), 10, 64); err == nil && n > 0 {
			fe.Timestamp = time.Unix(n, 0).UTC()
		}
		for _, t := range e.Tag {
			fe.Tags = append(fe.Tags, t.Name)
		}
		out = append(out, fe)
	}
	slices.SortFunc(out, func(a, b FeedEvent) int { return strings.Compare(a.UUID, b.UUID) })
	return out, nil
}

// isUUID reports the 8-4-4-4-12 hexadecimal form.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// IsManifest reports whether data looks like a feed manifest.
func IsManifest(data []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || len(m) == 0 {
		return false
	}
	for k := range m {
		if !isUUID(k) {
			return false
		}
	}
	return true
}
