package canon

import (
	"errors"
	"testing"

	"github.com/khien-cert/khien/internal/errs"
)

// check runs a normaliser over a table: want is the Value, or "" with code
// for a refusal.
type normCase struct {
	in, want, key, code string
}

func runTable(t *testing.T, fn func(string) (Subject, error), kind Kind, cases []normCase) {
	t.Helper()
	for _, tc := range cases {
		got, err := fn(tc.in)
		if tc.code != "" {
			e, ok := errors.AsType[*errs.Error](err)
			if !ok || e.Code != tc.code || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Public == "" {
				t.Errorf("%q: got %+v, %v; want refusal %s", tc.in, got, err, tc.code)
			}
			continue
		}
		if err != nil || got.Value != tc.want || got.Kind != kind {
			t.Errorf("%q = %+v, %v; want %q", tc.in, got, err, tc.want)
			continue
		}
		if tc.key != "" && got.Key != tc.key {
			t.Errorf("%q: key %q, want %q", tc.in, got.Key, tc.key)
		}
		if again, err := Normalize(kind, got.Value); err != nil || again != got {
			t.Errorf("%q: %q is not a fixed point: %+v, %v", tc.in, got.Value, again, err)
		}
	}
}

func TestPhone(t *testing.T) {
	runTable(t, Phone, KindPhone, []normCase{
		// Mobile numbers as people write them.
		{in: "0912345678", want: "+84912345678", key: "phone:+84912345678"},
		{in: "0912 345 678", want: "+84912345678"},
		{in: "0912.345.678", want: "+84912345678"},
		{in: "0912-345-678", want: "+84912345678"},
		{in: "(091) 234 5678", want: "+84912345678"},
		{in: "+84 912 345 678", want: "+84912345678"},
		{in: "+84912345678", want: "+84912345678"},
		{in: "(+84) 912345678", want: "+84912345678"},
		{in: "+84 (0) 912 345 678", want: "+84912345678"},
		{in: "84912345678", want: "+84912345678"},
		{in: "0084 912 345 678", want: "+84912345678"},
		{in: "tel:+84-912-345-678", want: "+84912345678"},
		{in: "０９１２３４５６７８", want: "+84912345678"}, // full-width digits from a phone keyboard
		{in: "0386 123 456", want: "+84386123456"},
		{in: "0559 123 456", want: "+84559123456"},
		{in: "070 123 4567", want: "+84701234567"},
		{in: "0878 123 456", want: "+84878123456"},
		// The 2018 renumbering: eleven-digit numbers map to their new form.
		{in: "0168 912 3456", want: "+84389123456"},
		{in: "01689123456", want: "+84389123456"},
		{in: "+84 168 912 3456", want: "+84389123456"},
		{in: "841689123456", want: "+84389123456"},
		{in: "0120 123 4567", want: "+84701234567"},
		{in: "0121 123 4567", want: "+84791234567"},
		{in: "0123 123 4567", want: "+84831234567"},
		{in: "0127 123 4567", want: "+84811234567"},
		{in: "0129 123 4567", want: "+84821234567"},
		{in: "0186 123 4567", want: "+84561234567"},
		{in: "0199 123 4567", want: "+84591234567"},
		// Landlines since 2017.
		{in: "024 3825 1234", want: "+842438251234"},
		{in: "(028) 3829 1234", want: "+842838291234"},
		{in: "0236 3822 123", want: "+842363822123"},
		{in: "+84 236 382 2123", want: "+842363822123"},
		// Service numbers.
		{in: "1900 1234", want: "+8419001234"},
		{in: "1800 123 456", want: "+841800123456"},
		// Refusals, each with its reason.
		{in: "", code: CodeEmpty},
		{in: "   ", code: CodeEmpty},
		{in: "0912 345 67", code: CodePhoneShort},
		{in: "09123456789", code: CodePhoneLong},
		{in: "+1 415 555 0100", code: CodePhoneForeign},
		{in: "0044 20 7946 0000", code: CodePhoneForeign},
		{in: "0952 345 678", code: CodePhonePrefix}, // S-Fone's 095 has been unused since 2012
		{in: "0312 345 678", code: CodePhonePrefix},
		{in: "04 3825 1234", code: CodePhoneOldArea},
		{in: "0130 123 4567", code: CodePhoneOldMobile},
		{in: "0217 123 4567", code: CodePhoneArea},
		{in: "0512 345 6789", code: CodePhoneLong},
		{in: "0912 ABC 678", code: CodePhoneChars},
		{in: "0912+345678", code: CodePhoneChars},
		{in: "0912\u202e345678", code: CodeBadChars},
		{in: "+", code: CodePhoneShort},
	})
}
