package disclosure

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"zwfw"
	"zwfw/internal/db"
	orgscope "zwfw/internal/scope"
)

const docCols = `d.id, d.kind, o.code, CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, d.org_path, d.state, d.version, d.pub_version, d.pub_at`

func scanDoc(row interface{ Scan(...any) error }) (*Doc, error) {
	var d Doc
	var pubAt int64
	if err := row.Scan(&d.ID, &d.Kind, &d.OrgCode, &d.OrgName, &d.OrgPath, &d.State, &d.Version, &d.PubVersion, &pubAt); err != nil {
		return nil, err
	}
	d.KindName, d.StateName = KindName(d.Kind), StateName(d.State)
	if d.PubVersion > 0 {
		d.PublishedAt = db.Time(pubAt)
	}
	return &d, nil
}

// load reads the document id with version n of its content (0: newest).
func (s *Service) load(ctx context.Context, id int64, n int) (*Doc, error) {
	q := s.db.Reader()
	d, err := scanDoc(q.QueryRow(ctx, `SELECT `+docCols+` FROM disclosure_docs d JOIN orgs o ON o.id = d.org_id WHERE d.id = ?`, id))
	if isNoRows(err) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "没有找到这份公开文件")
	}
	if err != nil {
		return nil, fmt.Errorf("disclosure: get %d: %w", id, err)
	}
	if n == 0 {
		n = d.Version
	}
	var raw string
	var author *int64
	if err := q.QueryRow(ctx, `SELECT doc, actor_id FROM disclosure_versions WHERE doc_id = ? AND version = ?`, id, n).Scan(&raw, &author); err != nil {
		return nil, fmt.Errorf("disclosure: version %d of %d: %w", n, id, err)
	}
	if err := json.Unmarshal([]byte(raw), &d.Content); err != nil {
		return nil, fmt.Errorf("disclosure: version %d of %d: %w", n, id, err)
	}
	d.Shown = n
	var newest *int64
	if n == d.Version {
		newest = author
	} else if err := q.QueryRow(ctx, `SELECT actor_id FROM disclosure_versions WHERE doc_id = ? AND version = ?`, id, d.Version).Scan(&newest); err != nil {
		return nil, fmt.Errorf("disclosure: newest version of %d: %w", id, err)
	}
	if newest != nil {
		d.AuthorID = *newest
	}
	if d.Interprets != 0 {
		refs, err := s.refs(ctx, "d.id = ? AND d.state = ?", d.Interprets, Published)
		if err != nil {
			return nil, err
		}
		if len(refs) == 1 {
			d.InterpretsRef = &refs[0]
		}
	}
	return d, nil
}

