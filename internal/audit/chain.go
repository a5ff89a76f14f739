package audit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"zwfw/internal/db"
)

// chainBatch bounds how many entries one chaining transaction links.
const chainBatch = 2000

// Chain links every committed entry that is not chained yet, in the order
// they were written (by id), and returns how many it linked. Several
// processes may call it at once: the head row serialises them, and each
// links only what the others have not.
//
// Order: an entry is chained once it is committed, so one whose
// transaction commits after a later-written entry was chained comes after
// it. Such an entry was written moments before the one it follows; Skew
// allows for that.
func Chain(ctx context.Context, d *db.DB) (int, error) {
	n, _, err := chain(ctx, d)
	return n, err
}

// chain links what is pending and returns, beside the number linked, the
// positions it linked whose MAC is missing or wrong: rows that were not
// written by the platform, or were altered before they were chained. They
// are chained all the same (the chain records what the log holds) and
// Verify names them.
func chain(ctx context.Context, d *db.DB) (int, []int64, error) {
	k := keysOf(d)
	if k == nil {
		return 0, nil, errNoKeys
	}
	total := 0
	var bad []int64
	for {
		n := 0
		var badHere []int64
		err := d.InTx(ctx, func(tx *db.Tx) error {
			n, badHere = 0, nil
			h, err := lockHead(ctx, tx)
			if err != nil {
				return err
			}
			if h.keyID == "" {
				return errNotSealed
			}
			rows, err := tx.Query(ctx, entryCols+" WHERE a.pos IS NULL ORDER BY a.id LIMIT ?", chainBatch)
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
			pos, prev := h.pos, h.hash
			for i := range batch {
				e := &batch[i]
				pos++
				e.Pos, e.PrevHash = pos, prev
				e.Hash = k.link(e)
				if e.MAC == "" || e.MAC != k.mac(h.chainID, e) {
					badHere = append(badHere, e.Pos)
				}
				prev = e.Hash
			}
			if err := link(ctx, tx, batch); err != nil {
				return err
			}
			if len(batch) > 0 {
				if _, err := tx.Exec(ctx, "UPDATE audit_head SET pos = ?, hash = ? WHERE id = 1", pos, prev); err != nil {
					return err
				}
			}
			n = len(batch)
			return nil
		})
		if err != nil {
			return total, bad, err
		}
		total += n
		bad = append(bad, badHere...)
		if n < chainBatch {
			return total, bad, nil
		}
	}
}

// linkRows are the numbers of entries one UPDATE links: a few fixed
// sizes, so that the statements prepared and cached stay few.
var linkRows = []int{256, 64, 16, 4, 1}

// link writes the positions and hashes of the batch, up to 256 entries a
// statement: a few round trips for what the servers logged in a second,
// instead of one per entry.
func link(ctx context.Context, tx *db.Tx, batch []Entry) error {
	for len(batch) > 0 {
		n := 1
		for _, r := range linkRows {
			if r <= len(batch) {
				n = r
				break
			}
		}
		part := batch[:n]
		batch = batch[len(part):]
		var b strings.Builder
		b.WriteString("UPDATE audit_log SET pos = v.column2, prev_hash = v.column3, hash = v.column4 FROM (VALUES ")
		args := make([]any, 0, 4*len(part))
		for i, e := range part {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT))")
			args = append(args, e.ID, e.Pos, e.PrevHash, e.Hash)
		}
		b.WriteString(") AS v WHERE audit_log.id = v.column1 AND audit_log.pos IS NULL")
		if _, err := tx.Exec(ctx, b.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// RunChainer links new entries every interval until ctx ends, and writes a
// signed checkpoint of the head to cps at most every checkpointEvery (when
// the head has moved), and once more as it stops.
func RunChainer(ctx context.Context, d *db.DB, cps *Checkpoints, interval, checkpointEvery time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	var last time.Time
	step := func(ctx context.Context, final bool) {
		_, bad, err := chain(ctx, d)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("audit: chaining", "err", err)
			}
			return
		}
		for _, pos := range bad {
			log.Error("audit: an entry without a valid MAC was found in the log (written around the platform, or altered before it was chained)", "pos", pos)
		}
		if cps == nil || (!final && time.Since(last) < checkpointEvery) {
			return
		}
		// An unmoved head is looked at again next time; a checkpoint
		// written, or refused (and reported), waits for the interval.
		cp, err := cps.Write(ctx, d)
		if err != nil && ctx.Err() == nil {
			log.Error("audit: checkpoint", "err", err)
		}
		if cp != nil || err != nil {
			last = time.Now()
		}
	}
	for {
		step(ctx, false)
		select {
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			step(sctx, true)
			cancel()
			return
		case <-t.C:
		}
	}
}

// errNotSealed: nothing is chained onto a head that has no seal (Open
// seals it on a server's first start; a seal that was removed is for
// Verify to report, not for the chainer to carry on from).
var errNotSealed = errors.New("audit: the chain is not sealed")

// errRolledBack reports a head that is behind, or beside, a checkpoint
// already written.
var errRolledBack = errors.New("audit: the chain no longer extends the last checkpoint")

func rolledBack(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errRolledBack}, args...)...)
}
