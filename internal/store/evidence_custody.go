package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/khien-cert/khien/internal/audit"
	"github.com/khien-cert/khien/internal/errs"
	"github.com/khien-cert/khien/internal/evidence"
	"github.com/khien-cert/khien/internal/evidence/custody"
)

// This file holds the evidence vault's custody SQL: events (append-only)
// and hand-overs. Cases and items are in evidence.go.

const eventCols = `ev.item_id, ev.seq, ev.kind, ev.at, ev.recorded, ev.actor_id, ev.actor, ev.location, ev.reason,
	ev.from_label, ev.to_label, ev.seal, ev.detail, ev.sha256, ev.prev_hash, ev.hash, ev.sig`

func scanEvent(row scanner) (custody.Event, error) {
	var e custody.Event
	err := row.Scan(&e.ItemID, &e.Seq, &e.Kind, &e.At, &e.Recorded, &e.ActorID, &e.Actor, &e.Location, &e.Reason,
		&e.From, &e.To, &e.Seal, &e.Detail, &e.SHA256, &e.PrevHash, &e.Hash, &e.Sig)
	e.At, e.Recorded = e.At.UTC(), e.Recorded.UTC()
	return e, err
}

func insertEvents(ctx context.Context, tx *sql.Tx, evs []custody.Event) error {
	for _, e := range evs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO custody_events (item_id, seq, kind, at, recorded, actor_id, actor,
			location, reason, from_label, to_label, seal, detail, sha256, prev_hash, hash, sig)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)`,
			e.ItemID, e.Seq, string(e.Kind), e.At.UTC(), e.Recorded.UTC(), e.ActorID, e.Actor, e.Location, e.Reason,
			e.From, e.To, e.Seal, e.Detail, e.SHA256, e.PrevHash, e.Hash, e.Sig); err != nil {
			return err
		}
	}
	return nil
}

// CustodyEvents returns the custody log of an item v may see, in order.
func (db *DB) CustodyEvents(ctx context.Context, v evidence.Viewer, itemID string) (evs []custody.Event, err error) {
	defer errs.Wrap(&err, "store.CustodyEvents(%q)", itemID)
	if _, err := getEvidence(ctx, db.r, v, "id", itemID); err != nil {
		return nil, err
	}
	return queryAll(ctx, db.r, `SELECT `+eventCols+` FROM custody_events ev WHERE ev.item_id = $1 ORDER BY ev.seq`,
		args{itemID}, scanEvent)
}

// ApplyCustody stores one step of an item's custody: the item's new state,
// its events, the transfer it settles and the audit entries, provided the
// item's last event is still the one the change was built on (otherwise
// errs.KindConflict with code evidence.CodeConcurrent, and nothing changes).
func (db *DB) ApplyCustody(ctx context.Context, v evidence.Viewer, c evidence.Change) (out evidence.Item, err error) {
	defer errs.Wrap(&err, "store.ApplyCustody(%q)", c.Item.ID)
	it := c.Item
	err = db.tx(ctx, func(tx *sql.Tx) error {
		before, err := getEvidence(ctx, tx, v, "id", it.ID)
		if err != nil {
			return err
		}
		concurrent := errs.Conflict(evidence.CodeConcurrent, "the item changed meanwhile; try again")
		if before.LastSeq != c.PrevSeq {
			return concurrent
		}
		var a args
		set := `legal_hold = ` + a.add(it.LegalHold) + `, retain_until = ` + a.add(nullTime(it.RetainUntil)) +
			`, sealed = ` + a.add(it.Sealed) + `, shared = ` + a.add(it.Shared) + `, seal = ` + a.add(it.Seal) + `, holder_id = ` + a.add(it.HolderID) +
			`, holder = ` + a.add(it.Holder) + `, state = ` + a.add(string(it.State)) + `, last_seq = ` + a.add(it.LastSeq) +
			`, last_hash = ` + a.add(it.LastHash) + `, updated_at = ` + a.add(it.UpdatedAt.UTC())
		where := `id = ` + a.add(it.ID) + ` AND last_seq = ` + a.add(c.PrevSeq) + ` AND ` + evidenceScope(&a, v, "evidence_items")
		res, err := tx.ExecContext(ctx, `UPDATE evidence_items SET `+set+` WHERE `+where, a...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return concurrent
		}
		if err := insertEvents(ctx, tx, c.Events); err != nil {
			return err
		}
		if c.Transfer != nil {
			if err := settleTransfer(ctx, tx, *c.Transfer); err != nil {
				return err
			}
		}
		out, err = getEvidence(ctx, tx, evidence.Viewer{System: true}, "id", it.ID)
		if err != nil {
			return err
		}
		for i := range c.Audit {
			c.Audit[i].Before, c.Audit[i].After = audit.Digest(before), audit.Digest(out)
		}
		return db.appendAudit(ctx, tx, c.Audit...)
	})
	return out, err
}

// settleTransfer ends a pending transfer; one already settled is a conflict.
func settleTransfer(ctx context.Context, tx *sql.Tx, t evidence.Transfer) error {
	res, err := tx.ExecContext(ctx, `UPDATE evidence_transfers SET state = $1, decided_at = $2, decided_by = $3, note = $4
		WHERE id = $5 AND state = $6`, string(t.State), nullTime(t.DecidedAt), t.DecidedBy, t.Note, t.ID, string(evidence.TransferPending))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return errs.Conflict("evidence.transfer_settled", "the hand-over was already settled")
	}
	return nil
}

const transferCols = `t.id, t.item_id, t.from_id, t.from_label, t.to_id, t.to_label, t.location, t.reason, t.state,
	t.requested_at, t.decided_at, t.decided_by, t.note`

func scanTransfer(row scanner) (evidence.Transfer, error) {
	var t evidence.Transfer
	var decided sql.NullTime
	err := row.Scan(&t.ID, &t.ItemID, &t.FromID, &t.From, &t.ToID, &t.To, &t.Location, &t.Reason, &t.State,
		&t.RequestedAt, &decided, &t.DecidedBy, &t.Note)
	t.RequestedAt, t.DecidedAt = t.RequestedAt.UTC(), timeOf(decided)
	return t, err
}

// CreateTransfer records a pending hand-over of an item v may see; one
// pending hand-over per item.
func (db *DB) CreateTransfer(ctx context.Context, v evidence.Viewer, t evidence.Transfer, e audit.Entry) (out evidence.Transfer, err error) {
	defer errs.Wrap(&err, "store.CreateTransfer(%q)", t.ItemID)
	t.RequestedAt = t.RequestedAt.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := getEvidence(ctx, tx, v, "id", t.ItemID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO evidence_transfers (id, item_id, from_id, from_label, to_id, to_label,
			location, reason, state, requested_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
			t.ID, t.ItemID, t.FromID, t.From, t.ToID, t.To, t.Location, t.Reason, string(t.State), t.RequestedAt)
		if db.d.isUnique(err) {
			return errs.Conflict("evidence.transfer_pending", "a hand-over of this item is already pending")
		}
		if err != nil {
			return err
		}
		e.After = audit.Digest(t)
		out = t
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// transferQuery selects transfers of items v may see; cond restricts further.
func transferQuery(a *args, v evidence.Viewer, cond string) string {
	return `SELECT ` + transferCols + ` FROM evidence_transfers t JOIN evidence_items i ON i.id = t.item_id WHERE ` +
		cond + ` AND ` + evidenceScope(a, v, "i")
}

// GetTransfer returns a hand-over of an item v may see.
func (db *DB) GetTransfer(ctx context.Context, v evidence.Viewer, id string) (t evidence.Transfer, err error) {
	defer errs.Wrap(&err, "store.GetTransfer(%q)", id)
	var a args
	q := transferQuery(&a, v, `t.id = `+a.add(id))
	t, err = scanTransfer(db.r.QueryRowContext(ctx, q, a...))
	if errors.Is(err, sql.ErrNoRows) {
		return t, errs.NotFound("evidence.transfer_not_found")
	}
	return t, err
}

// EndTransfer settles a pending hand-over without a custody change
// (declined or cancelled).
func (db *DB) EndTransfer(ctx context.Context, v evidence.Viewer, t evidence.Transfer, e audit.Entry) (out evidence.Transfer, err error) {
	defer errs.Wrap(&err, "store.EndTransfer(%q)", t.ID)
	t.DecidedAt = t.DecidedAt.UTC().Truncate(microsecond)
	err = db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := getEvidence(ctx, tx, v, "id", t.ItemID); err != nil {
			return err
		}
		if err := settleTransfer(ctx, tx, t); err != nil {
			return err
		}
		e.After = audit.Digest(t)
		out = t
		return db.appendAudit(ctx, tx, e)
	})
	return out, err
}

// PendingTransfers lists the pending hand-overs of an item v may see.
func (db *DB) PendingTransfers(ctx context.Context, v evidence.Viewer, itemID string) (ts []evidence.Transfer, err error) {
	defer errs.Wrap(&err, "store.PendingTransfers(%q)", itemID)
	var a args
	q := transferQuery(&a, v, `t.item_id = `+a.add(itemID)+` AND t.state = `+a.add(string(evidence.TransferPending)))
	ts, err = queryAll(ctx, db.r, q+` ORDER BY t.requested_at`, a, scanTransfer)
	if ts == nil {
		ts = []evidence.Transfer{}
	}
	return ts, err
}
