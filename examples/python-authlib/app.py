"""A Flask application that signs people in with Vhod through Authlib.

Authlib's OpenID Connect client reads everything else from Vhod's discovery
document: it sends the person to Vhod with the authorization code flow, PKCE
(S256), state and nonce; takes the code back at /callback; checks the ID
token's signature (Vhod's JWKS), issuer, audience, expiry and nonce; and
keeps its claims in Flask's signed session cookie. The start page shows them.

Settings come from the environment:

  VHOD_ISSUER         Vhod's issuer, e.g. https://id.example.ru
  VHOD_CLIENT_ID      the client registered at Vhod
  VHOD_CLIENT_SECRET  its secret
  VHOD_SCOPES         the scopes to ask for (default "openid profile email org")
  APP_URL             this application's address as browsers see it; Vhod
                      sends them back to APP_URL/callback
  APP_SECRET_KEY      a long random secret that signs Flask's session cookie
  APP_LISTEN          host:port to listen on (default 127.0.0.1:5000)

Run it with Debian's packages: apt-get install python3-authlib python3-flask
python3-requests, then python3 app.py. Flask's own server is for trying it
out; in production run `app` under a WSGI server (gunicorn, uWSGI) behind
HTTPS.
"""

import hmac
import json
import os
import secrets
from urllib.parse import urlencode

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, redirect, request, session
from markupsafe import escape

APP_URL = os.environ["APP_URL"].rstrip("/")

app = Flask(__name__)
app.secret_key = os.environ["APP_SECRET_KEY"]
app.config.update(
    SESSION_COOKIE_HTTPONLY=True,
    SESSION_COOKIE_SAMESITE="Lax",  # Vhod's redirect back is a top-level GET
    SESSION_COOKIE_SECURE=APP_URL.startswith("https://"),
)

oauth = OAuth(app)
oauth.register(
    name="vhod",
    server_metadata_url=os.environ["VHOD_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
    client_id=os.environ["VHOD_CLIENT_ID"],
    client_secret=os.environ["VHOD_CLIENT_SECRET"],
    client_kwargs={
        "scope": os.environ.get("VHOD_SCOPES", "openid profile email org"),
        "code_challenge_method": "S256",
    },
)


def page(title, body):
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><h1>{escape(title)}</h1>{body}"
    )


def csrf_token():
    """A per-session token for the sign-out form: a cross-site page cannot sign the person out."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


@app.get("/")
def home():
    claims = session.get("claims")
    if not claims:
        return page("Not signed in", '<p><a id="signin" href="/login">Sign in with Vhod</a></p>')
    userinfo = session.get("userinfo") or {}
    return page(
        f"Signed in as {userinfo.get('name') or claims['sub']}",
        "<h2>ID token</h2>"
        f'<pre id="claims">{escape(json.dumps(claims, ensure_ascii=False, indent=2))}</pre>'
        "<h2>UserInfo</h2>"
        f'<pre id="userinfo">{escape(json.dumps(userinfo, ensure_ascii=False, indent=2))}</pre>'
        '<form method="post" action="/logout">'
        f'<input type="hidden" name="csrf" value="{escape(csrf_token())}">'
        '<button id="signout">Sign out</button></form>',
    )


@app.get("/login")
def login():
    # Authlib adds state, nonce and the PKCE challenge, and keeps their
    # secrets in the session for /callback.
    return oauth.vhod.authorize_redirect(APP_URL + "/callback")


@app.get("/callback")
def callback():
    # Checks state, trades the code (with the PKCE verifier) for tokens, and
    # verifies the ID token; any failure raises and nobody is signed in.
    try:
        token = oauth.vhod.authorize_access_token()
    except OAuthError as e:
        # Vhod's answer (the person declined, say) or a failed check.
        app.logger.warning("sign-in failed: %s", e)
        return page("Not signed in", f"<p>Signing in did not finish: {escape(e.description or e.error)}</p>"), 400
    session.clear()
    session["claims"] = token["userinfo"]  # the verified ID token's claims
    session["userinfo"] = oauth.vhod.userinfo(token=token)  # the access token at work
    session["id_token"] = token["id_token"]
    return redirect("/")


@app.post("/logout")
def logout():
    if not hmac.compare_digest(request.form.get("csrf", ""), session.get("csrf", "")):
        abort(403)
    id_token = session.get("id_token")
    session.clear()
    metadata = oauth.vhod.load_server_metadata()
    # RP-initiated logout: Vhod ends its own session too and sends the
    # browser back to APP_URL/ (registered as a post-logout redirect URI).
    query = {"client_id": os.environ["VHOD_CLIENT_ID"], "post_logout_redirect_uri": APP_URL + "/"}
    if id_token:
        query["id_token_hint"] = id_token
    return redirect(metadata["end_session_endpoint"] + "?" + urlencode(query))


if __name__ == "__main__":
    host, _, port = os.environ.get("APP_LISTEN", "127.0.0.1:5000").rpartition(":")
    app.run(host=host, port=int(port))
