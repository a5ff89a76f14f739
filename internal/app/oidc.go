package app

import (
	"fmt"
	"os"
	"strings"

	"zwfw/internal/account"
	"zwfw/internal/config"
)

// setOIDC configures the unified identity (统一身份认证, issue 14 item 1)
// from ZWFW_OIDC_*: nothing when no issuer is set. The client secret is
// read from ZWFW_OIDC_CLIENT_SECRET_FILE when that is set.
func setOIDC(users *account.Service, c config.OIDC) error {
	if c.Issuer == "" {
		return nil
	}
	secret := c.ClientSecret
	if c.ClientSecretFile != "" {
		b, err := os.ReadFile(c.ClientSecretFile)
		if err != nil {
			return fmt.Errorf("读取统一身份认证客户端密钥文件 ZWFW_OIDC_CLIENT_SECRET_FILE：%w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	claim, value, _ := strings.Cut(c.StaffClaim, "=")
	users.SetOIDC(account.OIDCConfig{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: secret, RedirectURL: c.RedirectURL,
		PostLogoutURL: c.PostLogoutURL, IDClaim: c.IDClaim, VerifiedClaim: c.VerifiedClaim, TypeClaim: claim, StaffType: value})
	return nil
}
