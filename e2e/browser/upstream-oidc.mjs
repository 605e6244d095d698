// An upstream OpenID provider no one here wrote: node's oidc-provider
// (panva), with its development login and consent pages, for Vhod to sign
// people in through. federated.test.mjs starts it; it can also run alone:
//   UPSTREAM_PORT=9000 VHOD_ISSUER=http://127.0.0.1:8080 node upstream-oidc.mjs
import Provider from 'oidc-provider';

// Whoever types a login at the development login page is that person: the
// login is the subject, and the claims follow from it.
function account(id) {
  return {
    accountId: id,
    async claims() {
      return {
        sub: id,
        email: `${id}@upstream.test`,
        email_verified: true,
        given_name: 'Fedor',
        family_name: 'Upstreamov',
        name: 'Fedor Upstreamov',
      };
    },
  };
}

export function startUpstream({ port, vhodIssuer, clientSecret = 'vhod-upstream-secret' }) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: 'vhod',
      client_secret: clientSecret,
      redirect_uris: [`${vhodIssuer}/login/federated/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['family_name', 'given_name', 'name'],
    },
    cookies: { keys: ['upstream-cookie-key-for-tests-only'] },
    findAccount: async (ctx, id) => account(id),
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
  });
  return new Promise((resolve) => {
    const server = provider.listen(port, '127.0.0.1', () => resolve({ issuer, close: () => server.close() }));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { issuer } = await startUpstream({ port: Number(process.env.UPSTREAM_PORT), vhodIssuer: process.env.VHOD_ISSUER });
  console.log(`upstream OpenID provider at ${issuer}`);
}
