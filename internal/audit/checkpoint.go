package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"zwfw/internal/db"
	"zwfw/internal/keyfile"
)

// Files of the checkpoints in the data directory.
const (
	CheckpointFile = "audit-checkpoints.log" // append-only, one signed checkpoint a line
	SignKeyFile    = "audit-sign.key"        // the SM2 private key that signs them (0600)
	SignPubFile    = "audit-sign.pub"        // its public key, for whoever checks them elsewhere
)

// Kinds of checkpoint.
const (
	kindSeal = "seal" // where the keyed chain begins (written once, when the chain is sealed)
	kindHead = "head" // the chain's head at a moment
)

// Checkpoint is one signed statement, kept outside the database, that the
// chain chainID had, at At, entry Pos with link Hash: whoever removes the
// newest entries afterwards and rolls the head back cannot make the chain
// agree with it, nor sign a new one without the private key.
type Checkpoint struct {
	Kind  string
	Chain string
	Pos   int64
	Hash  string
	At    time.Time
	Line  int  // line in the file, from 1
	Valid bool // the signature is good
}

// message is what the signature covers.
func (c *Checkpoint) message() []byte {
	return []byte(strings.Join([]string{"zwfw audit checkpoint v1", c.Kind, c.Chain, itoa(c.Pos), c.Hash, c.At.Format(time.RFC3339Nano)}, "\n"))
}

// Checkpoints writes and reads the signed checkpoints of one data
// directory. Several processes may share it: each line is appended in one
// write to a file opened for appending, so lines never interleave.
type Checkpoints struct {
	file string
	key  *sm2.PrivateKey
	pub  *ecdsa.PublicKey
	now  func() time.Time

	mu   sync.Mutex
	last *Checkpoint // the newest this process knows of: the file's last line at open, then its own
}

// OpenCheckpoints opens the checkpoints of dataDir, creating the SM2 key
// pair the first time.
func OpenCheckpoints(dataDir string) (*Checkpoints, error) {
	der, err := keyfile.ReadOrCreate(filepath.Join(dataDir, SignKeyFile), func() ([]byte, error) {
		k, err := sm2.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		b, err := smx509.MarshalSM2PrivateKey(k)
		if err != nil {
			return nil, err
		}
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: b}), nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint signing key: %w", err)
	}
	blk, _ := pem.Decode(der)
	if blk == nil {
		return nil, fmt.Errorf("audit: %s is not a PEM key", SignKeyFile)
	}
	key, err := smx509.ParseSM2PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit: %s: %w", SignKeyFile, err)
	}
	c := &Checkpoints{file: filepath.Join(dataDir, CheckpointFile), key: key, pub: &key.PublicKey, now: time.Now}
	pubPath := filepath.Join(dataDir, SignPubFile)
	if _, err := os.Stat(pubPath); errors.Is(err, os.ErrNotExist) {
		pub, err := c.PublicKeyPEM()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(pubPath, pub, 0o644); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
	}
	last, err := c.tail()
	if err != nil {
		return nil, err
	}
	c.last = last
	return c, nil
}

// File is the path of the checkpoint file.
func (c *Checkpoints) File() string { return c.file }

