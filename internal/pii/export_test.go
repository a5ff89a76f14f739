package pii

// SetBatch makes the rows per re-seal transaction n until the returned
// function restores it.
func SetBatch(n int) func() {
	old := batch
	batch = n
	return func() { batch = old }
}
