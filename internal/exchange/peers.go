package exchange

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/db"
	"zwfw/internal/org"
)

// MayManage decides whether the actor may see and change this platform's
// exchange (peers, dead letters): a 系统管理员 whose subtree holds the
// platform's own organisation (the one whose code is the platform code) —
// registering a peer decides whose signatures the platform believes, so a
// town's or department's administrator may not — or the system (the CLI).
func MayManage(actor *zwfw.Actor, platform *org.Org) error {
	switch {
	case actor == nil:
		return zwfw.Errorf(zwfw.EUNAUTHORIZED, "请先登录")
	case actor.Kind == zwfw.KindSystem:
		return nil
	case !actor.IsStaff() || !actor.Has(zwfw.RoleAdmin):
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有本平台的系统管理员可以管理市县数据交换")
	case platform == nil || !actor.InScope(platform.Path):
		return zwfw.Errorf(zwfw.EFORBIDDEN, "只有本平台（%s）的系统管理员可以管理市县数据交换", platformName(platform))
	}
	return nil
}

func platformName(o *org.Org) string {
	if o == nil {
		return "本平台机构"
	}
	return o.DisplayName()
}

// May is MayManage for this platform's organisation.
func (s *Service) May(ctx context.Context, actor *zwfw.Actor) error {
	o, err := s.rootOrg(ctx)
	if err != nil && zwfw.ErrorCode(err) != zwfw.ENOTFOUND {
		return err
	}
	return MayManage(actor, o)
}

// PeerInput registers a peer.
type PeerInput struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	URL    string `json:"url"`
	KeyPEM string `json:"key_pem"`
}

// AddPeer registers a peer platform, or updates the one with the same code
// (a new URL or key: the peer rotated its key), enabling it.
func (s *Service) AddPeer(ctx context.Context, actor *zwfw.Actor, in PeerInput) (*Peer, error) {
	if err := s.May(ctx, actor); err != nil {
		return nil, err
	}
	in.Code, in.Name, in.Role, in.URL = strings.TrimSpace(in.Code), strings.TrimSpace(in.Name), strings.TrimSpace(in.Role), strings.TrimRight(strings.TrimSpace(in.URL), "/")
	var fields []zwfw.ErrorDetail
	bad := func(f, m string) { fields = append(fields, zwfw.ErrorDetail{Field: f, Message: m}) }
	if !regionCode(in.Code) {
		bad("code", "应为 6 位行政区划代码")
	} else if in.Code == s.opt.Code {
		bad("code", "不能登记本平台自己")
	}
	if in.Name == "" || len([]rune(in.Name)) > 50 {
		bad("name", "请填写对方平台的名称（不超过 50 字）")
	}
	switch in.Role {
	case RoleCity:
		if s.opt.Role == RoleCity {
			bad("role", "市级平台只登记各县的平台")
		} else if !strings.HasSuffix(in.Code, "00") {
			bad("code", "市级平台的区划代码末两位为 00")
		}
	case RoleCounty:
		if s.opt.Role == RoleCounty {
			bad("role", "县级平台只登记所属市的平台")
		} else if strings.HasSuffix(in.Code, "00") {
			bad("code", "县级平台的区划代码末两位不为 00")
		}
	default:
		bad("role", "应为 city 或 county")
	}
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		bad("url", "应为对方平台的地址，如 https://zwfw.ankang.gov.cn")
	}
	pub, err := ParsePublicKey(in.KeyPEM)
	if err != nil {
		bad("key_pem", zwfw.ErrorMessage(err))
	}
	if len(fields) > 0 {
		return nil, &zwfw.Error{Code: zwfw.EINVALID, Message: "对接平台的登记信息有误", Details: fields}
	}
	keyPEM, keyID, err := publicPEM(pub)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.InTx(ctx, func(tx *db.Tx) error {
		if in.Role == RoleCity {
			var other string
			err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(code), '') FROM exchange_peers WHERE role = ? AND enabled AND code <> ?", RoleCity, in.Code).Scan(&other)
			if err != nil {
				return err
			}
			if other != "" {
				return zwfw.Errorf(zwfw.ECONFLICT, "已登记市级平台 %s；一个县级平台只对接一个市级平台，请先停用它", other)
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO exchange_peers (code, name, role, url, key_pem, key_id, enabled, created_at)
			VALUES (?, ?, ?, ?, ?, ?, TRUE, ?)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, role = excluded.role, url = excluded.url,
				key_pem = excluded.key_pem, key_id = excluded.key_id, enabled = TRUE`,
			in.Code, in.Name, in.Role, in.URL, keyPEM, keyID, now.UnixMilli())
		if err != nil {
			return fmt.Errorf("exchange: add peer: %w", err)
		}
		if err := tx.Changed(ctx, changeTopic, in.Code); err != nil {
			return err
		}
		return audit.Record(ctx, tx, now, actor, "exchange.peer.add", "exchange_peer:"+in.Code,
			map[string]string{"code": in.Code, "name": in.Name, "role": in.Role, "url": in.URL, "key_id": keyID, "fingerprint": Fingerprint(pub)})
	})
	if err != nil {
		return nil, err
	}
	return s.peerByCode(ctx, in.Code)
}

// DisablePeer stops the exchange with a peer: nothing more is sent to it
// and nothing it sends is believed. Registering it again enables it.
func (s *Service) DisablePeer(ctx context.Context, actor *zwfw.Actor, code string) error {
	if err := s.May(ctx, actor); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, "UPDATE exchange_peers SET enabled = FALSE WHERE code = ?", code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return zwfw.Errorf(zwfw.ENOTFOUND, "没有登记区划代码为 %s 的对接平台", code)
		}
		if err := tx.Changed(ctx, changeTopic, code); err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.now(), actor, "exchange.peer.disable", "exchange_peer:"+code, map[string]string{"code": code})
	})
}

// Peers lists every registered peer, enabled or not.
func (s *Service) Peers(ctx context.Context, actor *zwfw.Actor) ([]*Peer, error) {
	if err := s.May(ctx, actor); err != nil {
		return nil, err
	}
	return s.readPeers(ctx, s.db.Reader())
}

func (s *Service) peerByCode(ctx context.Context, code string) (*Peer, error) {
	ps, err := s.readPeers(ctx, s.db.Reader())
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.Code == code {
			return p, nil
		}
	}
	return nil, zwfw.Errorf(zwfw.ENOTFOUND, "没有登记区划代码为 %s 的对接平台", code)
}

// regionCode reports whether v is a six-digit division code.
func regionCode(v string) bool {
	if len(v) != 6 {
		return false
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