// PublicKeyPEM is the public key that checks the signatures.
func (c *Checkpoints) PublicKeyPEM() ([]byte, error) {
	der, err := smx509.MarshalPKIXPublicKey(c.pub)
	if err != nil {
		return nil, fmt.Errorf("audit: public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// Write records a checkpoint of d's chain head, unless the head has not
// moved since the last one. It refuses (errRolledBack) when the chain no
// longer extends the last checkpoint this process knows of — the newest
// entries were removed — so that the file keeps the evidence instead of
// moving on from the tampered head.
func (c *Checkpoints) Write(ctx context.Context, d *db.DB) (*Checkpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var h head
	if err := h.scan(d.QueryRow(ctx, "SELECT "+headCols+" FROM audit_head WHERE id = 1")); err != nil {
		return nil, fmt.Errorf("audit: head: %w", err)
	}
	if h.chainID == "" {
		return nil, errNotSealed
	}
	if l := c.last; l != nil {
		switch {
		case l.Chain != h.chainID:
			return nil, rolledBack("%s holds checkpoints of chain %s, the database's chain is %s", c.file, l.Chain, h.chainID)
		case h.pos < l.Pos:
			return nil, rolledBack("the head is at entry %d, the checkpoint of %s says %d", h.pos, l.At.Format(time.DateTime), l.Pos)
		case h.pos == l.Pos && h.hash == l.Hash:
			return nil, nil
		}
		if l.Pos > 0 {
			var link string
			if err := d.QueryRow(ctx, "SELECT hash FROM audit_log WHERE pos = ?", l.Pos).Scan(&link); err != nil || link != l.Hash {
				return nil, rolledBack("entry %d no longer has the link the checkpoint of %s records", l.Pos, l.At.Format(time.DateTime))
			}
		}
	} else if h.pos == 0 {
		return nil, nil
	}
	return c.appendLocked(kindHead, h.chainID, h.pos, h.hash)
}

func (c *Checkpoints) append(kind, chain string, pos int64, hash string) (*Checkpoint, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.appendLocked(kind, chain, pos, hash)
}

func (c *Checkpoints) appendLocked(kind, chain string, pos int64, hash string) (*Checkpoint, error) {
	cp := &Checkpoint{Kind: kind, Chain: chain, Pos: pos, Hash: hash, At: c.now().In(db.Zone).Truncate(time.Millisecond), Valid: true}
	sig, err := c.key.SignWithSM2(rand.Reader, nil, cp.message())
	if err != nil {
		return nil, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	h := hash
	if h == "" {
		h = "-"
	}
	line := fmt.Sprintf("%s %s %d %s %s %s\n", kind, chain, pos, h, cp.At.Format(time.RFC3339Nano), base64.StdEncoding.EncodeToString(sig))
	f, err := os.OpenFile(c.file, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint file: %w", err)
	}
	// A line torn by a crash stays a bad line of its own, not the start
	// of this one.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			line = "\n" + line
		}
	}
	_, err = f.Write([]byte(line))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("audit: write checkpoint: %w", err)
	}
	c.last = cp
	return cp, nil
}

// parse reads one line; ok is false when it is not a checkpoint at all.
func (c *Checkpoints) parse(line string, n int) (cp Checkpoint, ok bool) {
	f := strings.Fields(line)
	if len(f) != 6 {
		return cp, false
	}
	pos, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return cp, false
	}
	at, err := time.Parse(time.RFC3339Nano, f[4])
	if err != nil {
		return cp, false
	}
	sig, err := base64.StdEncoding.DecodeString(f[5])
	if err != nil {
		return cp, false
	}
	cp = Checkpoint{Kind: f[0], Chain: f[1], Pos: pos, Hash: f[3], At: at.In(db.Zone), Line: n}
	if cp.Hash == "-" {
		cp.Hash = ""
	}
	cp.Valid = (cp.Kind == kindSeal || cp.Kind == kindHead) && sm2.VerifyASN1WithSM2(c.pub, nil, cp.message(), sig)
	return cp, true
}

// All reads every checkpoint of the file, each with whether its signature
// is good; bad lines are returned as checkpoints that are not Valid.
// Lines starting with # (an export's header) are skipped.
func (c *Checkpoints) All() ([]Checkpoint, error) {
	f, err := os.Open(c.file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer f.Close()
	var out []Checkpoint
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cp, ok := c.parse(line, n)
		if !ok {
			cp = Checkpoint{Line: n}
		}
		out = append(out, cp)
	}
	return out, sc.Err()
}

// count is how many lines the file holds.
func (c *Checkpoints) count() (int, error) {
	b, err := os.ReadFile(c.file)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	return bytes.Count(b, []byte("\n")), err
}

// tail is the file's last good checkpoint, read from its end (the file
// grows by a line a minute at most, for years).
func (c *Checkpoints) tail() (*Checkpoint, error) {
	f, err := os.Open(c.file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	off := max(st.Size()-64<<10, 0)
	b := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(b, off); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	lines := strings.Split(string(b), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if i == 0 && off > 0 {
			break // a partial line
		}
		if cp, ok := c.parse(strings.TrimSpace(lines[i]), 0); ok && cp.Valid {
			return &cp, nil
		}
	}
	return nil, nil
}

// Export writes the public key (as # comment lines) and every checkpoint,
// in the file's own format: kept elsewhere, the export is what truncation
// is later proved against, and it can stand in for the file.
func (c *Checkpoints) Export(w io.Writer) error {
	pub, err := c.PublicKeyPEM()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# zwfw 审计日志签名检查点：每行 类型 链标识 条数 链值 时间 SM2签名（默认用户标识，对以下各项以换行连接后的文本签名：")
	fmt.Fprintln(bw, "# “zwfw audit checkpoint v1”、类型、链标识、条数、链值（第 0 条为空）、时间）。验签公钥：")
	for _, l := range strings.Split(strings.TrimSpace(string(pub)), "\n") {
		fmt.Fprintln(bw, "# "+l)
	}
	f, err := os.Open(c.file)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("audit: %w", err)
	}
	if err == nil {
		defer f.Close()
		if _, err := io.Copy(bw, f); err != nil {
			return err
		}
	}
	return bw.Flush()
}
