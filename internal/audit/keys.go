package audit

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"zwfw/internal/db"
	"zwfw/internal/keyfile"
)

// Keys are the audit log's secrets, kept outside the database: every entry
// is MACed with one, every link of the chain with another, both derived
// from one secret. Every process that writes to one database must hold the
// same secret — the same ZWFW_AUDIT_KEY, or a copy of the same key file —
// and Open refuses a process whose secret is another.
type Keys struct {
	entryKey []byte           // HMAC-SM3 key of the entries' MACs
	linkKey  []byte           // HMAC-SM3 key of the chain's links and its seal
	id       string           // names the secret in the database without revealing it
	chain    string           // the chain the entries are written to (Open sets it)
	now      func() time.Time // the writer's clock, for logged_at
}

// KeyFile is the file in the data directory that holds the secret when
// ZWFW_AUDIT_KEY is not set; it is created, readable by its owner only, at
// the first start.
const KeyFile = "audit.key"

// minSecret is the shortest secret accepted, in bytes.
const minSecret = 32

// NewKeys derives the keys from secret (at least 32 characters).
func NewKeys(secret string) (*Keys, error) {
	secret = strings.TrimSpace(secret)
	if len(secret) < minSecret {
		return nil, fmt.Errorf("audit: the audit key must be at least %d characters long", minSecret)
	}
	derive := func(label string) []byte { return keyfile.Derive(secret, label) }
	return &Keys{
		entryKey: derive("zwfw audit entry MAC v1"),
		linkKey:  derive("zwfw audit chain link v1"),
		id:       hex.EncodeToString(derive("zwfw audit key id v1"))[:16],
		now:      time.Now,
	}, nil
}

