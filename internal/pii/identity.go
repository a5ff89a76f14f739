package pii

// Unified identity and the second factor (issue 14 item 1, migration
// 00047): an external subject (a provider may use an identity number as
// the subject) is sealed with its lookup digest; the provider's ID tokens
// kept for sign-out carry the person's claims; a TOTP secret is a key.
var (
	OIDCSubject      = Column{"oidc_links", "subject", "subject_digest"}
	OIDCSessionToken = Column{"oidc_sessions", "id_token", ""}
	ChallengeIDToken = Column{"login_challenges", "id_token", ""}
	TOTPSecret       = Column{"user_totp", "secret", ""}
)

func init() {
	Columns = append(Columns, OIDCSubject, OIDCSessionToken, ChallengeIDToken, TOTPSecret)
}
