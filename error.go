package safezones

import (
	"errors"
	"fmt"
)

// Code classifies an Error for callers and for the HTTP status it maps to.
type Code string

// The codes that user-facing errors carry.
const (
	CodeInvalid      Code = "invalid"      // the request is malformed or breaks a rule
	CodeNotFound     Code = "not_found"    // the named thing does not exist
	CodeConflict     Code = "conflict"     // the thing exists, or changed under the caller
	CodeUnauthorized Code = "unauthorized" // no valid credentials
	CodeForbidden    Code = "forbidden"    // credentials valid, action not allowed
	// CodeMethodNotAllowed: the path exists but not with this method.
	CodeMethodNotAllowed Code = "method_not_allowed"
	CodeTooLarge         Code = "too_large"   // the input exceeds a configured limit
	CodeUnavailable      Code = "unavailable" // a dependency is down; retry later
	CodeInternal         Code = "internal"    // a bug or an unexpected failure
)

// Error is a failure meant for the user: a Code, a human Message and, when
// the failure is about one part of the input, the Field that names it as a
// JSON path (for example "features[3].geometry.coordinates[0][7]").
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Error returns "field: message" or the message alone.
func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Errorf returns an *Error with code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an *Error about the input at field.
func FieldErrorf(code Code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the Code of the first *Error in err's chain, CodeInternal
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// WithFieldPrefix returns err with prefix prepended to its Field when err is
// an *Error (for example prefix "features[3]" and field "geometry" give
// "features[3].geometry"); other errors are returned unchanged.
func WithFieldPrefix(err error, prefix string) error {
	var e *Error
	if prefix == "" || !errors.As(err, &e) {
		return err
	}
	out := *e
	switch {
	case out.Field == "":
		out.Field = prefix
	case out.Field[0] == '[':
		out.Field = prefix + out.Field
	default:
		out.Field = prefix + "." + out.Field
	}
	return &out
}
