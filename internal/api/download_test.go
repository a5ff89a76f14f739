package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"zwfw/internal/app/apptest"
)

// TestDownloadNamedBySniffedType: a PDF uploaded as “申请书.pdf.exe” was
// offered back under that name (issue 8, item 8); a download keeps only a
// safe name and the extension of the type sniffed at upload.
func TestDownloadNamedBySniffedType(t *testing.T) {
	apptest.Each(t, func(t *testing.T, e *apptest.Env) {
		wang := demo(t, e, "resident.wang")
		fileID := wang.uploadCase("申请书.pdf.exe", tinyPDF)
		k, _ := wang.apply(map[string]any{"item_code": "200300200000", "org_code": "610923100C",
			"form":      map[string]any{"description": "本人失业后申领就业创业证"},
			"materials": []map[string]any{{"name": "就业创业证申领登记表", "file_id": fileID}, {"name": "居民身份证", "handed_in": "window"}}})
		for _, who := range []string{"resident.wang", "chengguan.window"} {
			res := demo(t, e, who).get(fmt.Sprintf("/cases/%s/files/%d", k.Serial, fileID))
			cd := res.Header.Get("Content-Disposition")
			if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" ||
				cd != fmt.Sprintf(`attachment; filename="%s-%d.pdf"; filename*=UTF-8''%%E7%%94%%B3%%E8%%AF%%B7%%E4%%B9%%A6_pdf.pdf`, k.Serial, fileID) ||
				strings.Contains(cd, ".exe") {
				t.Errorf("download by %s: %d %q", who, res.Status, cd)
			}
		}
	})
}
