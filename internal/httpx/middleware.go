package httpx

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"
)

// statusWriter records the status code and size written.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (flush, SSE).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Observer is told about every finished request (metrics).
type Observer func(r *http.Request, status int, d time.Duration)

// Common wraps h with request IDs, panic recovery, an access log and obs.
func Common(log *slog.Logger, obs Observer, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey, id))
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic", "request_id", id, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					WriteJSON(sw, http.StatusInternalServerError, Problem{Status: 500, Code: "internal", Message: "internal error", RequestID: id})
				}
			}
			d := time.Since(start)
			if obs != nil {
				obs(r, sw.status, d)
			}
			log.LogAttrs(r.Context(), slog.LevelInfo, "http", slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", sw.status), slog.Int64("bytes", sw.size), slog.Duration("took", d),
				slog.String("remote", ClientIP(r)), slog.String("request_id", id))
		}()
		h.ServeHTTP(sw, r)
	})
}

// SecurityHeaders sets headers every response should carry. csp is the
// Content-Security-Policy for HTML responses.
func SecurityHeaders(csp string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if csp != "" {
			hd.Set("Content-Security-Policy", csp)
		}
		h.ServeHTTP(w, r)
	})
}

// ClientIP is the peer address of r, without port. Khiên does not trust
// X-Forwarded-For; a reverse proxy deployment sets it at the edge.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
