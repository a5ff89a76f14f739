// Package audit keeps the tamper-evident record of what was done: every
// administrative change, every case step (and, as they land, every access to
// full personal data) is appended in the same transaction as the change.
// The chainer then links the entries, in order, by an SM3 hash (GB/T 32905)
// of each entry and the one before it, so that an altered, removed or
// inserted row breaks the chain (attachment 2 (9)2 同步记录、全程跟踪; §2(7)
// 等级保护 audit).
//
// Why chain afterwards: linking inside the writer's transaction would make
// every write transaction of every server process wait for the one before it
// to commit (the chain's head is one row). Chaining in short transactions of
// its own, a second or less later, keeps writers independent; an entry is
// recorded atomically with its change either way, and Verify chains what is
// pending before it checks.
package audit

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"zwfw"
	"zwfw/internal/db"
)

// Entry is one recorded action.
type Entry struct {
	ID        int64           `json:"id"`
	Pos       int64           `json:"pos,omitempty"` // place in the chain; 0 while waiting to be chained
	At        time.Time       `json:"at"`
	ActorID   int64           `json:"actor_id,omitempty"`
	ActorName string          `json:"actor_name"`
	Action    string          `json:"action"`
	Object    string          `json:"object"`
	Detail    json.RawMessage `json:"detail"`
	PrevHash  string          `json:"prev_hash,omitempty"`
	Hash      string          `json:"hash,omitempty"`
}

