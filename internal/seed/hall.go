package seed

import (
	"context"
	"fmt"

	"zwfw"
	"zwfw/internal/db"
	"zwfw/internal/hall"
)

// demoHalls are the business categories of the demo county's centre and
// two town centres (issue 10 item 11), and which windows serve which, in
// the order they call them. Windows not listed serve every category.
var demoHalls = []struct {
	centre     string
	categories []hall.CategoryInput
	windows    map[string][]string // window code → prefixes in calling order
}{
	{"610923C", []hall.CategoryInput{
		{Name: "综合受理", Prefix: "A", Opens: "08:30", Closes: "17:30", DailyMax: 300, Priority: true, Minutes: 12, Sort: 1},
		{Name: "社会事务", Prefix: "B", Opens: "08:30", Closes: "17:30", DailyMax: 150, Priority: true, Minutes: 10, Sort: 2},
		{Name: "不动产登记", Prefix: "C", Opens: "08:30", Closes: "16:30", DailyMax: 80, Minutes: 25, Sort: 3},
		{Name: "税务", Prefix: "D", Opens: "08:30", Closes: "17:00", DailyMax: 120, Minutes: 15, Sort: 4},
	}, map[string][]string{
		"610923CW01": {"A"}, "610923CW02": {"A", "B"}, "610923CW03": {"A"}, "610923CW04": {"B", "A"},
		"610923CW05": {"B"}, "610923CW06": {"C"}, "610923CW07": {"B"}, "610923CW08": {"A"},
		"610923CW09": {"B"}, "610923CW10": {"D"}, "610923CW12": {"A"},
	}},
	{"610923100C", []hall.CategoryInput{
		{Name: "综合受理", Prefix: "A", Opens: "08:30", Closes: "17:30", DailyMax: 150, Priority: true, Minutes: 12, Sort: 1},
		{Name: "社会事务", Prefix: "B", Opens: "08:30", Closes: "17:30", DailyMax: 100, Priority: true, Minutes: 10, Sort: 2},
	}, map[string][]string{"610923100CW01": {"A", "B"}, "610923100CW02": {"B", "A"}, "610923100CW03": {"A"}, "610923100CW04": {"B"}}},
	{"610923101C", []hall.CategoryInput{
		{Name: "综合受理", Prefix: "A", Opens: "08:30", Closes: "17:30", DailyMax: 100, Priority: true, Minutes: 12, Sort: 1},
		{Name: "社会事务", Prefix: "B", Opens: "08:30", Closes: "17:30", DailyMax: 80, Priority: true, Minutes: 10, Sort: 2},
	}, map[string][]string{"610923101CW01": {"A", "B"}, "610923101CW02": {"B", "A"}, "610923101CW03": {"A"}, "610923101CW04": {"B"}}},
}

// demoHall sets up the demo halls once.
func demoHall(ctx context.Context, d Deps) error {
	if d.Hall == nil {
		return nil
	}
	var first bool
	if err := d.DB.InTx(ctx, func(tx *db.Tx) error {
		var err error
		first, err = claim(ctx, tx, "seed.hall", d.Now())
		return err
	}); err != nil || !first {
		return err
	}
	for _, h := range demoHalls {
		ids := map[string]int64{}
		for _, in := range h.categories {
			c, err := d.Hall.CreateCategory(ctx, zwfw.System, h.centre, in)
			if err != nil {
				return fmt.Errorf("seed: hall %s %s: %w", h.centre, in.Name, err)
			}
			ids[c.Prefix] = c.ID
		}
		for w, prefixes := range h.windows {
			var list []int64
			for _, p := range prefixes {
				list = append(list, ids[p])
			}
			if err := d.Hall.SetWindowCategories(ctx, zwfw.System, w, list); err != nil {
				return fmt.Errorf("seed: hall window %s: %w", w, err)
			}
		}
	}
	return nil
}
