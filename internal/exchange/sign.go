package exchange

import (
	"context"
	"encoding/base64"
)

// SignBatch signs each event and the whole with this platform's key and
// returns the batch to POST to the events' receiver.
func (s *Service) SignBatch(ctx context.Context, evs []Event) (*Batch, error) {
	o, err := s.rootOrg(ctx)
	if err != nil {
		return nil, err
	}
	b := &Batch{From: s.opt.Code, Events: make([]SignedEvent, len(evs))}
	for i := range evs {
		eb, err := EventBytes(&evs[i])
		if err != nil {
			return nil, err
		}
		sig, err := s.esign.Sign(ctx, o.ID, eb)
		if err != nil {
			return nil, err
		}
		b.Events[i] = SignedEvent{Event: evs[i], Sig: base64.StdEncoding.EncodeToString(sig.Value)}
	}
	canon, err := Canonical(b.Events)
	if err != nil {
		return nil, err
	}
	sig, err := s.esign.Sign(ctx, o.ID, canon)
	if err != nil {
		return nil, err
	}
	b.KeyID, b.Signature = sig.KeyID, base64.StdEncoding.EncodeToString(sig.Value)
	return b, nil
}
