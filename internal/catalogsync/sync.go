// Package catalogsync carries the city's catalog to its counties (issue 14
// item 4): the city publishes its catalog signed with its SM2 key (GET
// /api/exchange/v1/catalog), a county pulls it on a schedule
// (ZWFW_CATALOG_PULL), from the command line (zwfw catalog pull) and from
// 事项管理, checks the signature with the key registered for its city peer
// (exchange_peers) and applies it (catalog.ApplyCity decides what changes).
// A catalog whose signature does not verify changes nothing.
package catalogsync

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/emmansun/gmsm/sm2"

	"zwfw"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/esign"
	"zwfw/internal/exchange"
	"zwfw/internal/jobs"
	"zwfw/internal/org"
)

// Signed is the published catalog as it travels: the catalog's JSON bytes
// exactly as signed, the key and the SM2 signature (ASN.1 DER, SM3 with
// esign.UID, base64).
type Signed struct {
	Catalog   json.RawMessage `json:"catalog"`
	KeyID     string          `json:"key_id"`
	Signature string          `json:"signature"`
}

// Service publishes (city) and pulls (county) the catalog.
type Service struct {
	db    *db.DB
	cat   *catalog.Service
	ex    *exchange.Service
	esign *esign.Service
	orgs  *org.Service
	now   func() time.Time
	log   *slog.Logger
	http  *http.Client
}

// New returns the service.
func New(d *db.DB, cat *catalog.Service, ex *exchange.Service, es *esign.Service, orgs *org.Service, now func() time.Time, log *slog.Logger) *Service {
	return &Service{db: d, cat: cat, ex: ex, esign: es, orgs: orgs, now: now, log: log, http: &http.Client{Timeout: 30 * time.Second}}
}

// Publish returns the city's catalog, signed with the city's key. Only a
// city platform publishes one.
func (s *Service) Publish(ctx context.Context) (*Signed, string, error) {
	if s.ex.Role() != exchange.RoleCity {
		return nil, "", zwfw.Errorf(zwfw.ENOTFOUND, "本平台不是市级平台，不发布事项目录")
	}
	cc, err := s.cat.CityCatalog(ctx, s.ex.Code(), s.ex.Name())
	if err != nil {
		return nil, "", err
	}
	b, err := json.Marshal(cc)
	if err != nil {
		return nil, "", err
	}
	root, err := s.orgs.ByCode(ctx, s.ex.Code())
	if err != nil {
		return nil, "", err
	}
	sig, err := s.esign.Sign(ctx, root.ID, b)
	if err != nil {
		return nil, "", err
	}
	return &Signed{Catalog: b, KeyID: sig.KeyID, Signature: base64.StdEncoding.EncodeToString(sig.Value)}, cc.Version, nil
}

// Verify checks a published catalog against the city peer's registered key
// and returns it: a catalog not signed by that key, or naming another
// platform, is refused.
func Verify(peer *exchange.Peer, sc *Signed) (*catalog.CityCatalog, error) {
	pub, err := exchange.ParsePublicKey(peer.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("市级平台 %s 登记的公钥无法读取：%w", peer.Code, err)
	}
	sig, err := base64.StdEncoding.DecodeString(sc.Signature)
	if err != nil || !sm2.VerifyASN1WithSM2(pub, []byte(esign.UID), sc.Catalog, sig) {
		return nil, zwfw.Errorf(zwfw.EINVALID, "市级事项目录的签名验证失败（不是%s登记的密钥所签，或内容被改动）：未作任何同步", peer.Name)
	}
	var cc catalog.CityCatalog
	if err := json.Unmarshal(sc.Catalog, &cc); err != nil {
		return nil, zwfw.Errorf(zwfw.EINVALID, "市级事项目录无法读取：%v", err)
	}
	if cc.Platform != peer.Code {
		return nil, zwfw.Errorf(zwfw.EINVALID, "事项目录属于 %s，不是本县的市级平台 %s：未作任何同步", cc.Platform, peer.Code)
	}
	return &cc, nil
}

// Pull is one pull of the city's catalog, as recorded.
type Pull struct {
	ID      int64             `json:"id"`
	At      time.Time         `json:"at"`
	City    string            `json:"city"`
	Version string            `json:"version"`
	Error   string            `json:"error,omitempty"`
	Result  *catalog.CitySync `json:"result,omitempty"`
}

// Pull fetches the city's catalog, verifies it and applies it to this
// county, as actor (the system for the schedule and the command), and
// records the outcome, a failure included.
func (s *Service) Pull(ctx context.Context, actor *zwfw.Actor) (*Pull, error) {
	if s.ex.Role() == exchange.RoleCity {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "市级平台发布事项目录，不从别处同步")
	}
	if err := s.May(ctx, actor); err != nil {
		return nil, err
	}
	p := &Pull{At: s.now()}
	res, err := s.pull(ctx, actor, p)
	if err != nil {
		var e *zwfw.Error
		if !errors.As(err, &e) && ctx.Err() != nil {
			return nil, err
		}
		p.Error = zwfw.ErrorMessage(err)
	}
	p.Result = res
	if rerr := s.record(ctx, p); rerr != nil {
		return nil, rerr
	}
	return p, err
}

