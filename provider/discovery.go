package provider

import (
	"encoding/json"
	"net/http"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/vhod-id/vhod/directory"
	"github.com/vhod-id/vhod/provider/clientjwt"
	"github.com/vhod-id/vhod/provider/dpop"
	"github.com/vhod-id/vhod/provider/mtls"
)

// discovery serves op's discovery document corrected to what Vhod really offers:
// op announces the implicit flow, id_token response types, the JWT bearer grant and
// device authorization whatever the storage supports, and knows nothing of the
// metadata of what Vhod adds on top of it (front-channel logout, PAR, DPoP, mTLS).
func (p *Provider) discoveryJSON(r *http.Request) []byte {
	ctx := op.ContextWithIssuer(r.Context(), p.cfg.Issuer)
	d := op.CreateDiscoveryConfig(ctx, p.op, p.storage)
	d.ResponseTypesSupported = []string{string(oidc.ResponseTypeCode)}
	// What answerTo and checkAuthorize accept: no fragment (a code in a fragment
	// reaches no server-side client, and Vhod gives nothing but codes).
	d.ResponseModesSupported = []string{string(oidc.ResponseModeQuery)}
	if p.cfg.FormPost != nil {
		d.ResponseModesSupported = append(d.ResponseModesSupported, string(oidc.ResponseModeFormPost))
	}
	d.GrantTypesSupported = []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken, oidc.GrantTypeClientCredentials,
		oidc.GrantTypeDeviceCode, oidc.GrantTypeTokenExchange}
	d.CodeChallengeMethodsSupported = []oidc.CodeChallengeMethod{oidc.CodeChallengeMethodS256}
	d.ACRValuesSupported = directory.ACRLevels
	// Request objects are opened in front of op (see authorizeFront); request_uri
	// is only the PAR endpoint's, never fetched from elsewhere.
	d.RequestParameterSupported = true
	d.RequestURIParameterSupported = false
	d.RequestObjectSigningAlgValuesSupported = names(clientjwt.Algorithms)
	// Client authentication is Vhod's at every endpoint (see clientAuth): the
	// same methods and assertion algorithms everywhere.
	methods := []oidc.AuthMethod{oidc.AuthMethodBasic, oidc.AuthMethodPost, oidc.AuthMethodPrivateKeyJWT}
	d.TokenEndpointAuthMethodsSupported = append([]oidc.AuthMethod{oidc.AuthMethodNone}, methods...)
	d.IntrospectionEndpointAuthMethodsSupported = methods
	d.RevocationEndpointAuthMethodsSupported = append([]oidc.AuthMethod{oidc.AuthMethodNone}, methods...)
	d.TokenEndpointAuthSigningAlgValuesSupported = names(clientjwt.Algorithms)
	d.IntrospectionEndpointAuthSigningAlgValuesSupported = names(clientjwt.Algorithms)
	d.RevocationEndpointAuthSigningAlgValuesSupported = names(clientjwt.Algorithms)
	d.BackChannelLogoutSupported = true
	d.BackChannelLogoutSessionSupported = true
	b, _ := json.Marshal(d)
	var doc map[string]any
	_ = json.Unmarshal(b, &doc)
	// Front-Channel Logout 1.0 section 3: iss and sid are sent to every frame.
	doc["frontchannel_logout_supported"] = true
	doc["frontchannel_logout_session_supported"] = true
	// RFC 9126 section 5: PAR is offered to every client, demanded of some.
	doc["pushed_authorization_request_endpoint"] = p.cfg.Issuer + "/par"
	doc["require_pushed_authorization_requests"] = false
	doc["dpop_signing_alg_values_supported"] = dpop.Algorithms
	if p.cfg.ClientCertificate != nil {
		mtls.Metadata(doc, p.cfg.Issuer, p.cfg.MTLSOrigin)
	}
	b, _ = json.Marshal(doc)
	return b
}
