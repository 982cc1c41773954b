// Package tlp is the Traffic Light Protocol 2.0 as a type.
//
// Levels are ordered from least to most restricted: CLEAR < GREEN < AMBER <
// AMBER+STRICT < RED. A reader may see a marked object when the reader's
// clearance is at least the object's level and, for AMBER+STRICT and RED, when
// the domain's own rule (membership of the organisation, named recipients)
// also holds; Allows checks the first part, domains check the second.
package tlp

import (
	"fmt"
	"strings"
)

// Level is a TLP 2.0 marking.
type Level uint8

const (
	Clear Level = iota + 1
	Green
	Amber
	AmberStrict
	Red
)

var names = map[Level]string{
	Clear:       "CLEAR",
	Green:       "GREEN",
	Amber:       "AMBER",
	AmberStrict: "AMBER+STRICT",
	Red:         "RED",
}

func (l Level) String() string {
	if s, ok := names[l]; ok {
		return s
	}
	return fmt.Sprintf("TLP(%d)", uint8(l))
}

// Valid reports whether l is one of the five levels.
func (l Level) Valid() bool { _, ok := names[l]; return ok }

// Parse reads a level, accepting an optional "TLP:" prefix, any case, and
// WHITE as the TLP 1.0 name of CLEAR.
func Parse(s string) (Level, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	u = strings.TrimPrefix(u, "TLP:")
	if u == "WHITE" {
		return Clear, nil
	}
	for l, n := range names {
		if n == u {
			return l, nil
		}
	}
	return 0, fmt.Errorf("tlp: unknown level %q", s)
}

// Allows reports whether a reader cleared to c may see an object marked l.
func (c Level) Allows(l Level) bool { return c.Valid() && l.Valid() && c >= l }

// MarshalText implements encoding.TextMarshaler.
func (l Level) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("tlp: invalid level %d", uint8(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
