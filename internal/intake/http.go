// Package intake is the network side of ingest: the HTTP endpoint sensors
// POST NDJSON batches to (optionally gzip), and the syslog TCP listener. It
// authenticates sensors, bounds what it reads, and maps ingest's errors to
// answers a sender can act on: 200 with per-line rejections, 413 for a batch
// over its bounds, 429 with Retry-After under overload, 503 when the stream
// could not store the batch (the sender keeps it and retries).
package intake

import (
	"compress/gzip"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/httpx"
	"github.com/khien-cert/khien/internal/ingest"
)

// HTTP serves the sensor endpoint.
type HTTP struct {
	svc *ingest.Service
	log *slog.Logger
	ew  httpx.ErrorWriter
}

// NewHTTP returns the sensor HTTP endpoint.
func NewHTTP(svc *ingest.Service, log *slog.Logger) *HTTP {
	return &HTTP{svc: svc, log: log, ew: errorWriter(log)}
}

// Routes is the whole sensor-facing surface.
func (h *HTTP) Routes(mux *http.ServeMux) {
	mux.Handle("POST /ingest/v1/events", httpx.Handle(h.ew, h.events))
}

// errorWriter answers Problem JSON and adds Retry-After to 429 and 503.
func errorWriter(log *slog.Logger) httpx.ErrorWriter {
	jsonErr := httpx.JSONErrors(log)
	return func(w http.ResponseWriter, r *http.Request, err error) {
		switch errs.KindOf(err) {
		case errs.KindRateLimited:
			w.Header().Set("Retry-After", "5")
		case errs.KindUnavailable:
			w.Header().Set("Retry-After", "10")
		case errs.KindUnauthenticated:
			w.Header().Set("WWW-Authenticate", `Bearer realm="khien-sensor"`)
		}
		jsonErr(w, r, err)
	}
}

func (h *HTTP) events(w http.ResponseWriter, r *http.Request) error {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return errs.New(errs.KindUnauthenticated, "sensor.token_required", "send the sensor token as Authorization: Bearer khs_…")
	}
	sn, err := h.svc.Authenticate(r.Context(), strings.TrimSpace(token))
	if err != nil {
		return err
	}
	lim := h.svc.Limits()
	body := http.MaxBytesReader(w, r.Body, lim.MaxBatchBytes)
	var in io.Reader = body
	if isGzip(r) {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return errs.New(errs.KindBadRequest, "ingest.bad_gzip", "the body is not valid gzip")
		}
		defer zr.Close()
		in = zr
	}
	res, err := h.svc.Accept(r.Context(), sn, in)
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errs.New(errs.KindTooLarge, "ingest.batch_too_large", "the body is over its limit")
	}
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, res)
	return nil
}

func isGzip(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") ||
		strings.Contains(r.Header.Get("Content-Type"), "gzip")
}
