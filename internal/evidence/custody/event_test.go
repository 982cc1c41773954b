package custody_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/khien-cert/khien/internal/evidence/custody"
)

func key(t *testing.T) (note.Signer, note.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, custody.KeyName)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := note.NewSigner(skey)
	v, _ := note.NewVerifier(vkey)
	return s, v
}

const item = "0196c1d2-7e3a-7b2c-9f10-4a5b6c7d8e9f"

var sum = strings.Repeat("ab", 32)

func log(t *testing.T, s note.Signer, kinds ...custody.Kind) []custody.Event {
	t.Helper()
	at := time.Date(2026, 3, 1, 1, 2, 3, 456789000, time.UTC)
	var out []custody.Event
	prev := ""
	for i, k := range kinds {
		e := custody.Event{ItemID: item, Seq: int64(i + 1), Kind: k, At: at, Recorded: at.Add(time.Second),
			Actor: "an@cert.vn", Location: "Hà Nội", Reason: "điều tra <vụ 7> & \"khác\"", SHA256: sum, PrevHash: prev}
		if err := custody.Seal(&e, s); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestSealCheckAndLines(t *testing.T) {
	s, v := key(t)
	evs := log(t, s, custody.Collected, custody.Received, custody.Sealed, custody.Exported)
	if ps := custody.Check(evs, item, sum, v); len(ps) != 0 {
		t.Fatalf("valid log: %v", ps)
	}
	for _, line := range bytes.Split(bytes.TrimSuffix(custody.Log(evs), []byte("\n")), []byte("\n")) {
		e, err := custody.ParseLine(line)
		if err != nil {
			t.Fatalf("ParseLine(%s): %v", line, err)
		}
		if e.Hash != e.ComputeHash() {
			t.Fatal("hash does not survive a round trip")
		}
	}
	_, other := key(t)
	if ps := custody.Check(evs, item, sum, other); len(ps) != len(evs) {
		t.Errorf("another key: %d problems, want one per event", len(ps))
	}
}

func TestCheckNamesTheBrokenEvent(t *testing.T) {
	s, v := key(t)
	cases := []struct {
		name  string
		edit  func([]custody.Event) []custody.Event
		seq   int64
		cause string
	}{
		{"edited", func(e []custody.Event) []custody.Event { e[1].Location = "Huế"; return e }, 2, "was changed"},
		{"dropped", func(e []custody.Event) []custody.Event { return append(e[:1], e[2:]...) }, 2, "numbered 3 where 2 belongs"},
		{"swapped", func(e []custody.Event) []custody.Event { e[1], e[2] = e[2], e[1]; return e }, 2, "numbered 3"},
		{"other content", func(e []custody.Event) []custody.Event { e[2].SHA256 = strings.Repeat("cd", 32); return e }, 3, "names content"},
		{"re-hashed without the key", func(e []custody.Event) []custody.Event {
			e[2].Reason = "forged"
			e[2].Hash = e[2].ComputeHash()
			return e
		}, 3, "signature"},
		{"after destruction", func(e []custody.Event) []custody.Event {
			return log(t, s, custody.Collected, custody.Destroyed, custody.Accessed)
		}, 3, "destruction"},
		{"second collected", func(e []custody.Event) []custody.Event {
			return log(t, s, custody.Collected, custody.Collected)
		}, 2, "out of place"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evs := c.edit(log(t, s, custody.Collected, custody.Received, custody.Analysed, custody.Exported))
			ps := custody.Check(evs, item, sum, v)
			for _, p := range ps {
				if p.Seq == c.seq && strings.Contains(p.Cause, c.cause) {
					return
				}
			}
			t.Fatalf("want event %d named with %q; got %v", c.seq, c.cause, ps)
		})
	}
	if ps := custody.Check(nil, item, sum, v); len(ps) != 1 {
		t.Errorf("empty log: %v", ps)
	}
}

// TestNonCanonicalLines: lines that decode to a valid event from other
// bytes — key case, escapes, spacing, unused base64 bits in the signature —
// are refused, so no byte of a log changes unnoticed.
func TestNonCanonicalLines(t *testing.T) {
	s, v := key(t)
	e := log(t, s, custody.Collected)[0]
	line := string(e.Line())
	sig := strings.TrimSuffix(strings.TrimPrefix(e.Sig, "— "+custody.KeyName+" "), "\n")
	raw, _ := base64.StdEncoding.DecodeString(sig)
	alt := base64.StdEncoding.EncodeToString(raw)
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	last := strings.IndexByte(digits, alt[len(alt)-2]) // before '=': its two low bits are unused
	alt = alt[:len(alt)-2] + string(digits[last^1]) + "="
	if b, err := base64.StdEncoding.DecodeString(alt); err != nil || !bytes.Equal(b, raw) {
		t.Fatalf("test setup: %q does not decode to the same signature (%v)", alt, err)
	}
	for name, l := range map[string]string{
		"key case":     strings.Replace(line, `"location"`, `"Location"`, 1),
		"escape":       strings.Replace(line, `"Hà Nội"`, `"H\u00e0 Nội"`, 1),
		"space":        strings.Replace(line, `,"kind"`, `, "kind"`, 1),
		"extra field":  strings.Replace(line, `{`, `{"x":1,`, 1),
		"two values":   line + " {}",
		"sig trailing": strings.Replace(line, sig, alt, 1),
	} {
		if l == line {
			t.Fatalf("%s: the edit did not apply", name)
		}
		if ev, err := custody.ParseLine([]byte(l)); err == nil && custody.VerifySig(ev, v) == nil {
			t.Errorf("%s: accepted %s", name, l)
		}
	}
}

// TestShareEvents: "shared" and "unshared" are ordinary kinds: a log with
// them checks, survives the line round trip, and an unknown kind still
// does not. The canonical form of an event is unchanged by them (the kind
// is its string), so logs written before them hash as they did.
func TestShareEvents(t *testing.T) {
	s, v := key(t)
	evs := log(t, s, custody.Collected, custody.Received, custody.Shared, custody.Accessed, custody.Downloaded, custody.Unshared)
	if ps := custody.Check(evs, item, sum, v); len(ps) != 0 {
		t.Fatalf("log with share events: %v", ps)
	}
	for _, e := range evs {
		back, err := custody.ParseLine(e.Line())
		if err != nil || back.Hash != e.ComputeHash() {
			t.Fatalf("%s: %v", e.Kind, err)
		}
	}
	if !bytes.Contains(evs[2].Line(), []byte(`"kind":"shared"`)) || !bytes.Contains(evs[5].Line(), []byte(`"kind":"unshared"`)) {
		t.Errorf("kinds are not written as their names: %s", evs[2].Line())
	}
	bad := log(t, s, custody.Collected, custody.Kind("shared_with_everyone"))
	if ps := custody.Check(bad, item, sum, v); len(ps) != 1 || !strings.Contains(ps[0].Cause, "unknown kind") {
		t.Errorf("unknown kind: %v", ps)
	}
	// An event of an old kind encodes exactly as before the new kinds.
	old := custody.Event{ItemID: item, Seq: 1, Kind: custody.Collected, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Recorded: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Actor: "a", SHA256: sum}
	want := `{"item_id":"` + item + `","seq":1,"kind":"collected","at":"2026-01-02T03:04:05Z","recorded":"2026-01-02T03:04:05Z",` +
		`"actor_id":"","actor":"a","location":"","reason":"","sha256":"` + sum + `","prev_hash":"","hash":"","sig":""}`
	if got := string(old.Record()); got != want {
		t.Errorf("canonical record changed:\n got %s\nwant %s", got, want)
	}
}
