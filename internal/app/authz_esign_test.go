package app_test

import "sync"

// 电子签章's rows (issue 13 item 2). The published keys, their PEM public
// key and certificate are public, on the page and in the API. An
// organisation's key page and its rotation are for the 系统管理员 whose
// subtree holds it (esign.MayRotate): staff who are not administrators are
// refused, administrators out of reach find no such organisation.

var esignState = struct {
	sync.Mutex
	keys map[*fixtures]map[scope]string
}{keys: map[*fixtures]map[scope]string{}}

// esignKey is a key of the scope's centre, made once per fixtures (a
// rotation in a row does not remove it: retired keys stay published).
func (x *fixtures) esignKey(sc scope) string {
	esignState.Lock()
	defer esignState.Unlock()
	m := esignState.keys[x]
	if m == nil {
		m = map[scope]string{}
		esignState.keys[x] = m
	}
	if id, ok := m[sc]; ok {
		return id
	}
	o, err := x.e.App.Orgs.ByCode(x.ctx, x.centre[sc])
	if err != nil {
		x.t.Fatal(err)
	}
	k, err := x.e.App.Esign.EnsureKey(x.ctx, o.ID)
	if err != nil {
		x.t.Fatalf("esign key of %s: %v", sc, err)
	}
	m[sc] = k.KeyID
	return k.KeyID
}

func esignRows() []row {
	return []row{
		{route: "GET /esign/keys", on: allScopes, call: func(x *fixtures, sc scope) request {
			x.esignKey(sc)
			return webGet("/esign/keys")
		}, want: everyone(ok)},
		{route: "GET /esign/keys/{file}", variant: "pem", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/esign/keys/" + x.esignKey(sc) + ".pem")
		}, want: everyone(ok)},
		{route: "GET /esign/keys/{file}", variant: "crt", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/esign/keys/" + x.esignKey(sc) + ".crt")
		}, want: everyone(ok)},
		{route: "GET /api/v1/esign/keys", on: allScopes, call: func(x *fixtures, sc scope) request {
			x.esignKey(sc)
			return apiGet("/esign/keys")
		}, want: everyone(ok)},
		{route: "GET /api/v1/esign/keys/{keyid}", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/esign/keys/" + x.esignKey(sc))
		}, want: everyone(ok)},
		{route: "GET /admin/orgs/{code}/esign", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/admin/orgs/" + x.centre[sc] + "/esign")
		}, want: staffPage(refusedOut(scoped(admin, reachesCentre)))},
		{route: "POST /admin/orgs/{code}/esign/rotate", on: allScopes, call: func(x *fixtures, sc scope) request {
			return post("/admin/orgs/"+x.centre[sc]+"/esign/rotate", nil)
		}, want: staffPage(refusedOut(scoped(admin, reachesCentre)))},
		{route: "POST /api/v1/orgs/{code}/esign/rotate", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiSend("POST", "/orgs/"+x.centre[sc]+"/esign/rotate", nil)
		}, want: refusedOut(scoped(admin, reachesCentre))},
	}
}
