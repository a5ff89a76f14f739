package pii

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"zwfw/internal/db"
)

// Column is one column that holds personal data, sealed.
type Column struct {
	Table  string // its table (primary key id)
	Col    string
	Digest string // the column of its lookup digest, or ""
}

// Label is what Seal and Open authenticate with the column's values.
func (c Column) Label() string { return c.Table + "." + c.Col }

// The columns that hold personal data (decided per column: what is looked
// up is sealed with a digest beside it, what is only shown is sealed; what
// never needs the full value is masked where it is written — the logs and
// the audit entries carry no identity number or phone at all).
var (
	UserIDNumber     = Column{"users", "id_number", "id_digest"}              // 居民身份证号: registration checks it
	UserPhone        = Column{"users", "phone", "phone_digest"}               // 手机号码: notifications; sign-in by SMS code finds a verified one
	CaseIdent        = Column{"cases", "applicant_ident", "applicant_digest"} // 身份证号或统一社会信用代码: case lookup by applicant
	CasePhone        = Column{"cases", "applicant_phone", ""}
	CaseForm         = Column{"cases", "form", ""}     // the form: 联系地址 and free fields
	CaseDelivery     = Column{"cases", "delivery", ""} // postal address of the result
	DraftForm        = Column{"drafts", "form", ""}
	NotificationAddr = Column{"notifications", "address", ""} // SMS phone or e-mail address
	// A complainant's name and phone, for the reply (附件2（六）1 记录在册).
	ComplaintName  = Column{"complaints", "contact_name", ""}
	ComplaintPhone = Column{"complaints", "contact_phone", ""}
	// An electronic licence's holder code (the wallet and reuse find it by
	// digest) and its signed machine-readable form, which carries it.
	LicenceHolder = Column{"licences", "holder_code", "holder_digest"}
	LicenceData   = Column{"licences", "data", ""}
)

// Columns lists every sealed column, for the start-up conversion and the
// rotation.
var Columns = []Column{UserIDNumber, UserPhone, CaseIdent, CasePhone, CaseForm, CaseDelivery, DraftForm, NotificationAddr,
	ComplaintName, ComplaintPhone, LicenceHolder, LicenceData}

// ringKey keeps a database handle's ring (db.DB.SetValue).
type ringKey struct{}

type valuer interface{ Value(key any) any }

// Use leaves r on d for the services (Open does, after its checks).
func Use(d *db.DB, r *Ring) { d.SetValue(ringKey{}, r) }

// Of returns the ring left on d (a *db.DB or *db.Tx). A handle without one
// is a wiring mistake: personal data would be written in clear, so Of
// panics rather than let it happen.
func Of(v valuer) *Ring {
	r, _ := v.Value(ringKey{}).(*Ring)
	if r == nil {
		panic("pii: no data key ring on this database handle (pii.Open was not called)")
	}
	return r
}

// ErrKeyMismatch reports a ring that lacks a key the database's personal
// data is sealed with: a wrong or missing ZWFW_DATA_KEY or data.key.
var ErrKeyMismatch = errors.New("个人信息数据密钥与数据库不符")

// Meta keys: the ids of the keys rows may be sealed with (comma-separated),
// and whether the rows written in clear before encryption are converted.
const (
	metaKeys  = "pii_keys"
	metaClear = "pii_clear_converted"
)

