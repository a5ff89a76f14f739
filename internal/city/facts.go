package city

import "encoding/json"

// caseFacts is the body of a county's case event as contract.md gives it
// (exchange.CaseFacts, snake_case JSON). It is read here by its JSON names
// until package exchange carries the type itself (facts.go there); the
// city takes only these fields and nothing personal.
type caseFacts struct {
	Serial       string `json:"serial"`
	ItemCode     string `json:"item_code"`
	ImplCode     string `json:"impl_code"`
	ItemName     string `json:"item_name"`
	Kind         string `json:"kind"`
	Channel      string `json:"channel"`
	OrgCode      string `json:"org_code"`
	OrgName      string `json:"org_name"`
	DeptCode     string `json:"dept_code"`
	DeptName     string `json:"dept_name"`
	Action       string `json:"action"`
	Step         string `json:"step"`
	FromStatus   string `json:"from_status"`
	Status       string `json:"status"`
	Deadline     string `json:"deadline"`
	CompletedOn  string `json:"completed_on"`
	PromisedDays int    `json:"promised_days"`
	HandledDays  int    `json:"handled_days"`
	Overdue      bool   `json:"overdue"`
	Rating       int    `json:"rating"`
	ProjectCode  string `json:"project_code"`
	FiledAt      int64  `json:"filed_at"`
}

// facts reads a case event's body.
func facts(body []byte) (*caseFacts, error) {
	var f caseFacts
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, err
	}
	return &f, nil
}
