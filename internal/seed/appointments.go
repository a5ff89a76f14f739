package seed

import (
	"context"
	"fmt"

	"zwfw/internal/db"
	"zwfw/internal/hall"
)

// demoAppointments books a few slots at the county centre for the demo
// applicants (issue 10 item 2), today and on the next working day, so
// that 我的预约 and the hall manager's list show something. It books the
// categories B–D: A is left free for the authorization matrix's own
// bookings.
func demoAppointments(ctx context.Context, d Deps) error {
	if d.Hall == nil {
		return nil
	}
	var first bool
	if err := d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		first, err = claim(ctx, tx, "seed.hall_appointments", d.Now())
		return err
	}); err != nil || !first {
		return err
	}
	_, cats, err := d.Hall.Categories(ctx, "610923C", false)
	if err != nil {
		return err
	}
	ids := map[string]int64{}
	for _, c := range cats {
		ids[c.Prefix] = c.ID
	}
	plan := []struct {
		who    string
		prefix string
		day    int // 0 the first bookable day, 1 the next
		nth    int // the nth open slot of the day
	}{
		{"resident.wang", "B", 0, 1}, {"enterprise.qinling", "B", 0, 1}, {"enterprise.qinling", "D", 0, 3},
		{"resident.wang", "C", 1, 2}, {"enterprise.qinling", "C", 1, 4},
	}
	for _, p := range plan {
		id := ids[p.prefix]
		if id == 0 {
			continue
		}
		sd, err := d.Hall.Slots(ctx, "610923C", id, "")
		if err != nil {
			return err
		}
		if p.day >= len(sd.Days) {
			continue
		}
		if sd, err = d.Hall.Slots(ctx, "610923C", id, sd.Days[p.day]); err != nil {
			return err
		}
		slot, n := "", 0
		for _, s := range sd.Slots {
			if s.Open {
				if slot = s.Start; n == p.nth {
					break
				}
				n++
			}
		}
		if slot == "" {
			continue
		}
		u, err := d.Users.ByUsername(ctx, p.who)
		if err != nil {
			return fmt.Errorf("seed: demo appointment of %s: %w", p.who, err)
		}
		if _, err := d.Hall.Book(ctx, u.Actor(), "610923C", hall.BookInput{CategoryID: id, Day: sd.Day, Slot: slot}); err != nil {
			return fmt.Errorf("seed: demo appointment of %s: %w", p.who, err)
		}
	}
	return nil
}
