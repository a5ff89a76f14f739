package licence_test

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"

	"zwfw/internal/licence"
)

// TestCheckCharIndependent: the identifier's check character (ISO/IEC 7064
// MOD 37,36 hybrid) agrees, on many identifiers, with a short Python
// implementation written from the standard's description
// (testdata/iso7064.py: it finds the character that makes the whole string
// valid rather than computing it), and Parse accepts each and refuses each
// with any other check character.
func TestCheckCharIndependent(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	r := rand.New(rand.NewPCG(13, 2026))
	types := []string{"11100000MB0143028R001", "11100000000013450U001", "11100000MB0012343C001", "11100000000008766W001"}
	issuers := []string{"11610923MB0000174F", "11610923MB0000182A", "11610923MB000030X1", "11610923MB000022XD"}
	var ids []string
	for i := 0; i < 500; i++ {
		id := licence.ID{Type: types[r.IntN(len(types))], Issuer: issuers[r.IntN(len(issuers))], Sequence: int64(1 + r.IntN(5_000_000)), Version: 1 + r.IntN(999)}
		if i < 10 {
			id.Sequence = int64(i + 1)
		}
		ids = append(ids, id.String())
	}
	cmd := exec.Command("python3", "testdata/iso7064.py")
	cmd.Stdin = strings.NewReader(strings.Join(ids, "\n") + "\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("python3: %v\n%s", err, errb.String())
	}
	n := 0
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[3] != "OK" {
			t.Errorf("independent check disagrees: %s", sc.Text())
		}
		n++
	}
	if n != len(ids) {
		t.Fatalf("python checked %d of %d identifiers", n, len(ids))
	}
	for _, s := range ids[:50] {
		if _, err := licence.Parse(s); err != nil {
			t.Errorf("Parse(%s): %v", s, err)
		}
		last := s[len(s)-1]
		for _, c := range "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" {
			if byte(c) == last {
				continue
			}
			if _, err := licence.Parse(s[:len(s)-1] + string(c)); err == nil {
				t.Fatalf("Parse accepted %s with check character %c", s, c)
			}
		}
	}
}

// TestParseRefuses: malformed identifiers get a Chinese reason.
func TestParseRefuses(t *testing.T) {
	good := licence.ID{Type: "11100000MB0143028R001", Issuer: "11610923MB0000174F", Sequence: 12, Version: 1}.String()
	for _, s := range []string{"", "1.2.156.3005.2", "2.2.156." + good[15:], good + ".1", strings.Replace(good, ".000012.", ".12.", 1),
		strings.Replace(good, ".001.", ".1.", 1), strings.Replace(good, "MB0143028R", "MB0143028r", 1) + "x"} {
		if _, err := licence.Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		} else if !strings.Contains(err.Error(), "电子证照标识") {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
	if id, err := licence.Parse(strings.ToLower(good)); err != nil || id.Sequence != 12 {
		t.Errorf("lower-case: %v %+v", err, id)
	}
}
