package catalog

// Search that understands residents (issue 12 item 1). The plan asks for a
// hall where people find "办事指南" without knowing the government's names
// for things (§2(4) 网上办事大厅, 一次告知): a resident types 低保, 开饭店,
// dibao or a phrase remembered from the middle of a long name, not
// 城乡居民最低生活保障（审核确认）.
//
// Matching and ranking happen here, in Go, over an index of each item's
// current version: the same code gives the same results on SQLite and
// PostgreSQL. The index is cached per item and keyed by the item's version
// (every write bumps it, store and create run in the write's transaction),
// and each search first reads the (code, version) of the candidates from the
// database, so a change made by another process is seen by the next search.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"
)

// Field weights: a match in the name ranks above one in a 俗称, which ranks
// above the conditions, the materials and the department.
const (
	wDept = iota + 1
	wMaterials
	wConditions
	wAlias
	wName
)

// Match qualities.
const (
	qInner  = 1 // the term occurs inside
	qPrefix = 2 // the text starts with the term
	qExact  = 3 // the text is the term
)

// phrase is a name or a 俗称 prepared for matching.
type phrase struct {
	text     string // lower case
	bare     string // without a bracketed tail: 城乡居民最低生活保障
	py       string // full pinyin, no separators: chengxiangjumin…
	starts   []int  // byte offsets in py where a syllable starts
	initials string // first letters: cxjmzdshbz
}

func newPhrase(s string) phrase {
	p := phrase{text: strings.ToLower(strings.TrimSpace(s))}
	p.bare = p.text
	if i := strings.IndexAny(p.bare, "（("); i > 0 {
		p.bare = p.bare[:i]
	}
	var py, ini strings.Builder
	for _, syl := range pinyin.LazyPinyin(p.text, pinyinArgs) {
		syl = strings.Map(keepAlnum, syl)
		if syl == "" {
			continue
		}
		p.starts = append(p.starts, py.Len())
		py.WriteString(syl)
		r, _ := utf8.DecodeRuneInString(syl)
		ini.WriteRune(r)
	}
	p.py, p.initials = py.String(), ini.String()
	return p
}

func keepAlnum(r rune) rune {
	if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
		return unicode.ToLower(r)
	}
	if unicode.Is(unicode.Han, r) {
		return r
	}
	return -1
}

