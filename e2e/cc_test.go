package e2e

import "golang.org/x/oauth2/clientcredentials"

// clientCredentials is the client_credentials grant of r's client.
func clientCredentials(r *rp) *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID: r.oauth.ClientID, ClientSecret: r.oauth.ClientSecret,
		TokenURL: r.oauth.Endpoint.TokenURL, AuthStyle: r.oauth.Endpoint.AuthStyle,
	}
}
