package casework

// Cases that cross platforms (上报件 across deployments, issue 14 item 3):
// a county's 上报件 sent to the city platform, decided there by the city's
// staff on their own instance, and the decision applied back to the same
// case at the county (实施方案 §2(1): 市县两级 "统一申报、统一受理、统一
// 反馈"; attachment 2 (5)3: 上报件 — "申请人不需重复提交材料"). casework
// decides what happens to the cases at both ends; a Forwarder
// (internal/forward) carries them over the exchange. Without one, or
// without an upper platform registered, an 上报件 goes to the city centre
// in this database as before.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"zwfw"
	"zwfw/internal/audit"
	"zwfw/internal/calendar"
	"zwfw/internal/casework/rollup"
	"zwfw/internal/catalog"
	"zwfw/internal/db"
	"zwfw/internal/pii"
)

// ChannelForwarded is the channel of a case opened for another platform's
// case (下级上报, or 上级转办 downwards): the applicant applied there.
const ChannelForwarded = "forwarded"

// Directions of a forwarded case.
const (
	ForwardOut = "out" // this platform's case, decided at the peer
	ForwardIn  = "in"  // opened here for the peer's case
)

// Peer is another platform as casework sees it.
type Peer struct {
	Code string `json:"code"` // 区划代码 of the platform
	Name string `json:"name"` // 安康市, 宁陕县
	Role string `json:"role"` // city or county
}

// Label names the platform with its level: 安康市（市平台）.
func (p *Peer) Label() string {
	if p.Role == "city" {
		return p.Name + "（市平台）"
	}
	return p.Name + "（县平台）"
}

// Forward is where a case crossed platforms.
type Forward struct {
	Direction    string          `json:"direction"`               // out or in
	PeerCode     string          `json:"peer_code"`               // the other platform
	PeerName     string          `json:"peer_name"`               // its label: 安康市（市平台）
	RemoteSerial string          `json:"remote_serial,omitempty"` // the case's serial there
	State        string          `json:"state"`                   // sent, received, decided
	Decision     *RemoteDecision `json:"decision,omitempty"`
}

// Waiting reports whether this platform's case waits for the peer's decision.
func (f *Forward) Waiting() bool {
	return f != nil && f.Direction == ForwardOut && f.State != "decided"
}

// RemoteCase is a case as it is sent to the platform that decides it: the
// body of a case.forward event. The applicant's identity travels because
// the deciding body needs it; the receiver stores it sealed.
type RemoteCase struct {
	Serial      string           `json:"serial"`    // at the sender
	ItemCode    string           `json:"item_code"` // 基本编码: the receiver's item with the same code
	ItemName    string           `json:"item_name"`
	ItemVersion int              `json:"item_version"`
	Kind        string           `json:"kind"`
	OrgCode     string           `json:"org_code"` // the centre that sends it
	OrgName     string           `json:"org_name"`
	DeptCode    string           `json:"dept_code"`
	DeptName    string           `json:"dept_name"`
	Channel     string           `json:"channel"`
	Applicant   Applicant        `json:"applicant"`
	Form        Form             `json:"form"`
	Materials   []RemoteMaterial `json:"materials"`
	Opinion     string           `json:"opinion"`      // the sender's, on forwarding
	ForwardedBy string           `json:"forwarded_by"` // who forwarded it
	SubmittedAt int64            `json:"submitted_at"` // unix millis
	AcceptedAt  int64            `json:"accepted_at"`
	Deadline    string           `json:"deadline,omitempty"`
}

// RemoteMaterial is one material of a forwarded case: described by its
// digest, with its bytes (Data, base64 in JSON) when it is a file. The
// receiver refuses bytes that do not match the digest.
type RemoteMaterial struct {
	Name        string    `json:"name"`
	FileName    string    `json:"file_name,omitempty"`
	SHA256      string    `json:"sha256,omitempty"`
	Size        int64     `json:"size,omitempty"`
	ContentType string    `json:"content_type,omitempty"`
	HandedIn    string    `json:"handed_in,omitempty"`
	Provided    *Provided `json:"provided,omitempty"`
	Data        []byte    `json:"data,omitempty"`
}

