package zwfw

import "time"

// Zone is China Standard Time, the zone every date in zwfw is counted in
// (deadlines, report periods, the working calendar). It is fixed (China has
// no daylight saving) so the binary needs no tzdata.
var Zone = time.FixedZone("CST", 8*3600)
