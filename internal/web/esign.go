package web

import (
	"net/http"
	"net/url"
	"strings"

	"zwfw"
	"zwfw/internal/esign"
	"zwfw/internal/org"
)

// 电子签章公钥公示 (issue 13 item 2; 实施方案 §2(3) "开展网上验证核对"):
// every organisation's signing keys, active and retired, with their public
// key and certificate to download, so that anyone can check a signature
// without the platform. The administrator of an organisation sees its keys
// and rotates (更换) them on /admin/orgs/{code}/esign; esign.MayRotate
// decides who may.

// keyView is one key as the pages show it.
type keyView struct {
	esign.PublicKey
	FingerprintGroups string // the SM3 fingerprint in groups of four
}

func keyViews(keys []esign.PublicKey) []keyView {
	out := make([]keyView, len(keys))
	for i, k := range keys {
		var g []string
		for j := 0; j+4 <= len(k.Fingerprint); j += 4 {
			g = append(g, k.Fingerprint[j:j+4])
		}
		out[i] = keyView{PublicKey: k, FingerprintGroups: strings.Join(g, " ")}
	}
	return out
}

// orgKeys is one organisation's keys on the public page.
type orgKeys struct {
	Code, Name, CreditCode string
	Keys                   []keyView
}

type esignKeysPage struct {
	base
	Orgs []orgKeys
	UID  string
}

func (s *server) esignKeys(w http.ResponseWriter, r *http.Request) error {
	keys, err := s.d.Esign.PublicKeys(r.Context())
	if err != nil {
		return err
	}
	var groups []orgKeys
	for _, k := range keyViews(keys) {
		if len(groups) == 0 || groups[len(groups)-1].Code != k.OrgCode {
			groups = append(groups, orgKeys{Code: k.OrgCode, Name: k.OrgName, CreditCode: k.CreditCode})
		}
		g := &groups[len(groups)-1]
		g.Keys = append(g.Keys, k)
	}
	s.render(w, r, http.StatusOK, "esign_keys", esignKeysPage{base: s.base(w, r, "电子签章公钥公示"), Orgs: groups, UID: esign.UID})
	return nil
}

// esignKeyFile serves a key's public key (<key id>.pem) or certificate
// (<key id>.crt) as PEM.
func (s *server) esignKeyFile(w http.ResponseWriter, r *http.Request) error {
	id, ext, _ := strings.Cut(r.PathValue("file"), ".")
	if ext != "pem" && ext != "crt" {
		return zwfw.Errorf(zwfw.ENOTFOUND, "没有这个文件")
	}
	k, err := s.d.Esign.PublicKey(r.Context(), id)
	if err != nil {
		return err
	}
	body, ctype := k.PEM, "application/x-pem-file"
	if ext == "crt" {
		body, ctype = k.CertPEM, "application/x-x509-ca-cert"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", `attachment; filename="`+k.KeyID+"."+ext+`"`)
	h.Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write([]byte(body))
	return err
}

type adminOrgEsignPage struct {
	base
	Org    *org.Org
	Keys   []keyView
	Active *keyView
}

func (s *server) adminOrgEsign(w http.ResponseWriter, r *http.Request) error {
	o, keys, err := s.d.Esign.Managed(r.Context(), actor(r), r.PathValue("code"))
	if err != nil {
		return err
	}
	p := adminOrgEsignPage{base: s.base(w, r, "电子签章密钥："+o.DisplayName()), Org: o, Keys: keyViews(keys)}
	for i := range p.Keys {
		if p.Keys[i].Active {
			p.Active = &p.Keys[i]
		}
	}
	s.render(w, r, http.StatusOK, "admin_org_esign", p)
	return nil
}

func (s *server) adminOrgEsignRotate(w http.ResponseWriter, r *http.Request) error {
	o, _, err := s.d.Esign.Managed(r.Context(), actor(r), r.PathValue("code"))
	if err != nil {
		return err
	}
	k, err := s.d.Esign.Rotate(r.Context(), actor(r), o.ID)
	if err != nil {
		return err
	}
	s.redirect(w, r, "/admin/orgs/"+url.PathEscape(o.Code)+"/esign", "ok",
		"已为“"+o.DisplayName()+"”启用新的签章密钥 "+k.KeyID+"（"+k.CreatedAt.In(zwfw.Zone).Format("2006-01-02 15:04")+"）；原密钥已停用，它签发的文书仍可验证。")
	return nil
}

func init() { pages = append(pages, "esign_keys", "admin_org_esign") }
