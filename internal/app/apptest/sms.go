package apptest

import (
	"context"
	"regexp"
	"sync"
	"testing"

	"zwfw/internal/notify"
)

// SMSBox is the test instances' SMS gateway for verification codes: it
// keeps what was sent, so tests read a code from here, never from the log.
type SMSBox struct {
	mu   sync.Mutex
	last map[string]string // phone → the last code sent to it
	sent int
}

var sixDigits = regexp.MustCompile(`[0-9]{6}`)

// Send keeps m's code.
func (b *SMSBox) Send(_ context.Context, m notify.Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last == nil {
		b.last = map[string]string{}
	}
	b.last[m.Address] = sixDigits.FindString(m.Body)
	b.sent++
	return nil
}

// Code is the last code sent to phone ("" when none).
func (b *SMSBox) Code(phone string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last[phone]
}

// Sent counts the codes sent.
func (b *SMSBox) Sent() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sent
}

// SMSCode has a code for purpose ("register", "login") sent to phone, as
// the platform itself asks (no client address: no address limit), and
// returns it.
func (e *Env) SMSCode(t testing.TB, purpose, phone string) string {
	t.Helper()
	if err := e.App.Users.SendCode(context.Background(), purpose, phone, ""); err != nil {
		t.Fatalf("send a code to %s: %v", phone, err)
	}
	c := e.SMS.Code(phone)
	if c == "" {
		t.Fatalf("no code reached %s", phone)
	}
	return c
}
