// panva's oidc-provider (a certified OpenID Provider) set up like Vhod's benchmark
// client: in-memory storage, one confidential client with client_credentials, JWT
// access tokens signed with ES256, introspection on. Used by peer.sh only.
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT || 3000);
const issuer = `http://127.0.0.1:${port}`;
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

const provider = new Provider(issuer, {
  jwks: { keys: [{ ...ec, kid: 'ec', alg: 'ES256', use: 'sig' }, { ...rsa, kid: 'rsa', alg: 'RS256', use: 'sig' }] },
  clients: [{
    client_id: process.env.CLIENT_ID || 'bench',
    client_secret: process.env.CLIENT_SECRET || 'bench-secret-0123456789',
    grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
  }],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:vhod:bench',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: '', audience: 'urn:vhod:bench', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});
provider.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening at ${issuer}`));