// RemoteDecision is the decision on a forwarded case, as it goes back to
// the platform the case came from: the body of a case.decision event.
type RemoteDecision struct {
	Case      string  `json:"case"`   // the case at the platform it came from
	Serial    string  `json:"serial"` // the case at the deciding platform
	Approved  bool    `json:"approved"`
	Opinion   string  `json:"opinion"`
	Basis     string  `json:"basis,omitempty"`
	Decider   string  `json:"decider"` // the person who decided
	Org       string  `json:"org"`     // the deciding platform's centre
	Dept      string  `json:"dept"`    // the deciding department
	DecidedAt int64   `json:"decided_at"`
	Result    *Result `json:"result,omitempty"` // what the deciding platform issued
}

// Forwarder carries cases to and from other platforms (internal/forward,
// over internal/exchange). Each method runs in the case's transaction.
type Forwarder interface {
	// Upper is the platform that decides this platform's county-level
	// 上报件, or nil when they are decided in this database.
	Upper(ctx context.Context) (*Peer, error)
	// Send sends a forwarded case to p.
	Send(ctx context.Context, tx *db.Tx, p *Peer, rc *RemoteCase) error
	// Return sends the decision on a case received from f's peer back.
	Return(ctx context.Context, tx *db.Tx, f *Forward, d *RemoteDecision) error
	// Lower is the county platform that implements an item of the
	// department dept (a county's department in this platform's tree), or
	// nil: a case filed here for it goes down to that platform.
	Lower(ctx context.Context, dept string) (*Peer, error)
}

// SetForwarder connects the exchange of forwarded cases (nil: none).
func (s *Service) SetForwarder(f Forwarder) { s.fwd = f }

// downward reports whether c waits to be sent down to the county platform
// that implements its item (marked when it was filed: markDown).
func (c *Case) downward() bool {
	return c.Forward != nil && c.Forward.Direction == ForwardOut && c.Forward.State == "pending"
}

// below reports whether the department at deptPath lies in a region under
// the one of the centre at orgPath: a county's department, seen from the
// city's centre.
func below(orgPath, deptPath string) bool {
	region := parentPath(orgPath)
	return region != "" && strings.HasPrefix(deptPath, region) && parentPath(deptPath) != region
}

func parentPath(p string) string {
	t := strings.TrimSuffix(p, "/")
	i := strings.LastIndex(t, "/")
	if i < 0 {
		return ""
	}
	return t[:i+1]
}

