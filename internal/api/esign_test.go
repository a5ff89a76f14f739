package api_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"zwfw"
	"zwfw/internal/app/apptest"
)

type esignKey struct {
	KeyID string `json:"key_id"`
	Org   struct {
		Code, Name string
		CreditCode string `json:"credit_code"`
	} `json:"org"`
	Algorithm   string  `json:"algorithm"`
	DistID      string  `json:"distinguishing_id"`
	Active      bool    `json:"active"`
	RetiredAt   *string `json:"retired_at"`
	PublicKey   string  `json:"public_key_pem"`
	Certificate string  `json:"certificate_pem"`
}

// The published keys: anyone lists them and fetches one (the same PEM as
// the page's download); the county's administrator rotates the market
// regulation bureau's key and the list then holds the old one retired; a
// window clerk is refused, a town's administrator finds no such
// organisation, an unknown key is 404 in the one error shape.
func TestEsignKeysAPI(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		o, err := e.App.Orgs.ByCode(context.Background(), "610923D01")
		if err != nil {
			t.Fatal(err)
		}
		sig, err := e.App.Esign.Sign(context.Background(), o.ID, []byte("x"))
		if err != nil {
			t.Fatal(err)
		}
		pub := anon(t, e)
		var one esignKey
		okJSON(t, pub.get("/esign/keys/"+sig.KeyID), &one)
		if one.KeyID != sig.KeyID || one.Org.Code != "610923D01" || one.Org.Name != "宁陕县市场监督管理局" || one.Org.CreditCode != "11610923MB0000174F" ||
			!one.Active || one.Algorithm != "SM2-SM3" || one.DistID != "1234567812345678" || one.RetiredAt != nil {
			t.Fatalf("key %+v", one)
		}
		res, err := http.Get(e.URL + "/esign/keys/" + sig.KeyID + ".pem")
		if err != nil {
			t.Fatal(err)
		}
		pem, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || string(pem) != one.PublicKey {
			t.Fatalf("download %d %q, want the API's PEM", res.StatusCode, pem)
		}
		pub.get("/esign/keys/0000000000000000").apiErr(http.StatusNotFound, zwfw.ENOTFOUND)

		demo(t, e, "county.window").post("/orgs/610923D01/esign/rotate", nil).apiErr(http.StatusForbidden, zwfw.EFORBIDDEN)
		demo(t, e, "chengguan.admin").post("/orgs/610923D01/esign/rotate", nil).apiErr(http.StatusNotFound, zwfw.ENOTFOUND)
		var rotated esignKey
		r := demo(t, e, "county.admin").post("/orgs/610923D01/esign/rotate", nil)
		if r.Status != http.StatusCreated {
			t.Fatalf("rotate: %d %s", r.Status, r.Body)
		}
		r.decode(&rotated)
		if rotated.KeyID == sig.KeyID || !rotated.Active {
			t.Fatalf("rotated %+v", rotated)
		}
		var list struct {
			Items []esignKey
			Total int
		}
		okJSON(t, pub.get("/esign/keys"), &list)
		var states []string
		for _, k := range list.Items {
			if k.Org.Code == "610923D01" {
				states = append(states, k.KeyID+map[bool]string{true: " active", false: " retired"}[k.Active])
			}
		}
		if len(states) != 2 || states[0] != rotated.KeyID+" active" || states[1] != sig.KeyID+" retired" {
			t.Fatalf("the bureau's keys %v", states)
		}
	})
}

func okJSON(t *testing.T, r *response, v any) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	r.decode(v)
}