// Get is a document as the staff who manage it see it: the newest version,
// its events and versions, and what the reader may do.
func (s *Service) Get(ctx context.Context, a *zwfw.Actor, id int64) (*Doc, error) {
	if err := MayManage(a); err != nil {
		return nil, err
	}
	d, err := s.load(ctx, id, 0)
	if err != nil {
		return nil, err
	}
	if !a.InScope(d.OrgPath) {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "没有找到这份公开文件")
	}
	rows, err := s.db.Reader().Query(ctx, `SELECT version, action, reason, actor_name, at FROM disclosure_events WHERE doc_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("disclosure: events of %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.Version, &e.Action, &e.Reason, &e.ActorName, &at); err != nil {
			return nil, err
		}
		e.ActionName, e.At = ActionName(e.Action), db.Time(at)
		d.Events = append(d.Events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	vrows, err := s.db.Reader().Query(ctx, `SELECT version, actor_name, created_at FROM disclosure_versions WHERE doc_id = ? ORDER BY version DESC`, id)
	if err != nil {
		return nil, fmt.Errorf("disclosure: versions of %d: %w", id, err)
	}
	defer vrows.Close()
	for vrows.Next() {
		var v VersionInfo
		var at int64
		if err := vrows.Scan(&v.Version, &v.ActorName, &at); err != nil {
			return nil, err
		}
		v.At = db.Time(at)
		d.Versions = append(d.Versions, v)
	}
	d.Actions = Actions(a, d)
	return d, vrows.Err()
}

// GetVersion is version n of a document, for the staff who manage it.
func (s *Service) GetVersion(ctx context.Context, a *zwfw.Actor, id int64, n int) (*Doc, error) {
	d, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > d.Version {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "这份文件没有第 %d 版", n)
	}
	v, err := s.load(ctx, id, n)
	if err != nil {
		return nil, err
	}
	d.Content, d.Shown, d.InterpretsRef = v.Content, n, v.InterpretsRef
	return d, nil
}

// Public is a published document as anyone sees it: its published
// version, the policy it interprets and its interpretations. A draft or a
// withdrawn document is not found.
func (s *Service) Public(ctx context.Context, id int64) (*Doc, error) {
	var state string
	var pub int
	err := s.db.Reader().QueryRow(ctx, `SELECT state, pub_version FROM disclosure_docs WHERE id = ?`, id).Scan(&state, &pub)
	if err != nil || state != Published {
		return nil, zwfw.Errorf(zwfw.ENOTFOUND, "没有找到这份公开文件，它可能已被撤回")
	}
	d, err := s.load(ctx, id, pub)
	if err != nil {
		return nil, err
	}
	if d.Kind == KindPolicy || d.Kind == KindLaw {
		// Public, unscoped: interpretations published anywhere.
		if d.Interpretations, err = s.refs(ctx, "d.state = ? AND d.pub_interprets = ?", Published, id); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// PublicFile is the attachment sha of a published document.
func (s *Service) PublicFile(ctx context.Context, id int64, sha string) (*Attachment, error) {
	d, err := s.Public(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, a := range d.Attachments {
		if a.SHA256 == sha {
			return &a, nil
		}
	}
	return nil, zwfw.Errorf(zwfw.ENOTFOUND, "没有这个附件")
}

// refs lists published documents matching cond, newest first.
func (s *Service) refs(ctx context.Context, cond string, args ...any) ([]Ref, error) {
	return s.refsPage(ctx, cond, 200, 0, args...)
}

// refsPage is a page of refs.
func (s *Service) refsPage(ctx context.Context, cond string, limit, offset int, args ...any) ([]Ref, error) {
	rows, err := s.db.Reader().Query(ctx, `SELECT d.id, d.kind, d.pub_title, d.pub_number, d.pub_at FROM disclosure_docs d WHERE `+cond+
		fmt.Sprintf(` ORDER BY d.pub_at DESC, d.id DESC LIMIT %d OFFSET %d`, limit, offset), args...)
	if err != nil {
		return nil, fmt.Errorf("disclosure: list: %w", err)
	}
	defer rows.Close()
	var out []Ref
	for rows.Next() {
		var r Ref
		var at int64
		if err := rows.Scan(&r.ID, &r.Kind, &r.Title, &r.Number, &at); err != nil {
			return nil, err
		}
		r.KindName, r.PublishedAt = KindName(r.Kind), db.Time(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ForItem lists the published documents that cite the item code (its
// guide links to them): review rules, discretion standards, intermediary
// services and any policy that names the item.
func (s *Service) ForItem(ctx context.Context, code string) ([]Ref, error) {
	return s.refs(ctx, `d.state = ? AND d.pub_items LIKE ? ESCAPE '\'`, Published, "%,"+db.Like(code)+",%")
}

// Query filters the public search. Q: words that must each appear
// (anywhere in title, number, body or fields); Kind: one kind.
type Query struct {
	Q      string
	Kind   string
	Limit  int // default 20, at most 100
	Offset int
}

// Search lists published documents matching q, newest first, and how many
// match. Every published document is public (unscoped): the county
// publishes to everyone.
func (s *Service) Search(ctx context.Context, q Query) ([]Ref, int, error) {
	w := orgscope.Unscoped().And("d.state = ?", Published)
	if q.Kind != "" {
		if KindOf(q.Kind) == nil {
			return nil, 0, zwfw.Errorf(zwfw.EINVALID, "类别“%s”无效", q.Kind)
		}
		w.And("d.kind = ?", q.Kind)
	}
	for _, word := range strings.Fields(q.Q) {
		if n := Normalize(word); n != "" {
			w.And(`d.pub_search LIKE ? ESCAPE '\'`, "%"+db.Like(n)+"%")
		}
	}
	if q.Limit <= 0 {
		q.Limit = 20
	}
	q.Limit = min(q.Limit, 100)
	q.Offset = max(q.Offset, 0)
	where, args := w.SQL()
	var total int
	if err := s.db.Reader().QueryRow(ctx, `SELECT COUNT(*) FROM disclosure_docs d`+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("disclosure: search: %w", err)
	}
	conds, cargs := w.Conds()
	list, err := s.refsPage(ctx, strings.Join(conds, " AND "), q.Limit, q.Offset, cargs...)
	if err != nil {
		return nil, 0, err
	}
	if words := strings.Fields(q.Q); len(words) > 0 {
		err = s.snippets(ctx, list, words)
	}
	return list, total, err
}

