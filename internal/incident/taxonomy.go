package incident

import (
	_ "embed"
	"encoding/json"
	"strings"
	"sync"
)

// The ENISA / TF-CSIRT Reference Security Incident Taxonomy (RSIT), current
// value list (machine-readable version 1003, CC0), shipped as data. A
// category is written "class/type", e.g. "intrusions/system-compromise"; a
// bare class ("intrusions") is accepted while the type is unknown.

//go:embed data/rsit.json
var rsitJSON []byte

//go:embed data/ecsirt_to_rsit.json
var ecsirtJSON []byte

// Class is one RSIT class with its incident types.
type Class struct {
	Value    string `json:"value"`
	Expanded string `json:"expanded"`
	Types    []Type `json:"types"`
}

// Type is one RSIT incident type.
type Type struct {
	Value    string `json:"value"`
	Expanded string `json:"expanded"`
}

// Taxonomy is the RSIT value list and the mapping from MISP's older eCSIRT
// taxonomy.
type Taxonomy struct {
	Version int     `json:"version"`
	Classes []Class `json:"classes"`
	legacy  map[string]string
}

var loadTaxonomy = sync.OnceValue(func() *Taxonomy {
	var t Taxonomy
	if err := json.Unmarshal(rsitJSON, &t); err != nil {
		panic("incident: embedded RSIT taxonomy: " + err.Error())
	}
	m := map[string]string{}
	if err := json.Unmarshal(ecsirtJSON, &m); err != nil {
		panic("incident: embedded eCSIRT mapping: " + err.Error())
	}
	delete(m, "_comment")
	t.legacy = m
	return &t
})

// RSIT returns the embedded taxonomy.
func RSIT() *Taxonomy { return loadTaxonomy() }

// Valid reports whether category is "class" or "class/type" of the taxonomy.
func (t *Taxonomy) Valid(category string) bool {
	class, typ, hasType := strings.Cut(category, "/")
	for _, c := range t.Classes {
		if c.Value != class {
			continue
		}
		if !hasType {
			return true
		}
		for _, ty := range c.Types {
			if ty.Value == typ {
				return true
			}
		}
	}
	return false
}

// Label is the expanded name of a category ("Intrusions / System Compromise"),
// or the category itself when unknown.
func (t *Taxonomy) Label(category string) string {
	class, typ, _ := strings.Cut(category, "/")
	for _, c := range t.Classes {
		if c.Value != class {
			continue
		}
		for _, ty := range c.Types {
			if ty.Value == typ {
				return c.Expanded + " / " + ty.Expanded
			}
		}
		return c.Expanded
	}
	return category
}

// Class returns the class part of a category.
func ClassOf(category string) string {
	c, _, _ := strings.Cut(category, "/")
	return c
}

// Categories lists every "class/type" in taxonomy order.
func (t *Taxonomy) Categories() []string {
	var out []string
	for _, c := range t.Classes {
		for _, ty := range c.Types {
			out = append(out, c.Value+"/"+ty.Value)
		}
	}
	return out
}

// Normalize turns a category given in any accepted spelling into the current
// "class/type": the current value itself, a MISP machine tag of the current
// taxonomy (rsit:class="type") or of the older eCSIRT one
// (ecsirt:class="type"), or an eCSIRT "class/type". It reports false for
// anything else.
func (t *Taxonomy) Normalize(s string) (string, bool) {
	s = strings.TrimSpace(s)
	ns, rest, tagged := strings.Cut(s, ":")
	if tagged && (ns == "rsit" || ns == "ecsirt") {
		class, typ, ok := strings.Cut(rest, "=")
		if !ok {
			s = rest
		} else {
			s = class + "/" + strings.Trim(typ, `"`)
		}
		if ns == "ecsirt" {
			v, ok := t.legacy[s]
			return v, ok
		}
	} else if tagged {
		return "", false
	}
	if t.Valid(s) {
		return s, true
	}
	if v, ok := t.legacy[s]; ok {
		return v, true
	}
	return "", false
}
