package app_test

// The hall's public screens (issue 10 items 4 and 8): the window's small
// screen, the rolling public display and its data and event stream, the
// 查询机 and the display's voice clips — all public, like the display
// screen itself; they show nothing but masked names and public figures.
func screenRows() []row {
	return []row{
		{route: "GET /api/v1/hall/centres/{code}/rolling", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/centres/" + x.centre[sc] + "/rolling")
		}, want: everyone(ok)},
		{route: "GET /api/v1/hall/centres/{code}/rolling/events", on: allScopes, call: func(x *fixtures, sc scope) request {
			return apiGet("/hall/centres/" + x.centre[sc] + "/rolling/events?once=1")
		}, want: everyone(ok)},
		{route: "GET /hall/{centre}/windows/{window}/screen", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/hall/" + x.centre[sc] + "/windows/" + x.window[sc] + "/screen")
		}, want: everyone(ok)},
		{route: "GET /hall/{centre}/rolling", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/hall/" + x.centre[sc] + "/rolling")
		}, want: everyone(ok)},
		{route: "GET /hall/{centre}/info", on: allScopes, call: func(x *fixtures, sc scope) request {
			return webGet("/hall/" + x.centre[sc] + "/info?s=guide")
		}, want: everyone(ok)},
		{route: "GET /screens/voice/{clip}", call: fixed(webGet("/screens/voice/qing.wav")), want: everyone(ok)},
	}
}
