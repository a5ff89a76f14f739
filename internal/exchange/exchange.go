// Package exchange is the link between a county platform and its city
// platform (issue 14 items 2, 5, 7): 实施方案 §1(2) "与'市云平台'进行对接，
// 构建…市县两级数据共享网上政务服务平台" and attachment 1 tasks 1–2
// (统一申报、统一受理、统一反馈).
//
// A platform publishes events for a peer into its outbox in the very
// transaction that makes them true (Publish): a case's event is never lost
// when the process stops, and never sent for a case write that rolled back.
// A sender loop takes due events, signs each and the batch with the
// platform's own SM2 key (the esign key of the organisation whose code is
// the platform code), POSTs them to the peer, and marks them delivered;
// failures are retried with backoff, permanent refusals end in dead letters
// an operator resends.
//
// The receiving side (Receive) believes only registered peers, checks every
// signature against the key exchanged at registration, records each event
// once by its ID, in Seq order per (sender, case), and runs the subscribed
// appliers in the transaction that records it.
package exchange

import (
	"context"
	"crypto/ecdsa"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/esign"
	"zwfw/internal/org"
)

// Roles of a platform (config.RoleCounty, config.RoleCity).
const (
	RoleCounty = "county"
	RoleCity   = "city"
)

// Event is one fact a platform tells a peer. ID is the receiver's
// idempotency key: From + ":" + Case + ":" + Seq.
type Event struct {
	ID   string          `json:"id"`   // idempotency key: from + ":" + case + ":" + strconv.Itoa(seq)
	From string          `json:"from"` // sender's platform code
	To   string          `json:"to"`   // receiver's platform code
	Case string          `json:"case"` // the case's serial at its home platform
	Seq  int             `json:"seq"`  // per (to, case): 1, 2, 3 … no gaps
	Kind string          `json:"kind"` // see the kinds in facts.go
	At   int64           `json:"at"`   // unix millis when it happened
	Body json.RawMessage `json:"body"`
}

// EventID is the ID of the seq-th event of a case from a platform.
func EventID(from, caseSerial string, seq int) string {
	return from + ":" + caseSerial + ":" + strconv.Itoa(seq)
}

