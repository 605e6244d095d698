// A small web application that signs people in with Vhod through OpenID
// Connect with openid-client (v6): the authorization code flow with PKCE,
// the ID token checked (issuer, audience, expiry, nonce, and its signature
// against Vhod's published keys), the company and roles read from the org
// and roles claims, and signing out at Vhod's end_session endpoint.
//
// It is the program of docs/en/integrations/node.md, and
// e2e/integration_node_test.go signs a person in through it against Vhod.
//
//   npm ci
//   ISSUER=http://localhost:8080 CLIENT_ID=node-app CLIENT_SECRET=... \
//   APP_URL=http://localhost:3000 node app.mjs
//
// ACR_VALUES (optional) asks Vhod for a stronger sign-in, for example
// urn:vhod:acr:certificate; the app then refuses a token that is weaker.
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import * as client from 'openid-client'

const env = (name) => {
  const v = process.env[name]
  if (!v) throw new Error(`set ${name}`)
  return v
}
const issuer = new URL(env('ISSUER'))
const appURL = env('APP_URL').replace(/\/$/, '')
const acrValues = process.env.ACR_VALUES ?? ''

// Vhod's sign-in classes, weakest first (docs/en/claims.md).
const acrLevels = [
  'urn:vhod:acr:password',
  'urn:vhod:acr:phone',
  'urn:vhod:acr:mfa',
  'urn:vhod:acr:certificate',
  'urn:vhod:acr:qualified-certificate',
]
const atLeast = (have, want) => {
  const h = acrLevels.indexOf(have)
  const w = acrLevels.indexOf(want)
  return h >= 0 && w >= 0 && h >= w
}

// Discovery: endpoints and keys from ISSUER/.well-known/openid-configuration.
// enableNonRepudiationChecks verifies the ID token's signature with Vhod's
// JWKS too; openid-client refuses plain http unless told, which only a
// development Vhod (http://localhost) needs.
const config = await client.discovery(issuer, env('CLIENT_ID'), undefined,
  client.ClientSecretBasic(env('CLIENT_SECRET')), {
    execute: [client.enableNonRepudiationChecks,
      ...(issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [])],
  })

// Sessions live in memory here; a real app keeps them in its store. The
// cookie names are the app's own: browsers do not keep cookies apart by port,
// so on one host (localhost in development) they must not clash with Vhod's.
const sessions = new Map() // id → { claims, idToken }
const pending = new Map() // state → { nonce, verifier, started }
const secure = appURL.startsWith('https://')

const cookies = (req) => Object.fromEntries((req.headers.cookie ?? '').split(';')
  .map((c) => c.trim()).filter((c) => c.includes('='))
  .map((c) => [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)]))
const setCookie = (res, name, value, maxAge) => res.appendHeader('Set-Cookie',
  `${name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`)
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
const send = (res, status, body) => {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' })
  res.end(body)
}
const redirect = (res, to, status = 302) => {
  res.writeHead(status, { Location: String(to) })
  res.end()
}
const sessionOf = (req) => sessions.get(cookies(req).nodeapp_session)

// login sends the browser to Vhod with a fresh state, nonce and PKCE verifier.
async function login (req, res) {
  const state = client.randomState()
  const nonce = client.randomNonce()
  const verifier = client.randomPKCECodeVerifier()
  for (const [k, p] of pending) { // forget sign-ins never finished
    if (Date.now() - p.started > 600_000) pending.delete(k)
  }
  pending.set(state, { nonce, verifier, started: Date.now() })
  // The state cookie binds the answer to this browser. SameSite=Lax: the
  // browser comes back from Vhod by a top-level redirect.
  setCookie(res, 'nodeapp_state', state, 600)
  const params = {
    redirect_uri: `${appURL}/callback`,
    // org: the company chosen at sign-in with the roles there;
    // orgs: every company of the person.
    scope: 'openid profile org orgs',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }
  if (acrValues) params.acr_values = acrValues
  redirect(res, client.buildAuthorizationUrl(config, params))
}

