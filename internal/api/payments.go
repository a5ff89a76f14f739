package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"zwfw"
	"zwfw/internal/casework"
)

// SignatureHeader carries the payment platform's signature of a callback:
// hex HMAC-SM3 of the raw body under the shared secret.
const SignatureHeader = "X-Signature"

// callbackSkew is how far a callback's timestamp may be from our clock; an
// older callback is refused, so that a captured one cannot be replayed
// later.
const callbackSkew = 5 * time.Minute

// paymentCallback is what the payment platform reports.
type paymentCallback struct {
	Serial      string `json:"serial"`
	Reference   string `json:"reference"`    // the platform's transaction number
	AmountCents int64  `json:"amount_cents"` // what was paid, in fen
	Timestamp   int64  `json:"timestamp"`    // when the platform sent this, Unix seconds
}

// paymentAck is the answer to the platform: no personal data.
type paymentAck struct {
	Serial      string `json:"serial"`
	Status      string `json:"status"`
	AmountCents int64  `json:"amount_cents"`
	Reference   string `json:"reference"`
	ReceiptNo   string `json:"receipt_no"`
}

// handlePaymentCallback lets the online payment platform confirm that a
// case's fee was paid (收缴分离: the money never passes a window). The
// signature is checked before anything in the body is believed; the amount
// must be the case's fee; the confirmation is the system's, so the receipt
// records the online channel. A repeat of a callback already applied is
// answered as a success, so the platform may retry safely.
func handlePaymentCallback(cases *casework.Service, secret []byte, now func() time.Time) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if len(secret) == 0 {
			writeErrorBody(w, http.StatusServiceUnavailable, "unavailable", "未配置网上支付：平台尚未设置支付回调密钥（ZWFW_PAYMENT_SECRET）", nil)
			return nil
		}
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return tooLarge(mbe.Limit)
			}
			return zwfw.Errorf(zwfw.EBADREQUEST, "请求正文未能读完")
		}
		if !validSignature(secret, raw, r.Header.Get(SignatureHeader)) {
			return zwfw.Errorf(zwfw.EUNAUTHORIZED, "支付回调签名无效：%s 应为请求正文的 HMAC-SM3（十六进制）", SignatureHeader)
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		var in paymentCallback
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
		if in.Timestamp == 0 {
			return paramError(zwfw.EINVALID, "timestamp", "缺少发送时间 timestamp（Unix 秒）")
		}
		if d := now().Sub(time.Unix(in.Timestamp, 0)); d > callbackSkew || d < -callbackSkew {
			return zwfw.Errorf(zwfw.EUNAUTHORIZED, "支付回调的时间戳与平台时间相差超过 %d 分钟，拒绝处理（防止重放）", int(callbackSkew.Minutes()))
		}
		in.Serial, in.Reference = strings.TrimSpace(in.Serial), strings.TrimSpace(in.Reference)
		if in.Serial == "" {
			return paramError(zwfw.EINVALID, "serial", "缺少办件编号 serial")
		}
		ack, err := confirmOnline(r.Context(), cases, in)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ack)
		return nil
	}
}

// confirmOnline applies a verified callback.
func confirmOnline(ctx context.Context, cases *casework.Service, in paymentCallback) (*paymentAck, error) {
	c, err := cases.Get(ctx, zwfw.System, in.Serial)
	if err != nil {
		return nil, err
	}
	if appliedBefore(c, in) {
		return ackOf(c), nil
	}
	if p := c.Payment; p != nil && p.State == "paid" {
		return nil, zwfw.Errorf(zwfw.ECONFLICT, "办件 %s 的费用已缴纳（凭证号 %s），不能重复确认", c.Serial, p.Reference)
	}
	if err := casework.Check(zwfw.System, c, casework.ActConfirmPayment); err != nil {
		return nil, err // casework decides whether a fee is due now
	}
	if in.AmountCents != c.FeeCents {
		return nil, paramError(zwfw.EINVALID, "amount_cents",
			fmt.Sprintf("支付金额 %s 与办件 %s 的应缴金额 %s 不符", casework.Yuan(in.AmountCents), c.Serial, casework.Yuan(c.FeeCents)))
	}
	// The version pins the confirmation to the case whose fee was checked.
	done, err := cases.Act(ctx, zwfw.System, c.Serial, casework.ActConfirmPayment, casework.ActionInput{Version: c.Version, Reference: in.Reference})
	if zwfw.ErrorCode(err) == zwfw.ECONFLICT {
		// The same callback delivered twice at once: the other delivery
		// won, and this one is answered as a repeat.
		if again, gerr := cases.Get(ctx, zwfw.System, c.Serial); gerr == nil && appliedBefore(again, in) {
			return ackOf(again), nil
		}
	}
	if err != nil {
		return nil, err
	}
	return ackOf(done), nil
}

// appliedBefore reports whether the case's fee was already paid by this very
// callback (same reference and amount).
func appliedBefore(c *casework.Case, in paymentCallback) bool {
	p := c.Payment
	return p != nil && p.State == "paid" && p.Reference == in.Reference && p.Amount == in.AmountCents
}

func ackOf(c *casework.Case) *paymentAck {
	a := &paymentAck{Serial: c.Serial, Status: c.Status}
	if p := c.Payment; p != nil {
		a.AmountCents, a.Reference, a.ReceiptNo = p.Amount, p.Reference, p.ReceiptNo
	}
	return a
}

// validSignature checks sig (hex) is the HMAC-SM3 of body under secret, in
// constant time.
func validSignature(secret, body []byte, sig string) bool {
	got, err := hex.DecodeString(strings.TrimSpace(sig))
	if err != nil || len(got) == 0 {
		return false
	}
	mac := hmac.New(sm3.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}
