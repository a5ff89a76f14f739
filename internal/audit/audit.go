// Package audit keeps the tamper-evident record of what was done: every
// administrative change, every case step and every access to full personal
// data is appended in the same transaction as the change (attachment 2
// (9)2 同步记录、全程跟踪; §2(7) 等级保护 audit).
//
// The log is made to withstand whoever holds the database but not the
// platform's keys, which are kept outside it (keys.go):
//
//   - Each entry is MACed (HMAC-SM3) in the transaction that writes it, over
//     a random nonce, the writer's clock (logged_at) and every field. A row
//     INSERTed by hand has no valid MAC; an entry edited before or after it
//     is chained no longer matches its MAC; a genuine row copied in again
//     repeats a nonce.
//   - A chainer then links the entries in the order they were written (by
//     id), each link an HMAC-SM3 under a second key over the link before it,
//     the entry's position and its MAC (chain.go). Deleting, inserting or
//     reordering chained entries breaks the links, and nobody without the key
//     can compute new ones after an edit.
//   - Signed checkpoints of the chain's head (SM2) are written outside the
//     database, to a file in the data directory (checkpoint.go), so that
//     removing the newest entries and rolling the head back is caught too.
//   - Time never goes backwards in the chain: each entry's logged_at is no
//     earlier than the latest logged_at before it less Skew (verify.go).
//
// Why chain afterwards: linking inside the writer's transaction would make
// every write transaction of every server process wait for the one before it
// to commit (the chain's head is one row). The MAC needs no shared state, so
// it is computed in Go as the entry is written, at no extra round trip; the
// links follow a second or less later in short transactions of their own,
// and Verify chains what is pending before it checks.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
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
	At        time.Time       `json:"at"`            // when the action took place, by the service's clock
	LoggedAt  time.Time       `json:"logged_at"`     // when the entry was written, by the writer's own clock
	OrgID     int64           `json:"org_id,omitempty"`
	ActorID   int64           `json:"actor_id,omitempty"`
	ActorName string          `json:"actor_name"`
	Action    string          `json:"action"`
	Object    string          `json:"object"`
	Detail    json.RawMessage `json:"detail"`
	PrevHash  string          `json:"prev_hash,omitempty"`
	Hash      string          `json:"hash,omitempty"`
	Nonce     string          `json:"-"`
	MAC       string          `json:"-"`
}

// Record appends an entry inside tx about the actor's own organisation
// (audit reads are scoped by it). action names what happened
// ("catalog.update"), object what it happened to ("item:010100100000"),
// detail anything worth keeping, as JSON.
func Record(ctx context.Context, tx *db.Tx, at time.Time, actor *zwfw.Actor, action, object string, detail any) error {
	var org int64
	if actor != nil {
		org = actor.OrgID
	}
	return RecordFor(ctx, tx, org, at, actor, action, object, detail)
}

// RecordFor appends an entry about organisation orgID — a case's
// organisation for a case, the changed organisation or the account's
// organisation for an administrative change — so that the administrators
// of that organisation's subtree read it. 0 is the platform as a whole,
// read only at the top of the tree.
func RecordFor(ctx context.Context, tx *db.Tx, orgID int64, at time.Time, actor *zwfw.Actor, action, object string, detail any) error {
	k := keysOf(tx)
	if k == nil {
		return errNoKeys
	}
	raw, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("audit: encode detail: %w", err)
	}
	e := Entry{At: at, LoggedAt: k.now(), OrgID: orgID, ActorName: "系统", Action: action, Object: object, Detail: raw}
	if actor != nil {
		e.ActorName = actor.Name
		if e.ActorName == "" {
			e.ActorName = actor.Username
		}
		e.ActorID = actor.UserID
	}
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return fmt.Errorf("audit: nonce: %w", err)
	}
	e.Nonce = hex.EncodeToString(nonce[:])
	e.MAC = k.mac(k.chain, &e)
	// Sent with the transaction's next statement or its commit (db.Later).
	if err := tx.Later(ctx, nil, `INSERT INTO audit_log (at, logged_at, org_id, actor_id, actor_name, action, object, detail, nonce, mac)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		db.Millis(e.At), db.Millis(e.LoggedAt), nullID(e.OrgID), nullID(e.ActorID), e.ActorName, action, object, string(raw), e.Nonce, e.MAC); err != nil {
		return fmt.Errorf("audit: append: %w", err)
	}
	// A security event (a lockout, a reveal, a setting changed) goes into
	// the security log in the same transaction (security.go).
	if ev, ok := securityOf(&e, actor); ok {
		if err := writeSecurity(ctx, func(ctx context.Context, q string, args ...any) error {
			_, err := tx.Exec(ctx, q, args...)
			return err
		}, ev); err != nil {
			return fmt.Errorf("audit: security log: %w", err)
		}
	}
	return nil
}

var errNoKeys = errors.New("audit: this database has no audit keys (audit.Open was not called)")

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// writeFields writes each field length-prefixed, so that no two different
// lists of fields encode alike.
func writeFields(h hash.Hash, fields ...string) {
	for _, f := range fields {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// legacyDigest is the unkeyed link of entries chained before the keys
// (migration 00009): SM3 over the previous hash and every field. Anyone can
// compute it, so those entries are only as strong as they were; the keyed
// chain begins after them (see Open).
func (e *Entry) legacyDigest() string {
	h := sm3.New()
	writeFields(h, e.PrevHash, itoa(e.Pos), itoa(e.ID), itoa(db.Millis(e.At)),
		itoa(e.ActorID), e.ActorName, e.Action, e.Object, string(e.Detail))
	return hex.EncodeToString(h.Sum(nil))
}

const entryCols = `SELECT a.id, COALESCE(a.pos, 0), a.at, a.logged_at, COALESCE(a.org_id, 0), COALESCE(a.actor_id, 0), a.actor_name,
	a.action, a.object, a.detail, a.prev_hash, a.hash, a.nonce, a.mac FROM audit_log a`

func scan(rows interface{ Scan(...any) error }) (Entry, error) {
	var e Entry
	var at, logged int64
	var detail string
	err := rows.Scan(&e.ID, &e.Pos, &at, &logged, &e.OrgID, &e.ActorID, &e.ActorName, &e.Action, &e.Object, &detail,
		&e.PrevHash, &e.Hash, &e.Nonce, &e.MAC)
	e.At, e.Detail = db.Time(at), json.RawMessage(detail)
	if logged != 0 {
		e.LoggedAt = db.Time(logged)
	}
	return e, err
}

// List returns entries about object (all when empty), newest first, with
// no regard to who asks: callers decide first that the reader may see them
// (casework.Service.Trail, Service.Browse).
func List(ctx context.Context, q db.Querier, object string, limit, offset int) ([]Entry, error) {
	query := entryCols
	var args []any
	if object != "" {
		query += " WHERE a.object = ?"
		args = append(args, object)
	}
	query += " ORDER BY a.id DESC LIMIT ? OFFSET ?"
	args = append(args, limit, offset)
	return list(ctx, q, query, args...)
}

func list(ctx context.Context, q db.Querier, query string, args ...any) ([]Entry, error) {
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
