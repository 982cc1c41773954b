package telemetry

import (
	"hash/maphash"
	"iter"
	"maps"
	"net/netip"
	"strconv"
	"strings"

	"github.com/khien-cert/khien/internal/event"
)

// fields is a record's flattened fields, which the format mappers read:
// either a map (Decode keeps it as Event.Fields; CEF builds one) or a
// table over the flattener's key/value pairs, which DecodeModel uses so
// that no map is built and cleared for every record. Both give the same
// answers: a repeated key's last value wins.
type fields struct {
	m map[string]string
	t *fieldTable
}

// lookup returns the value at key and whether there is one.
func (f fields) lookup(key string) (string, bool) {
	if f.t != nil {
		return f.t.lookup(key)
	}
	v, ok := f.m[key]
	return v, ok
}

// get returns the value at key, "" when there is none.
func (f fields) get(key string) string {
	v, _ := f.lookup(key)
	return v
}

// set sets the value at key (mappers that add aliases).
func (f fields) set(key, value string) {
	if f.t != nil {
		f.t.set(key, value)
		return
	}
	f.m[key] = value
}

// all yields every key and its value, in no particular order.
func (f fields) all() iter.Seq2[string, string] {
	if f.t != nil {
		return f.t.all
	}
	return maps.All(f.m)
}

// first returns the first non-empty value among keys.
func (f fields) first(keys ...string) string {
	for _, k := range keys {
		if v := f.get(k); v != "" {
			return v
		}
	}
	return ""
}

// list returns the values at key: the value itself when it is a scalar, or
// key.0, key.1 … when it was an array.
func (f fields) list(key string) []string {
	if v, ok := f.lookup(key); ok {
		return []string{v}
	}
	var out []string
	for i := 0; ; i++ {
		v, ok := f.lookup(key + "." + strconv.Itoa(i))
		if !ok {
			return out
		}
		out = append(out, v)
	}
}

// each calls fn with N and the value at prefix.N.suffix for N = 0, 1, …
// up to the first element that lacks it (suffix is "" for an array of
// scalars, else starts with a dot).
func (f fields) each(prefix, suffix string, fn func(int, string)) {
	for i := 0; ; i++ {
		v, ok := f.lookup(prefix + "." + strconv.Itoa(i) + suffix)
		if !ok {
			return
		}
		fn(i, v)
	}
}

// fieldTable is an open-addressing hash index over key/value pairs. It is
// reused from record to record: resetting it clears a slice of integers,
// where clearing a map of strings costs a write barrier per entry while
// the garbage collector runs.
type fieldTable struct {
	kvs   []keyValue
	slots []uint32 // 1 + an index into kvs; 0 is free; the length is a power of two
	seed  maphash.Seed
}

// reset makes t index kvs, whose pairs it then owns until the next reset.
func (t *fieldTable) reset(kvs []keyValue) {
	if t.seed == (maphash.Seed{}) {
		t.seed = maphash.MakeSeed()
	}
	t.kvs = kvs
	n := 16
	for n < 2*len(kvs) {
		n *= 2
	}
	if cap(t.slots) < n {
		t.slots = make([]uint32, n)
	} else {
		t.slots = t.slots[:n]
		clear(t.slots)
	}
	for i := range kvs {
		t.insert(i)
	}
}

// slot returns the slot of key: the one holding it, or the free one where
// it would go.
func (t *fieldTable) slot(key string) int {
	mask := len(t.slots) - 1
	for i := int(maphash.String(t.seed, key)) & mask; ; i = (i + 1) & mask {
		if s := t.slots[i]; s == 0 || t.kvs[s-1].k == key {
			return i
		}
	}
}

// insert indexes kvs[i], replacing an earlier pair with its key.
func (t *fieldTable) insert(i int) {
	t.slots[t.slot(t.kvs[i].k)] = uint32(i + 1)
}

func (t *fieldTable) lookup(key string) (string, bool) {
	if s := t.slots[t.slot(key)]; s != 0 {
		return t.kvs[s-1].v, true
	}
	return "", false
}

func (t *fieldTable) set(key, value string) {
	t.kvs = append(t.kvs, keyValue{key, value})
	if 2*len(t.kvs) > len(t.slots) {
		t.reset(t.kvs) // grow
		return
	}
	t.insert(len(t.kvs) - 1)
}

func (t *fieldTable) all(yield func(string, string) bool) {
	for _, s := range t.slots {
		if s != 0 && !yield(t.kvs[s-1].k, t.kvs[s-1].v) {
			return
		}
	}
}

// parseAddr parses an IP address, unmapping IPv4-in-IPv6 and dropping an
// IPv6 zone; anything else gives the zero Addr (the invariant: valid or
// zero).
func parseAddr(s string) netip.Addr {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// parsePort parses a port number; anything else gives 0.
func parsePort(s string) uint16 {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0
	}
	return uint16(n)
}

// parseInt parses a small integer such as a severity; anything else gives 0.
func parseInt(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < -1<<20 || n > 1<<20 {
		return 0
	}
	return n
}

// lower returns s in lower case, trimmed; protocol names are compared so.
func lower(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// addHosts adds host names, skipping placeholders such as "-" that have
// no letter or digit.
func addHosts(ev *event.Event, hosts ...string) {
	for _, h := range hosts {
		if isName(h) {
			ev.AddHost(h)
		}
	}
}

// isName reports whether s has a letter or digit, which placeholders such
// as "-" lack.
func isName(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= 0x80
	})
}

func addHashes(ev *event.Event, hashes ...string) {
	for _, h := range hashes {
		if h != "" {
			ev.AddHash(h)
		}
	}
}

func addEmails(ev *event.Event, emails ...string) {
	for _, e := range emails {
		if e != "" {
			ev.AddEmail(e)
		}
	}
}

// webURL builds the URL of an HTTP request from what sensors log: a Host
// header, the request target, the server port and the scheme ("" to let
// port 443 mean https). An absolute target is used as it is; a port other
// than the scheme's default is added when the host has none.
func webURL(host, target string, port uint16, scheme string) string {
	if strings.HasPrefix(target, "http://") || strings.HasPrefix(target, "https://") {
		return target
	}
	if !isName(host) || target != "" && target[0] != '/' {
		return ""
	}
	if scheme == "" {
		scheme = "http"
		if port == 443 {
			scheme = "https"
		}
	}
	bracketed := strings.HasPrefix(host, "[")
	hasPort := bracketed && strings.Contains(host, "]:") || !bracketed && strings.Count(host, ":") == 1
	if !bracketed && strings.Count(host, ":") > 1 {
		host = "[" + host + "]" // a bare IPv6 address
	}
	if !hasPort && port != 0 && !(scheme == "http" && port == 80) && !(scheme == "https" && port == 443) {
		host += ":" + strconv.Itoa(int(port))
	}
	return scheme + "://" + host + target
}

// serverPort guesses which of a connection's two ports is the server's:
// 80 or 443 if either is, otherwise the lower one (clients use ephemeral
// ports, which are high). Sensors log some events in the server-to-client
// direction, so the destination port alone is not enough.
func serverPort(a, b uint16) uint16 {
	switch {
	case a == 80 || a == 443:
		return a
	case b == 80 || b == 443:
		return b
	case a == 0 || b != 0 && b < a:
		return b
	}
	return a
}

func itoa(i int) string { return strconv.Itoa(i) }
