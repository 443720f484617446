package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/safezones/safezones"
)

// statusByCode maps each error code to its HTTP status.
var statusByCode = map[safezones.Code]int{
	safezones.CodeInvalid:          http.StatusBadRequest,
	safezones.CodeNotFound:         http.StatusNotFound,
	safezones.CodeConflict:         http.StatusConflict,
	safezones.CodeUnauthorized:     http.StatusUnauthorized,
	safezones.CodeForbidden:        http.StatusForbidden,
	safezones.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	safezones.CodeTooLarge:         http.StatusRequestEntityTooLarge,
	safezones.CodeUnavailable:      http.StatusServiceUnavailable,
	safezones.CodeInternal:         http.StatusInternalServerError,
}

type errorBody struct {
	Error *safezones.Error `json:"error"`
}

// writeError writes err as the error JSON. A *safezones.Error goes to the
// client as it is; anything else is logged once with the request id and
// reaches the client as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *safezones.Error
	if !errors.As(err, &e) {
		s.logger().LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", requestID(r.Context())), slog.Any("err", err))
		e = safezones.Errorf(safezones.CodeInternal, "internal error (request %s)", requestID(r.Context()))
	}
	status, ok := statusByCode[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	s.writeErrorStatus(w, r, status, e)
}

// writeErrorStatus writes e with an explicit status.
func (s *Server) writeErrorStatus(w http.ResponseWriter, r *http.Request, status int, e *safezones.Error) {
	if e.Code == safezones.CodeUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="safezones"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(errorBody{Error: e})
}

// writeJSON writes v as JSON with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeJSONType(w, status, "application/json", v)
}

func writeJSONType(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"encode response"}}`, http.StatusInternalServerError)
		return
	}
	writeBytes(w, status, contentType, append(b, '\n'))
}

func writeBytes(w http.ResponseWriter, status int, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}
