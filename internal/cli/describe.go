package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
)

// describe turns a domain error into operator-readable text naming each
// field, without internal causes.
func describe(err error) error {
	e, ok := errors.AsType[*errs.Error](err)
	if !ok || e.Kind == errs.KindInternal {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)", e.Public, e.Code)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "\n  %s: %s (%s)", f.Field, f.Message, f.Code)
	}
	return errors.New(b.String())
}
