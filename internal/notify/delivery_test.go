package notify_test

import (
	"strings"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/notify"
)

func TestValidateWebhookURL(t *testing.T) {
	for _, c := range []struct {
		url       string
		allowHTTP bool
		ok        bool
	}{
		{"https://soar.example.vn/hooks/khien", false, true},
		{"https://10.0.0.5:8443/h", false, true},
		{"http://soar.example.vn/h", false, false},
		{"http://soar.example.vn/h", true, false}, // http only to loopback
		{"http://127.0.0.1:9000/h", true, true},
		{"http://[::1]:9000/h", true, true},
		{"http://localhost/h", true, true},
		{"http://127.0.0.1:9000/h", false, false},
		{"https://user:pw@soar.example.vn/h", false, false},
		{"https://soar.example.vn/h#frag", false, false},
		{"ftp://soar.example.vn/h", false, false},
		{"soar.example.vn/h", false, false},
		{"https://", false, false},
		{" https://soar.example.vn/h", false, false},
		{"https://" + strings.Repeat("a", 2001), false, false},
		{"", false, false},
	} {
		err := notify.ValidateWebhookURL(c.url, c.allowHTTP)
		if (err == nil) != c.ok {
			t.Errorf("%q (http %v): %v", c.url, c.allowHTTP, err)
			continue
		}
		if err != nil {
			e, _ := err.(*errs.Error)
			if e == nil || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "url" {
				t.Errorf("%q: error %#v, want a problem on the field url", c.url, err)
			}
		}
	}
}

// FuzzValidateWebhookURL: whatever a user types, the check answers without
// panicking, and what it accepts is https (or loopback http when allowed);
// a scheme's case does not matter (RFC 3986 §3.1).
func FuzzValidateWebhookURL(f *testing.F) {
	for _, s := range []string{"https://a.vn/x", "http://127.0.0.1:1/", "http://[::1]/", "https://u@h/", "%", "https://h/#"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, allowHTTP bool) {
		lower := strings.ToLower(s)
		if notify.ValidateWebhookURL(s, allowHTTP) == nil && !strings.HasPrefix(lower, "https://") && !(allowHTTP && strings.HasPrefix(lower, "http://")) {
			t.Errorf("accepted %q", s)
		}
	})
}

func TestKinds(t *testing.T) {
	want := []string{"incident.reported", "incident.assigned", "incident.state", "incident.breach", "incident.note",
		"mobilisation.request", "mobilisation.answer", "mobilisation.released", "advisory.digest", "action.escalated",
		"action.review", "exception.expiring", "sensor.silent", "sensor.resumed"}
	names := notify.KindNames()
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("kinds = %v", names)
	}
	for _, k := range notify.Kinds() {
		if !notify.Known(k.Name) || !strings.HasPrefix(k.LabelKey(), "notify.kind.") || strings.Count(k.LabelKey(), ".") != 2 {
			t.Errorf("kind %+v: label key %q", k, k.LabelKey())
		}
	}
	if notify.Known("incident.*") || notify.Known("nothing") {
		t.Error("unknown kinds are known")
	}
}
