package files_test

import (
	"strings"
	"testing"

	"zwfw/internal/files"
)

// TestDownloadName: a download keeps only a safe stem of the uploader's
// name and takes its extension from the type sniffed at upload (issue 8,
// item 8): a PDF uploaded as 通知.pdf.exe is offered as 通知_pdf.pdf.
func TestDownloadName(t *testing.T) {
	const pdf, xlsx, txt = "application/pdf", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "text/plain; charset=utf-8"
	for _, c := range []struct{ name, ct, want string }{
		{"食品经营许可申请书（空白表格）.xlsx", xlsx, "食品经营许可申请书（空白表格）.xlsx"},
		{"通知.pdf.exe", pdf, "通知_pdf.pdf"},
		{"scan.html", txt, "scan.txt"},
		{"..\\..\\windows\\evil.bat", pdf, "evil.pdf"},
		{"../../etc/passwd", txt, "passwd.txt"},
		{`a"b;c<d>.pdf`, pdf, "a_b_c_d.pdf"},
		{"invoice\u202Efdp.exe", pdf, "invoice_fdp.pdf"}, // a right-to-left override
		{"", pdf, "download.pdf"},
		{".pdf", pdf, "download.pdf"},
		{"营业执照 副本.JPG", "image/jpeg", "营业执照 副本.jpg"},
		{strings.Repeat("长", 200) + ".pdf", pdf, strings.Repeat("长", 80) + ".pdf"},
	} {
		if got := files.DownloadName(c.name, c.ct); got != c.want {
			t.Errorf("DownloadName(%q, %s) = %q, want %q", c.name, c.ct, got, c.want)
		}
	}
	d := files.Disposition("通知.pdf.exe", pdf, `2026-00001"; x=`)
	if want := `attachment; filename="2026-00001___x_.pdf"; filename*=UTF-8''%E9%80%9A%E7%9F%A5_pdf.pdf`; d != want {
		t.Errorf("Disposition = %s, want %s", d, want)
	}
}
