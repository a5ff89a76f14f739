package web

// The online application form (申请表) on the apply page: its fields as
// inputs, read back from the post, and the service's problems beside each
// field. The rules are catalog.FormDef.CheckData's; nothing is decided here.

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"zwfw/internal/catalog"
	"zwfw/internal/org"
)

// onlineField is one field of the online form as the page shows it.
type onlineField struct {
	F        catalog.FormField
	ID       string // f-d-<key>
	Name     string // d.<key>
	Value    string
	Division string // address
	Detail   string // address
	Rows     [][]onlineCell
	Errors   []string
	// Divisions are the county's towns and villages (address fields).
	Divisions []divisionGroup
}

// onlineCell is one cell of a table field.
type onlineCell struct {
	F     catalog.FormField
	ID    string
	Name  string
	Value string
}

// divisionGroup is one town and its villages, for address fields.
type divisionGroup struct {
	Town     option
	Villages []option
}

// Multiline reports whether a text field takes several lines.
func (f onlineField) Multiline() bool { return f.F.Type == catalog.FieldLongText }

// Describedby is the aria-describedby of the field's input.
func (f onlineField) Describedby() string {
	var ids []string
	if f.F.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if len(f.Errors) > 0 {
		ids = append(ids, f.ID+"-err")
	}
	return strings.Join(ids, " ")
}

// divisionGroups lists the county's towns and their villages.
func (s *server) divisionGroups(x *orgIndex) []divisionGroup {
	county := x.byCode[s.d.Config.Site.RegionCode]
	if county == nil {
		return nil
	}
	var out []divisionGroup
	for _, t := range x.children(county, org.KindTown) {
		g := divisionGroup{Town: option{t.Code, t.Name}}
		for _, v := range x.children(t, org.KindVillage) {
			g.Villages = append(g.Villages, option{v.Code, t.Name + " " + v.Name})
		}
		out = append(out, g)
	}
	return out
}

// tableRows is how many rows a table field offers: what was filled in and
// two empty rows more (at least its minimum, at most its maximum).
func tableRows(f catalog.FormField, filled int) int {
	n := max(filled+2, f.MinRows, 3)
	maxRows := f.MaxRows
	if maxRows == 0 {
		maxRows = 20
	}
	return min(n, maxRows)
}

// onlineFields lays the form's data out as the page's inputs.
func onlineFields(def *catalog.FormDef, d catalog.FormData, divs []divisionGroup) []onlineField {
	if def == nil {
		return nil
	}
	out := make([]onlineField, 0, len(def.Fields))
	for _, x := range def.Fields {
		f := onlineField{F: x, ID: "f-d-" + x.Key, Name: "d." + x.Key}
		switch x.Type {
		case catalog.FieldAddress:
			a := catalog.AddressOf(d[x.Key])
			f.Division, f.Detail, f.Divisions = a.Division, a.Detail, divs
		case catalog.FieldTable:
			rows := catalog.RowsOf(d[x.Key])
			for i := 0; i < tableRows(x, len(rows)); i++ {
				var cells []onlineCell
				for _, c := range x.Columns {
					cell := onlineCell{F: c, ID: fmt.Sprintf("%s-%d-%s", f.ID, i, c.Key), Name: fmt.Sprintf("%s.%d.%s", f.Name, i, c.Key)}
					if i < len(rows) {
						cell.Value = rows[i][c.Key]
					}
					cells = append(cells, cell)
				}
				f.Rows = append(f.Rows, cells)
			}
		default:
			f.Value = d.Text(x.Key)
		}
		out = append(out, f)
	}
	return out
}

// readOnline reads the online form from a post (d.<key>, d.<key>.division,
// d.<key>.<row>.<col>).
func readOnline(def *catalog.FormDef, v url.Values) catalog.FormData {
	if def == nil {
		return nil
	}
	// A post without the form's inputs (not from the page that shows it)
	// carries no form: the 申请书 then comes as a material.
	sent := false
	for k := range v {
		sent = sent || strings.HasPrefix(k, "d.")
	}
	if !sent {
		return nil
	}
	d := catalog.FormData{}
	for _, x := range def.Fields {
		name := "d." + x.Key
		switch x.Type {
		case catalog.FieldAddress:
			a := map[string]string{"division": strings.TrimSpace(v.Get(name + ".division")), "detail": strings.TrimSpace(v.Get(name + ".detail"))}
			if a["division"] != "" || a["detail"] != "" {
				d[x.Key] = a
			}
		case catalog.FieldTable:
			var rows []map[string]string
			for i := 0; i < 20; i++ {
				row, any := map[string]string{}, false
				for _, c := range x.Columns {
					k := name + "." + strconv.Itoa(i) + "." + c.Key
					if _, ok := v[k]; ok {
						any = true
					}
					row[c.Key] = v.Get(k)
				}
				if !any {
					break
				}
				rows = append(rows, row)
			}
			if rows != nil {
				d[x.Key] = rows
			}
		default:
			if s := v.Get(name); s != "" {
				d[x.Key] = s
			}
		}
	}
	return d
}

// onlineErrors puts the service's problems of the online form beside their
// fields (form.data.<key> and form.data.<key>[row].<col> alike); it
// returns the rest.
func onlineErrors(fields []onlineField, fe fieldErrors) fieldErrors {
	rest := fieldErrors{}
	for field, msgs := range fe {
		key, ok := strings.CutPrefix(field, "form.data.")
		if !ok {
			rest[field] = append(rest[field], msgs...)
			continue
		}
		if i := strings.IndexByte(key, '['); i >= 0 {
			key = key[:i]
		}
		placed := false
		for i := range fields {
			if fields[i].F.Key == key {
				fields[i].Errors = append(fields[i].Errors, msgs...)
				placed = true
			}
		}
		if !placed {
			rest.add("form", strings.Join(msgs, "；"))
		}
	}
	return rest
}

// accountPrefill is what the applicant's account says about them, for the
// fields that take it (catalog.Prefills).
func accountPrefill(name, kind, idNumber, creditCode, phone string) map[string]string {
	m := map[string]string{"name": name, "phone": phone}
	if kind == "enterprise" {
		m["credit_code"] = creditCode
	} else {
		m["id_number"] = idNumber
	}
	return m
}
