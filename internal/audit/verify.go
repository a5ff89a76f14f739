package audit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"zwfw/internal/db"
)

// Skew is how much earlier than the latest entry before it an entry's
// logged time may be. Time never goes backwards in the chain by more:
// entries are chained in the order they are committed, and an entry is
// stamped a moment before its transaction commits, so two transactions
// that commit in the other order than they stamped — or two server
// processes whose clocks differ slightly — put an entry a little before
// the one it follows. An entry stamped earlier than that was written by a
// clock that went back (or is a genuine entry copied in again).
const Skew = time.Minute

// Kinds of problem Verify finds.
const (
	ProblemMissing    = "missing"    // entries removed from the chain
	ProblemDuplicate  = "duplicate"  // a position held twice
	ProblemForged     = "forged"     // no MAC: not written by the platform
	ProblemAltered    = "altered"    // content does not match its MAC
	ProblemUnlinked   = "unlinked"   // its link does not continue the entry before it
	ProblemRelinked   = "relinked"   // its link was not made with the platform's key
	ProblemReplayed   = "replayed"   // a genuine entry copied in again
	ProblemBackwards  = "backwards"  // time went backwards
	ProblemHead       = "head"       // the head does not end the chain
	ProblemTruncated  = "truncated"  // a checkpoint is past the chain's end
	ProblemRewritten  = "rewritten"  // the chain disagrees with a checkpoint
	ProblemCheckpoint = "checkpoint" // a checkpoint line that is not genuine
	ProblemSeal       = "seal"       // the head's seal or key was altered
)

// Problem is one finding, about entries Pos to To (第 Pos 条, or 第 Pos–To
// 条), or a line of the checkpoint file.
type Problem struct {
	Kind string
	Pos  int64 // 0 when not about an entry
	To   int64 // the last entry of a run of alike problems
	ID   int64 // the row's id, when about one entry
	Line int   // the checkpoint file's line
	Text string
}

func (p Problem) String() string {
	switch {
	case p.Pos != 0 && p.To > p.Pos:
		return fmt.Sprintf("第 %d–%d 条：%s", p.Pos, p.To, p.Text)
	case p.Pos != 0 && p.ID != 0:
		return fmt.Sprintf("第 %d 条（记录号 %d）：%s", p.Pos, p.ID, p.Text)
	case p.Pos != 0:
		return fmt.Sprintf("第 %d 条：%s", p.Pos, p.Text)
	case p.Line != 0:
		return fmt.Sprintf("检查点文件第 %d 行：%s", p.Line, p.Text)
	}
	return p.Text
}

// maxProblems bounds the problems a report lists.
const maxProblems = 200

// Report is what Verify found.
type Report struct {
	Entries     int64       // entries in the chain
	Base        int64       // of which chained before the keys (migration 00009), checked unkeyed
	Checkpoints int         // checkpoints of this chain the chain agrees with
	Latest      *Checkpoint // the newest of them
	Problems    []Problem
	More        int // problems found beyond those listed
}

// OK reports whether nothing was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) add(p Problem) {
	if n := len(r.Problems); n > 0 {
		last := &r.Problems[n-1]
		if last.Kind == p.Kind && p.Pos != 0 && last.Pos != 0 && p.Pos == max(last.To, last.Pos)+1 &&
			p.Kind != ProblemBackwards && p.Kind != ProblemReplayed {
			last.To, last.ID = p.Pos, 0
			return
		}
	}
	if len(r.Problems) >= maxProblems {
		r.More++
		return
	}
	r.Problems = append(r.Problems, p)
}

