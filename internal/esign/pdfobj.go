package esign

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
)

// The little of PDF that signing needs: the cross-reference tables of a
// file written with them (fpdf's output, and what SignPDF appends), the
// trailer, and the objects it rewrites in its incremental update (the
// catalog, the first page) parsed and written back. Object streams and
// cross-reference streams (PDF 1.5) are not read: SignPDF refuses such a
// file with a clear error; VerifyPDF does not need any of this.

// pdfValue is a parsed PDF object: dict, array, ref or a raw token
// (number, name, string, boolean, null), kept as written.
type pdfValue interface{}

type pdfDict struct {
	keys []string // in order, without the slash
	vals map[string]pdfValue
}

func newDict() *pdfDict { return &pdfDict{vals: map[string]pdfValue{}} }

func (d *pdfDict) get(k string) pdfValue { return d.vals[k] }

func (d *pdfDict) set(k string, v pdfValue) {
	if _, ok := d.vals[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.vals[k] = v
}

type pdfArray []pdfValue

type pdfRef struct{ num, gen int }

// pdfRaw is a token written back as it was read (or as made).
type pdfRaw string

// pdfName makes a name token.
func pdfName(s string) pdfRaw { return pdfRaw("/" + s) }

var errPDF = errors.New("esign: not a PDF this signer can read")

type pdfParser struct {
	b   []byte
	pos int
}

func isWhite(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), c) >= 0
}

func (p *pdfParser) skip() {
	for p.pos < len(p.b) {
		c := p.b[p.pos]
		switch {
		case isWhite(c):
			p.pos++
		case c == '%':
			for p.pos < len(p.b) && p.b[p.pos] != '\n' && p.b[p.pos] != '\r' {
				p.pos++
			}
		default:
			return
		}
	}
}

// token reads a regular token (number, keyword, name body).
func (p *pdfParser) token() string {
	start := p.pos
	for p.pos < len(p.b) && !isWhite(p.b[p.pos]) && !isDelim(p.b[p.pos]) {
		p.pos++
	}
	return string(p.b[start:p.pos])
}

var intRE = regexp.MustCompile(`^[+-]?\d+$`)

// value parses one object at the current position.
func (p *pdfParser) value(depth int) (pdfValue, error) {
	if depth > 50 {
		return nil, errPDF
	}
	p.skip()
	if p.pos >= len(p.b) {
		return nil, errPDF
	}
	switch c := p.b[p.pos]; {
	case c == '<' && p.pos+1 < len(p.b) && p.b[p.pos+1] == '<':
		p.pos += 2
		d := newDict()
		for {
			p.skip()
			if p.pos+1 < len(p.b) && p.b[p.pos] == '>' && p.b[p.pos+1] == '>' {
				p.pos += 2
				return d, nil
			}
			if p.pos >= len(p.b) || p.b[p.pos] != '/' {
				return nil, errPDF
			}
			p.pos++
			k := p.token()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			d.set(k, v)
		}
	case c == '[':
		p.pos++
		var a pdfArray
		for {
			p.skip()
			if p.pos < len(p.b) && p.b[p.pos] == ']' {
				p.pos++
				return a, nil
			}
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
	case c == '(':
		start := p.pos
		p.pos++
		for n := 1; n > 0; p.pos++ {
			if p.pos >= len(p.b) {
				return nil, errPDF
			}
			switch p.b[p.pos] {
			case '\\':
				p.pos++
			case '(':
				n++
			case ')':
				n--
			}
		}
		return pdfRaw(p.b[start:p.pos]), nil
	case c == '<':
		end := bytes.IndexByte(p.b[p.pos:], '>')
		if end < 0 {
			return nil, errPDF
		}
		v := pdfRaw(p.b[p.pos : p.pos+end+1])
		p.pos += end + 1
		return v, nil
	case c == '/':
		p.pos++
		return pdfRaw("/" + p.token()), nil
	default:
		t := p.token()
		if t == "" {
			return nil, errPDF
		}
		// "n g R" is a reference.
		if intRE.MatchString(t) {
			save := p.pos
			p.skip()
			g := p.token()
			p.skip()
			if intRE.MatchString(g) && p.pos < len(p.b) && p.b[p.pos] == 'R' &&
				(p.pos+1 == len(p.b) || isWhite(p.b[p.pos+1]) || isDelim(p.b[p.pos+1])) {
				p.pos++
				n, _ := strconv.Atoi(t)
				gn, _ := strconv.Atoi(g)
				return pdfRef{n, gn}, nil
			}
			p.pos = save
		}
		return pdfRaw(t), nil
	}
}

// writeValue serialises v.
func writeValue(b *bytes.Buffer, v pdfValue) {
	switch v := v.(type) {
	case *pdfDict:
		b.WriteString("<<")
		for _, k := range v.keys {
			b.WriteString("/" + k + " ")
			writeValue(b, v.vals[k])
			b.WriteByte('\n')
		}
		b.WriteString(">>")
	case pdfArray:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeValue(b, e)
		}
		b.WriteByte(']')
	case pdfRef:
		fmt.Fprintf(b, "%d %d R", v.num, v.gen)
	case pdfRaw:
		b.WriteString(string(v))
	}
}