// markDown marks, in the filing's transaction, a case filed here for an
// item a county platform implements: the window sends it down (ActForward)
// after accepting it, and that platform decides it (issue 14 item 3: cases
// filed at the city for a county item).
func (s *Service) markDown(ctx context.Context, tx *db.Tx, id int64, orgPath, deptPath, dept string, now time.Time) error {
	if s.fwd == nil || !below(orgPath, deptPath) {
		return nil
	}
	p, err := s.fwd.Lower(ctx, dept)
	if err != nil || p == nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO case_forwards (case_id, direction, peer_code, peer_name, state, created_at)
		VALUES (?, ?, ?, ?, 'pending', ?)`, id, ForwardOut, p.Code, p.Label(), db.Millis(now))
	return db.MapError(err)
}

// received reports whether c was opened here for another platform's case.
func (c *Case) received() bool { return c.Forward != nil && c.Forward.Direction == ForwardIn }

// errRemote refuses a local decision on a case another platform decides.
func errRemote(c *Case) error {
	return zwfw.Errorf(zwfw.EFORBIDDEN, "本件已上报%s，由上级平台作出决定，决定将自动回传本件", c.Forward.PeerName)
}

// remoteUpper is the upper platform an 上报件 at a county-level centre goes
// to, or nil: filed below the county (the county department decides), no
// Forwarder, or no upper platform registered.
func (a *act) remoteUpper() (*Peer, error) {
	if a.s.fwd == nil {
		return nil, nil
	}
	kind, err := a.regionKind()
	if err != nil || levelOf(kind) != "county" {
		return nil, err
	}
	return a.s.fwd.Upper(a.ctx)
}

// forwardRemote sends the case to platform p in the action's transaction
// — an 上报件 up to the city, a case for a county's item down to it: the
// case, its applicant, form and materials (with their bytes) go in one
// signed event; the case waits here for the decision.
func (a *act) forwardRemote(p *Peer) error {
	label := p.Label()
	down := a.c.downward()
	a.opinion = strings.TrimSpace(a.in.Opinion)
	switch {
	case a.opinion != "":
	case down:
		a.opinion = "转" + label + "办理"
	default:
		a.opinion = "材料已审核，报送" + label + "审批"
	}
	if down {
		if _, err := a.tx.Exec(a.ctx, "UPDATE case_forwards SET state = 'sent' WHERE case_id = ? AND state = 'pending'", a.c.ID); err != nil {
			return err
		}
	} else if _, err := a.tx.Exec(a.ctx, `INSERT INTO case_forwards (case_id, direction, peer_code, peer_name, state, created_at)
		VALUES (?, ?, ?, ?, 'sent', ?)`, a.c.ID, ForwardOut, p.Code, label, db.Millis(a.now)); err != nil {
		return db.MapError(err)
	}
	rc := &RemoteCase{Serial: a.c.Serial, ItemCode: a.c.ItemCode, ItemName: a.c.ItemName, ItemVersion: a.c.ItemVersion, Kind: a.c.Kind,
		OrgCode: a.c.OrgCode, OrgName: a.c.OrgName, DeptCode: a.c.DeptCode, DeptName: a.c.DeptName, Channel: a.c.Channel,
		Applicant: a.c.Applicant, Form: a.c.Form, Opinion: a.opinion, ForwardedBy: actorName(a.actor),
		SubmittedAt: db.Millis(a.c.SubmittedAt), AcceptedAt: db.Millis(a.c.AcceptedAt), Deadline: a.c.Deadline}
	for _, m := range a.c.Materials {
		rc.Materials = append(rc.Materials, RemoteMaterial{Name: m.Name, FileName: m.FileName, SHA256: m.SHA256, Size: m.Size,
			ContentType: m.ContentType, HandedIn: m.HandedIn, Provided: m.Provided})
	}
	if err := a.s.fwd.Send(a.ctx, a.tx, p, rc); err != nil {
		return err
	}
	a.open = &openInfo{name: "上级审批", person: label}
	a.tellSubj = "申请已上报"
	a.tellBody = fmt.Sprintf("您的“%s”（%s）已报送%s审批，您无须重复提交材料。", a.c.ItemName, a.c.Serial, label)
	if down {
		a.open.name, a.tellSubj = "实施机关办理", "申请已转办"
		a.tellBody = fmt.Sprintf("您的“%s”（%s）已转%s办理，您无须重复提交材料。", a.c.ItemName, a.c.Serial, label)
	}
	a.detail["handler"], a.detail["platform"] = p.Code, p.Code
	return nil
}

// Received reports whether the case serial of platform p was received here
// already.
func (s *Service) Received(ctx context.Context, tx *db.Tx, p *Peer, serial string) (bool, error) {
	var id int64
	err := tx.QueryRow(ctx, "SELECT case_id FROM case_forwards WHERE direction = 'in' AND peer_code = ? AND remote_serial = ?",
		p.Code, serial).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Receive opens, in tx, the case peer p forwarded to this platform: at
// centre (a service centre's code), for this platform's item with the same
// 基本编码, with the applicant as sent (sealed like every applicant's data)
// and the materials already stored here (files whose bytes matched their
// digests). The applicant submits nothing again and is not told twice: the
// platform they applied at tells them. A case already received is not
// opened again (nil, nil).
func (s *Service) Receive(ctx context.Context, tx *db.Tx, p *Peer, centre string, rc *RemoteCase, mats []Material) (*Case, error) {
	if seen, err := s.Received(ctx, tx, p, rc.Serial); err != nil || seen {
		return nil, err
	}
	if err := tx.ShareTree(ctx); err != nil {
		return nil, err
	}
	pl, err := s.place(ctx, centre)
	if err != nil {
		return nil, err
	}
	// This platform's item of the same 基本编码, as its centre sees it
	// (catalog.Resolve: the nearest implementation).
	it, err := s.catalog.Resolve(ctx, rc.ItemCode, pl.org.Path)
	if err != nil {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "本平台没有基本编码为 %s 的事项（%s），不能接收%s上报的办件 %s：%v", rc.ItemCode, rc.ItemName, p.Label(), rc.Serial, err)
	}
	dept, err := s.orgs.ByCode(ctx, it.Dept)
	if err != nil {
		return nil, err
	}
	app := rc.Applicant
	if app.Name == "" || app.Ident == "" {
		return nil, invalid("applicant", "上报的办件 %s 缺少申请人", rc.Serial)
	}
	// The case is decided here: an item that is an 上报件 here too would
	// send it further up, which no platform above the city receives.
	kind := it.Kind
	if kind == catalog.KindUpward {
		kind = catalog.KindPromised
	}
	now := s.now()
	serial, err := s.serial(ctx, tx, pl.region.Code, now)
	if err != nil {
		return nil, err
	}
	ring := pii.Of(tx)
	form, _ := json.Marshal(rc.Form)
	var id int64
	var orgPath, deptPath string
	err = tx.QueryRow(ctx, `INSERT INTO cases (serial, item_code, item_version, item_name, kind, org_id, org_path,
		dept_id, dept_path, channel, applicant_id, applicant_kind, applicant_name, applicant_ident, applicant_digest, applicant_phone, form,
		status, version, promised_days, window_id, query_code, day, submitted_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, (SELECT path FROM orgs WHERE id = ?), ?, (SELECT path FROM orgs WHERE id = ?), ?, NULL, ?, ?, ?, ?, ?, ?, ?, 1, ?, NULL, ?, ?, ?, ?)
		RETURNING id, org_path, dept_path`,
		serial, it.Code, it.Version, it.Name, kind, pl.org.ID, pl.org.ID, dept.ID, dept.ID, ChannelForwarded,
		app.Kind, app.Name, ring.Seal(pii.CaseIdent.Label(), app.Ident), ring.Digest(app.Ident), ring.Seal(pii.CasePhone.Label(), app.Phone),
		ring.Seal(pii.CaseForm.Label(), string(form)), Submitted, it.PromisedLimitDays,
		queryCode(), calendar.Date(now).Format(calendar.DateLayout), db.Millis(now), db.Millis(now)).Scan(&id, &orgPath, &deptPath)
	if err != nil {
		return nil, db.MapError(err)
	}
	for i, m := range mats {
		var fileID any
		if m.FileID != 0 {
			fileID = m.FileID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_materials (case_id, seq, name, file_id, sha256, file_name, size, content_type, handed_in, provided, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, i+1, m.Name, fileID, m.SHA256, m.FileName, m.Size, m.ContentType, m.HandedIn,
			m.providedJSON(), db.Millis(now)); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO case_forwards (case_id, direction, peer_code, peer_name, remote_serial, state, created_at)
		VALUES (?, ?, ?, ?, ?, 'received', ?)`, id, ForwardIn, p.Code, p.Label(), rc.Serial, db.Millis(now)); err != nil {
		return nil, db.MapError(err)
	}
	// The step is the sending centre's, as its person forwarded it.
	from := &zwfw.Actor{Kind: zwfw.KindSystem, Name: remoteActorName(p, rc.OrgName, rc.ForwardedBy)}
	opinion := fmt.Sprintf("%s上报，原办件编号 %s：%s", p.Label(), rc.Serial, rc.Opinion)
	if err := openStep(ctx, tx, id, 1, "下级上报", "", "", Submitted, from, now, opinion); err != nil {
		return nil, err
	}
	person, phone := responsible(it, 0, pl.org, false)
	if err := openNext(ctx, tx, id, 2, "受理", person, phone, firstLimit(it), now); err != nil {
		return nil, err
	}
	if err := audit.RecordFor(ctx, tx, pl.org.ID, now, from, "case.receive", "case:"+serial,
		map[string]any{"item": it.Code, "version": it.Version, "org": pl.org.Code, "from": p.Code, "origin": rc.Serial}); err != nil {
		return nil, err
	}
	if err := rollup.Move(ctx, tx, nil, &rollup.Case{Day: calendar.Date(now).Format(calendar.DateLayout), OrgID: pl.org.ID,
		DeptID: dept.ID, Kind: kind, Channel: ChannelForwarded, Status: Submitted, OrgPath: orgPath, DeptPath: deptPath}); err != nil {
		return nil, err
	}
	if err := s.keepParts(ctx, tx, id); err != nil {
		return nil, err
	}
	return s.load(ctx, tx, "c.id = ?", id)
}

