package org_test

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
	"zwfw/internal/casework"
	"zwfw/internal/notify"
	"zwfw/internal/org"
)

// gatewayPeer is a real HTTP peer standing in for an SMS gateway: it
// checks each request's signature with key and keeps what it accepted.
type gatewayPeer struct {
	mu   sync.Mutex
	key  []byte
	got  []notify.SMSBody
	srv  *httptest.Server
	bads int
}

func newPeer(t *testing.T, key string) *gatewayPeer {
	p := &gatewayPeer{key: []byte(key)}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ts := r.Header.Get("X-SMS-Timestamp")
		want := notify.SMSSignature(p.key, ts, body)
		p.mu.Lock()
		defer p.mu.Unlock()
		if ts == "" || !hmac.Equal([]byte(want), []byte(r.Header.Get("X-SMS-Signature"))) {
			p.bads++
			http.Error(w, `{"code":"bad signature"}`, http.StatusUnauthorized)
			return
		}
		var b notify.SMSBody
		if err := json.Unmarshal(body, &b); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		p.got = append(p.got, b)
		w.Write([]byte(`{"code":"OK"}`))
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *gatewayPeer) last(t *testing.T) notify.SMSBody {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.got) == 0 {
		t.Fatal("the gateway received nothing")
	}
	return p.got[len(p.got)-1]
}

func gateway(url, app, env string) org.SMSSettings {
	return org.SMSSettings{Kind: org.SMSHTTP, URL: url, AppID: app, SignName: "宁陕县政务服务",
		CodeTemplate: "TPL_CODE_" + app, NoticeTemplate: "TPL_NOTE_" + app, SecretEnv: env}
}