// pdfFile is a file's cross-reference information.
type pdfFile struct {
	b       []byte
	offsets map[int]int // object number → offset (newest section wins)
	trailer *pdfDict    // the newest trailer
	xref    int         // offset of the newest xref section
}

var startxrefRE = regexp.MustCompile(`startxref\s+(\d+)\s+%%EOF\s*$`)

// readPDF reads the xref tables and trailers of b, newest first along /Prev.
func readPDF(b []byte) (*pdfFile, error) {
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		return nil, errors.New("esign: not a PDF file")
	}
	m := startxrefRE.FindSubmatch(b[max(0, len(b)-1024):])
	if m == nil {
		return nil, fmt.Errorf("%w: no startxref at the end", errPDF)
	}
	start, _ := strconv.Atoi(string(m[1]))
	f := &pdfFile{b: b, offsets: map[int]int{}, xref: start}
	seen := map[int]bool{}
	for off := start; ; {
		if off <= 0 || off >= len(b) || seen[off] {
			return nil, fmt.Errorf("%w: bad xref offset %d", errPDF, off)
		}
		seen[off] = true
		tr, err := f.section(off)
		if err != nil {
			return nil, err
		}
		if f.trailer == nil {
			f.trailer = tr
		}
		prev, ok := tr.get("Prev").(pdfRaw)
		if !ok {
			break
		}
		off, err = strconv.Atoi(string(prev))
		if err != nil {
			return nil, errPDF
		}
	}
	if _, ok := f.trailer.get("Root").(pdfRef); !ok {
		return nil, fmt.Errorf("%w: no /Root", errPDF)
	}
	return f, nil
}

// section reads one classic xref section at off and its trailer; entries
// already known (from a newer section) are kept.
func (f *pdfFile) section(off int) (*pdfDict, error) {
	p := &pdfParser{b: f.b, pos: off}
	if p.token() != "xref" {
		return nil, fmt.Errorf("%w: cross-reference streams (PDF 1.5) are not supported", errPDF)
	}
	for {
		p.skip()
		t := p.token()
		if t == "trailer" {
			break
		}
		first, err1 := strconv.Atoi(t)
		p.skip()
		count, err2 := strconv.Atoi(p.token())
		if err1 != nil || err2 != nil || count < 0 || count > 1<<22 {
			return nil, fmt.Errorf("%w: bad xref subsection", errPDF)
		}
		for i := 0; i < count; i++ {
			p.skip()
			o, err := strconv.Atoi(p.token())
			p.skip()
			p.token() // generation
			p.skip()
			kind := p.token()
			if err != nil {
				return nil, fmt.Errorf("%w: bad xref entry", errPDF)
			}
			if _, known := f.offsets[first+i]; !known && kind == "n" {
				f.offsets[first+i] = o
			} else if !known && kind == "f" {
				f.offsets[first+i] = -1
			}
		}
	}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	d, ok := v.(*pdfDict)
	if !ok {
		return nil, errPDF
	}
	return d, nil
}

// object parses indirect object num.
func (f *pdfFile) object(num int) (pdfValue, error) {
	off, ok := f.offsets[num]
	if !ok || off < 0 || off >= len(f.b) {
		return nil, fmt.Errorf("%w: object %d not found", errPDF, num)
	}
	p := &pdfParser{b: f.b, pos: off}
	p.skip()
	if n, err := strconv.Atoi(p.token()); err != nil || n != num {
		return nil, fmt.Errorf("%w: object %d not at its offset", errPDF, num)
	}
	p.skip()
	p.token()
	p.skip()
	if p.token() != "obj" {
		return nil, fmt.Errorf("%w: object %d", errPDF, num)
	}
	return p.value(0)
}

// dict resolves v (a dict or a reference to one).
func (f *pdfFile) dict(v pdfValue) (*pdfDict, error) {
	if r, ok := v.(pdfRef); ok {
		var err error
		if v, err = f.object(r.num); err != nil {
			return nil, err
		}
	}
	d, ok := v.(*pdfDict)
	if !ok {
		return nil, fmt.Errorf("%w: expected a dictionary", errPDF)
	}
	return d, nil
}

// firstPage finds the first page's reference under the page tree root.
func (f *pdfFile) firstPage(pages pdfValue) (pdfRef, error) {
	for depth := 0; depth < 32; depth++ {
		r, ok := pages.(pdfRef)
		if !ok {
			return pdfRef{}, fmt.Errorf("%w: page tree", errPDF)
		}
		d, err := f.dict(r)
		if err != nil {
			return pdfRef{}, err
		}
		if t, _ := d.get("Type").(pdfRaw); t == "/Page" {
			return r, nil
		}
		kids, ok := d.get("Kids").(pdfArray)
		if !ok || len(kids) == 0 {
			return pdfRef{}, fmt.Errorf("%w: the document has no page", errPDF)
		}
		pages = kids[0]
	}
	return pdfRef{}, fmt.Errorf("%w: page tree too deep", errPDF)
}

// size is the trailer's /Size.
func (f *pdfFile) size() (int, error) {
	s, ok := f.trailer.get("Size").(pdfRaw)
	if !ok {
		return 0, fmt.Errorf("%w: no /Size", errPDF)
	}
	return strconv.Atoi(string(s))
}
