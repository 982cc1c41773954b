package stix

// This file resolves an object's TLP from its object_marking_refs: the
// fixed TLP 1.0 marking definitions of STIX 2.1 section 7.2.1.4, the TLP 2.0
// ones published by OASIS (../shared/specs/tlp/stix21-tlp2), and any TLP
// marking definition the document itself carries. The fixed identifiers win
// over a document that redefines them. Several TLP markings on one object
// give the most restrictive; granular markings are not read.

import (
	"encoding/json"

	"github.com/khien-cert/khien/internal/tlp"
)

// fixedTLP are the standard TLP marking-definition identifiers.
var fixedTLP = map[string]tlp.Level{
	// TLP 1.0, STIX 2.1 section 7.2.1.4
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": tlp.Clear, // WHITE
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": tlp.Green,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": tlp.Amber,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": tlp.Red,
	// TLP 2.0, oasis-open/cti-stix-common-objects
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": tlp.Clear,
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": tlp.Green,
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": tlp.Amber,
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": tlp.AmberStrict,
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": tlp.Red,
}

// tlp2Extension is the extension that carries a TLP 2.0 level.
const tlp2Extension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// marking records the TLP level of a marking definition in the document.
func (c *converter) marking(o *Object) {
	if _, ok := fixedTLP[o.ID]; ok {
		return
	}
	var name string
	if o.DefinitionType == "tlp" {
		var d struct {
			TLP string `json:"tlp"`
		}
		if json.Unmarshal(o.Definition, &d) == nil {
			name = d.TLP
		}
	}
	if ext, ok := o.Extensions[tlp2Extension]; ok {
		var e struct {
			TLP string `json:"tlp_2_0"`
		}
		if json.Unmarshal(ext, &e) == nil {
			name = e.TLP
		}
	}
	if l, err := tlp.Parse(name); err == nil {
		c.markings[o.ID] = l
	}
}

// level returns the most restrictive TLP among refs, or 0 when none is TLP.
func (c *converter) level(refs []string) tlp.Level {
	var best tlp.Level
	for _, r := range refs {
		l, ok := fixedTLP[r]
		if !ok {
			l = c.markings[r]
		}
		best = max(best, l)
	}
	return best
}
