package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"holdfast"
)

// RecordEvent appends an event to the log in the transaction carried by ctx,
// so the change it describes and the event commit together. obj is rendered
// as data.object. Delivery to webhook endpoints happens later (fan-out).
func (s *Store) RecordEvent(ctx context.Context, wsID string, mode holdfast.Mode, typ, objectID string, obj any, now time.Time) (*holdfast.Event, error) {
	b, err := json.Marshal(map[string]any{"object": obj})
	if err != nil {
		return nil, err
	}
	ev := &holdfast.Event{
		ID: holdfast.NewID(holdfast.PrefixEvent), Object: "event", Type: typ, Livemode: mode.Livemode(),
		WorkspaceID: wsID, ObjectID: objectID, Data: b, CreatedAt: holdfast.FromMicros(holdfast.Micros(now)),
	}
	_, err = s.exec(ctx, `INSERT INTO events (id, workspace_id, livemode, type, object_id, data, fanned_out, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.ID, wsID, ev.Livemode, typ, objectID, string(b), false, holdfast.Micros(ev.CreatedAt))
	if err != nil {
		return nil, err
	}
	return ev, nil
}

const eventCols = `id, workspace_id, livemode, type, object_id, data, created_at`

func scanEvent(row interface{ Scan(...any) error }) (*holdfast.Event, error) {
	var (
		ev      holdfast.Event
		data    string
		created int64
	)
	if err := row.Scan(&ev.ID, &ev.WorkspaceID, &ev.Livemode, &ev.Type, &ev.ObjectID, &data, &created); err != nil {
		return nil, err
	}
	ev.Object = "event"
	ev.Data = json.RawMessage(data)
	ev.CreatedAt = holdfast.FromMicros(created)
	return &ev, nil
}

// GetEvent returns one event of a workspace and mode; ENOTFOUND otherwise.
func (s *Store) GetEvent(ctx context.Context, wsID string, mode holdfast.Mode, id string) (*holdfast.Event, error) {
	ev, err := scanEvent(s.queryRow(ctx, `SELECT `+eventCols+` FROM events WHERE id = ? AND workspace_id = ? AND livemode = ?`, id, wsID, mode.Livemode()))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, holdfast.NotFound("event", id)
	}
	return ev, err
}