// TestSMSGateway: a county's gateway is a setting of the county, its key
// only named (ZWFW_SMS_…), never stored; verification codes go through the
// root region's gateway with the code template, signed so the peer accepts
// them; a town's own gateway serves the town, while an organisation without
// one inherits its nearest ancestor's; a wrong key is a clear error; only
// an administrator sets it; the test message is limited and audited.
func TestSMSGateway(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		ctx := context.Background()
		t.Setenv("ZWFW_SMS_COUNTY", "county-key")
		t.Setenv("ZWFW_SMS_TOWN", "town-key")
		county, town := newPeer(t, "county-key"), newPeer(t, "town-key")
		admin := e.Actor(t, "county.admin")

		// Before any setting: the log (the fallback), nothing at the peer.
		if _, from, err := org.EffectiveSMS(ctx, e.App.DB.Reader(), mustOrg(t, e, "610923").ID); err != nil || from != 0 {
			t.Fatalf("no setting yet: from %d, %v", from, err)
		}

		// Only an administrator sets it.
		if _, err := e.App.Orgs.SetSMSSettings(ctx, e.Actor(t, "county.window"), "610923", gateway(county.srv.URL, "county", "ZWFW_SMS_COUNTY")); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window staff set the gateway: %v", err)
		}
		// The key is named, never given; the payment key is not an SMS key;
		// plain http only to this machine.
		for name, bad := range map[string]org.SMSSettings{
			"secret_env": gateway(county.srv.URL, "county", "ZWFW_PAYMENT_SECRET"),
			"url":        gateway("http://sms.example.cn/send", "county", "ZWFW_SMS_COUNTY"),
			"kind":       {Kind: "smtp"},
		} {
			_, err := e.App.Orgs.SetSMSSettings(ctx, admin, "610923", bad)
			if zwfw.ErrorCode(err) != zwfw.EINVALID || !strings.Contains(zwfw.ErrorMessage(err)+errFields(err), name) {
				t.Errorf("bad %s accepted or wrong field: %v", name, err)
			}
		}
		if _, err := e.App.Orgs.SetSMSSettings(ctx, admin, "610923", gateway(county.srv.URL, "county", "ZWFW_SMS_COUNTY")); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Orgs.SetSMSSettings(ctx, admin, "610923100", gateway(town.srv.URL, "town", "ZWFW_SMS_TOWN")); err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := e.App.DB.QueryRow(ctx, "SELECT url || app_id || sign_name || code_template || notice_template || secret_env FROM org_sms_settings WHERE org_id = ?",
			mustOrg(t, e, "610923").ID).Scan(&stored); err != nil || strings.Contains(stored, "county-key") {
			t.Fatalf("stored %q (%v): the key must not be in the database", stored, err)
		}

		// A registration code: the root region's gateway, code template.
		msg := notify.Message{Channel: notify.SMS, Address: "13900001111", Body: "验证码 123456"}
		if err := e.App.SMS.Codes().Send(ctx, msg); err != nil {
			t.Fatal(err)
		}
		if b := county.last(t); b.TemplateID != "TPL_CODE_county" || b.Phone != "13900001111" || b.Text != msg.Body || b.SignName != "宁陕县政务服务" || b.Timestamp == 0 {
			t.Fatalf("county gateway got %+v", b)
		}
		// Notifications: the town's own gateway for the town; the county's
		// centre (no setting) inherits the county's.
		for _, c := range []struct {
			code string
			peer *gatewayPeer
			tpl  string
		}{{"610923100", town, "TPL_NOTE_town"}, {"610923C", county, "TPL_NOTE_county"}} {
			s, err := e.App.SMS.For(ctx, mustOrg(t, e, c.code).ID, org.SMSNotice)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Send(ctx, msg); err != nil {
				t.Fatalf("%s: %v", c.code, err)
			}
			if b := c.peer.last(t); b.TemplateID != c.tpl {
				t.Errorf("%s: template %s, want %s", c.code, b.TemplateID, c.tpl)
			}
		}
		// The dispatcher's SMS: a case filed in the town goes through the
		// town's gateway; a message about no case through the root region's.
		dispatch := e.App.Dispatcher().Senders[notify.SMS]
		serial := e.Case(t, "resident.wang", "200300200000", "610923100C", casework.Submitted)
		if err := dispatch.Send(ctx, notify.Message{Channel: notify.SMS, Address: "13900003333", Body: "受理", CaseSerial: serial}); err != nil {
			t.Fatal(err)
		}
		if b := town.last(t); b.Phone != "13900003333" || b.TemplateID != "TPL_NOTE_town" {
			t.Fatalf("the town's case went as %+v", b)
		}
		if err := dispatch.Send(ctx, notify.Message{Channel: notify.SMS, Address: "13900004444", Body: "通知"}); err != nil {
			t.Fatal(err)
		}
		if b := county.last(t); b.Phone != "13900004444" || b.TemplateID != "TPL_NOTE_county" {
			t.Fatalf("a message about no case went as %+v", b)
		}
		// A wrong key: the peer refuses the signature, and the error says so.
		t.Setenv("ZWFW_SMS_COUNTY", "wrong")
		err := e.App.SMS.Codes().Send(ctx, msg)
		if err == nil || !strings.Contains(err.Error(), "HTTP 401") || county.bads != 1 {
			t.Fatalf("wrong key: %v (bad signatures %d)", err, county.bads)
		}
		t.Setenv("ZWFW_SMS_COUNTY", "county-key")

		// 发送测试短信: five an hour per organisation, each audited.
		for i := 0; i < org.TestSMSLimit.N; i++ {
			if err := e.App.Orgs.SendTestSMS(ctx, admin, e.App.SMS, "610923", "13900002222"); err != nil {
				t.Fatalf("test sms %d: %v", i, err)
			}
		}
		if b := county.last(t); b.Phone != "13900002222" || !strings.Contains(b.Text, "测试短信") {
			t.Fatalf("test message %+v", b)
		}
		if err := e.App.Orgs.SendTestSMS(ctx, admin, e.App.SMS, "610923", "13900002222"); zwfw.ErrorCode(err) != zwfw.ETOOMANY {
			t.Fatalf("sixth test sms: %v, want too many", err)
		}
		if err := e.App.Orgs.SendTestSMS(ctx, e.Actor(t, "county.window"), e.App.SMS, "610923", "13900002222"); zwfw.ErrorCode(err) != zwfw.EFORBIDDEN {
			t.Fatalf("window staff sent a test: %v", err)
		}
		var audited int
		if err := e.App.DB.QueryRow(ctx, "SELECT COUNT(*) FROM audit_log WHERE action IN ('org.sms_test', 'org.sms_settings')").Scan(&audited); err != nil || audited != org.TestSMSLimit.N+2 {
			t.Fatalf("audited %d (%v), want %d", audited, err, org.TestSMSLimit.N+2)
		}
	})
}

func mustOrg(t *testing.T, e *apptest.Env, code string) *org.Org {
	t.Helper()
	o, err := e.App.Orgs.ByCode(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func errFields(err error) string {
	b, _ := json.Marshal(err)
	return string(b)
}