// chinese reports whether a term is matched as Chinese text rather than as
// pinyin or a code.
func chinese(t string) bool {
	for _, r := range t {
		if r >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// matchText is the quality of Chinese term t in p.
func (p *phrase) matchText(t string) int {
	switch {
	case p.text == t || p.bare == t:
		return qExact
	case strings.HasPrefix(p.text, t):
		return qPrefix
	case strings.Contains(p.text, t):
		return qInner
	}
	return 0
}

// matchPinyin is the quality of a pinyin term t (dibao, dib, spjy) in p: the
// whole pinyin or initials, a prefix of them, or a run starting at a
// syllable (so that bao finds 低保 but ao does not).
func (p *phrase) matchPinyin(t string) int {
	switch {
	case p.py == "":
		return 0
	case p.py == t || p.initials == t:
		return qExact
	case strings.HasPrefix(p.py, t) || strings.HasPrefix(p.initials, t):
		return qPrefix
	case len(t) < 2:
		return 0
	case strings.Contains(p.initials, t):
		return qInner
	}
	for _, s := range p.starts[1:] {
		if strings.HasPrefix(p.py[s:], t) {
			return qInner
		}
	}
	return 0
}

// entry is one item version prepared for search.
type entry struct {
	item       *Item
	version    int
	deptName   string
	deptSort   int
	name       phrase
	aliases    []phrase
	conditions string
	materials  string
	dept       string
}

func newEntry(it *Item, deptName string, deptSort int) *entry {
	e := &entry{item: it, version: it.Version, deptName: deptName, deptSort: deptSort, name: newPhrase(it.Name),
		conditions: strings.ToLower(it.Conditions), dept: strings.ToLower(deptName)}
	for _, a := range it.Aliases {
		e.aliases = append(e.aliases, newPhrase(a))
	}
	names := make([]string, len(it.Materials))
	for i, m := range it.Materials {
		names[i] = m.Name
	}
	e.materials = strings.ToLower(strings.Join(names, "\n"))
	return e
}

func score(quality, weight int) int { return quality*100 + weight*10 }

// termScore is how well the entry matches one term; 0 is not at all.
func (e *entry) termScore(t string) int {
	best := 0
	keep := func(s int) {
		if s > best {
			best = s
		}
	}
	if !chinese(t) {
		if c := strings.ToLower(e.item.Code); c == t || strings.ToLower(e.item.ImplCode) == t {
			keep(score(qExact, wName))
		} else if len(t) >= 4 && strings.HasPrefix(c, t) {
			keep(score(qPrefix, wName))
		}
		if q := e.name.matchPinyin(t); q > 0 {
			keep(score(q, wName))
		}
		for i := range e.aliases {
			if q := e.aliases[i].matchPinyin(t); q > 0 {
				keep(score(q, wAlias))
			}
		}
	}
	if q := e.name.matchText(t); q > 0 {
		keep(score(q, wName))
	}
	for i := range e.aliases {
		if q := e.aliases[i].matchText(t); q > 0 {
			keep(score(q, wAlias))
		}
	}
	if best > 0 {
		return best
	}
	for _, f := range []struct {
		text   string
		weight int
	}{{e.conditions, wConditions}, {e.materials, wMaterials}, {e.dept, wDept}} {
		if strings.Contains(f.text, t) {
			return score(qInner, f.weight)
		}
	}
	if chinese(t) {
		return e.bigramScore(t)
	}
	return 0
}

// bigramScore matches a Chinese phrase whose words are not all adjacent in
// the text (残疾人补贴 in 困难残疾人生活补贴…): most of its two-character
// pieces must occur in one field. It ranks below every whole match.
func (e *entry) bigramScore(t string) int {
	grams := bigrams(t)
	if len(grams) < 2 {
		return 0
	}
	best := 0
	try := func(text string, weight int) {
		n := 0
		for _, g := range grams {
			if strings.Contains(text, g) {
				n++
			}
		}
		if n >= 2 && n*10 >= len(grams)*6 {
			if s := 10 + 40*n/len(grams) + weight; s > best {
				best = s
			}
		}
	}
	try(e.name.text, wName)
	for _, a := range e.aliases {
		try(a.text, wAlias)
	}
	try(e.conditions, wConditions)
	try(e.materials, wMaterials)
	return best
}

// bigrams are the distinct two-character pieces of t that are not filler
// (办理, 申请 …).
func bigrams(t string) []string {
	r := []rune(t)
	var out []string
	for i := 0; i+2 <= len(r); i++ {
		g := string(r[i : i+2])
		if !stopWords[g] && !slices.Contains(out, g) {
			out = append(out, g)
		}
	}
	return out
}

// stopWords say nothing about the matter: 我要办低保 is a search for 低保.
var stopWords = map[string]bool{"我要": true, "我想": true, "想要": true, "怎么": true, "如何": true, "怎样": true, "哪里": true,
	"在哪": true, "去哪": true, "办理": true, "申请": true, "需要": true, "什么": true, "手续": true, "要办": true, "流程": true,
	"我要办": true, "我想办": true, "想办": true, "去办": true, "怎么办": true, "办个": true}

var stopList = func() []string {
	var l []string
	for w := range stopWords {
		l = append(l, w)
	}
	// Longest first: 我要办 before 我要.
	slices.SortFunc(l, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return l
}()

// Terms splits a query into the terms that must all match: lower case,
// split at spaces and punctuation, filler words removed (unless nothing
// else is left).
func Terms(q string) []string {
	q = strings.Map(halfWidth, q)
	raw := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) })
	var out []string
	for _, t := range raw {
		s := t
		if chinese(s) {
			for _, w := range stopList {
				s = strings.ReplaceAll(s, w, " ")
			}
		}
		out = append(out, strings.Fields(s)...)
	}
	if len(out) == 0 {
		return raw
	}
	return out
}

// halfWidth folds full-width letters and digits (ｄｉｂａｏ, typed with a
// Chinese input method in full-width mode) to ASCII.
func halfWidth(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - 0xFEE0
	}
	return r
}

