package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zwfw/internal/db/dbtest"
	"zwfw/internal/seed"
)

// TestForwardedCaseTwoProcesses: a county and its city as two real zwfw
// serve processes on loopback — the county on SQLite, the city on
// PostgreSQL — registered to each other with zwfw exchange: an 上报件 the
// county's window forwards is delivered by the county's sender to the city,
// accepted, reviewed and decided there by the city's staff, and the
// decision the city's sender delivers back is applied to the same case,
// which the county's window then completes with the city's result number
// (issue 14, Done when line 2's last clause).
func TestForwardedCaseTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two servers (-short)")
	}
	dbtest.OnlyDialect(t, "postgres")
	if err := dbtest.PostgresReachable(); err != nil {
		dbtest.SkipOrFail(t, "PostgreSQL not reachable: "+err.Error())
	}
	bin := buildZwfw(t)
	county := newServer(t, bin, nil)
	city := newServer(t, bin, map[string]string{"ZWFW_ROLE": "city", "ZWFW_DATABASE_URL": dbtest.PostgresSchemaURL(t)})
	// Registration, as the operators do it: each platform's identity
	// handed to the other.
	countyPEM, cityPEM := identity(t, county), identity(t, city)
	cli(t, county, "exchange", "peer", "add", "--code", "610900", "--name", "安康市", "--role", "city", "--url", city.base(), "--key-file", cityPEM)
	cli(t, city, "exchange", "peer", "add", "--code", "610923", "--name", "宁陕县", "--role", "county", "--url", county.base(), "--key-file", countyPEM)
	county.start()
	city.start()

	cw := &apiClient{t: t, base: county.base()}
	cw.login("county.window", seed.DemoPassword)
	var c struct {
		Serial  string
		Status  string
		Version int
		Forward *struct {
			State    string
			PeerName string `json:"peer_name"`
			Decision *struct{ Approved bool }
		}
		Result *struct{ Number string }
	}
	cw.call("POST", "/api/v1/cases", map[string]any{"item_code": "010700100000", "org_code": "610923C", "accept": true,
		"applicant": map[string]string{"name": "宁陕县秦岭天然饮用水有限公司", "credit_code": "91610923MA70XJ1K16", "phone": "13709151234"},
		"form":      map[string]string{"description": "年取水 12 万立方米"},
		"materials": windowMaterials(cw, "010700100000")}, http.StatusCreated, &c)
	cw.call("POST", "/api/v1/cases/"+c.Serial+"/actions/forward", map[string]any{"opinion": "取水量超过县级审批权限，报安康市审批"}, http.StatusOK, &c)
	if c.Forward == nil || c.Forward.State != "sent" {
		t.Fatalf("forwarded: %+v", c.Forward)
	}

	// The city (ZWFW_DEMO): its seeded window, which receives the counties'
	// 上报件, and the reviewer of its own 水利局 (seed.CityDemoAccounts), whose
	// 取水许可 the forwarded case is handled under.
	yw := &apiClient{t: t, base: city.base()}
	yw.login("city.window", seed.DemoPassword)
	var list struct {
		Items []struct{ Serial, Channel string }
	}
	var cs string
	for deadline := time.Now().Add(60 * time.Second); cs == "" && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		yw.call("GET", "/api/v1/cases?status=submitted", nil, http.StatusOK, &list)
		for _, x := range list.Items {
			if x.Channel == "forwarded" {
				cs = x.Serial
			}
		}
	}
	if cs == "" {
		t.Fatalf("the forwarded case never reached the city (the city's window sees %+v)\ncounty: %s\ncity: %s", list.Items,
			cli(t, county, "exchange", "peer", "list"), cli(t, city, "exchange", "peer", "list"))
	}
	yw.call("POST", "/api/v1/cases/"+cs+"/actions/accept", map[string]any{}, http.StatusOK, nil)
	yr := &apiClient{t: t, base: city.base()}
	yr.login("city.reviewer", seed.DemoPassword)
	var decided struct {
		Status string
		Result *struct{ Number string }
	}
	yr.call("POST", "/api/v1/cases/"+cs+"/actions/approve", map[string]any{"opinion": "同意取水，年取水量 12 万立方米"}, http.StatusOK, &decided)
	if decided.Status != "completed" || decided.Result == nil {
		t.Fatalf("the city's case after its decision: %+v", decided)
	}

	// Back at the county: the decision arrives by itself.
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		cw.call("GET", "/api/v1/cases/"+c.Serial, nil, http.StatusOK, &c)
		if c.Status == "approved" {
			break
		}
	}
	if c.Status != "approved" || c.Forward.Decision == nil || !c.Forward.Decision.Approved {
		t.Fatalf("the decision never reached the county: %s %+v\ncity:\n%s", c.Status, c.Forward, city.logTail())
	}
	cw.call("POST", "/api/v1/cases/"+c.Serial+"/actions/complete", map[string]any{"version": c.Version}, http.StatusOK, &c)
	if c.Status != "completed" || c.Result == nil || c.Result.Number != decided.Result.Number {
		t.Fatalf("completed at the county: %s %+v, the city issued %+v", c.Status, c.Result, decided.Result)
	}
}

// identity runs zwfw exchange identity on s's data and database and keeps
// the PEM it prints in a file.
func identity(t *testing.T, s *server) string {
	t.Helper()
	out := cli(t, s, "exchange", "identity")
	i := strings.Index(out, "-----BEGIN")
	if i < 0 {
		t.Fatalf("zwfw exchange identity printed no key:\n%s", out)
	}
	f := filepath.Join(t.TempDir(), "peer.pem")
	if err := os.WriteFile(f, []byte(out[i:]), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// cli runs a zwfw command with s's settings and returns its output.
func cli(t *testing.T, s *server, args ...string) string {
	t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("zwfw %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// apiClient calls one server's API with a bearer token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (c *apiClient) login(user, password string) {
	c.t.Helper()
	var out struct{ Token string }
	c.call("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": password}, http.StatusOK, &out)
	c.token = out.Token
}

// firstLogin signs in with the password an administrator set and changes
// it, as the platform asks before anything else.
func (c *apiClient) firstLogin(user, password string) {
	c.t.Helper()
	c.login(user, password)
	c.call("POST", "/api/v1/auth/password", map[string]string{"old_password": password, "new_password": password + "y"}, http.StatusNoContent, nil)
}

func (c *apiClient) call(method, path string, body any, want int, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// windowMaterials are the item's required materials, handed in at the window.
func windowMaterials(c *apiClient, item string) []map[string]string {
	c.t.Helper()
	var it struct {
		Materials []struct{ Name, Required string }
	}
	c.call("GET", "/api/v1/items/"+item, nil, http.StatusOK, &it)
	var out []map[string]string
	for _, m := range it.Materials {
		if m.Required == "required" {
			out = append(out, map[string]string{"name": m.Name, "handed_in": "window"})
		}
	}
	if len(out) == 0 {
		panic(fmt.Sprintf("item %s has no required materials", item))
	}
	return out
}
