package casework

// 好差评 (GB/T 39735-2020; 国办发〔2019〕51号): the channels, their indicator
// sets, what counts as a 差评, and the one answer to "may this person
// evaluate this case on this channel now". The hall's rating of a ticket
// and the rating of a staff member ask the same functions; the rectification
// work orders (internal/review) are opened through RatingHook, in the
// rating's transaction.

import (
	"context"
	"slices"
	"strings"

	"zwfw"
	"zwfw/internal/db"
)

// Rating channels (GB/T 39735: 1 PC, 2 mobile, 3 QR code, 4 hall tablet,
// 6 phone, 7 SMS), stored by these codes.
const (
	ChannelPC     = "pc"     // 网上办事大厅（电脑）
	ChannelMobile = "mobile" // 移动端
	ChannelQR     = "qr"     // 二维码（结果通知书、窗口）
	ChannelPad    = "pad"    // 窗口评价器
	ChannelPhone  = "phone"  // 电话回访录入
	ChannelSMS    = "sms"    // 短信链接
)

// RatingChannels names the channels, in the standard's order.
var RatingChannels = []struct{ Code, Name, Std string }{
	{ChannelPC, "网上办事大厅", "1"}, {ChannelMobile, "移动端", "2"}, {ChannelQR, "二维码", "3"},
	{ChannelPad, "窗口评价器", "4"}, {ChannelPhone, "电话回访", "6"}, {ChannelSMS, "短信", "7"},
}