// Peer is a registered platform this one exchanges with.
type Peer struct {
	ID          int64     `json:"-"`
	Code        string    `json:"code"` // 区划代码
	Name        string    `json:"name"`
	Role        string    `json:"role"` // county or city
	URL         string    `json:"url"`  // base URL, e.g. http://127.0.0.1:8081
	KeyPEM      string    `json:"key_pem"`
	KeyID       string    `json:"key_id"`
	Fingerprint string    `json:"fingerprint"` // SM3 of the key's SubjectPublicKeyInfo, hex
	Enabled     bool      `json:"enabled"`
	CreatedAt   time.Time `json:"created_at"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	LastSentAt  time.Time `json:"last_sent_at,omitzero"`

	pub *ecdsa.PublicKey
}

// Applier is called for every event received, in the transaction that
// records it in the inbox, exactly once per event ID and in Seq order per
// (from, case). Its error rolls the receipt back (the sender retries later).
type Applier func(ctx context.Context, tx *db.Tx, from *Peer, ev *Event) error

// Options are the platform's identity and the exchange's settings.
type Options struct {
	Role     string        // config.Role
	Code     string        // config.PlatformCode
	Name     string        // config.PlatformName
	Batch    int           // ZWFW_EXCHANGE_BATCH: events per request
	LagAlert time.Duration // ZWFW_EXCHANGE_LAG_ALERT
	// RetryBase is the first wait after a failed delivery (default 1 s),
	// doubling up to MaxBackoff.
	RetryBase time.Duration
	// Client sends the batches (default: a client of its own).
	Client *http.Client
	Log    *slog.Logger
	Now    func() time.Time
}

// Service is one platform's side of the exchange.
type Service struct {
	db    *db.DB
	esign *esign.Service
	orgs  *org.Service
	opt   Options
	now   func() time.Time
	log   *slog.Logger

	amu      sync.RWMutex
	appliers []Applier

	pmu     sync.Mutex
	peers   map[string]*Peer // by code; nil: not loaded (or stale)
	peersAt time.Time        // when peers were read

	wake   chan struct{} // a commit published: the sender looks at once
	stat   stats
	snd    sender
	client *http.Client
}

// changeTopic announces a change of the registered peers to every process.
const changeTopic = "exchange.peers"

// outboxTopic announces a commit that published events (wakes the senders
// of every process on the database).
const outboxTopic = "exchange.outbox"

// New builds the exchange of the platform described by o.
func New(d *db.DB, es *esign.Service, orgs *org.Service, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.Batch <= 0 {
		o.Batch = 200
	}
	if o.LagAlert <= 0 {
		o.LagAlert = 10 * time.Minute
	}
	if o.Role == "" {
		o.Role = RoleCounty
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second}}
	}
	s := &Service{db: d, esign: es, orgs: orgs, opt: o, now: o.Now, log: o.Log, wake: make(chan struct{}, 1), client: o.Client}
	d.OnChange(changeTopic, func(string) {
		s.pmu.Lock()
		s.peers = nil
		s.pmu.Unlock()
	})
	d.OnChange(outboxTopic, func(string) { s.Wake() })
	return s
}

// Code is this platform's code; Name its name; Role its role.
func (s *Service) Code() string { return s.opt.Code }
func (s *Service) Name() string { return s.opt.Name }
func (s *Service) Role() string { return s.opt.Role }

// Options returns the settings the service was built with.
func (s *Service) Options() Options { return s.opt }

// Subscribe registers an applier for every event received.
func (s *Service) Subscribe(a Applier) {
	s.amu.Lock()
	s.appliers = append(s.appliers, a)
	s.amu.Unlock()
}

// Wake tells the sender loop to look at the outbox now.
func (s *Service) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// insertOutbox numbers the event after the last one of (peer, case) and
// writes it, in one statement.
const insertOutbox = `INSERT INTO exchange_outbox (peer, event_id, case_serial, seq, kind, at, body)
SELECT CAST(? AS TEXT), CAST(? AS TEXT) || ':' || CAST(? AS TEXT) || ':' || CAST(COALESCE(MAX(seq), 0) + 1 AS TEXT),
       CAST(? AS TEXT), COALESCE(MAX(seq), 0) + 1, CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS TEXT)
  FROM exchange_outbox WHERE peer = ? AND case_serial = ?`

// Publish appends an event for platform to to the outbox in the caller's
// transaction (the case's own write), numbering it after the last one for
// (to, case). On PostgreSQL the INSERT goes with the transaction's other
// unread statements (db.Tx.Later): it costs no round trip of its own.
func (s *Service) Publish(ctx context.Context, tx *db.Tx, to, caseSerial, kind string, body any) error {
	return s.publish(ctx, tx, to, caseSerial, kind, body, s.now().UnixMilli())
}

func (s *Service) publish(ctx context.Context, tx *db.Tx, to, caseSerial, kind string, body any, at int64) error {
	if to == "" || caseSerial == "" || kind == "" {
		return zwfw.Errorf(zwfw.EINVALID, "交换事件缺少接收平台、办件编号或类型")
	}
	p, err := s.Peer(ctx, to)
	if err != nil {
		return err
	}
	if p == nil {
		return zwfw.Errorf(zwfw.ENOTFOUND, "没有登记区划代码为 %s 的对接平台", to)
	}
	var raw []byte
	switch b := body.(type) {
	case json.RawMessage:
		raw = b
	case []byte:
		raw = b
	default:
		if raw, err = json.Marshal(body); err != nil {
			return fmt.Errorf("exchange: event body: %w", err)
		}
	}
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	if err := tx.Later(ctx, oneRow, insertOutbox, to, s.opt.Code, caseSerial, caseSerial, kind, at, string(raw), to, caseSerial); err != nil {
		return fmt.Errorf("exchange: publish %s %s: %w", kind, caseSerial, err)
	}
	return tx.Changed(ctx, outboxTopic, to)
}

func oneRow(n int64) error {
	if n != 1 {
		return fmt.Errorf("exchange: outbox insert wrote %d rows", n)
	}
	return nil
}

// City returns this county's city peer (nil when none is registered or it
// is disabled): where case events go.
func (s *Service) City(ctx context.Context) (*Peer, error) {
	ps, err := s.loadPeers(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.Role == RoleCity && p.Enabled && p.Code != s.opt.Code {
			return p, nil
		}
	}
	return nil, nil
}

// Peer returns the registered, enabled peer with code (nil when none).
func (s *Service) Peer(ctx context.Context, code string) (*Peer, error) {
	ps, err := s.loadPeers(ctx)
	if err != nil {
		return nil, err
	}
	if p := ps[code]; p != nil && p.Enabled {
		return p, nil
	}
	return nil, nil
}

// peersTTL bounds how long the peers are cached: a registration by the
// CLI on SQLite (another process, whose change this one does not hear)
// takes effect within it.
const peersTTL = 5 * time.Second

// loadPeers returns every registered peer by code, cached while changes
// of other processes reach this one (db.Live).
func (s *Service) loadPeers(ctx context.Context) (map[string]*Peer, error) {
	live := s.db.Live()
	if live {
		s.pmu.Lock()
		ps := s.peers
		fresh := time.Since(s.peersAt) < peersTTL
		s.pmu.Unlock()
		if ps != nil && fresh {
			return ps, nil
		}
	}
	list, err := s.readPeers(ctx, s.db.Reader())
	if err != nil {
		return nil, err
	}
	ps := make(map[string]*Peer, len(list))
	for _, p := range list {
		ps[p.Code] = p
	}
	if live {
		s.pmu.Lock()
		s.peers, s.peersAt = ps, time.Now()
		s.pmu.Unlock()
	}
	return ps, nil
}

const selectPeer = `SELECT id, code, name, role, url, key_pem, key_id, enabled, created_at, last_error, last_error_at, last_sent_at FROM exchange_peers`

func (s *Service) readPeers(ctx context.Context, q db.Querier) ([]*Peer, error) {
	rows, err := q.Query(ctx, selectPeer+" ORDER BY role DESC, code")
	if err != nil {
		return nil, fmt.Errorf("exchange: peers: %w", err)
	}
	defer rows.Close()
	var out []*Peer
	for rows.Next() {
		var p Peer
		var created, errAt, sentAt int64
		if err := rows.Scan(&p.ID, &p.Code, &p.Name, &p.Role, &p.URL, &p.KeyPEM, &p.KeyID, &p.Enabled, &created, &p.LastError, &errAt, &sentAt); err != nil {
			return nil, err
		}
		p.CreatedAt, p.LastErrorAt, p.LastSentAt = millis(created), millis(errAt), millis(sentAt)
		pub, err := ParsePublicKey(p.KeyPEM)
		if err != nil {
			s.log.Warn("exchange: a registered peer's key does not parse", "peer", p.Code, "err", err)
		} else {
			p.pub = pub
			p.Fingerprint = Fingerprint(pub)
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}

func millis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// ParsePublicKey reads an SM2 public key in PEM (SubjectPublicKeyInfo, what
// `zwfw exchange identity` and the esign key page print; a certificate is
// accepted too).
func ParsePublicKey(s string) (*ecdsa.PublicKey, error) {
	blk, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if blk == nil {
		return nil, zwfw.Errorf(zwfw.EINVALID, "公钥不是 PEM 格式（应以 -----BEGIN PUBLIC KEY----- 开头）")
	}
	var pub any
	var err error
	switch blk.Type {
	case "PUBLIC KEY":
		pub, err = smx509.ParsePKIXPublicKey(blk.Bytes)
	case "CERTIFICATE":
		var c *smx509.Certificate
		if c, err = smx509.ParseCertificate(blk.Bytes); err == nil {
			pub = c.PublicKey
		}
	default:
		return nil, zwfw.Errorf(zwfw.EINVALID, "公钥 PEM 的类型应为 PUBLIC KEY，而不是 %s", blk.Type)
	}
	if err != nil {
		return nil, zwfw.Errorf(zwfw.EINVALID, "公钥无法解析：%v", err)
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok || !sm2.IsSM2PublicKey(k) {
		return nil, zwfw.Errorf(zwfw.EINVALID, "公钥不是 SM2 公钥")
	}
	return k, nil
}

// Fingerprint is SM3 over the key's SubjectPublicKeyInfo DER, hex in
// groups of four, for two operators to compare on the telephone; its first
// 16 digits are the key id (esign.KeyID).
func Fingerprint(pub *ecdsa.PublicKey) string {
	der, err := smx509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sm3.Sum(der)
	h := hex.EncodeToString(sum[:])
	var b strings.Builder
	for i := 0; i < len(h); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i : i+4])
	}
	return b.String()
}

// Identity is what a platform tells its peers about itself: the public
// half of its signing key, for registration on the other side.
type Identity struct {
	Code        string `json:"code"`
	Name        string `json:"name"`
	Role        string `json:"role"`
	KeyID       string `json:"key_id"`
	Fingerprint string `json:"fingerprint"`
	PEM         string `json:"pem"`
	Algorithm   string `json:"algorithm"`
}

// rootOrg is the organisation whose key signs for the platform.
func (s *Service) rootOrg(ctx context.Context) (*org.Org, error) {
	o, err := s.orgs.ByCode(ctx, s.opt.Code)
	if err != nil {
		if zwfw.ErrorCode(err) == zwfw.ENOTFOUND || errors.Is(err, sql.ErrNoRows) {
			return nil, zwfw.Errorf(zwfw.ENOTFOUND, "机构树中没有区划代码为 %s 的本平台机构（ZWFW_PLATFORM_CODE）", s.opt.Code)
		}
		return nil, err
	}
	return o, nil
}

// Identity returns this platform's identity, making its organisation's
// first key when it has none.
func (s *Service) Identity(ctx context.Context) (Identity, error) {
	o, err := s.rootOrg(ctx)
	if err != nil {
		return Identity{}, err
	}
	k, err := s.esign.EnsureKey(ctx, o.ID)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{Code: s.opt.Code, Name: s.opt.Name, Role: s.opt.Role, KeyID: k.KeyID, PEM: k.PEM, Algorithm: esign.Algorithm}
	if pub, err := ParsePublicKey(k.PEM); err == nil {
		id.Fingerprint = Fingerprint(pub)
	}
	return id, nil
}

// sign signs data with the platform's key.
func (s *Service) sign(ctx context.Context, data []byte) (esign.Signature, error) {
	o, err := s.rootOrg(ctx)
	if err != nil {
		return esign.Signature{}, err
	}
	return s.esign.Sign(ctx, o.ID, data)
}

// verify checks an SM2 signature (ASN.1 DER, SM3, esign.UID) by the peer.
func (p *Peer) verify(data, sig []byte) bool {
	return p.pub != nil && sm2.VerifyASN1WithSM2(p.pub, []byte(esign.UID), data, sig)
}
