package pdfdoc

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// TestBurstOfRendersStaysSmall: sixteen first downloads at once (a window
// opening a day's notices) render two at a time, so the process's peak
// memory stays far under the platform's 150 MB: unlimited, the burst alone
// reached 150 MB of RSS.
func TestBurstOfRendersStaysSmall(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := LicenceDoc{Title: "食品经营许可证", Number: "JY2610923000" + strconv.Itoa(i), Identifier: "1.2.156.3005.2.T." + strconv.Itoa(i),
				Holder: "宁陕县秦岭人家农家乐", Issuer: "宁陕县市场监督管理局", IssueDate: "2026年12月7日"}
			if _, err := Licence(l, Seal{Org: "宁陕县市场监督管理局", Purpose: "电子证照专用章"}, "https://zwfw.ningshan.gov.cn/verify/1"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status on this system")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			t.Logf("peak RSS %d MB", kb/1024)
			if kb > 100*1024 {
				t.Errorf("sixteen renders at once took the process to %d MB", kb/1024)
			}
		}
	}
}