// LoadKeys takes the secret from env (ZWFW_AUDIT_KEY) when it is set, and
// otherwise from the key file in dataDir, which it creates (0600, 32 random
// bytes in hex) when there is none.
func LoadKeys(dataDir, env string) (*Keys, error) {
	if env != "" {
		return NewKeys(env)
	}
	secret, err := keyfile.ReadOrCreate(filepath.Join(dataDir, KeyFile), func() ([]byte, error) {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		return []byte(hex.EncodeToString(b[:]) + "\n"), nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: key file: %w", err)
	}
	return NewKeys(string(secret))
}

// ID names the secret (a MAC of a fixed text under it), as recorded in the
// database.
func (k *Keys) ID() string { return k.id }

// WithClock returns the same keys with another writer's clock for
// logged_at (tests).
func (k *Keys) WithClock(now func() time.Time) *Keys {
	c := *k
	c.now = now
	return &c
}

// mac is the entry's MAC: HMAC-SM3 over the chain it belongs to (so that
// it cannot be copied into another database's log sealed with the same
// secret), its nonce, its logged time and every field.
func (k *Keys) mac(chain string, e *Entry) string {
	m := hmac.New(sm3.New, k.entryKey)
	writeFields(m, "entry v1", chain, e.Nonce, itoa(db.Millis(e.LoggedAt)), itoa(db.Millis(e.At)), itoa(e.OrgID),
		itoa(e.ActorID), e.ActorName, e.Action, e.Object, string(e.Detail))
	return hex.EncodeToString(m.Sum(nil))
}

// link is the entry's link in the chain: HMAC-SM3 over the link before it,
// its position and its MAC (which covers the rest).
func (k *Keys) link(e *Entry) string {
	m := hmac.New(sm3.New, k.linkKey)
	writeFields(m, "link v1", e.PrevHash, itoa(e.Pos), e.MAC)
	return hex.EncodeToString(m.Sum(nil))
}

// seal authenticates the head's fixed part: which key, which chain, and
// where the keyed chain begins.
func (k *Keys) seal(h *head) string {
	m := hmac.New(sm3.New, k.linkKey)
	writeFields(m, "seal v1", h.keyID, h.chainID, itoa(h.basePos), h.baseHash)
	return hex.EncodeToString(m.Sum(nil))
}

// keysKey keeps a database handle's audit keys (db.DB.SetValue).
type keysKey struct{}

type valuer interface{ Value(key any) any }

func keysOf(v valuer) *Keys {
	k, _ := v.Value(keysKey{}).(*Keys)
	return k
}

// KeysOf returns the keys Open (or Use) left on d, or nil.
func KeysOf(d *db.DB) *Keys { return keysOf(d) }

// Use leaves k on d for Record and Chain without the checks of Open
// (tests and tools that already opened d: pass keys from KeysOf).
func Use(d *db.DB, k *Keys) { d.SetValue(keysKey{}, k) }

// head is the row that holds the chain's end and its seal.
type head struct {
	pos      int64
	hash     string
	keyID    string
	chainID  string
	basePos  int64
	baseHash string
	seal     string
}

const headCols = "pos, hash, key_id, chain_id, base_pos, base_hash, seal"

func (h *head) scan(row interface{ Scan(...any) error }) error {
	return row.Scan(&h.pos, &h.hash, &h.keyID, &h.chainID, &h.basePos, &h.baseHash, &h.seal)
}

// lockHead reads the head and, on PostgreSQL, locks it until tx ends: the
// chainers of several processes take turns on it.
func lockHead(ctx context.Context, tx *db.Tx) (*head, error) {
	var h head
	if err := h.scan(tx.QueryRow(ctx, "UPDATE audit_head SET pos = pos WHERE id = 1 RETURNING "+headCols)); err != nil {
		return nil, fmt.Errorf("audit: head: %w", err)
	}
	return &h, nil
}

// ErrKeyMismatch reports that the database's log is sealed with another
// secret than this process holds.
var ErrKeyMismatch = errors.New("audit: the audit key does not match the database's")

// ErrSealRemoved reports a database whose log is not sealed although this
// data directory holds checkpoints of it: the seal was removed (to have the
// whole log re-sealed as "written before the keys"), or the directory
// belongs to another database.
var ErrSealRemoved = errors.New("audit: the database's audit log is not sealed, but this data directory holds checkpoints")

// Open makes k the keys of d's audit log. On the first start after
// migration 00009 it seals the chain: entries written before (there is one
// pending, unkeyed chain to finish) are chained the old way, and the keyed
// chain begins after them; the seal names the key and a new chain identity,
// and a first checkpoint records it (when cps is given). On every later
// start it checks that k is the key the chain was sealed with, and returns
// an error wrapping ErrKeyMismatch if not. A database whose seal is gone
// while cps holds checkpoints is not sealed again (ErrSealRemoved). Either
// way k is left on d, so that `zwfw audit verify` can report what it finds.
func Open(ctx context.Context, d *db.DB, k *Keys, cps *Checkpoints) error {
	var sealed *head
	var found, chain string
	err := d.InTx(ctx, func(tx *db.Tx) error {
		sealed, found, chain = nil, "", ""
		h, err := lockHead(ctx, tx)
		if err != nil {
			return err
		}
		chain = h.chainID
		if h.keyID != "" {
			found = h.keyID
			return nil
		}
		if cps != nil {
			if n, err := cps.count(); err != nil {
				return err
			} else if n > 0 {
				return fmt.Errorf("%w (%s, %d lines): either the database was tampered with (its seal removed), "+
					"or this data directory belongs to another database (move the checkpoint file away to start a new one)", ErrSealRemoved, cps.file, n)
			}
		}
		if err := chainLegacy(ctx, tx, h); err != nil {
			return err
		}
		var id [8]byte
		if _, err := rand.Read(id[:]); err != nil {
			return err
		}
		h.keyID, h.chainID, h.basePos, h.baseHash = k.id, hex.EncodeToString(id[:]), h.pos, h.hash
		h.seal = k.seal(h)
		if _, err := tx.Exec(ctx, `UPDATE audit_head SET pos = ?, hash = ?, key_id = ?, chain_id = ?, base_pos = ?, base_hash = ?, seal = ?
			WHERE id = 1`, h.pos, h.hash, h.keyID, h.chainID, h.basePos, h.baseHash, h.seal); err != nil {
			return fmt.Errorf("audit: seal: %w", err)
		}
		sealed, chain = h, h.chainID
		return nil
	})
	ck := *k
	ck.chain = chain
	if err != nil {
		if errors.Is(err, ErrSealRemoved) {
			Use(d, &ck)
		}
		return err
	}
	Use(d, &ck)
	if found != "" && found != k.id {
		return fmt.Errorf("%w: the log was written with key %s, this process holds key %s; "+
			"every process on one database needs the same ZWFW_AUDIT_KEY or a copy of the same %s", ErrKeyMismatch, found, k.id, KeyFile)
	}
	if sealed != nil && cps != nil {
		if _, err := cps.append(kindSeal, sealed.chainID, sealed.basePos, sealed.baseHash); err != nil {
			return err
		}
	}
	return nil
}

// chainLegacy links the entries written before the keys, the old way, in
// the transaction that seals the chain.
func chainLegacy(ctx context.Context, tx *db.Tx, h *head) error {
	rows, err := tx.Query(ctx, entryCols+" WHERE a.pos IS NULL ORDER BY a.id")
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
		h.pos++
		e.Pos, e.PrevHash = h.pos, h.hash
		e.Hash = e.legacyDigest()
		if _, err := tx.Exec(ctx, "UPDATE audit_log SET pos = ?, prev_hash = ?, hash = ? WHERE id = ?", e.Pos, e.PrevHash, e.Hash, e.ID); err != nil {
			return err
		}
		h.hash = e.Hash
	}
	return nil
}