func metaGet(ctx context.Context, q db.Querier, k string) (string, error) {
	var v string
	err := q.QueryRow(ctx, "SELECT value FROM meta WHERE key = ?", k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func metaSet(ctx context.Context, q db.Querier, k, v string) error {
	_, err := q.Exec(ctx, "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", k, v)
	return err
}

// Open checks r against d and leaves it on d. Every key the database's
// rows may be sealed with must be in r, or Open fails with ErrKeyMismatch
// (a clear start-up error instead of unreadable data later); r's current
// key is recorded as one of them. On the first start after encryption came
// (migration 00014) the rows written in clear are sealed, in batches, each
// its own transaction; an interrupted conversion resumes at the next start.
func Open(ctx context.Context, d *db.DB, r *Ring, progress io.Writer) error {
	err := d.InTx(ctx, func(tx *db.Tx) error {
		v, err := metaGet(ctx, tx, metaKeys)
		if err != nil {
			return err
		}
		ids := splitIDs(v)
		for _, id := range ids {
			if !r.Has(id) {
				return fmt.Errorf("%w：数据库中的个人信息用密钥 %s 加密，本进程持有的密钥是 %s。"+
					"请使用原来的 ZWFW_DATA_KEY 或数据目录下原来的 %s（共用一个数据库的所有进程必须使用同一组密钥；密钥丢失则这些数据无法恢复）",
					ErrKeyMismatch, strings.Join(ids, ", "), strings.Join(r.IDs(), ", "), KeyFile)
			}
		}
		if slices.Contains(ids, r.Current()) {
			return nil
		}
		return metaSet(ctx, tx, metaKeys, strings.Join(append(ids, r.Current()), ","))
	})
	if err != nil {
		return fmt.Errorf("pii: %w", err)
	}
	Use(d, r)
	done, err := metaGet(ctx, d.Reader(), metaClear)
	if err != nil || done != "" {
		return err
	}
	if _, err := Reseal(ctx, d, r, false, progress); err != nil {
		return err
	}
	return metaSet(ctx, d.Writer(), metaClear, "1")
}

func splitIDs(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// batch is the rows re-sealed per transaction (tests make it smaller).
var batch = 500

// Reseal seals the rows of every column that are in clear and, when all is
// set, re-seals those sealed under another key than r's current one (the
// rotation), with their digests. Each batch of rows is one transaction, so
// it can be interrupted and run again: it picks up what is left. Progress
// goes to progress (nil: nowhere). It returns the rows changed.
func Reseal(ctx context.Context, d *db.DB, r *Ring, all bool, progress io.Writer) (int, error) {
	if progress == nil {
		progress = io.Discard
	}
	total := 0
	for _, c := range Columns {
		n, err := resealColumn(ctx, d, r, c, all, progress)
		total += n
		if err != nil {
			return total, fmt.Errorf("pii: re-seal %s: %w", c.Label(), err)
		}
	}
	return total, nil
}

func resealColumn(ctx context.Context, d *db.DB, r *Ring, c Column, all bool, progress io.Writer) (int, error) {
	cond, arg := c.Col+" NOT LIKE ?", prefix+"%"
	if all {
		arg = prefix + r.Current() + ":%"
	}
	where := " FROM " + c.Table + " WHERE " + c.Col + " IS NOT NULL AND " + c.Col + " <> '' AND " + cond
	var left int
	if err := d.Reader().QueryRow(ctx, "SELECT COUNT(*)"+where, arg).Scan(&left); err != nil {
		return 0, err
	}
	if left == 0 {
		return 0, nil
	}
	set := c.Col + " = ?"
	if c.Digest != "" {
		set += ", " + c.Digest + " = ?"
	}
	update := "UPDATE " + c.Table + " SET " + set + " WHERE id = ? AND " + c.Col + " = ?"
	done := 0
	var last int64
	for {
		type row struct {
			id  int64
			val string
		}
		var todo []row
		rows, err := d.Reader().Query(ctx, "SELECT id, "+c.Col+where+" AND id > ? ORDER BY id LIMIT ?", arg, last, batch)
		if err != nil {
			return done, err
		}
		for rows.Next() {
			var x row
			if err := rows.Scan(&x.id, &x.val); err != nil {
				rows.Close()
				return done, err
			}
			todo = append(todo, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return done, err
		}
		if len(todo) == 0 {
			break
		}
		err = d.InTx(ctx, func(tx *db.Tx) error {
			for _, x := range todo {
				clear, err := r.Open(c.Label(), x.val)
				if err != nil {
					return fmt.Errorf("row %d: %w", x.id, err)
				}
				args := []any{r.Seal(c.Label(), clear)}
				if c.Digest != "" {
					args = append(args, r.Digest(clear))
				}
				// Compare and set: a row changed meanwhile by a
				// request (sealed already) is left as it is.
				if _, err := tx.Exec(ctx, update, append(args, x.id, x.val)...); err != nil {
					return fmt.Errorf("row %d: %w", x.id, err)
				}
			}
			return nil
		})
		if err != nil {
			return done, err
		}
		done += len(todo)
		last = todo[len(todo)-1].id
		fmt.Fprintf(progress, "%s: %d/%d\n", c.Label(), done, left)
	}
	return done, nil
}

// Left counts the rows not sealed under r's current key.
func Left(ctx context.Context, d *db.DB, r *Ring) (int, error) {
	total := 0
	for _, c := range Columns {
		var n int
		if err := d.Reader().QueryRow(ctx, "SELECT COUNT(*) FROM "+c.Table+" WHERE "+c.Col+" IS NOT NULL AND "+c.Col+" <> '' AND "+
			c.Col+" NOT LIKE ?", prefix+r.Current()+":%").Scan(&n); err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// Rotate re-seals every row under r's current key (Reseal with all set),
// checks that none is left under another, and records that only the
// current key is in use: a process holding only the old keys is refused
// from then on. The caller then drops the old keys (DropOldFileKeys).
func Rotate(ctx context.Context, d *db.DB, r *Ring, progress io.Writer) (int, error) {
	if err := Open(ctx, d, r, progress); err != nil {
		return 0, err
	}
	n, err := Reseal(ctx, d, r, true, progress)
	if err != nil {
		return n, err
	}
	left, err := Left(ctx, d, r)
	if err != nil {
		return n, err
	}
	if left > 0 {
		return n, fmt.Errorf("pii: %d rows still sealed under an old key (written meanwhile by a process holding only the old key?); run the rotation again", left)
	}
	return n, metaSet(ctx, d.Writer(), metaKeys, r.Current())
}
