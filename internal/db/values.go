package db

// SetValue keeps v under key on this database handle, for code that holds
// only a transaction and must not have it passed through every service: the
// audit log's keys, with which every transaction that records an entry MACs
// it. key should be an unexported type of the package that owns the value.
func (db *DB) SetValue(key, v any) { db.values.Store(key, v) }

// Value returns what SetValue kept under key, or nil.
func (db *DB) Value(key any) any {
	v, _ := db.values.Load(key)
	return v
}

// Value returns what SetValue kept under key on the transaction's database.
func (t *Tx) Value(key any) any { return t.db.Value(key) }
