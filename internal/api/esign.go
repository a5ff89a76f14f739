package api

import (
	"net/http"
	"time"

	"zwfw/internal/esign"
)

// 电子签章 (issue 13 item 2): the organisations' public signing keys, for
// anyone to check a signature with (the same as the page /esign/keys), and
// the rotation of an organisation's key by its administrator
// (esign.MayRotate decides).

type esignOrgOut struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	CreditCode string `json:"credit_code,omitempty"`
}

type esignKeyOut struct {
	KeyID       string      `json:"key_id"`
	Org         esignOrgOut `json:"org"`
	Algorithm   string      `json:"algorithm"`
	DistID      string      `json:"distinguishing_id"`
	Active      bool        `json:"active"`
	CreatedAt   time.Time   `json:"created_at"`
	RetiredAt   *time.Time  `json:"retired_at,omitempty"`
	Fingerprint string      `json:"fingerprint_sm3"`
	PublicKey   string      `json:"public_key_pem"`
	Certificate string      `json:"certificate_pem"`
}

func keyOut(k esign.PublicKey) esignKeyOut {
	o := esignKeyOut{KeyID: k.KeyID, Org: esignOrgOut{Code: k.OrgCode, Name: k.OrgName, CreditCode: k.CreditCode},
		Algorithm: esign.Algorithm, DistID: esign.UID, Active: k.Active, CreatedAt: k.CreatedAt,
		Fingerprint: k.Fingerprint, PublicKey: k.PEM, Certificate: k.CertPEM}
	if !k.RetiredAt.IsZero() {
		t := k.RetiredAt
		o.RetiredAt = &t
	}
	return o
}

func handleListEsignKeys(s *esign.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		keys, err := s.PublicKeys(r.Context())
		if err != nil {
			return err
		}
		out := make([]esignKeyOut, len(keys))
		for i, k := range keys {
			out[i] = keyOut(k)
		}
		writeJSON(w, http.StatusOK, newList(out, len(out)))
		return nil
	}
}

func handleGetEsignKey(s *esign.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		k, err := s.PublicKey(r.Context(), r.PathValue("keyid"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, keyOut(k))
		return nil
	}
}

func handleRotateEsignKey(s *esign.Service) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		o, _, err := s.Managed(r.Context(), actor(r), r.PathValue("code"))
		if err != nil {
			return err
		}
		k, err := s.Rotate(r.Context(), actor(r), o.ID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, keyOut(k))
		return nil
	}
}