// Verify chains what is pending, then walks the whole chain and reports
// every entry that was inserted around the platform, altered, removed,
// copied in again or relinked, time going backwards, and — against the
// signed checkpoints in cps, when given — the newest entries removed with
// the head rolled back. The error is for failures to read, not findings.
func Verify(ctx context.Context, d *db.DB, cps *Checkpoints) (*Report, error) {
	k := keysOf(d)
	if k == nil {
		return nil, errNoKeys
	}
	if _, err := Chain(ctx, d); err != nil && !errors.Is(err, errNotSealed) {
		return nil, err
	}
	r := &Report{}
	var h head
	if err := h.scan(d.QueryRow(ctx, "SELECT "+headCols+" FROM audit_head WHERE id = 1")); err != nil {
		return nil, fmt.Errorf("audit: head: %w", err)
	}
	r.Base = h.basePos
	if h.keyID != k.id {
		r.add(Problem{Kind: ProblemSeal, Text: fmt.Sprintf("数据库记录的审计密钥标识为 %q，本机密钥为 %q：密钥不对，或密钥标识被改动", h.keyID, k.id)})
	}
	if h.seal != k.seal(&h) {
		r.add(Problem{Kind: ProblemSeal, Text: "审计链的封存记录（密钥、链标识、起点）被改动"})
	}

	// The checkpoints this chain must agree with, by position.
	var cps0 []Checkpoint
	if cps != nil {
		var err error
		if cps0, err = cps.All(); err != nil {
			return nil, err
		}
	}
	at := map[int64][]*Checkpoint{}
	foreign := 0
	for i := range cps0 {
		cp := &cps0[i]
		switch {
		case !cp.Valid:
			r.add(Problem{Kind: ProblemCheckpoint, Line: cp.Line, Text: "签名无效或格式不对（检查点文件被改动，或写入时进程中断）"})
		case cp.Chain != h.chainID:
			foreign++
		case cp.Kind == kindSeal:
			if cp.Pos != h.basePos || cp.Hash != h.baseHash {
				r.add(Problem{Kind: ProblemSeal, Line: cp.Line, Text: fmt.Sprintf("审计链的起点（第 %d 条）与数据库记录的（第 %d 条）不符：升级前的记录被改写", cp.Pos, h.basePos)})
			}
		default:
			at[cp.Pos] = append(at[cp.Pos], cp)
		}
	}
	if foreign > 0 {
		r.add(Problem{Kind: ProblemCheckpoint, Text: fmt.Sprintf("检查点文件中有 %d 个检查点属于另一条审计链：数据库被替换，或审计链被重新封存", foreign)})
	}

	rows, err := d.Reader().Query(ctx, entryCols+" WHERE a.pos IS NOT NULL ORDER BY a.pos")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var (
		want      int64 = 1
		prev      string
		gap       bool // the entry before is missing, so its link is unknown
		latest    time.Time
		latestPos int64
		nonces    = map[string]int64{} // nonce → position, for entries logged within Skew of the latest
		window    []Entry              // the same entries, oldest first
	)
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		switch {
		case e.Pos < want:
			r.add(Problem{Kind: ProblemDuplicate, Pos: e.Pos, ID: e.ID, Text: "同一位置有两条记录（插入或重放）"})
			continue
		case e.Pos > want:
			p := Problem{Kind: ProblemMissing, Pos: want, To: e.Pos - 1, Text: "已不存在（被删除）"}
			if p.To == p.Pos {
				p.To = 0
			}
			r.add(p)
			gap = true
		}
		switch {
		case e.Pos <= h.basePos:
			if !gap && e.PrevHash != prev {
				r.add(Problem{Kind: ProblemUnlinked, Pos: e.Pos, ID: e.ID, Text: "与上一条的链接不符（其前的记录被改动、删除或插入）"})
			}
			if e.legacyDigest() != e.Hash {
				r.add(Problem{Kind: ProblemAltered, Pos: e.Pos, ID: e.ID, Text: "内容与其哈希不符（升级前的记录被改动）"})
			}
			if e.Pos == h.basePos && e.Hash != h.baseHash {
				r.add(Problem{Kind: ProblemSeal, Pos: e.Pos, ID: e.ID, Text: "与审计链封存时记录的起点不符（升级前的记录被改写）"})
			}
		default:
			if e.Pos == h.basePos+1 && !gap {
				prev = h.baseHash
			}
			switch {
			case e.MAC == "":
				r.add(Problem{Kind: ProblemForged, Pos: e.Pos, ID: e.ID, Text: "没有 MAC：不是本平台写入的记录（绕过平台直接插入数据库）"})
			case e.MAC != k.mac(h.chainID, &e):
				r.add(Problem{Kind: ProblemAltered, Pos: e.Pos, ID: e.ID, Text: "内容与其 MAC 不符：记录被改动（或是伪造的）"})
			}
			if !gap && e.PrevHash != prev {
				r.add(Problem{Kind: ProblemUnlinked, Pos: e.Pos, ID: e.ID, Text: "与上一条的链接不符（其前的记录被改动、删除或插入）"})
			}
			if e.Hash != k.link(&e) {
				r.add(Problem{Kind: ProblemRelinked, Pos: e.Pos, ID: e.ID, Text: "链接值不是用本平台密钥计算的（链被重新计算过）"})
			}
			if e.MAC != "" {
				if !latest.IsZero() && e.LoggedAt.Before(latest.Add(-Skew)) {
					r.add(Problem{Kind: ProblemBackwards, Pos: e.Pos, ID: e.ID, Text: fmt.Sprintf("记录时间 %s 早于第 %d 条的 %s，相差 %s，超过允许的 %s（时间倒流）",
						e.LoggedAt.Format("2006-01-02 15:04:05.000"), latestPos, latest.Format("2006-01-02 15:04:05.000"),
						latest.Sub(e.LoggedAt).Round(time.Second), Skew)})
				}
				if e.LoggedAt.After(latest) {
					latest, latestPos = e.LoggedAt, e.Pos
				}
				if first, ok := nonces[e.Nonce]; ok {
					r.add(Problem{Kind: ProblemReplayed, Pos: e.Pos, ID: e.ID, Text: fmt.Sprintf("与第 %d 条是同一条记录（被重放）", first)})
				} else {
					nonces[e.Nonce] = e.Pos
					window = append(window, Entry{Nonce: e.Nonce, LoggedAt: e.LoggedAt})
				}
				// A copy of an entry logged before the window would
				// go back in time, so its nonce need not be kept.
				for len(window) > 0 && window[0].LoggedAt.Before(latest.Add(-Skew)) {
					delete(nonces, window[0].Nonce)
					window = window[1:]
				}
			}
		}
		for _, cp := range at[e.Pos] {
			if cp.Hash != e.Hash {
				r.add(Problem{Kind: ProblemRewritten, Pos: e.Pos, ID: e.ID, Text: fmt.Sprintf("与 %s 的签名检查点记录的链值不符（日志在此处或之前被改写，或被截断后又写入新记录）",
					cp.At.Format("2006-01-02 15:04:05"))})
			} else {
				r.Checkpoints++
				// Entries come in order of position: of two checkpoints
				// written in the same millisecond (their time is kept to
				// the millisecond), the later position is the newer.
				if r.Latest == nil || !cp.At.Before(r.Latest.At) {
					r.Latest = cp
				}
			}
		}
		delete(at, e.Pos)
		prev, gap, want = e.Hash, false, e.Pos+1
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	n := want - 1
	r.Entries = n
	switch {
	case h.pos > n:
		r.add(Problem{Kind: ProblemMissing, Pos: n + 1, To: h.pos, Text: fmt.Sprintf("已不存在：链头记录共 %d 条（最新的记录被删除）", h.pos)})
	case h.pos < n:
		r.add(Problem{Kind: ProblemHead, Pos: h.pos + 1, To: n, Text: fmt.Sprintf("在链头（第 %d 条）之后：链头被回退", h.pos)})
	case h.hash != prev:
		r.add(Problem{Kind: ProblemHead, Pos: n, Text: "与链头记录的链值不符：链头被改动"})
	}
	// Checkpoints past the end: the newest entries were removed and the
	// head rolled back to match.
	var past *Checkpoint
	for _, l := range at {
		for _, cp := range l {
			if cp.Pos > n && (past == nil || cp.Pos > past.Pos) {
				past = cp
			}
		}
	}
	if past != nil {
		p := Problem{Kind: ProblemTruncated, Pos: n + 1, To: past.Pos,
			Text: fmt.Sprintf("已不存在：%s 的签名检查点记录日志当时已有 %d 条，现只剩 %d 条（日志被截断，链头被回退）", past.At.Format("2006-01-02 15:04:05"), past.Pos, n)}
		if p.To == p.Pos {
			p.To = 0
		}
		r.add(p)
	}
	return r, nil
}

// ErrBroken is returned by Check when the log fails verification.
var ErrBroken = errors.New("audit: the log fails verification")

// Check verifies d's log and returns an error wrapping ErrBroken, naming the
// first problem, when anything is found (tests, start-up checks).
func Check(ctx context.Context, d *db.DB, cps *Checkpoints) (*Report, error) {
	r, err := Verify(ctx, d, cps)
	if err != nil {
		return nil, err
	}
	if !r.OK() {
		return r, fmt.Errorf("%w: %s (%d problems)", ErrBroken, r.Problems[0], len(r.Problems)+r.More)
	}
	return r, nil
}
