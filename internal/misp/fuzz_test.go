package misp

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/intel"
)

func checkFuzzErr(t *testing.T, err error) {
	t.Helper()
	if e, ok := errors.AsType[*errs.Error](err); !ok || e.Code == "" || e.Public == "" {
		t.Fatalf("error %#v is not an *errs.Error with a code and a message", err)
	}
}

func FuzzReadEvent(f *testing.F) {
	f.Add([]byte(`{"Event":{"info":"x","Tag":[{"name":"tlp:red"}],` + attrs + `}}`))
	f.Add([]byte(`{"response":[{"Object":{"Attribute":{"type":"domain|ip","value":"a.example|192.0.2.1","to_ids":1}}}]}`))
	f.Add([]byte(`[{"uuid":"u","Attribute":[{"type":"ip-dst|port","value":"::1|80","to_ids":"0","deleted":"1"}]}]`))
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "corpus", "misp", "misp-stix__test_objects_collection_1.json")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := ReadEvent(bytes.NewReader(b), Options{IncludeNotToIDs: len(b)%2 == 0, MaxBytes: 1 << 20})
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		for _, ind := range res.Indicators {
			if c, err := intel.Canonical(ind.Type, ind.Value); err != nil || c != ind.Value || !ind.TLP.Valid() {
				t.Fatalf("indicator %+v is not canonical or has no TLP", ind)
			}
		}
	})
}

func FuzzReadManifest(f *testing.F) {
	f.Add([]byte(`{"00000000-0000-0000-0000-000000000000":{"info":"x","Tag":[{"name":"tlp:amber"}],"timestamp":"1"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		events, err := ReadManifest(bytes.NewReader(b))
		if err != nil {
			checkFuzzErr(t, err)
			return
		}
		for _, e := range events {
			if !isUUID(e.UUID) {
				t.Fatalf("event UUID %q", e.UUID)
			}
		}
	})
}
