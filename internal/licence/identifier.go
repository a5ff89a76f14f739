package licence

// The licence identifier (电子证照标识, GB/T 36904-2018 as STANDARDS.md
// gives it): 1.2.156.3005.2.{type code}.{issuer code}.{sequence}.{version,
// 3 digits}.{check}, the check character ISO/IEC 7064 MOD 37,36 (hybrid)
// over type + issuer + sequence + version without the dots.

import (
	"fmt"
	"strconv"
	"strings"

	"zwfw"
)

// Root is the arc under which every licence identifier lies.
const Root = "1.2.156.3005.2"

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// CheckChar is the ISO/IEC 7064 MOD 37,36 hybrid check character of s
// (digits and upper-case letters; anything else is an error).
func CheckChar(s string) (byte, error) {
	const m = 36
	p := m
	for i := 0; i < len(s); i++ {
		v := strings.IndexByte(alphabet, s[i])
		if v < 0 {
			return 0, fmt.Errorf("licence: %q is not a character of ISO 7064 MOD 37,36", s[i])
		}
		sum := (p + v) % m
		if sum == 0 {
			sum = m
		}
		p = (sum * 2) % (m + 1)
	}
	return alphabet[(m+1-p)%m], nil
}

// ID is an identifier's parts.
type ID struct {
	Type     string // 证照类型代码 (21 characters)
	Issuer   string // 发证机关统一社会信用代码 (18)
	Sequence int64  // 顺序号, per type and issuer
	Version  int    // 版本号, 1 at issue, +1 per change
}

// seqWidth: sequences are written with at least 6 digits (000123).
const seqWidth = 6

// String is the identifier with its check character.
func (id ID) String() string {
	body := id.Type + id.Issuer + id.seq() + id.version()
	c, err := CheckChar(body)
	if err != nil {
		panic(err) // the parts come from checked codes (catalog, org)
	}
	return fmt.Sprintf("%s.%s.%s.%s.%s.%c", Root, id.Type, id.Issuer, id.seq(), id.version(), c)
}

func (id ID) seq() string     { return fmt.Sprintf("%0*d", seqWidth, id.Sequence) }
func (id ID) version() string { return fmt.Sprintf("%03d", id.Version) }

// Parse reads an identifier, checking its form and its check character. The
// error is a zwfw EINVALID with a Chinese message for the verification page.
func Parse(s string) (ID, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	bad := func(why string) (ID, error) {
		return ID{}, zwfw.Errorf(zwfw.EINVALID, "电子证照标识“%s”不正确：%s", clip(s, 80), why)
	}
	rest, ok := strings.CutPrefix(s, Root+".")
	if !ok {
		return bad("应以 " + Root + " 开头")
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 5 {
		return bad("应由证照类型代码、发证机关代码、顺序号、版本号和校验位五段组成")
	}
	id := ID{Type: parts[0], Issuer: parts[1]}
	if len(id.Type) != 21 || len(id.Issuer) != 18 {
		return bad("证照类型代码应为 21 位、发证机关代码应为 18 位")
	}
	n, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || n <= 0 || len(parts[2]) < seqWidth {
		return bad("顺序号应为数字")
	}
	v, err := strconv.Atoi(parts[3])
	if err != nil || len(parts[3]) != 3 || v <= 0 {
		return bad("版本号应为 3 位数字")
	}
	id.Sequence, id.Version = n, v
	if len(parts[4]) != 1 {
		return bad("校验位应为 1 个字符")
	}
	want, err := CheckChar(id.Type + id.Issuer + parts[2] + parts[3])
	if err != nil {
		return bad("含有数字和大写字母以外的字符")
	}
	if parts[4][0] != want {
		return bad("校验位不符，请核对是否输错")
	}
	if id.String() != s { // e.g. a sequence written with extra zeros
		return bad("格式不规范")
	}
	return id, nil
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
