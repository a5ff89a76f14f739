package api

import (
	"errors"
	"io"
	"net/http"

	"zwfw"
	"zwfw/internal/casework"
)

// SignatureHeader carries the payment platform's signature of a callback:
// hex HMAC-SM3 of the raw body under the shared secret.
const SignatureHeader = "X-Signature"

// paymentAck is the answer to the platform: no personal data.
type paymentAck struct {
	Serial      string `json:"serial"`
	Status      string `json:"status"`
	AmountCents int64  `json:"amount_cents"`
	Reference   string `json:"reference"`
	ReceiptNo   string `json:"receipt_no"`
}

// handlePaymentCallback lets an online payment platform confirm that a
// case's fee was paid (收缴分离: the money never passes a window). The
// domain checks the signature before anything in the body is believed
// (casework.ConfirmOnline); the confirmation is the system's, so the receipt
// records the online channel. A repeat of a callback already applied is
// answered as a success, so the platform may retry safely.
func handlePaymentCallback(cases *casework.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !cases.PaymentsOn() {
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
		c, err := cases.ConfirmOnline(r.Context(), raw, r.Header.Get(SignatureHeader))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, ackOf(c))
		return nil
	}
}

func ackOf(c *casework.Case) *paymentAck {
	a := &paymentAck{Serial: c.Serial, Status: c.Status}
	if p := c.Payment; p != nil {
		a.AmountCents, a.Reference, a.ReceiptNo = p.Amount, p.Reference, p.ReceiptNo
	}
	return a
}