// giveBack ends this platform's part of a received case once it is
// decided, in the decision's transaction: the case is completed here (the
// result issued by the deciding body; the fee, if any, is for the platform
// the applicant applied at) and the decision goes back to the case it came
// from, which completes it there.
func (s *Service) giveBack(ctx context.Context, tx *db.Tx, actor *zwfw.Actor, id int64, opinion, basis string, in ActionInput) error {
	c, err := s.load(ctx, tx, "c.id = ?", id)
	if err != nil {
		return err
	}
	if slices.Contains(machine[ActComplete].from, c.Status) && check(actor, c, ActComplete) == nil {
		if err := s.take(ctx, tx, actor, c, ActComplete, ActionInput{Result: in.Result}); err != nil {
			return err
		}
		if c, err = s.load(ctx, tx, "c.id = ?", id); err != nil {
			return err
		}
	}
	d := &RemoteDecision{Case: c.Forward.RemoteSerial, Serial: c.Serial, Approved: c.Decision == "approved", Opinion: opinion, Basis: basis,
		Decider: actorName(actor), Org: c.OrgName, Dept: c.DeptName, DecidedAt: db.Millis(c.DecidedAt), Result: c.Result}
	b, _ := json.Marshal(d)
	if _, err := tx.Exec(ctx, "UPDATE case_forwards SET state = 'decided', decision = ?, decided_at = ? WHERE case_id = ?",
		string(b), db.Millis(s.now()), id); err != nil {
		return err
	}
	return s.fwd.Return(ctx, tx, c.Forward, d)
}