// Summary is one document of the staff's list.
type Summary struct {
	ID        int64  `json:"id"`
	Kind      string `json:"kind"`
	KindName  string `json:"kind_name"`
	Title     string `json:"title"`
	OrgName   string `json:"org_name"`
	State     string `json:"state"`
	StateName string `json:"state_name"`
	Version   int    `json:"version"`
	Updated   string `json:"updated"`
}

// List is the staff's list of the documents of their subtree, newest
// first, optionally of one state.
func (s *Service) List(ctx context.Context, a *zwfw.Actor, state string) ([]Summary, error) {
	if err := MayManage(a); err != nil {
		return nil, err
	}
	w := scopeOf(a).Where("d.org_path")
	if state != "" {
		if StateName(state) == "" {
			return nil, zwfw.Errorf(zwfw.EINVALID, "状态“%s”无效", state)
		}
		w.And("d.state = ?", state)
	}
	where, args := w.SQL()
	rows, err := s.db.Reader().Query(ctx, `SELECT d.id, d.kind, v.doc, CASE WHEN o.full_name = '' THEN o.name ELSE o.full_name END, d.state, d.version, d.updated_at
		FROM disclosure_docs d JOIN orgs o ON o.id = d.org_id JOIN disclosure_versions v ON v.doc_id = d.id AND v.version = d.version`+where+
		` ORDER BY d.updated_at DESC, d.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("disclosure: list: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var x Summary
		var raw string
		var at int64
		if err := rows.Scan(&x.ID, &x.Kind, &raw, &x.OrgName, &x.State, &x.Version, &at); err != nil {
			return nil, err
		}
		var c Content
		_ = json.Unmarshal([]byte(raw), &c)
		x.Title, x.KindName, x.StateName = c.Title, KindName(x.Kind), StateName(x.State)
		x.Updated = db.Time(at).In(db.Zone).Format("2006-01-02 15:04")
		out = append(out, x)
	}
	return out, rows.Err()
}

// Snippet is the part of a document's text around a search's first word,
// the word itself marked.
type Snippet struct {
	Before string `json:"before"`
	Match  string `json:"match"`
	After  string `json:"after"`
}

// snippetOf finds the first of words in text as the search does (in the
// normalised form) and cuts the text around it; nil when none is found.
func snippetOf(text string, words []string) *Snippet {
	orig := []rune(text)
	var norm []rune
	var at []int // at[i] is the index in orig of norm[i]
	for i, r := range orig {
		n := []rune(Normalize(string(r)))
		for _, x := range n {
			norm = append(norm, x)
			at = append(at, i)
		}
	}
	ns := string(norm)
	for _, w := range words {
		nw := Normalize(w)
		if nw == "" {
			continue
		}
		b := strings.Index(ns, nw)
		if b < 0 {
			continue
		}
		start := utf8RuneCount(ns[:b])
		end := start + utf8RuneCount(nw) - 1
		from, to := at[start], at[end]+1
		lo, hi := max(from-30, 0), min(to+60, len(orig))
		s := &Snippet{Before: flat(string(orig[lo:from])), Match: string(orig[from:to]), After: flat(string(orig[to:hi]))}
		if lo > 0 {
			s.Before = "…" + s.Before
		}
		if hi < len(orig) {
			s.After += "…"
		}
		return s
	}
	return nil
}

func utf8RuneCount(s string) int { return len([]rune(s)) }

// flat puts a piece of text on one line.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// snippets fills in the snippet of each published document found by
// words, from its published version's title, body and fields.
func (s *Service) snippets(ctx context.Context, refs []Ref, words []string) error {
	for i := range refs {
		var raw string
		err := s.db.Reader().QueryRow(ctx, `SELECT v.doc FROM disclosure_versions v JOIN disclosure_docs d ON d.id = v.doc_id AND v.version = d.pub_version
			WHERE d.id = ?`, refs[i].ID).Scan(&raw)
		if err != nil {
			return fmt.Errorf("disclosure: snippet of %d: %w", refs[i].ID, err)
		}
		var c Content
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return err
		}
		text := c.Body
		for _, v := range c.Fields {
			text += "\n" + v
		}
		refs[i].Snippet = snippetOf(text, words)
	}
	return nil
}
