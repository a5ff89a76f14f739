package web

import (
	"net/http"
	"net/url"
	"strconv"

	"zwfw"
	"zwfw/internal/casework"
	"zwfw/internal/hall"
	"zwfw/internal/httpauth"
	"zwfw/internal/org"
	"zwfw/internal/throttle"
)

// The service hall's pages (issue 10; the building standard asks every
// hall for a ticket machine, display screens and broadcast, attachment 2
// (2)3): the ticket machine (取号机), the centre's phone page that a QR
// code at the door opens, the printed ticket that also follows the queue
// on a phone, the display screen (显示屏), the calling panel of the
// workbench and the categories' administration. The hall service decides
// every rule; these pages parse, ask it and render. The public pages show
// ticket numbers, categories and windows — never a person.

var queuePages = []string{"hall_kiosk", "hall_centre", "hall_ticket", "hall_screen", "admin_hall"}

func init() { pages = append(pages, queuePages...) }

// publicURL is path on the site's public address (a printed ticket leaves
// the building; see progressURL).
func (s *server) publicURL(r *http.Request, path string) string {
	scheme, host := "https", s.d.Config.Site.Domain
	if host == "" {
		host = r.Host
		if !httpauth.HTTPS(r) && !httpauth.Secure(r) {
			scheme = "http"
		}
	}
	return scheme + "://" + host + path
}

func centrePath(code string) string  { return "/hall/" + url.PathEscape(code) }
func ticketPath(token string) string { return "/queue/" + url.PathEscape(token) }

// queueCategory is a category with who waits for it, for the buttons.
type queueCategory struct {
	*hall.Category
	Waiting int
}

type hallCentrePage struct {
	base
	Centre     *org.Org
	Categories []queueCategory
	Kiosk      bool
	Empty      bool
}

func (s *server) hallCentreData(w http.ResponseWriter, r *http.Request, kiosk bool) (*hallCentrePage, error) {
	code := r.PathValue("centre")
	centre, cats, err := s.d.Hall.Categories(r.Context(), code, false)
	if err != nil {
		return nil, err
	}
	board, err := s.d.Hall.Board(r.Context(), code)
	if err != nil {
		return nil, err
	}
	waiting := map[int64]int{}
	for _, c := range board.Waiting {
		waiting[c.ID] = c.Waiting
	}
	p := &hallCentrePage{base: s.base(w, r, centre.DisplayName()+" · 取号"), Centre: centre, Kiosk: kiosk, Empty: len(cats) == 0}
	for _, c := range cats {
		p.Categories = append(p.Categories, queueCategory{Category: c, Waiting: waiting[c.ID]})
	}
	return p, nil
}

// hallKiosk is the ticket machine's page (取号机): one large button per
// category and one for its priority channel, made for a 1080×1920
// portrait touch screen.
func (s *server) hallKiosk(w http.ResponseWriter, r *http.Request) error {
	p, err := s.hallCentreData(w, r, true)
	if err != nil {
		return err
	}
	p.Title = p.Centre.DisplayName() + " · 取号机"
	s.render(w, r, http.StatusOK, "hall_kiosk", p)
	return nil
}

// hallCentre is the phone page a QR code at the centre's door opens:
// the same choice as the kiosk, in a phone's width.
func (s *server) hallCentre(w http.ResponseWriter, r *http.Request) error {
	p, err := s.hallCentreData(w, r, false)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "hall_centre", p)
	return nil
}

// hallCentreQR is the QR code of the centre's phone page (printed at the
// door and shown on the kiosk).
func (s *server) hallCentreQR(w http.ResponseWriter, r *http.Request) error {
	centre, err := s.d.Hall.Centre(r.Context(), r.PathValue("centre"))
	if err != nil {
		return err
	}
	return writeQR(w, s.publicURL(r, centrePath(centre.Code)))
}

