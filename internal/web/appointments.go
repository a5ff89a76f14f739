package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"zwfw"
	"zwfw/internal/calendar"
	"zwfw/internal/catalog"
	"zwfw/internal/hall"
	"zwfw/internal/httpauth"
	"zwfw/internal/org"
	"zwfw/internal/throttle"
)

// Appointments (预约办理, issue 10 item 2): the applicant's booking page
// (reached from an item guide's 预约办理), 我的预约 with cancelling and
// checking in from the phone, the kiosk's 预约签到 and the hall manager's
// list of a day's bookings. hall decides every rule (slots, capacity,
// windows of time, who may); these pages render its answers.

var appointmentPages = []string{"appt_book", "appt_mine", "appt_view", "admin_hall_appts"}

func init() { pages = append(pages, appointmentPages...) }

func bookPath(centre string) string { return "/my/book/" + url.PathEscape(centre) }
func appointmentPath(token string) string {
	return "/my/appointments/" + url.PathEscape(token)
}

// bookURL is where an item guide's 预约办理 leads: the booking page of the
// first centre the item is handled at (the county centre for county
// items), or "" when there is none.
func (s *server) bookURL(x *orgIndex, it *catalog.Item) string {
	for _, g := range s.applyCentres(x, it) {
		for _, c := range g.Centres {
			return bookPath(c.Code) + "?item=" + url.QueryEscape(it.Code)
		}
	}
	return ""
}

// dayChoice is one day button of the booking page.
type dayChoice struct {
	Day   string
	Label string // 11月27日 周五
	Today bool
}

var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

func dayLabel(day string) string {
	t, err := calendar.ParseDate(day)
	if err != nil {
		return day
	}
	return t.Format("1月2日") + " " + weekdays[t.Weekday()]
}

type apptBookPage struct {
	base
	Centre     *org.Org
	Categories []*hall.Category
	Cat        *hall.Category
	Days       []dayChoice
	Slots      *hall.SlotDay
	Item       *catalog.Item
	ItemCode   string
}

// bookPage shows a centre's categories, the bookable days and the slots
// of the chosen category and day with the seats left.
func (s *server) bookPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := hall.MayBook(actor(r)); err != nil {
		return err
	}
	centre, cats, err := s.d.Hall.Categories(ctx, r.PathValue("centre"), false)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p := &apptBookPage{base: s.base(w, r, centre.DisplayName()+" · 预约办理"), Centre: centre, Categories: cats, ItemCode: q.Get("item")}
	p.Nav = "my"
	if p.ItemCode != "" {
		if it, err := s.d.Catalog.Get(ctx, p.ItemCode); err == nil {
			p.Item = it
		} else {
			p.ItemCode = ""
		}
	}
	id, _ := strconv.ParseInt(q.Get("category"), 10, 64)
	for _, c := range cats {
		if c.ID == id || (id == 0 && p.Cat == nil) {
			p.Cat = c
		}
	}
	if p.Cat != nil {
		sd, err := s.d.Hall.Slots(ctx, centre.Code, p.Cat.ID, q.Get("day"))
		if zwfw.ErrorCode(err) == zwfw.EINVALID && q.Get("day") != "" {
			sd, err = s.d.Hall.Slots(ctx, centre.Code, p.Cat.ID, "")
		}
		if err != nil {
			return err
		}
		p.Slots = sd
		today := s.now().In(zwfw.Zone).Format(calendar.DateLayout)
		for _, d := range sd.Days {
			p.Days = append(p.Days, dayChoice{Day: d, Label: dayLabel(d), Today: d == today})
		}
	}
	s.render(w, r, http.StatusOK, "appt_book", p)
	return nil
}

// DayURL is the booking page on another day.
func (p *apptBookPage) DayURL(day string) string {
	return p.url(p.Cat.ID, day)
}

// CatURL is the booking page for another category.
func (p *apptBookPage) CatURL(id int64) string { return p.url(id, "") }

func (p *apptBookPage) url(cat int64, day string) string {
	v := url.Values{"category": {strconv.FormatInt(cat, 10)}}
	if day != "" {
		v.Set("day", day)
	}
	if p.ItemCode != "" {
		v.Set("item", p.ItemCode)
	}
	return bookPath(p.Centre.Code) + "?" + v.Encode()
}

// DayLabel formats a day for the page.
func (p *apptBookPage) DayLabel(day string) string { return dayLabel(day) }

