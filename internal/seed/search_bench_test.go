package seed_test

import (
	"context"
	"testing"

	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/db/dbtest"
	"zwfw/internal/seed"
)

// BenchmarkSearch measures one ranked search over the seeded catalog, as
// the home page's box sends it: the (code, version) read from the database
// and the scoring in Go over the cached index. Cold rebuilds the index each
// time (as after every item changed).
//
//	go test ./internal/seed -run '^$' -bench Search -benchtime 2s
func BenchmarkSearch(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var d *db.DB
			if dialect == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			ctx := context.Background()
			dp := deps(b, d)
			if err := seed.Base(ctx, dp); err != nil {
				b.Fatal(err)
			}
			for _, q := range []string{"低保", "spjy", "残疾人补贴"} {
				b.Run(q, func(b *testing.B) {
					for b.Loop() {
						if _, n, err := dp.Catalog.Search(ctx, catalog.Query{Q: q, Limit: 20}); err != nil || n == 0 {
							b.Fatal(n, err)
						}
					}
				})
			}
			b.Run("cold", func(b *testing.B) {
				for b.Loop() {
					cat := catalog.NewService(d, dp.Orgs, dp.Files, dp.Now)
					if _, n, err := cat.Search(ctx, catalog.Query{Q: "低保", Limit: 20}); err != nil || n == 0 {
						b.Fatal(n, err)
					}
				}
			})
			b.Run("suggest", func(b *testing.B) {
				for b.Loop() {
					if s, err := dp.Catalog.Suggest(ctx, "营叶执照"); err != nil || len(s) == 0 {
						b.Fatal(s, err)
					}
				}
			})
		})
	}
}
