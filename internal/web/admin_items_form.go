package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"zwfw/internal/catalog"
	"zwfw/internal/files"
	"zwfw/internal/org"
)

// The item form. Its inputs are named by the elements' field paths
// (name, materials[2].form …) — the same paths the catalog's validation
// errors carry, so each error lands beside its input.

type attachmentField struct {
	Key   string // blank_form, sample, guide_file
	Label string
	A     *catalog.Attachment
	MAC   string
}

type materialRow struct {
	catalog.Material
	Files []attachmentField
}

// problem is one line of the error summary, linking to its input.
type problem struct {
	ID      string
	Message string
}

type itemForm struct {
	base
	IsNew     bool
	Code      string // the item edited
	Item      *catalog.Item
	BaseVer   int
	Reason    string
	Errors    fieldErrors
	Problems  []problem
	Error     string
	Conflict  bool
	Raw       map[string]string // what was typed in number fields that did not parse
	Materials []materialRow
	Basis     []catalog.Basis
	Steps     []catalog.Step
	Fees      []catalog.Fee
	FAQ       []catalog.FAQ

	Depts       []*org.Org // departments the actor may put an item under
	AllDepts    []*org.Org
	Types       any
	Kinds       any
	Levels      any
	Audiences   any
	Forms       any
	Sources     any
	Necessities any
	ResultTypes any
	Depths      []int
	PThemes     []string
	EThemes     []string
	MaxUpload   string
}

// Num is the value of a number input: what was typed when it did not
// parse, else n.
func (f *itemForm) Num(field string, n int) string {
	if v, ok := f.Raw[field]; ok {
		return v
	}
	return strconv.Itoa(n)
}

// Yuan is the value of a fee amount input.
func (f *itemForm) Yuan(field string, cents int64) string {
	if v, ok := f.Raw[field]; ok {
		return v
	}
	if cents == 0 {
		return ""
	}
	return yuan(cents)
}

// Has reports whether list holds v (checkbox state).
func (f *itemForm) Has(list []string, v string) bool { return slices.Contains(list, v) }

// HasDepth reports whether the online depth d is ticked.
func (f *itemForm) HasDepth(d int) bool { return slices.Contains(f.Item.OnlineDepth, d) }

// Err returns the messages of field.
func (f *itemForm) Err(field string) []string { return f.Errors[field] }

// RowErr returns the messages of a whole row (materials[2]).
func (f *itemForm) RowErr(list string, i int) []string {
	return f.Errors[list+"["+strconv.Itoa(i)+"]"]
}

// Name is a row input's name.
func (f *itemForm) Name(list string, i int, field string) string { return fieldName(list, i, field) }

// ID is a row input's element id.
func (f *itemForm) ID(list string, i int, field string) string {
	return fieldID(fieldName(list, i, field))
}

func fieldName(list string, i int, field string) string {
	n := list + "[" + strconv.Itoa(i) + "]"
	if field != "" {
		n += "." + field
	}
	return n
}

var attachmentKeys = []struct{ Key, Label string }{{"blank_form", "空白表格"}, {"sample", "示例样表"}, {"guide_file", "填报须知"}}

func getAttachment(m *catalog.Material, key string) **catalog.Attachment {
	switch key {
	case "blank_form":
		return &m.BlankForm
	case "sample":
		return &m.Sample
	}
	return &m.GuideFile
}

// mac signs an attachment carried in hidden fields through a re-rendered
// form, so that an editor cannot point a material at some other stored
// file (an applicant's uploaded ID card, say) by editing the page: only
// files uploaded through this form, or already on the item, are accepted.
func (s *server) mac(csrf string, a *catalog.Attachment) string {
	m := hmac.New(sha256.New, s.key)
	fmt.Fprintf(m, "%s\x00%s\x00%d\x00%s\x00%s", csrf, a.SHA256, a.Size, a.ContentType, a.Name)
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// newItemForm prepares the form around it: the rows plus two empty rows of
// each kind, and the choices.
func (s *server) newItemForm(w http.ResponseWriter, r *http.Request, it *catalog.Item, title string) (*itemForm, error) {
	f := &itemForm{Item: it, Errors: fieldErrors{}, Raw: map[string]string{},
		Types: catalog.Types, Kinds: catalog.Kinds, Levels: catalog.Levels, Audiences: catalog.Audiences,
		Forms: catalog.MaterialForms, Sources: catalog.MaterialSources, Necessities: catalog.Necessities, ResultTypes: catalog.ResultTypes,
		Depths: []int{1, 2, 3, 4, 5, 6, 7, 8}, PThemes: catalog.PersonThemes, EThemes: catalog.EnterpriseThemes,
		MaxUpload: files.HumanSize(s.maxUpload())}
	f.base = s.base(w, r, title)
	f.Nav = "items-admin"
	x, err := s.orgIndex(r.Context())
	if err != nil {
		return nil, err
	}
	a := actor(r)
	for _, o := range x.all {
		if o.Kind != org.KindDept {
			continue
		}
		f.AllDepts = append(f.AllDepts, o)
		if a.InScope(o.Path) || o.Code == it.Dept {
			f.Depts = append(f.Depts, o)
		}
	}
	blank := catalog.Material{Form: "original", Source: "applicant", Required: "required", Copies: 1}
	for _, m := range append(slices.Clone(it.Materials), blank, blank) {
		row := materialRow{Material: m}
		for _, k := range attachmentKeys {
			af := attachmentField{Key: k.Key, Label: k.Label, A: *getAttachment(&m, k.Key)}
			if af.A != nil {
				af.MAC = s.mac(f.CSRF, af.A)
			}
			row.Files = append(row.Files, af)
		}
		f.Materials = append(f.Materials, row)
	}
	f.Basis = append(slices.Clone(it.Basis), catalog.Basis{}, catalog.Basis{})
	f.Steps = append(slices.Clone(it.Steps), catalog.Step{}, catalog.Step{})
	f.Fees = append(slices.Clone(it.Fees), catalog.Fee{}, catalog.Fee{})
	f.FAQ = append(slices.Clone(it.FAQ), catalog.FAQ{}, catalog.FAQ{})
	return f, nil
}

func (s *server) maxUpload() int64 {
	if s.d.Config.MaxUpload > 0 {
		return s.d.Config.MaxUpload
	}
	return 20 << 20
}
