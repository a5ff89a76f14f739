package app_test

// The warnings of the other time-limited matters (差评整改, 投诉 …): read
// by those who read the case warnings, each in their subtree.
func dutyRows() []row {
	return []row{
		{route: "GET /api/v1/supervision/duty-warnings", call: fixed(apiGet("/supervision/duty-warnings")),
			want: unscoped(or(supervisor, window, reviewer, admin))},
	}
}
