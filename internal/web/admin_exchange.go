package web

import (
	"net/http"
	"strconv"
	"strings"

	"zwfw"
	"zwfw/internal/exchange"
)

// The exchange's operators' page (issue 14 items 5, 7): this platform's
// identity to hand to the peer, the registered peers with their outbox
// depth, lag, deliveries and last error, the registration of a peer (its
// key's fingerprint shown to compare), and the dead letters with resend.
// Who may see and change it is exchange.MayManage's answer.

type adminExchangePage struct {
	base
	*exchange.Overview
	In     exchange.PeerInput
	Errors fieldErrors
	Error  string
}

func (s *server) exchangePage(w http.ResponseWriter, r *http.Request, p *adminExchangePage, st int) error {
	o, err := s.d.Exchange.Overview(r.Context(), actor(r))
	if err != nil {
		return err
	}
	p.Overview = o
	p.base = s.base(w, r, "市县数据交换")
	p.Nav = "exchange"
	if p.Errors == nil {
		p.Errors = fieldErrors{}
	}
	if p.In.Role == "" {
		p.In.Role = exchange.RoleCity
		if o.Role == exchange.RoleCity {
			p.In.Role = exchange.RoleCounty
		}
	}
	s.render(w, r, st, "admin_exchange", *p)
	return nil
}

func (s *server) adminExchange(w http.ResponseWriter, r *http.Request) error {
	return s.exchangePage(w, r, &adminExchangePage{}, http.StatusOK)
}

func (s *server) adminExchangePeer(w http.ResponseWriter, r *http.Request) error {
	in := exchange.PeerInput{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role"),
		URL: r.PostFormValue("url"), KeyPEM: r.PostFormValue("key_pem")}
	p, err := s.d.Exchange.AddPeer(r.Context(), actor(r), in)
	if err != nil {
		st := formStatus(err)
		fe, msg, err := formError(err)
		if err != nil {
			return err
		}
		return s.exchangePage(w, r, &adminExchangePage{In: in, Errors: fe, Error: msg}, st)
	}
	s.redirect(w, r, "/admin/exchange", "ok", "已登记"+p.Name+"（"+p.Code+"），密钥指纹 "+p.Fingerprint+"：请与对方平台核对，应与对方 zwfw exchange identity 显示的完全相同。")
	return nil
}

func (s *server) adminExchangeDisable(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	if err := s.d.Exchange.DisablePeer(r.Context(), actor(r), code); err != nil {
		return err
	}
	s.redirect(w, r, "/admin/exchange", "ok", "已停用对接平台 "+code+"：不再向它发送，也不再接收它的数据；重新登记即恢复。")
	return nil
}

func (s *server) adminExchangeResend(w http.ResponseWriter, r *http.Request) error {
	var id int64
	if v := strings.TrimSpace(r.PostFormValue("id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return zwfw.Errorf(zwfw.EINVALID, "死信编号无效")
		}
		id = n
	}
	n, err := s.d.Exchange.Resend(r.Context(), actor(r), id)
	if err != nil {
		return err
	}
	s.redirect(w, r, "/admin/exchange", "ok", "已把 "+strconv.Itoa(n)+" 条死信放回发送队列，正在重新发送。")
	return nil
}

func init() { pages = append(pages, "admin_exchange") }
