package web

import (
	"net/http"
	"net/url"

	"zwfw"
	"zwfw/internal/casework"
)

// Paying online (casework/payment.go): the applicant's 网上缴费 button sends
// them to the gateway of the collecting unit; the demo gateway's simulator
// page (演示) pays or cancels.

// myPay starts paying the case's fee online.
func (s *server) myPay(w http.ResponseWriter, r *http.Request) error {
	to, err := s.d.Cases.PayOnline(r.Context(), actor(r), r.PathValue("serial"))
	if err != nil {
		if zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			return err
		}
		s.redirect(w, r, "/my/cases/"+url.PathEscape(r.PathValue("serial"))+"#payment", "warn", zwfw.ErrorMessage(err))
		return nil
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

type payDemoPage struct {
	base
	Case *casework.Case
}

// payDemo is the simulator's page: clearly 演示, the payee, the notice
// number and the amount, 确认支付 and 取消.
func (s *server) payDemo(w http.ResponseWriter, r *http.Request) error {
	c, err := s.d.Cases.DemoCase(r.Context(), actor(r), r.PathValue("serial"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "pay_demo", payDemoPage{base: s.base(w, r, "演示支付"), Case: c})
	return nil
}

// payDemoPost pays (the simulator's signed callback) or cancels, and goes
// back to the case.
func (s *server) payDemoPost(w http.ResponseWriter, r *http.Request) error {
	serial := r.PathValue("serial")
	back := "/my/cases/" + url.PathEscape(serial)
	if r.PostFormValue("do") != "pay" {
		if _, err := s.d.Cases.DemoCase(r.Context(), actor(r), serial); err != nil && zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			return err
		}
		s.redirect(w, r, back+"#payment", "info", "已取消支付，费用仍待缴纳。")
		return nil
	}
	c, err := s.d.Cases.DemoPay(r.Context(), actor(r), serial)
	if err != nil {
		if zwfw.ErrorCode(err) != zwfw.ECONFLICT {
			return err
		}
		s.redirect(w, r, back+"#payment", "warn", zwfw.ErrorMessage(err))
		return nil
	}
	s.redirect(w, r, back+"#payment", "ok", "缴费成功（演示），缴费凭证号 "+c.Payment.ReceiptNo+"。")
	return nil
}

func init() { pages = append(pages, "pay_demo") }
