package importer

import (
	"bytes"
	"errors"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
)

func FuzzDryRun(f *testing.F) {
	f.Add("x.txt", []byte("# c\n192.0.2.1\nevil[.]example\n"))
	f.Add("x.csv", []byte("Start,End\n10.0.0.1,10.0.0.6\n"))
	f.Add("x.json", []byte(`{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","id":"indicator--1","pattern":"[url:value = 'http://a.example/']"}]}`))
	f.Add("x.json", []byte(`{"response":[{"Event":{"info":"x","Attribute":[{"type":"domain|ip","value":"a.example|192.0.2.1","to_ids":true}]}}]}`))
	f.Add("manifest.json", []byte(`{"00000000-0000-0000-0000-000000000000":{"info":"x"}}`))
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		rep, err := DryRun(name, bytes.NewReader(b))
		if err != nil {
			if e, ok := errors.AsType[*errs.Error](err); !ok || e.Code == "" || e.Public == "" {
				t.Fatalf("error %#v is not an *errs.Error with a code and a message", err)
			}
			return
		}
		n := 0
		for _, c := range rep.Added {
			n += c
		}
		if n != rep.Total || rep.String() == "" {
			t.Fatalf("report %+v does not add up", rep)
		}
	})
}