// ApplyDecision applies, in tx, the decision peer p took on a case this
// platform forwarded to it: a step attributed to the deciding centre and
// person, through the machine's approve or deny, after which this
// platform's window completes the case as any decided one. Only the
// platform the case was sent to decides it; a decision is applied once
// (again: nothing); a case no longer waiting (withdrawn meanwhile) keeps
// the decision on record and is not changed.
func (s *Service) ApplyDecision(ctx context.Context, tx *db.Tx, p *Peer, d *RemoteDecision) error {
	c, err := s.load(ctx, tx, "c.serial = ?", d.Case)
	if err != nil {
		return err
	}
	if c.Forward == nil || c.Forward.Direction != ForwardOut || c.Forward.PeerCode != p.Code {
		return zwfw.Errorf(zwfw.EFORBIDDEN, "办件 %s 未上报%s，不能由其作出决定", d.Case, p.Label())
	}
	if c.Forward.State == "decided" {
		return nil
	}
	b, _ := json.Marshal(d)
	if _, err := tx.Exec(ctx, "UPDATE case_forwards SET state = 'decided', remote_serial = ?, decision = ?, decided_at = ? WHERE case_id = ?",
		d.Serial, string(b), db.Millis(s.now()), c.ID); err != nil {
		return err
	}
	action := ActDeny
	if d.Approved {
		action = ActApprove
	}
	if !slices.Contains(machine[action].from, c.Status) {
		// Recorded, not applied: the case's version moves so that no
		// reader keeps the waiting one.
		if _, err := tx.Exec(ctx, "UPDATE cases SET version = version + 1, updated_at = ? WHERE id = ?", db.Millis(s.now()), c.ID); err != nil {
			return err
		}
		return s.keepParts(ctx, tx, c.ID)
	}
	actor := &zwfw.Actor{Kind: zwfw.KindSystem, Name: remoteActorName(p, d.Org, d.Decider)}
	c.Forward.State = "decided" // the machine's guards see it decided
	c.Forward.Decision = d
	if err := check(actor, c, action); err != nil {
		return err
	}
	in := ActionInput{Opinion: d.Opinion, Basis: d.Basis, remote: d}
	if !d.Approved && strings.TrimSpace(in.Basis) == "" {
		in.Basis = "见" + d.Org + "决定"
	}
	return s.take(ctx, tx, actor, c, action, in)
}

// remoteActorName attributes a step to the other platform's centre and
// person: 安康市政务服务中心（市平台） 李明.
func remoteActorName(p *Peer, org, person string) string {
	level := "（县平台）"
	if p.Role == "city" {
		level = "（市平台）"
	}
	return strings.TrimSpace(org + level + " " + person)
}
