package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// HTTPSMS is a generic HTTPS SMS gateway (issue 12 item 7: a real gateway
// is a setting of the organisation, org.SMSSettings). Each message is one
// POST of JSON
//
//	{"app_id","sign_name","template_id","phone","text","timestamp"}
//
// with the headers X-SMS-Timestamp (Unix seconds) and X-SMS-Signature:
// hex(HMAC-SHA256(key, timestamp + "\n" + body)). Any status other than
// 2xx is an error naming the status and the start of the answer.
type HTTPSMS struct {
	URL      string
	AppID    string
	Sign     string // 短信签名
	Template string // template id of this kind of message
	Key      []byte
	Client   *http.Client     // nil: a client with Timeout
	Timeout  time.Duration    // 0: 10 seconds
	Now      func() time.Time // nil: time.Now
}

// SMSBody is what HTTPSMS posts.
type SMSBody struct {
	AppID      string `json:"app_id"`
	SignName   string `json:"sign_name"`
	TemplateID string `json:"template_id"`
	Phone      string `json:"phone"`
	Text       string `json:"text"`
	Timestamp  int64  `json:"timestamp"`
}

// SMSSignature is the signature of body sent at ts with key.
func SMSSignature(key []byte, ts string, body []byte) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(ts))
	h.Write([]byte("\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Send posts m to the gateway.
func (g HTTPSMS) Send(ctx context.Context, m Message) error {
	if len(g.Key) == 0 {
		return fmt.Errorf("短信网关未配置签名密钥")
	}
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	timeout := g.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	client := g.Client
	if client == nil {
		client = &http.Client{Timeout: timeout}
	}
	ts := now().Unix()
	body, err := json.Marshal(SMSBody{AppID: g.AppID, SignName: g.Sign, TemplateID: g.Template, Phone: m.Address, Text: m.Body, Timestamp: ts})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("短信网关地址无效: %w", err)
	}
	tss := strconv.FormatInt(ts, 10)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("X-SMS-Timestamp", tss)
	req.Header.Set("X-SMS-Signature", SMSSignature(g.Key, tss, body))
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("短信网关无法连接: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("短信网关拒绝发送（HTTP %d）: %s", resp.StatusCode, answer)
	}
	return nil
}
