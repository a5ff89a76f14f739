package inputlimit

import (
	"net/url"
	"strings"
	"testing"

	"zwfw"
)

func TestCheck(t *testing.T) {
	if Key("materials[12].guide") != "materials[].guide" || Form.Max("materials[3].guide") != 8000 || Form.Max("anything") != 2000 {
		t.Fatal("keys")
	}
	ok := url.Values{"q": {strings.Repeat("证", 1000)}, "description": {strings.Repeat("a", 4000)}}
	if err := Query.Check(url.Values{"q": ok["q"]}, "参数"); err != nil {
		t.Errorf("1,000 characters of Chinese: %v", err)
	}
	if err := Form.Check(url.Values{"description": ok["description"]}, "字段"); err != nil {
		t.Errorf("description of 4,000: %v", err)
	}
	err := Query.Check(url.Values{"a": {"x"}, "q": {strings.Repeat("a", 60000)}}, "参数")
	var e *zwfw.Error
	if zwfw.ErrorCode(err) != zwfw.EBADREQUEST || !errorsAs(err, &e) || len(e.Details) != 1 || e.Details[0].Field != "q" ||
		!strings.Contains(e.Message, "搜索词（q）太长：最多 1000 个字符，收到 60000 个") {
		t.Fatalf("60,000-byte q: %v", err)
	}
	if err := Query.Check(url.Values{strings.Repeat("k", 300): {"v"}}, "参数"); zwfw.ErrorCode(err) != zwfw.EBADREQUEST {
		t.Errorf("a 300-character name: %v", err)
	}
}

func errorsAs(err error, e **zwfw.Error) bool {
	var ok bool
	*e, ok = err.(*zwfw.Error)
	return ok
}
