package backup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"zwfw/internal/audit"
	"zwfw/internal/db"
)

// Report is what a drill or a check of a restored database found.
type Report struct {
	Manifest *Manifest
	Tables   int   // tables compared
	Rows     int64 // rows compared
	Audit    *audit.Report
	Problems []string
}

// OK reports whether the restored copy matched the manifest in every
// table and in the audit chain, and the chain verified.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Check compares the database t names, freshly restored from the backup
// m describes, with m: every table's row count and content digest, the
// audit chain's head, and `zwfw audit verify`'s checks of the chain with
// the audit keys (auditKey, or audit.key in the data directory) and the
// checkpoints restored beside it.
func Check(ctx context.Context, m *Manifest, t Target, auditKey string, progress io.Writer) (*Report, error) {
	r := &Report{Manifest: m}
	o := t.options()
	o.MaxConns = 4
	d, err := db.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	say(progress, "核对：逐表核对行数和内容摘要…")
	sums, err := d.Sums(ctx)
	if err != nil {
		return nil, err
	}
	have := map[string]db.TableSum{}
	for _, s := range sums {
		have[s.Name] = s
	}
	for _, want := range m.Tables {
		got, ok := have[want.Name]
		delete(have, want.Name)
		switch {
		case !ok:
			r.Problems = append(r.Problems, fmt.Sprintf("表 %s 没有恢复出来", want.Name))
		case got.Rows != want.Rows:
			r.Problems = append(r.Problems, fmt.Sprintf("表 %s 有 %d 行，清单为 %d 行", want.Name, got.Rows, want.Rows))
		case got.Digest != want.Digest:
			r.Problems = append(r.Problems, fmt.Sprintf("表 %s 的内容摘要与清单不符", want.Name))
		default:
			r.Tables++
			r.Rows += got.Rows
		}
	}
	for name := range have {
		r.Problems = append(r.Problems, fmt.Sprintf("表 %s 不在清单中", name))
	}
	h, err := audit.ReadHead(ctx, d.SQL())
	if err != nil {
		return nil, err
	}
	if h != m.Audit {
		r.Problems = append(r.Problems, fmt.Sprintf("审计链的链头（%d 条，链至第 %d 条）与清单（%d 条，链至第 %d 条）不符", h.Entries, h.Pos, m.Audit.Entries, m.Audit.Pos))
	}
	say(progress, "核对：校验审计日志（同 zwfw audit verify）…")
	keys, err := audit.LoadKeys(t.DataDir, auditKey)
	if err != nil {
		return nil, err
	}
	if err := audit.Open(ctx, d, keys, nil); err != nil && !errors.Is(err, audit.ErrKeyMismatch) {
		return nil, err
	}
	cps, err := audit.OpenCheckpoints(t.DataDir)
	if err != nil {
		return nil, err
	}
	if r.Audit, err = audit.Verify(ctx, d, cps); err != nil {
		return nil, err
	}
	for _, p := range r.Audit.Problems {
		r.Problems = append(r.Problems, "审计日志："+p.String())
	}
	return r, nil
}

// Drill restores the backup at file into a scratch place beside src (a
// temporary data directory under scratchDir, the system's temporary
// directory when empty; on PostgreSQL also a temporary database on the
// same server) and checks it (Check), then removes the scratch place. The
// platform's own data and database are not touched.
func Drill(ctx context.Context, file string, key *Key, src db.Options, auditKey, scratchDir string, progress io.Writer) (*Report, error) {
	if scratchDir != "" {
		if err := os.MkdirAll(scratchDir, 0o750); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp(scratchDir, ".zwfw-drill-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	o, drop, err := db.ScratchDatabase(ctx, src, dir)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err := drop(); err != nil {
			say(progress, "演练：删除临时数据库失败：%v", err)
		}
	}()
	t := Target{DataDir: dir, DatabaseURL: o.URL}
	say(progress, "演练：恢复到临时位置 %s…", dir)
	m, err := Restore(ctx, file, key, t, progress)
	if err != nil {
		return nil, err
	}
	return Check(ctx, m, t, auditKey, progress)
}