// Record appends an entry inside tx. action names what happened
// ("catalog.update"), object what it happened to ("item:010100100000"),
// detail anything worth keeping, as JSON.
func Record(ctx context.Context, tx *db.Tx, at time.Time, actor *zwfw.Actor, action, object string, detail any) error {
	raw, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit: encode detail: %w", err)
	}
	name := "系统"
	var actorID any
	if actor != nil {
		name = actor.Name
		if name == "" {
			name = actor.Username
		}
		if actor.UserID != 0 {
			actorID = actor.UserID
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (at, actor_id, actor_name, action, object, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		db.Millis(at), actorID, name, action, object, string(raw)); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	return nil
}

// digest is SM3 over the previous hash and every field, length-prefixed so
// that no two different entries encode alike.
func (e *Entry) digest() string {
	h := sm3.New()
	for _, f := range []string{
		e.PrevHash, strconv.FormatInt(e.Pos, 10), strconv.FormatInt(e.ID, 10), strconv.FormatInt(db.Millis(e.At), 10),
		strconv.FormatInt(e.ActorID, 10), e.ActorName, e.Action, e.Object, string(e.Detail),
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

const entryCols = `SELECT id, COALESCE(pos, 0), at, COALESCE(actor_id, 0), actor_name, action, object, detail, prev_hash, hash FROM audit_log`

func scan(rows interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var at int64
	var detail string
	err := rows.Scan(&e.ID, &e.Pos, &at, &e.ActorID, &e.ActorName, &e.Action, &e.Object, &detail, &e.PrevHash, &e.Hash)
	e.At, e.Detail = db.Time(at), json.RawMessage(detail)
	return e, err
}

// chainBatch bounds how many entries one chaining transaction links.
const chainBatch = 2000

// Chain links every committed entry that is not chained yet, in order of
// id, and returns how many it linked. Several processes may call it at
// once: the head row serialises them, and each links only what the others
// have not.
func Chain(ctx context.Context, d *db.DB) (int, error) {
	total := 0
	for {
		n := 0
		err := d.InTx(ctx, func(tx *db.Tx) error {
			var pos int64
			var prev string
			// Taking the head first locks it (PostgreSQL) for this batch.
			if err := tx.QueryRow(ctx, "UPDATE audit_head SET pos = pos WHERE id = 1 RETURNING pos, hash").Scan(&pos, &prev); err != nil {
				return fmt.Errorf("audit: head: %w", err)
			}
			rows, err := tx.Query(ctx, entryCols+" WHERE pos IS NULL ORDER BY id LIMIT ?", chainBatch)
			if err != nil {
				return err
			}
			var batch []Entry
			for rows.Next() {
				e, err := scan(rows)
				if err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, e)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for i := range batch {
				e := &batch[i]
				pos++
				e.Pos, e.PrevHash = pos, prev
				e.Hash = e.digest()
				if _, err := tx.Exec(ctx, "UPDATE audit_log SET pos = ?, prev_hash = ?, hash = ? WHERE id = ? AND pos IS NULL",
					e.Pos, e.PrevHash, e.Hash, e.ID); err != nil {
					return err
				}
				prev = e.Hash
			}
			if len(batch) > 0 {
				if _, err := tx.Exec(ctx, "UPDATE audit_head SET pos = ?, hash = ? WHERE id = 1", pos, prev); err != nil {
					return err
				}
			}
			n = len(batch)
			return nil
		})
		total += n
		if err != nil || n < chainBatch {
			return total, err
		}
	}
}

// RunChainer links new entries every interval until ctx ends.
func RunChainer(ctx context.Context, d *db.DB, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := Chain(ctx, d); err != nil && ctx.Err() == nil {
			log.Warn("audit: chaining", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ErrBroken reports where the chain breaks.
type ErrBroken struct {
	Pos    int64
	ID     int64
	Reason string
}

func (e *ErrBroken) Error() string {
	if e.ID != 0 {
		return fmt.Sprintf("audit: chain broken at entry %d (record id %d): %s", e.Pos, e.ID, e.Reason)
	}
	return fmt.Sprintf("audit: chain broken at entry %d: %s", e.Pos, e.Reason)
}

// Verify chains what is pending, then walks the whole chain and returns how
// many entries it checked, or an *ErrBroken naming the first entry that was
// altered, removed or inserted.
func Verify(ctx context.Context, d *db.DB) (int64, error) {
	if _, err := Chain(ctx, d); err != nil {
		return 0, err
	}
	q := d.Reader()
	rows, err := q.Query(ctx, entryCols+" WHERE pos IS NOT NULL ORDER BY pos")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n, want int64 = 0, 1
	prev := ""
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return n, err
		}
		switch {
		case e.Pos != want:
			return n, &ErrBroken{Pos: want, Reason: fmt.Sprintf("entry %d is missing (next present is %d)", want, e.Pos)}
		case e.PrevHash != prev:
			return n, &ErrBroken{Pos: e.Pos, ID: e.ID, Reason: "its link to the previous entry does not match (an entry before it was altered, or it was inserted)"}
		case e.digest() != e.Hash:
			return n, &ErrBroken{Pos: e.Pos, ID: e.ID, Reason: "its content does not match its hash (altered)"}
		}
		prev, want = e.Hash, want+1
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	var headPos int64
	var headHash string
	if err := q.QueryRow(ctx, "SELECT pos, hash FROM audit_head WHERE id = 1").Scan(&headPos, &headHash); err != nil {
		return n, &ErrBroken{Reason: "the chain head is missing"}
	}
	if headPos != n || headHash != prev {
		return n, &ErrBroken{Pos: n + 1, Reason: fmt.Sprintf("the head says %d entries but %d are present (the newest were removed)", headPos, n)}
	}
	return n, nil
}

// List returns entries about object (all when empty), newest first.
func List(ctx context.Context, q db.Querier, object string, limit, offset int) ([]Entry, error) {
	query := entryCols
	var args []any
	if object != "" {
		query += " WHERE object = ?"
		args = append(args, object)
	}
	query += " ORDER BY id DESC LIMIT ? OFFSET ?"
	args = append(args, limit, offset)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Browse lists the whole log, or the entries about one object, for an
// administrator; nobody else reads entries that are not about a case they
// may see (casework.Service.Trail serves those).
func Browse(ctx context.Context, d *db.DB, actor *zwfw.Actor, object string, limit, offset int) ([]Entry, error) {
	if !actor.Has(zwfw.RoleAdmin) {
		return nil, zwfw.Errorf(zwfw.EFORBIDDEN, "只有系统管理员可以查看全部审计日志；查看某一办件的记录请指定 case")
	}
	return List(ctx, d.Reader(), object, limit, offset)
}
