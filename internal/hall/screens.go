package hall

// The hall's other public screens: the small screen above each window
// (窗口屏) reads its window from the centre's board, and the centre's
// rolling display (实时滚动公示, 附件2（八）1) is woken by the centre's case
// changes as the display screen is by its queue's.

// Window is the window with code on the board, nil when the centre shows
// no such window (another centre's, a payment window, closed).
func (b *Board) Window(code string) *BoardWindow {
	for i := range b.Windows {
		if b.Windows[i].Code == code {
			return &b.Windows[i]
		}
	}
	return nil
}

// SubscribeCases returns a channel that receives a value whenever a case
// of the centre is accepted, completed or evaluated (casework.Topic), in
// this process or (PostgreSQL) any other, and a function that ends the
// subscription.
func (s *Service) SubscribeCases(centreCode string) (<-chan struct{}, func()) {
	return s.cases.subscribe(centreCode)
}
