package exchange

import (
	"context"
	"time"

	"zwfw"
)

// Overview is the operators' view of the exchange (/admin/exchange): this
// platform's identity, each peer's outbox and the dead letters.
type Overview struct {
	Identity    Identity
	IdentityErr string // the identity could not be read (no organisation with the platform code)
	Role        string
	Peers       []PeerStatus
	Dead        []DeadLetter
	LagAlert    time.Duration
	Alerts      []PeerStatus // peers whose lag passes LagAlert
	Counters    Counters
}

// deadShown bounds the dead letters listed.
const deadShown = 200

// Overview returns the operators' view; MayManage decides who sees it.
func (s *Service) Overview(ctx context.Context, actor *zwfw.Actor) (*Overview, error) {
	if err := s.May(ctx, actor); err != nil {
		return nil, err
	}
	o := &Overview{Role: s.opt.Role, LagAlert: s.opt.LagAlert, Counters: s.Counters()}
	id, err := s.Identity(ctx)
	if err != nil {
		if zwfw.ErrorCode(err) == zwfw.EINTERNAL {
			return nil, err
		}
		o.IdentityErr = zwfw.ErrorMessage(err)
		id = Identity{Code: s.opt.Code, Name: s.opt.Name, Role: s.opt.Role}
	}
	o.Identity = id
	if o.Peers, err = s.Status(ctx, true); err != nil {
		return nil, err
	}
	for _, p := range o.Peers {
		if p.Alert {
			o.Alerts = append(o.Alerts, p)
		}
	}
	if o.Dead, err = s.deadLetters(ctx, s.db.Reader(), deadShown); err != nil {
		return nil, err
	}
	return o, nil
}