func (s *Service) pull(ctx context.Context, actor *zwfw.Actor, p *Pull) (*catalog.CitySync, error) {
	peer, err := s.ex.City(ctx)
	if err != nil {
		return nil, err
	}
	if peer == nil {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "尚未登记市级平台（交换对端），无法同步市级事项目录")
	}
	p.City = peer.Code
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, peer.URL+"/api/exchange/v1/catalog", nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, unreachable("无法连接市级平台 %s：%v", peer.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, unreachable("读取市级事项目录中断：%v", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, unreachable("市级平台答复 %d：%s", resp.StatusCode, bytes.TrimSpace(body[:min(len(body), 300)]))
	}
	var sc Signed
	if err := json.Unmarshal(body, &sc); err != nil {
		return nil, zwfw.Errorf(zwfw.EINVALID, "市级事项目录无法读取：%v", err)
	}
	cc, err := Verify(peer, &sc)
	if err != nil {
		return nil, err
	}
	p.Version = cc.Version
	return s.cat.ApplyCity(ctx, actor, cc, s.ex.Code())
}

func (s *Service) record(ctx context.Context, p *Pull) error {
	res := ""
	if p.Result != nil {
		b, _ := json.Marshal(p.Result)
		res = string(b)
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		var err error
		p.ID, err = db.InsertID(ctx, tx, `INSERT INTO catalog_pulls (at, city, version, error, result) VALUES (?, ?, ?, ?, ?)`,
			db.Millis(p.At), p.City, p.Version, p.Error, res)
		return err
	})
}

// Last returns the latest pull, or nil before the first.
func (s *Service) Last(ctx context.Context) (*Pull, error) {
	var p Pull
	var at int64
	var res string
	err := s.db.QueryRow(ctx, `SELECT id, at, city, version, error, result FROM catalog_pulls ORDER BY id DESC LIMIT 1`).
		Scan(&p.ID, &at, &p.City, &p.Version, &p.Error, &res)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, err
	}
	p.At = db.Time(at)
	if res != "" {
		p.Result = &catalog.CitySync{}
		if err := json.Unmarshal([]byte(res), p.Result); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

// Adoption is the draft of this county's item for the city's item code
// that the latest applied pull listed for adoption (catalog.CityItem.Adopt),
// for the new-item form: ENOTFOUND when it listed none by that code.
func (s *Service) Adoption(ctx context.Context, actor *zwfw.Actor, code string) (*catalog.Item, error) {
	if err := s.May(ctx, actor); err != nil {
		return nil, err
	}
	var res string
	err := s.db.QueryRow(ctx, `SELECT result FROM catalog_pulls WHERE result <> '' ORDER BY id DESC LIMIT 1`).Scan(&res)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	var r catalog.CitySync
	if res != "" {
		if err := json.Unmarshal([]byte(res), &r); err != nil {
			return nil, err
		}
	}
	for _, a := range r.Adopt {
		if a.Code == code && a.Item != nil {
			return a.Item.Adopt(a.Dept), nil
		}
	}
	return nil, zwfw.Errorf(zwfw.ENOTFOUND, "最近一次同步的市级目录中没有待认领的事项 %s", code)
}

// PullArgs is the scheduled pull's job.
type PullArgs struct{}

// Kind names the job.
func (PullArgs) Kind() string { return "catalog_pull" }

type pullWorker struct {
	jobs.WorkerDefaults[PullArgs]
	s *Service
}

func (w *pullWorker) Work(ctx context.Context, _ *jobs.Job[PullArgs]) error {
	p, err := w.s.Pull(ctx, zwfw.System)
	if err != nil {
		// Recorded for the administrators; the next period tries again.
		w.s.log.Warn("catalog pull failed", "error", zwfw.ErrorMessage(err))
		return nil
	}
	w.s.log.Info("catalog pulled", "city", p.City, "version", p.Version, "updated", len(p.Result.Updated),
		"refused", len(p.Result.Refused), "adopt", len(p.Result.Adopt))
	return nil
}

// Schedule pulls the city's catalog every interval (a county with a city
// peer; the job records a failure and waits for the next period).
func (s *Service) Schedule(q *jobs.Queue, every time.Duration) {
	jobs.Register(q, &pullWorker{s: s})
	q.Every(every, func() jobs.Args { return PullArgs{} }, false)
}

// unreachable is the city platform not answering as it should: the pull
// is recorded as failed and tried again.
func unreachable(format string, args ...any) error {
	return zwfw.Errorf(zwfw.ECONFLICT, format, args...)
}

// May says whether actor may see and start the pulls of this county
// (catalog.MayPull, of the platform's own county).
func (s *Service) May(ctx context.Context, actor *zwfw.Actor) error {
	if err := catalog.MayMaintain(actor); err != nil {
		return err
	}
	county, err := s.orgs.ByCode(ctx, s.ex.Code())
	if err != nil {
		return err
	}
	return catalog.MayPull(actor, county)
}