// hallTake takes a ticket from the kiosk or a phone. A refusal (the day's
// numbers are gone, the hall is closed) is said on the page it came from.
func (s *server) hallTake(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("centre")
	kiosk := r.PostFormValue("from") == "kiosk"
	back := centrePath(code)
	channel := hall.ChannelPhone
	if kiosk {
		back += "/kiosk"
		channel = hall.ChannelKiosk
	}
	id, _ := strconv.ParseInt(r.PostFormValue("category"), 10, 64)
	t, err := s.d.Hall.TakeFrom(r.Context(), code, hall.TakeInput{CategoryID: id, Priority: r.PostFormValue("priority") == "1", Channel: channel}, httpauth.ClientIP(r))
	if err != nil {
		if _, many := throttle.RetryAfter(err); many {
			w.Header().Set("Retry-After", "60")
			s.redirect(w, r, back, "warn", zwfw.ErrorMessage(err))
			return nil
		}
		if c := zwfw.ErrorCode(err); c == zwfw.ECONFLICT || c == zwfw.EINVALID {
			s.redirect(w, r, back, "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	to := ticketPath(t.Token)
	if kiosk {
		to += "?kiosk=1"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

type hallTicketPage struct {
	base
	T      *hall.Ticket
	Kiosk  bool   // printed at the ticket machine: print, then back to it
	Back   string // the kiosk
	QR     string
	Link   string
	Window int
}

// hallTicket is the ticket: printed on the kiosk's 58/80 mm thermal
// printer (print CSS), and followed on a phone through its QR code.
func (s *server) hallTicket(w http.ResponseWriter, r *http.Request) error {
	t, err := s.d.Hall.Ticket(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	p := &hallTicketPage{base: s.base(w, r, t.Number+"号 · "+t.CentreName), T: t, Kiosk: r.URL.Query().Get("kiosk") == "1",
		Back: centrePath(t.CentreCode) + "/kiosk", QR: ticketPath(t.Token) + "/qr.png", Link: s.publicURL(r, ticketPath(t.Token)),
		Window: t.WindowNo()}
	// A public page with an unguessable address: no referrer leaves it.
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, http.StatusOK, "hall_ticket", p)
	return nil
}

func (s *server) hallTicketQR(w http.ResponseWriter, r *http.Request) error {
	t, err := s.d.Hall.Ticket(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return writeQR(w, s.publicURL(r, ticketPath(t.Token)))
}

type hallScreenPage struct {
	base
	B      *hall.Board
	Stream string
}

// hallScreen is the centre's display screen (显示屏), 1920×1080: the
// server renders it once; hall.js follows the event stream of the API
// and speaks each new call.
func (s *server) hallScreen(w http.ResponseWriter, r *http.Request) error {
	b, err := s.d.Hall.Board(r.Context(), r.PathValue("centre"))
	if err != nil {
		return err
	}
	p := &hallScreenPage{base: s.base(w, r, b.CentreName+" · 叫号显示屏"), B: b,
		Stream: "/api/v1/hall/centres/" + url.PathEscape(b.CentreCode) + "/events"}
	s.render(w, r, http.StatusOK, "hall_screen", p)
	return nil
}

// workHallAct is a button of the workbench's calling panel.
func (s *server) workHallAct(w http.ResponseWriter, r *http.Request) error {
	window, action := r.PathValue("window"), r.PathValue("action")
	t, err := s.d.Hall.Act(r.Context(), actor(r), window, action)
	back := "/work?window=" + url.QueryEscape(window) + "#hall-desk"
	if err != nil {
		if zwfw.ErrorCode(err) == zwfw.ECONFLICT {
			s.redirect(w, r, back, "warn", zwfw.ErrorMessage(err))
			return nil
		}
		return err
	}
	msg := hall.ActionName(action) + "：" + t.Number + "号"
	if action == hall.ActNext || action == hall.ActRecall {
		msg += "，已在显示屏播报“" + hall.Speech(t.Number, t.WindowNo()) + "”"
	}
	s.redirect(w, r, back, "ok", msg)
	return nil
}

// desk reads the calling panel for the workbench: the window asked for,
// or the account's own window. Staff without a window, or whose window's
// centre has no categories, see no panel.
func (s *server) desk(r *http.Request, a *zwfw.Actor) *hall.Desk {
	if hall.MayCall(a) != nil {
		return nil
	}
	code := r.URL.Query().Get("window")
	if code == "" && a.WindowID != 0 {
		if o, err := s.d.Orgs.ByID(r.Context(), a.WindowID); err == nil {
			code = o.Code
		}
	}
	if code == "" {
		return nil
	}
	d, err := s.d.Hall.Desk(r.Context(), a, code)
	if err != nil || len(d.Categories) == 0 {
		return nil
	}
	return d
}

// hallBack is the workbench's calling panel of window.
func hallBack(window string) string { return "/work?window=" + url.QueryEscape(window) + "#hall-desk" }

// hallRefused sends a refusal the panel can explain (bad input, the
// queue's state) back to it with a warning; anything else is an error
// page.
func (s *server) hallRefused(w http.ResponseWriter, r *http.Request, window string, err error) error {
	switch zwfw.ErrorCode(err) {
	case zwfw.ECONFLICT, zwfw.EINVALID:
		s.redirect(w, r, hallBack(window), "warn", zwfw.ErrorMessage(err))
		return nil
	}
	return err
}

// workHallTransfer transfers the ticket the window calls or serves to
// another window or category (转窗口/转类别) — the panel's form.
func (s *server) workHallTransfer(w http.ResponseWriter, r *http.Request) error {
	window := r.PathValue("window")
	in := hall.TransferInput{Window: r.PostFormValue("to_window")}
	if v := r.PostFormValue("to_category"); v != "" {
		in.CategoryID, _ = strconv.ParseInt(v, 10, 64)
		if in.CategoryID <= 0 {
			in.CategoryID = -1 // not a category: the service says so
		}
	}
	t, err := s.d.Hall.Transfer(r.Context(), actor(r), window, in)
	if err != nil {
		return s.hallRefused(w, r, window, err)
	}
	to := t.CategoryName
	if t.TargetWindow != "" {
		to = "窗口 " + strconv.Itoa(hall.WindowNumber(t.TargetWindow)) + " 号"
	}
	s.redirect(w, r, hallBack(window), "ok", t.Number+"号已转到"+to+"，排在队列最前")
	return nil
}

// workHallRequeue puts a missed ticket back into the queue once (重新排队).
func (s *server) workHallRequeue(w http.ResponseWriter, r *http.Request) error {
	window := r.PathValue("window")
	t, err := s.d.Hall.Requeue(r.Context(), actor(r), window, r.PathValue("number"))
	if err != nil {
		return s.hallRefused(w, r, window, err)
	}
	s.redirect(w, r, hallBack(window), "ok", t.Number+"号已重新排队，前面还有 "+strconv.Itoa(t.Ahead)+" 人（只能重新排队一次）")
	return nil
}

// The evaluation pad (评价器) for a service: the window hands the
// applicant the page after 办结; five big buttons, a reason for a 差评.
type hallRatePage struct {
	base
	T       *hall.Ticket
	Window  string
	Levels  []option
	Done    bool
	Closed  string // why the service cannot be rated now
	Error   string
	Comment string
	Errors  fieldErrors
	// The on-site indicators (GB/T 39735) the pad offers, and those ticked.
	Indicators []casework.Indicator
	Ticked     map[string]bool
}

func init() { pages = append(pages, "hall_rate") }

func (s *server) workHallRate(w http.ResponseWriter, r *http.Request) error {
	return s.renderHallRate(w, r, nil, http.StatusOK)
}

func (s *server) renderHallRate(w http.ResponseWriter, r *http.Request, fail error, st int) error {
	a := actor(r)
	if err := casework.MayHandOverPad(a); err != nil {
		return err
	}
	window := r.PathValue("window")
	t, err := s.d.Hall.StaffTicket(r.Context(), a, window, r.PathValue("number"))
	if err != nil {
		return err
	}
	p := &hallRatePage{base: s.workBase(w, r, "服务评价"), T: t, Window: window, Errors: fieldErrors{},
		Done: r.URL.Query().Get("done") == "1" && fail == nil, Indicators: casework.OnsiteIndicators, Ticked: map[string]bool{}}
	for i := 1; i < len(casework.Levels); i++ {
		p.Levels = append(p.Levels, option{strconv.Itoa(i), casework.Levels[i]})
	}
	if err := t.MayRate(window); err != nil && !p.Done {
		p.Closed = zwfw.ErrorMessage(err)
	}
	if fail != nil {
		p.Errors, p.Error = fromError(fail)
		p.Comment = r.PostFormValue("comment")
		for _, c := range r.PostForm["indicators"] {
			p.Ticked[c] = true
		}
	}
	s.render(w, r, st, "hall_rate", p)
	return nil
}

func (s *server) workHallRatePost(w http.ResponseWriter, r *http.Request) error {
	window, number := r.PathValue("window"), r.PathValue("number")
	level, _ := strconv.Atoi(r.PostFormValue("level"))
	_, err := s.d.Hall.Rate(r.Context(), actor(r), window, number, hall.RatingInput{Level: level, Comment: r.PostFormValue("comment"),
		Indicators: r.PostForm["indicators"]})
	if err != nil {
		switch code := zwfw.ErrorCode(err); code {
		case zwfw.EINVALID, zwfw.ECONFLICT:
			return s.renderHallRate(w, r, err, status(code))
		}
		return err
	}
	http.Redirect(w, r, "/work/hall/"+url.PathEscape(window)+"/tickets/"+url.PathEscape(number)+"/rate?done=1", http.StatusSeeOther)
	return nil
}
