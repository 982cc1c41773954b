package alliance

import (
	"errors"
	"slices"

	"github.com/khien-cert/khien/internal/errs"
)

func hasField(err error, field string) bool {
	e, ok := errors.AsType[*errs.Error](err)
	return ok && slices.ContainsFunc(e.Fields, func(f errs.FieldError) bool { return f.Field == field })
}

func codeOf(err error) string {
	if e, ok := errors.AsType[*errs.Error](err); ok {
		return e.Code
	}
	return ""
}
