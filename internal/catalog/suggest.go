package catalog

import (
	"context"
	"slices"
	"strings"
)

// Suggestion is an answer to "您是不是要找：…" when a search found nothing:
// the name or 俗称 the query most resembles, and its item.
type Suggestion struct {
	Text     string `json:"text"`      // the words to search for instead
	Code     string `json:"code"`      // the item
	Name     string `json:"name"`      // its name
	DeptName string `json:"dept_name"` // its department
	distance int
	weight   int
}

// Suggest proposes, for a query that found nothing, the active items whose
// name or 俗称 is within a few typing errors of it: by characters (营业只照),
// by pinyin (底保 sounds like 低保: a homophone is the commonest typo of a
// pinyin input method), or by pinyin letters (yingyezhizao). Failing that,
// items sharing two-character pieces with the query. At most six.
func (s *Service) Suggest(ctx context.Context, q string) ([]Suggestion, error) {
	terms := Terms(q)
	if len(terms) == 0 {
		return nil, nil
	}
	t := []rune(strings.Join(terms, ""))
	if len(t) > 50 {
		return nil, nil // not a typo of a name
	}
	all, err := s.entries(ctx, Query{})
	if err != nil {
		return nil, err
	}
	return suggest(all, string(t)), nil
}

func suggest(all []*entry, t string) []Suggestion {
	best := map[string]Suggestion{}
	tp := newPhrase(t)
	consider := func(e *entry, p *phrase, weight int) {
		d, ok := resembles(t, &tp, p)
		if !ok {
			return
		}
		s := Suggestion{Text: p.text, Code: e.item.Code, Name: e.item.Name, DeptName: e.deptName, distance: d, weight: weight}
		if p.bare != p.text && weight == wName {
			s.Text = p.bare
		}
		if cur, ok := best[e.item.Code]; !ok || d < cur.distance || d == cur.distance && weight > cur.weight {
			best[e.item.Code] = s
		}
	}
	for _, e := range all {
		consider(e, &e.name, wName)
		for i := range e.aliases {
			consider(e, &e.aliases[i], wAlias)
		}
	}
	out := make([]Suggestion, 0, len(best))
	for _, s := range best {
		out = append(out, s)
	}
	if len(out) == 0 && chinese(t) {
		// Nothing within a typo or two: items sharing a word.
		for _, e := range all {
			n := 0
			for _, g := range bigrams(t) {
				if strings.Contains(e.name.text, g) || slices.ContainsFunc(e.aliases, func(a phrase) bool { return strings.Contains(a.text, g) }) {
					n++
				}
			}
			if n > 0 {
				out = append(out, Suggestion{Text: e.name.bare, Code: e.item.Code, Name: e.item.Name, DeptName: e.deptName, distance: 100 - n})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		if a.distance != b.distance {
			return a.distance - b.distance
		}
		if a.weight != b.weight {
			return b.weight - a.weight
		}
		return strings.Compare(a.Code, b.Code)
	})
	return out[:min(len(out), 6)]
}

// resembles reports whether query t is within a few typing errors of p, and
// how far: by characters against the phrase or any part of it, by pinyin
// against the phrase's pinyin, by letters against its pinyin or initials.
func resembles(t string, tp, p *phrase) (int, bool) {
	if chinese(t) {
		tr := []rune(t)
		n := len(tr)
		if n < 2 {
			return 0, false
		}
		// A character or two wrong, anywhere in the phrase (最底生活保障).
		if d := infixDistance(tr, []rune(p.text)); d <= n/4 && d < n {
			return d * 2, true
		}
		// Sounds the same or nearly (底保 → 低保): the whole phrase.
		if d := distance([]rune(tp.py), []rune(p.py)); d <= len(tp.py)/6 {
			return d*2 + 1, true
		}
		return 0, false
	}
	if len(t) < 3 {
		return 0, false
	}
	tol := max(1, len(t)/5)
	d := min(prefixDistance([]rune(t), []rune(p.py)), prefixDistance([]rune(t), []rune(p.initials)))
	if len(t) < 5 {
		// A short run of letters: compare with whole initials or pinyin only.
		d = min(distance([]rune(t), []rune(p.py)), distance([]rune(t), []rune(p.initials)))
	}
	if d <= tol {
		return d * 2, true
	}
	return 0, false
}

// distance is the Levenshtein distance of a and b.
func distance(a, b []rune) int { return editDistance(a, b, false, false) }

// prefixDistance is the least distance of a to a prefix of b.
func prefixDistance(a, b []rune) int { return editDistance(a, b, false, true) }

// infixDistance is the least distance of a to any run of b.
func infixDistance(a, b []rune) int { return editDistance(a, b, true, true) }

// editDistance computes the Levenshtein distance of a to b, where b's
// leading (freeStart) and trailing (freeEnd) characters may be skipped free.
func editDistance(a, b []rune, freeStart, freeEnd bool) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		if !freeStart {
			prev[j] = j
		}
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	if !freeEnd {
		return prev[len(b)]
	}
	return slices.Min(prev)
}
