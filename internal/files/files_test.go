package files_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/files"
)

// An applicant's upload is described to that applicant only: a draft names
// its files by id, and another account asking for the id finds nothing.
func TestOwned(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := func() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, db.Zone) }
		fs, err := files.NewStore(filepath.Join(t.TempDir(), "files"), d, now)
		if err != nil {
			t.Fatal(err)
		}
		var ids [2]int64
		for i, u := range []string{"wang", "li"} {
			ids[i], err = db.InsertID(ctx, d.Writer(), `INSERT INTO users (username, password_hash, kind, name, password_changed_at, created_at, updated_at)
				VALUES (?, 'x', 'person', ?, 0, 0, 0)`, u, u)
			if err != nil {
				t.Fatal(err)
			}
		}
		wang := &zwfw.Actor{UserID: ids[0], Kind: zwfw.KindPerson}
		li := &zwfw.Actor{UserID: ids[1], Kind: zwfw.KindPerson}
		f, err := fs.PutBytes(ctx, wang, "登记表.pdf", []byte("%PDF-1.4\n%%EOF\n"), files.PurposeCase)
		if err != nil {
			t.Fatal(err)
		}
		got, err := fs.Owned(ctx, wang, f.ID)
		if err != nil || got.Name != "登记表.pdf" || got.Size != f.Size || got.SHA256 != f.SHA256 || got.ContentType != "application/pdf" {
			t.Fatalf("Owned by the uploader = %+v, %v", got, err)
		}
		for _, a := range []*zwfw.Actor{li, nil} {
			if got, err := fs.Owned(ctx, a, f.ID); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
				t.Errorf("Owned by %+v = %+v, %v; want not found", a, got, err)
			}
		}
		if _, err := fs.Owned(ctx, wang, f.ID+100); zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
			t.Errorf("an unknown id: %v", err)
		}
	})
}
