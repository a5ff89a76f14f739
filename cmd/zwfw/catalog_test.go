package main

import (
	"strings"
	"testing"
)

// TestCatalogPullCommand: `zwfw catalog pull` on a county with no city
// registered says so (and records the failed pull); anything else is
// refused with the usage. The pull itself is catalogsync.TestCityCatalogPull.
func TestCatalogPullCommand(t *testing.T) {
	if _, _, err := zwfwRun("catalog"); err == nil || !strings.Contains(err.Error(), "用法：zwfw catalog pull") {
		t.Fatalf("catalog without pull: %v", err)
	}
	dir := t.TempDir()
	_, _, err := zwfwRun("catalog", "--data-dir", dir, "pull")
	if err == nil || !strings.Contains(err.Error(), "尚未登记市级平台") {
		t.Fatalf("catalog pull without a city: %v", err)
	}
}
