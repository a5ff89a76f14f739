// Package forward carries forwarded cases (上报件) between platforms over
// the exchange (issue 14 item 3): a county's 上报件 goes to its city
// platform as a case.forward event — the case, its applicant, form and
// materials with their bytes, checked by digest at the city — and the
// city's decision comes back as a case.decision event applied to the same
// case (实施方案 §2(1) 市县两级 "统一申报、统一受理、统一反馈"; attachment 2
// (5)3: 上报件, "申请人不需重复提交材料"). What happens to the cases at
// either end is casework's (remote.go); this package only carries them.
package forward

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/db"
	"zwfw/internal/exchange"
	"zwfw/internal/files"
)

// Event kinds this package sends and applies.
const (
	KindForward  = "case.forward"  // a case sent to the platform that decides it (body: casework.RemoteCase)
	KindDecision = "case.decision" // the decision back to the case's platform (body: casework.RemoteDecision)
)

// MaxBytes bounds the bytes of the materials one forwarded case carries in
// its event (base64 in the signed body): the seeded materials are a few
// hundred KB; a case with more is not forwarded (the window is told why)
// rather than clogging the exchange for every case behind it.
const MaxBytes = 12 << 20

// Service sends this platform's forwarded cases and applies the events of
// its peers about them.
type Service struct {
	ex    *exchange.Service
	cases *casework.Service
	files *files.Store
}

// New connects forwarded cases: casework sends through it, and it applies
// the peers' case.forward and case.decision events.
func New(ex *exchange.Service, cases *casework.Service, fs *files.Store) *Service {
	s := &Service{ex: ex, cases: cases, files: fs}
	ex.Subscribe(s.apply)
	cases.SetForwarder(s)
	return s
}

func peerOf(p *exchange.Peer) *casework.Peer {
	return &casework.Peer{Code: p.Code, Name: p.Name, Role: p.Role}
}

// Upper is the county's city platform when one is registered and enabled.
func (s *Service) Upper(ctx context.Context) (*casework.Peer, error) {
	if s.ex.Role() != exchange.RoleCounty {
		return nil, nil
	}
	p, err := s.ex.City(ctx)
	if err != nil || p == nil {
		return nil, err
	}
	return peerOf(p), nil
}

// Lower is, at the city, the registered county platform whose region code
// begins the department's code (610923D06: 宁陕县): a case filed at the city
// for that department's item goes down to it.
func (s *Service) Lower(ctx context.Context, dept string) (*casework.Peer, error) {
	if s.ex.Role() != exchange.RoleCity || len(dept) < 6 {
		return nil, nil
	}
	p, err := s.ex.Peer(ctx, dept[:6])
	if err != nil || p == nil || p.Role != exchange.RoleCounty {
		return nil, err
	}
	return peerOf(p), nil
}

// Send publishes the forwarded case to p in the case's transaction, each
// file material with its bytes.
func (s *Service) Send(ctx context.Context, tx *db.Tx, p *casework.Peer, rc *casework.RemoteCase) error {
	var total int64
	for i := range rc.Materials {
		m := &rc.Materials[i]
		if m.SHA256 == "" {
			continue
		}
		b, err := s.files.Bytes(m.SHA256, MaxBytes)
		if err != nil {
			return fmt.Errorf("forward: material %s of %s: %w", m.Name, rc.Serial, err)
		}
		if total += int64(len(b)); total > MaxBytes {
			return zwfw.Errorf(zwfw.ECONFLICT, "本件材料合计超过 %s，不能随件上报%s：请联系上级平台以其他方式报送", files.HumanSize(MaxBytes), p.Label())
		}
		m.Data = b
	}
	return s.ex.Publish(ctx, tx, p.Code, rc.Serial, KindForward, rc)
}

// Return publishes the decision on a received case back to the platform it
// came from, under that platform's serial.
func (s *Service) Return(ctx context.Context, tx *db.Tx, f *casework.Forward, d *casework.RemoteDecision) error {
	return s.ex.Publish(ctx, tx, f.PeerCode, f.RemoteSerial, KindDecision, d)
}

// apply is the exchange's applier for the two kinds; other events are not
// this package's.
func (s *Service) apply(ctx context.Context, tx *db.Tx, from *exchange.Peer, ev *exchange.Event) error {
	switch ev.Kind {
	case KindForward:
		return s.receive(ctx, tx, from, ev)
	case KindDecision:
		var d casework.RemoteDecision
		if err := json.Unmarshal(ev.Body, &d); err != nil {
			return zwfw.Errorf(zwfw.EINVALID, "决定事件 %s 无法解析：%v", ev.ID, err)
		}
		if d.Case != ev.Case {
			return zwfw.Errorf(zwfw.EINVALID, "决定事件 %s 的办件编号 %s 与事件的 %s 不符", ev.ID, d.Case, ev.Case)
		}
		return s.cases.ApplyDecision(ctx, tx, peerOf(from), &d)
	}
	return nil
}

// receive opens the case a peer forwarded here, at this platform's own
// centre, after storing each material whose bytes match its digest; one
// that does not refuses the whole event (and nothing is kept).
func (s *Service) receive(ctx context.Context, tx *db.Tx, from *exchange.Peer, ev *exchange.Event) error {
	var rc casework.RemoteCase
	if err := json.Unmarshal(ev.Body, &rc); err != nil {
		return zwfw.Errorf(zwfw.EINVALID, "上报事件 %s 无法解析：%v", ev.ID, err)
	}
	if rc.Serial != ev.Case {
		return zwfw.Errorf(zwfw.EINVALID, "上报事件 %s 的办件编号 %s 与事件的 %s 不符", ev.ID, rc.Serial, ev.Case)
	}
	p := peerOf(from)
	if done, err := s.cases.Received(ctx, tx, p, rc.Serial); err != nil || done {
		return err
	}
	centre, err := s.centre(ctx, tx)
	if err != nil {
		return err
	}
	mats := make([]casework.Material, 0, len(rc.Materials))
	var total int64
	for _, m := range rc.Materials {
		mat := casework.Material{Name: m.Name, HandedIn: m.HandedIn, Provided: m.Provided}
		if m.SHA256 != "" {
			if total += int64(len(m.Data)); total > MaxBytes {
				return zwfw.Errorf(zwfw.ETOOLARGE, "上报的办件 %s 材料合计超过 %s", rc.Serial, files.HumanSize(MaxBytes))
			}
			f, err := s.files.PutReceived(ctx, tx, m.FileName, m.SHA256, m.Data, MaxBytes, files.PurposeCase)
			if err != nil {
				return fmt.Errorf("上报的办件 %s 的材料“%s”：%w", rc.Serial, m.Name, err)
			}
			mat.FileID, mat.SHA256, mat.FileName, mat.Size, mat.ContentType = f.ID, f.SHA256, m.FileName, f.Size, f.ContentType
		}
		mats = append(mats, mat)
	}
	_, err = s.cases.Receive(ctx, tx, p, centre, &rc, mats)
	return err
}

// centre is the service centre of this platform's own region, where
// forwarded cases are received (安康市: 610900C).
func (s *Service) centre(ctx context.Context, tx *db.Tx) (string, error) {
	var code string
	err := tx.QueryRow(ctx, `SELECT o.code FROM orgs o JOIN orgs p ON p.id = o.parent_id
		WHERE o.kind = 'centre' AND o.active = TRUE AND p.code = ? ORDER BY o.sort, o.code LIMIT 1`, s.ex.Code()).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", zwfw.Errorf(zwfw.ECONFLICT, "本平台（%s）没有政务服务中心，不能接收上报的办件", s.ex.Code())
	}
	return code, err
}