// bookPost books the chosen slot; a refusal goes back to the page with
// the reason.
func (s *server) bookPost(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("centre")
	id, _ := strconv.ParseInt(r.PostFormValue("category"), 10, 64)
	day, item := r.PostFormValue("day"), r.PostFormValue("item")
	a, err := s.d.Hall.Book(r.Context(), actor(r), code, hall.BookInput{CategoryID: id, Day: day, Slot: r.PostFormValue("slot"), Item: item})
	if err != nil {
		if c := zwfw.ErrorCode(err); c == zwfw.EINVALID || c == zwfw.ECONFLICT || c == zwfw.EFORBIDDEN {
			v := url.Values{"category": {strconv.FormatInt(id, 10)}, "day": {day}}
			if item != "" {
				v.Set("item", item)
			}
			s.redirect(w, r, bookPath(code)+"?"+v.Encode(), "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	s.redirect(w, r, appointmentPath(a.Token), "ok", "预约成功：签到码 "+a.Code+"。请在预约时段开始前 15 分钟内到大厅取号机签到，或在本页签到。")
	return nil
}

type apptMinePage struct {
	base
	List []*hall.Appointment
}

// myAppointments is 我的预约.
func (s *server) myAppointments(w http.ResponseWriter, r *http.Request) error {
	list, err := s.d.Hall.MyAppointments(r.Context(), actor(r))
	if err != nil {
		return err
	}
	p := &apptMinePage{base: s.base(w, r, "我的预约"), List: list}
	p.Nav = "my"
	s.render(w, r, http.StatusOK, "appt_mine", p)
	return nil
}

// DayLabel formats a day for the page.
func (apptMinePage) DayLabel(day string) string { return dayLabel(day) }

type apptViewPage struct {
	base
	A *hall.Appointment
}

// DayLabel formats a day for the page.
func (apptViewPage) DayLabel(day string) string { return dayLabel(day) }

// CheckInFrom is when check-in opens (15 minutes before the slot).
func (p apptViewPage) CheckInFrom() string {
	t, err := time.Parse("15:04", p.A.Slot)
	if err != nil {
		return ""
	}
	return t.Add(-hall.CheckInEarly).Format("15:04")
}

// myAppointment is one booking with its code and buttons.
func (s *server) myAppointment(w http.ResponseWriter, r *http.Request) error {
	a, err := s.d.Hall.Appointment(r.Context(), actor(r), r.PathValue("token"))
	if err != nil {
		return err
	}
	p := &apptViewPage{base: s.base(w, r, "预约 "+a.Day+" "+a.Slot), A: a}
	p.Nav = "my"
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, http.StatusOK, "appt_view", p)
	return nil
}

func (s *server) myAppointmentCancel(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	if _, err := s.d.Hall.CancelAppointment(r.Context(), actor(r), token); err != nil {
		if zwfw.ErrorCode(err) == zwfw.ECONFLICT {
			s.redirect(w, r, appointmentPath(token), "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	s.redirect(w, r, "/my/appointments", "ok", "已取消预约，名额已释放。")
	return nil
}

func (s *server) myAppointmentCheckIn(w http.ResponseWriter, r *http.Request) error {
	token := r.PathValue("token")
	t, err := s.d.Hall.CheckIn(r.Context(), actor(r), token)
	if err != nil {
		if zwfw.ErrorCode(err) == zwfw.ECONFLICT {
			s.redirect(w, r, appointmentPath(token), "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	s.redirect(w, r, ticketPath(t.Token), "ok", "签到成功，您的号是 "+t.Number+"，预约号优先叫号，请留意显示屏。")
	return nil
}

// hallCheckIn is the kiosk's 预约签到: the six-digit code typed on the
// screen; the ticket is printed like any other.
func (s *server) hallCheckIn(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("centre")
	if _, err := s.d.Hall.Centre(r.Context(), code); err != nil {
		return err
	}
	t, err := s.d.Hall.CheckInCodeFrom(r.Context(), code, r.PostFormValue("code"), httpauth.ClientIP(r))
	if err != nil {
		if _, many := throttle.RetryAfter(err); many {
			s.redirect(w, r, centrePath(code)+"/kiosk#hk-checkin", "warn", zwfw.ErrorMessage(err))
			return nil
		}
		// The centre exists: not found is the code's.
		if c := zwfw.ErrorCode(err); c == zwfw.ECONFLICT || c == zwfw.EINVALID || c == zwfw.ENOTFOUND {
			s.redirect(w, r, centrePath(code)+"/kiosk#hk-checkin", "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	http.Redirect(w, r, ticketPath(t.Token)+"?kiosk=1", http.StatusSeeOther)
	return nil
}

type adminHallApptsPage struct {
	base
	Centres []*org.Org
	Centre  *org.Org
	D       *hall.CentreDay
	Day     string
}

// StatusClass is the badge colour of a booking's state (the state's name
// is printed beside it).
func (adminHallApptsPage) StatusClass(st string) string {
	switch st {
	case hall.Arrived:
		return "b-green"
	case hall.NoShow:
		return "b-red"
	}
	return "b-blue"
}

// DayLabel formats a day for the page.
func (adminHallApptsPage) DayLabel(day string) string { return dayLabel(day) }

// adminHallAppointments is the hall manager's list of a day's bookings
// per slot (default: today), names and phones masked.
func (s *server) adminHallAppointments(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a := actor(r)
	if err := hall.MayManage(a, nil); err != nil {
		return err
	}
	all, err := s.d.Orgs.List(ctx, a.OrgPath)
	if err != nil {
		return err
	}
	p := &adminHallApptsPage{base: s.base(w, r, "大厅预约")}
	p.Nav = "hall-admin"
	for _, o := range all {
		if o.Kind == org.KindCentre && o.Active {
			p.Centres = append(p.Centres, o)
		}
	}
	code := r.URL.Query().Get("centre")
	if code == "" && len(p.Centres) > 0 {
		code = p.Centres[0].Code
	}
	if code != "" {
		d, err := s.d.Hall.CentreAppointments(ctx, a, code, r.URL.Query().Get("day"))
		if err != nil {
			return err
		}
		p.D, p.Day = d, d.Day
		for _, c := range p.Centres {
			if c.Code == d.CentreCode {
				p.Centre = c
			}
		}
		if p.Centre == nil {
			p.Centre = &org.Org{Code: d.CentreCode, Name: d.CentreName}
		}
	}
	s.render(w, r, http.StatusOK, "admin_hall_appts", p)
	return nil
}