// callback takes the code, checks everything, and starts the app's session.
async function callback (req, res) {
  const url = new URL(req.url, appURL)
  const state = url.searchParams.get('state')
  const p = pending.get(state)
  pending.delete(state)
  setCookie(res, 'nodeapp_state', '', 0)
  if (!p || cookies(req).nodeapp_state !== state || Date.now() - p.started > 600_000) {
    return send(res, 400, 'This sign-in was not started in this browser, or it expired; start again.')
  }
  let tokens
  try {
    // Checks the state, exchanges the code with the PKCE verifier, and checks
    // the ID token: iss, aud = our client ID, exp, nonce and the signature.
    // An error answer from Vhod (access_denied…) is thrown here too.
    tokens = await client.authorizationCodeGrant(config, url, {
      pkceCodeVerifier: p.verifier,
      expectedState: state,
      expectedNonce: p.nonce,
      idTokenExpected: true,
    })
  } catch (err) {
    console.error('sign-in:', err)
    return send(res, 401, 'The sign-in could not be completed.')
  }
  const claims = tokens.claims()
  // Vhod steps a weak session up to what acr_values asks, but the request
  // passed through the browser: check what was actually done.
  if (acrValues && !atLeast(claims.acr, acrValues)) {
    return send(res, 401, 'This app needs a stronger sign-in.')
  }
  const id = randomBytes(32).toString('base64url')
  sessions.set(id, { claims, idToken: tokens.id_token })
  setCookie(res, 'nodeapp_session', id, 8 * 3600)
  redirect(res, '/', 303)
}

function home (req, res) {
  const s = sessionOf(req)
  if (!s) return send(res, 200, '<!doctype html><title>Node app</title><p><a href="/login">Sign in with Vhod</a></p>')
  const { name, org, roles = [] } = s.claims
  send(res, 200, `<!doctype html><html lang="en"><meta charset="utf-8"><title>Node app</title>
<p>Signed in as ${escape(name)}${org ? ` for ${escape(org.name)} (INN ${escape(org.inn)})` : ''}.</p>
<p>Roles: ${escape(roles.join(' ') || 'none')}</p>
<pre id="claims">${escape(JSON.stringify(s.claims, null, 2))}</pre>
<form method="post" action="/logout"><button>Sign out</button></form>`)
}

// edit is a page only for people holding the role "editor" in the company
// they signed in for: roles are the keys of the app's role catalogue in Vhod.
function edit (req, res) {
  const s = sessionOf(req)
  if (!s) return redirect(res, '/login')
  if (!s.claims.org || !(s.claims.roles ?? []).includes('editor')) return send(res, 403, 'Only editors may edit.')
  send(res, 200, `Editing for ${escape(s.claims.org.name)}.`)
}

// logout ends the app's session, then Vhod's: the ID token as id_token_hint
// lets Vhod sign out without asking, and send the browser back to the app.
// A POST, so that another site cannot sign the person out with a link.
function logout (req, res) {
  const id = cookies(req).nodeapp_session
  const s = sessions.get(id)
  sessions.delete(id)
  setCookie(res, 'nodeapp_session', '', 0)
  if (!s) return redirect(res, '/', 303)
  redirect(res, client.buildEndSessionUrl(config, {
    id_token_hint: s.idToken,
    post_logout_redirect_uri: `${appURL}/`,
  }), 303)
}

const routes = { 'GET /': home, 'GET /login': login, 'GET /callback': callback, 'GET /edit': edit, 'POST /logout': logout }

http.createServer(async (req, res) => {
  const route = routes[`${req.method} ${new URL(req.url, appURL).pathname}`]
  if (!route) return send(res, 404, 'Not found.')
  try {
    await route(req, res)
  } catch (err) {
    console.error(err)
    if (!res.headersSent) send(res, 500, 'Something went wrong.')
  }
}).listen(Number(new URL(appURL).port || 80), new URL(appURL).hostname, () => console.log(`listening at ${appURL}`))
