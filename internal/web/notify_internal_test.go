package web

import (
	"testing"

	"github.com/khien-cert/khien/internal/notify"
)

// TestNotifyKeys: the keys the notification pages build at run time (kind
// labels, group headings, states) are in both catalogues.
func TestNotifyKeys(t *testing.T) {
	var keys []string
	for _, k := range notify.Kinds() {
		keys = append(keys, k.LabelKey(), k.GroupKey())
	}
	for _, s := range notify.States {
		keys = append(keys, "notify.state_"+s)
	}
	for _, lang := range Langs {
		cat := catalogue(t, lang)
		for _, k := range keys {
			if _, ok := cat[k]; !ok {
				t.Errorf("%s catalogue lacks %q", lang, k)
			}
		}
	}
}
