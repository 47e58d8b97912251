package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync/atomic"
	"time"

	"holdfast"
	"holdfast/api/dialect"
)

// Idempotency-Key (SPEC §4, Stripe semantics) on /v1 writes: the first
// response to a key is stored for 24 hours and replayed byte for byte for a
// repeat; the same key with a different request is a 422 naming the header;
// a repeat while the first is still running is a 409. Keys are scoped to
// workspace + mode. Server errors (5xx) are not stored, so a retry runs again.
const (
	idempotencyHeader = "Idempotency-Key"
	idempotencyTTL    = 24 * time.Hour
	// idempotencyStale is how long an in-flight claim may stay unfinished
	// before it is presumed orphaned (its server died) and taken over.
	idempotencyStale  = 5 * time.Minute
	maxIdempotencyKey = 255
)

// idempotent runs h, honouring the Idempotency-Key header on /v1 writes.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, h handlerFunc) error {
	key := r.Header.Get(idempotencyHeader)
	if key == "" || dialect.From(r.Context()) != dialect.V1 ||
		(r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodDelete && r.Method != http.MethodPatch) {
		return h(w, r)
	}
	if len(key) > maxIdempotencyKey {
		return holdfast.ParamError(idempotencyHeader, "Idempotency-Key must be at most %d characters.", maxIdempotencyKey)
	}
	body, err := readBody(r)
	if err != nil {
		return err
	}
	ctx := context.WithValue(r.Context(), bodyKey{}, body)
	r = r.WithContext(ctx)
	p := PrincipalFrom(ctx)
	hash := requestHash(r.Method, r.URL.Path, body)
	now := s.now()
	rec, err := s.store.ClaimIdempotencyKey(ctx, p.Workspace.ID, p.Mode, key, r.Method, r.URL.Path, hash, now, now.Add(-idempotencyStale), idempotencyTTL)
	if err != nil {
		return err
	}
	s.purgeIdempotencyKeys(now)
	if rec != nil {
		switch {
		case rec.RequestHash != hash:
			return holdfast.ParamError(idempotencyHeader, "Keys for idempotent requests can only be used with the same request they were first used with (%s %s and the same body). Use a new key for a different request.", rec.Method, rec.Path)
		case rec.State != "done":
			return holdfast.Errorf(holdfast.ECONFLICT, "A request with this Idempotency-Key is still being processed; retry once it has finished.")
		}
		hd := w.Header()
		hd.Set("Content-Type", "application/json; charset=utf-8")
		hd.Set("Idempotent-Replayed", "true")
		w.WriteHeader(rec.StatusCode)
		_, _ = w.Write(rec.Body)
		return nil
	}

	// The claim is ours: run the request, capturing what it answers. The
	// record is finished even if the client went away (WithoutCancel).
	done := context.WithoutCancel(ctx)
	cw := &captureWriter{ResponseWriter: w}
	finished := false
	defer func() {
		if !finished { // h panicked: let a retry run again
			_ = s.store.ReleaseIdempotencyKey(done, p.Workspace.ID, p.Mode, key)
		}
	}()
	if err := h(cw, r); err != nil {
		s.fail(cw, r, err)
	}
	finished = true
	status := cw.status
	if status == 0 {
		status = http.StatusOK
	}
	// The response is already written: failures here are logged, not rendered.
	if status >= 500 {
		err = s.store.ReleaseIdempotencyKey(done, p.Workspace.ID, p.Mode, key)
	} else {
		err = s.store.CompleteIdempotencyKey(done, p.Workspace.ID, p.Mode, key, status, cw.buf.Bytes())
	}
	if err != nil {
		s.log.ErrorContext(ctx, "idempotency: finishing the key failed", "request_id", RequestID(ctx), "err", err)
	}
	return nil
}

// requestHash identifies a request for key reuse checks. A JSON body is
// compared by value (key order and whitespace do not matter), anything else
// byte for byte.
func requestHash(method, path string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if len(bytes.TrimSpace(body)) > 0 && dec.Decode(&v) == nil && !dec.More() {
		if canon, err := json.Marshal(v); err == nil {
			body = canon
		}
	}
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// captureWriter passes a response through while keeping a copy of its
// status and body for the idempotency record.
type captureWriter struct {
	http.ResponseWriter
	status int
	buf    bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	c.buf.Write(b)
	return c.ResponseWriter.Write(b)
}

func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// lastIdemPurge is when the hourly housekeeping last ran.
var lastIdemPurge atomic.Int64

// purgeIdempotencyKeys runs hourly housekeeping in the background, at most
// once an hour per process: it deletes expired idempotency records and
// folds pending list-counter deltas (reads fold too; this bounds the pile a
// workspace nobody reads can grow).
func (s *Server) purgeIdempotencyKeys(now time.Time) {
	last := lastIdemPurge.Load()
	if now.UnixNano()-last < int64(time.Hour) || !lastIdemPurge.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := s.store.PurgeIdempotencyKeys(ctx, now); err != nil {
			s.log.Warn("idempotency: purge failed", "err", err)
		}
		if _, err := s.store.FoldCounters(ctx); err != nil {
			s.log.Warn("list counters: fold failed", "err", err)
		}
	}()
}
