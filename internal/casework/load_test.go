package casework

import (
	"testing"
)

// The kept parts are read in place (eachRow, jsonRow.scan): escaped text
// comes back as written, a null leaves its destination alone, and a
// column of the wrong type or a damaged array is an error, never a
// silently wrong case.
func TestKeptRowsRead(t *testing.T) {
	var got []struct {
		seq  int
		id   int64
		name string
	}
	raw := `[[1, 9007199254740993, "王\"小\\二\" \u4e2d\ud83d\ude00\n"], [2, null, null]]`
	err := eachRow(raw, func(r jsonRow) error {
		var x struct {
			seq  int
			id   int64
			name string
		}
		x.name = "unchanged"
		if err := r.scan(&x.seq, &x.id, &x.name); err != nil {
			return err
		}
		got = append(got, x)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].seq != 1 || got[0].id != 9007199254740993 || got[0].name != "王\"小\\二\" 中😀\n" {
		t.Fatalf("first row = %+v", got)
	}
	if got[1].seq != 2 || got[1].id != 0 || got[1].name != "unchanged" {
		t.Fatalf("null columns changed their destinations: %+v", got[1])
	}
	for _, bad := range []string{`[["x", 1, "a"]]`, `[[1, 2, 3]]`, `[[1, 2]]`, `[[1, 2, "a"]`, `{"a": 1}`, `[1]`} {
		err := eachRow(bad, func(r jsonRow) error {
			var a, b int
			var c string
			return r.scan(&a, &b, &c)
		})
		if err == nil {
			t.Errorf("eachRow(%s) read without error", bad)
		}
	}
}