// rank scores the entries against the terms and returns those matching
// every term, best first (then in catalogue order).
func rank(entries []*entry, terms []string) []*entry {
	type hit struct {
		e     *entry
		score int
	}
	var hits []hit
	for _, e := range entries {
		total := 0
		for _, t := range terms {
			s := e.termScore(t)
			if s == 0 {
				total = 0
				break
			}
			total += s
		}
		if total > 0 {
			hits = append(hits, hit{e, total})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.score != b.score {
			return b.score - a.score
		}
		if a.e.deptSort != b.e.deptSort {
			return a.e.deptSort - b.e.deptSort
		}
		if c := strings.Compare(a.e.item.Dept, b.e.item.Dept); c != 0 {
			return c
		}
		return strings.Compare(a.e.item.Code, b.e.item.Code)
	})
	out := make([]*entry, len(hits))
	for i, h := range hits {
		out[i] = h.e
	}
	return out
}

// searchIndex caches entries by 实施编码 (a 基本编码 may have several
// implementations, resolve.go); an entry is valid while the
// item's version and department name are unchanged.
type searchIndex struct {
	mu      sync.Mutex
	entries map[string]*entry
}

// entries returns the index entries of the items passing the filters of q
// (its words are not looked at), reading again every item whose version
// changed since it was cached.
func (s *Service) entries(ctx context.Context, q Query) ([]*entry, error) {
	where, args, err := q.filters()
	if err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT i.impl_code, i.version, CASE WHEN d.full_name = '' THEN d.name ELSE d.full_name END, d.sort
		FROM items i JOIN orgs d ON d.id = i.dept_id WHERE `+where+` ORDER BY d.sort, d.code, i.code, i.impl_code`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: search index: %w", err)
	}
	type row struct {
		code, dept string
		version    int
		sort       int
	}
	var list []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.code, &r.version, &r.dept, &r.sort); err != nil {
			rows.Close()
			return nil, err
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*entry, len(list))
	var stale []int
	s.idx.mu.Lock()
	for i, r := range list {
		if e := s.idx.entries[r.code]; e != nil && e.version == r.version && e.deptName == r.dept && e.deptSort == r.sort {
			out[i] = e
		} else {
			stale = append(stale, i)
		}
	}
	s.idx.mu.Unlock()
	for len(stale) > 0 {
		chunk := stale[:min(len(stale), 200)]
		stale = stale[len(chunk):]
		codes := make([]any, len(chunk))
		at := map[string]int{}
		for j, i := range chunk {
			codes[j] = list[i].code
			at[list[i].code] = i
		}
		docs, err := s.db.Query(ctx, "SELECT impl_code, doc FROM items WHERE impl_code IN (?"+strings.Repeat(", ?", len(codes)-1)+")", codes...)
		if err != nil {
			return nil, fmt.Errorf("catalog: search index: %w", err)
		}
		for docs.Next() {
			var code, doc string
			if err := docs.Scan(&code, &doc); err != nil {
				docs.Close()
				return nil, err
			}
			var it Item
			if err := json.Unmarshal([]byte(doc), &it); err != nil {
				docs.Close()
				return nil, fmt.Errorf("catalog: decode %s: %w", code, err)
			}
			i := at[code]
			e := newEntry(&it, list[i].dept, list[i].sort)
			out[i] = e
			s.idx.mu.Lock()
			s.idx.entries[code] = e
			s.idx.mu.Unlock()
		}
		docs.Close()
		if err := docs.Err(); err != nil {
			return nil, err
		}
	}
	return slices.DeleteFunc(out, func(e *entry) bool { return e == nil }), nil
}

// search answers a Query with words: every item passing the filters is
// scored and the matches are returned best first.
func (s *Service) search(ctx context.Context, q Query) ([]*Item, int, error) {
	all, err := s.entries(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	hits := rank(all, Terms(q.Q))
	out := []*Item{}
	for _, e := range hits[min(q.Offset, len(hits)):min(q.Offset+q.Limit, len(hits))] {
		c := *e.item // the cached entry stays as it was read
		out = append(out, &c)
	}
	return out, len(hits), nil
}