// RatingChannelName is the Chinese name of a channel.
func RatingChannelName(code string) string {
	for _, c := range RatingChannels {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}

// Indicator is one indicator a rating may tick (GB/T 39735 评价指标).
type Indicator struct{ Code, Name string }

// The indicator sets: online service, and service on site.
var (
	OnlineIndicators = []Indicator{{"efficiency", "办事效率"}, {"guide", "办事指南精确度"}, {"convenience", "办事便捷度"}, {"operability", "平台操作性"}}
	OnsiteIndicators = []Indicator{{"service_efficiency", "服务效率"}, {"service_level", "服务水平"}, {"service_attitude", "服务态度"}}
)

// IndicatorsFor is the indicator set of a channel: the window's pad and a
// phone call-back rate the service on site; PC, mobile and SMS the online
// service; a QR code rates what it was printed for (onsite: a window case,
// a window's card).
func IndicatorsFor(channel string, onsite bool) []Indicator {
	switch channel {
	case ChannelPad, ChannelPhone:
		return OnsiteIndicators
	case ChannelQR:
		if onsite {
			return OnsiteIndicators
		}
	}
	return OnlineIndicators
}

// IndicatorName is the Chinese name of an indicator code.
func IndicatorName(code string) string {
	for _, set := range [][]Indicator{OnlineIndicators, OnsiteIndicators} {
		for _, i := range set {
			if i.Code == code {
				return i.Name
			}
		}
	}
	return code
}

// IsBad says whether a level is a 差评 (不满意 or 非常不满意). A 差评 a
// supervisor cleared as invalid or malicious stays recorded but is not
// counted (internal/review).
func IsBad(level int) bool { return level >= 4 && level < len(Levels) }

// CheckIndicators checks the indicator codes ticked on a channel and returns
// them as stored (comma-separated, in the set's order).
func CheckIndicators(channel string, onsite bool, codes []string) (string, error) {
	set := IndicatorsFor(channel, onsite)
	var out []string
	for _, i := range set {
		if slices.Contains(codes, i.Code) {
			out = append(out, i.Code)
		}
	}
	for _, c := range codes {
		if c == "" {
			continue
		}
		if !slices.ContainsFunc(set, func(i Indicator) bool { return i.Code == c }) {
			names := make([]string, len(set))
			for k, i := range set {
				names[k] = i.Code + " " + i.Name
			}
			return "", invalid("indicators", "评价指标“%s”不属于此渠道（可选：%s）", c, strings.Join(names, "、"))
		}
	}
	return strings.Join(out, ","), nil
}

// channelsOf are the channels an actor rates a case on: the applicant who
// filed it, signed in (PC or mobile: one online channel, 一事一评); the
// system on behalf of whoever holds a signed link (QR code, SMS —
// internal/review checked the signature); window staff hand over the pad
// or enter a phone call-back.
func channelsOf(a *zwfw.Actor, c *Case) []string {
	switch {
	case a == nil:
		return nil
	case a.Kind == zwfw.KindSystem:
		return []string{ChannelPad, ChannelQR, ChannelSMS}
	case c.ApplicantID != 0 && c.ApplicantID == a.UserID:
		return []string{ChannelPC, ChannelMobile}
	case a.IsStaff() && a.Has(zwfw.RoleWindow):
		return []string{ChannelPad, ChannelPhone}
	}
	return nil
}

// RatingChannel decides the channel of a rating of c by a: the one asked
// for, or when none is, the first of the actor's channels not yet used.
// One evaluation per case per channel (一事一评 online, 一次一评 on site);
// the further evaluation the standard allows once is the follow-up after a
// rectification (followUp), which internal/review opens when its result
// has been sent to the evaluator.
func RatingChannel(a *zwfw.Actor, c *Case, channel string, followUp bool) (string, error) {
	mine := channelsOf(a, c)
	if len(mine) == 0 {
		return "", errForbidden
	}
	used := func(ch string) bool {
		return slices.ContainsFunc(c.Evaluations, func(e Evaluation) bool { return channelGroup(e.Channel) == channelGroup(ch) && !e.FollowUp })
	}
	if channel == "" {
		for _, ch := range mine {
			if followUp || !used(ch) {
				return ch, nil
			}
		}
		return "", errRatedAll
	}
	if !slices.Contains(mine, channel) {
		if RatingChannelName(channel) == channel {
			return "", invalid("channel", "评价渠道无效（可用：pc、mobile、qr、pad、phone、sms）")
		}
		return "", zwfw.Errorf(zwfw.EFORBIDDEN, "您不能通过“%s”评价本件", RatingChannelName(channel))
	}
	if !followUp && used(channel) {
		return "", zwfw.Errorf(zwfw.ECONFLICT, "本件已通过“%s”评价过，每个渠道只评价一次；整改后可追评一次", RatingChannelName(channel))
	}
	return channel, nil
}

// channelGroup: PC and mobile are one channel for the one-per-channel rule
// (the signed-in applicant's online rating, 一事一评).
func channelGroup(ch string) string {
	if ch == ChannelMobile {
		return ChannelPC
	}
	return ch
}

var errRatedAll = zwfw.Errorf(zwfw.ECONFLICT, "本件已在您可用的评价渠道评价过，每个渠道只评价一次；整改后可追评一次")

// Rated is a rating just written, told to the RatingHook in its
// transaction.
type Rated struct {
	Target    string // case, ticket, staff
	EvalID    int64
	CaseID    int64
	Serial    string
	TicketID  int64
	StaffID   int64
	Level     int
	Comment   string
	Channel   string
	Evaluator int64 // 0: not known (a walk-in at the pad) or anonymous
	Anonymous bool
	FollowUp  int64 // the work order a follow-up answers
	OrgID     int64 // where it was given: the case's centre, the ticket's centre
	OrgPath   string
	OwnerID   int64 // who answers for it: the window, else the department
	OwnerPath string
	What      string // what was rated, one line (item name, ticket number)
}

// RatingHook hears of every rating in its transaction: a 差评 opens a
// rectification work order, a follow-up closes one.
type RatingHook interface {
	Rated(ctx context.Context, tx *db.Tx, r Rated) error
	// FollowUpDue returns the work order of case whose result the
	// evaluator was sent and has not yet rated, or the refusal.
	FollowUpDue(ctx context.Context, tx *db.Tx, caseID int64) (int64, error)
	// Closed is told a case was completed or delivered: the SMS with the
	// rating link.
	Closed(ctx context.Context, tx *db.Tx, c *Case, phone string) error
}

// SetRatingHook sets the hook (app wiring; nil in the domain's own tests).
func (s *Service) SetRatingHook(h RatingHook) { s.ratings = h }
