// Package audit keeps the tamper-evident record of what was done: every
// administrative change (and, as they land, every case step and every access
// to full personal data) is appended in the same transaction as the change,
// chained to the entry before it by an SM3 hash (GB/T 32905), so that an
// altered, removed or inserted row breaks the chain (attachment 2 (9)2
// 同步记录、全程跟踪; §2(7) 等级保护 audit).
package audit

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"zwfw"
	"zwfw/internal/db"
)

// Entry is one recorded action.
type Entry struct {
	Seq       int64           `json:"seq"`
	At        time.Time       `json:"at"`
	ActorID   int64           `json:"actor_id,omitempty"`
	ActorName string          `json:"actor_name"`
	Action    string          `json:"action"`
	Object    string          `json:"object"`
	Detail    json.RawMessage `json:"detail"`
	PrevHash  string          `json:"prev_hash"`
	Hash      string          `json:"hash"`
}

// Record appends an entry inside tx. action names what happened
// ("catalog.change"), object what it happened to ("item:11610923MB…"),
// detail anything worth keeping, as JSON.
func Record(ctx context.Context, tx *db.Tx, at time.Time, actor *zwfw.Actor, action, object string, detail any) error {
	raw, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit: encode detail: %w", err)
	}
	var seq int64
	var prev string
	// Updating the single head row serialises appends, across processes too.
	if err := tx.QueryRow(ctx, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit: advance head: %w", err)
	}
	e := Entry{Seq: seq, At: at, ActorName: "系统", Action: action, Object: object, Detail: raw, PrevHash: prev}
	if actor != nil {
		e.ActorID, e.ActorName = actor.UserID, actor.Name
		if e.ActorName == "" {
			e.ActorName = actor.Username
		}
	}
	e.Hash = e.digest()
	var actorID any
	if e.ActorID != 0 {
		actorID = e.ActorID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor_id, actor_name, action, object, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, db.Millis(e.At), actorID, e.ActorName, e.Action, e.Object, string(e.Detail), e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	if _, err := tx.Exec(ctx, "UPDATE audit_head SET hash = ? WHERE id = 1", e.Hash); err != nil {
		return fmt.Errorf("audit: move head: %w", err)
	}
	return nil
}

// digest is SM3 over the previous hash and every field, length-prefixed so
// that no two different entries encode alike.
func (e *Entry) digest() string {
	h := sm3.New()
	for _, f := range []string{
		e.PrevHash, strconv.FormatInt(e.Seq, 10), strconv.FormatInt(db.Millis(e.At), 10),
		strconv.FormatInt(e.ActorID, 10), e.ActorName, e.Action, e.Object, string(e.Detail),
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ErrBroken reports where the chain breaks.
type ErrBroken struct {
	Seq    int64
	Reason string
}

func (e *ErrBroken) Error() string {
	return fmt.Sprintf("audit: chain broken at entry %d: %s", e.Seq, e.Reason)
}

// Verify walks the whole chain and returns how many entries it checked, or an
// *ErrBroken naming the first entry that was altered, removed or inserted.
func Verify(ctx context.Context, q db.Querier) (int64, error) {
	rows, err := q.Query(ctx, `SELECT seq, at, COALESCE(actor_id, 0), actor_name, action, object, detail, prev_hash, hash
		FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n, want int64 = 0, 1
	prev := ""
	for rows.Next() {
		var e Entry
		var at int64
		var detail string
		if err := rows.Scan(&e.Seq, &at, &e.ActorID, &e.ActorName, &e.Action, &e.Object, &detail, &e.PrevHash, &e.Hash); err != nil {
			return n, err
		}
		e.At, e.Detail = db.Time(at), json.RawMessage(detail)
		switch {
		case e.Seq != want:
			return n, &ErrBroken{Seq: want, Reason: fmt.Sprintf("entry %d is missing (next present is %d)", want, e.Seq)}
		case e.PrevHash != prev:
			return n, &ErrBroken{Seq: e.Seq, Reason: "its link to the previous entry does not match (an entry before it was altered, or it was inserted)"}
		case e.digest() != e.Hash:
			return n, &ErrBroken{Seq: e.Seq, Reason: "its content does not match its hash (altered)"}
		}
		prev, want = e.Hash, want+1
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	var headSeq int64
	var headHash string
	if err := q.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return n, &ErrBroken{Seq: 0, Reason: "the chain head is missing"}
		}
		return n, err
	}
	if headSeq != n || headHash != prev {
		return n, &ErrBroken{Seq: n + 1, Reason: fmt.Sprintf("the head says %d entries but %d are present (the newest were removed)", headSeq, n)}
	}
	return n, nil
}

// List returns entries about object (all when empty), newest first.
func List(ctx context.Context, q db.Querier, object string, limit, offset int) ([]Entry, error) {
	query := `SELECT seq, at, COALESCE(actor_id, 0), actor_name, action, object, detail, prev_hash, hash FROM audit_log`
	var args []any
	if object != "" {
		query += " WHERE object = ?"
		args = append(args, object)
	}
	query += " ORDER BY seq DESC LIMIT ? OFFSET ?"
	args = append(args, limit, offset)
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var at int64
		var detail string
		if err := rows.Scan(&e.Seq, &at, &e.ActorID, &e.ActorName, &e.Action, &e.Object, &detail, &e.PrevHash, &e.Hash); err != nil {
			return nil, err
		}
		e.At, e.Detail = db.Time(at), json.RawMessage(detail)
		out = append(out, e)
	}
	return out, rows.Err()
}
