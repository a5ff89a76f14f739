package web

import (
	"fmt"

	"zwfw/internal/calendar"
)

// CalendarWarning is what administrators are told on the pages of
// administration (admin, workbench, supervision) while deadlines set today
// may reach a year whose national holidays are not compiled in: those days
// count as plain weekdays, and deadlines there are provisional (暂定).
func (b base) CalendarWarning() string {
	if !b.admin || !canAdmin(b.Actor) {
		return ""
	}
	y := calendar.UnknownAhead(b.Now)
	if y == 0 {
		return ""
	}
	return fmt.Sprintf("工作日历：本系统载入的法定节假日安排只到 %d 年。%d 年起的放假和调休尚未载入，这些日期暂按周一至周五上班计算，落在其中的办结期限标为“暂定”。"+
		"请在国务院办公厅公布放假安排后升级本系统，或在工作日历中补录放假和调休日期。", y-1, y)
}
