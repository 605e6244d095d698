// Adds a passkey on the account page's "Sign-in and security" section. The
// CSP allows no inline script, so this file does the WebAuthn part: it asks
// Vhod for the creation options (POST, with the form's CSRF token), lets the
// browser make the credential, and posts it back in the same form, whose
// answer is an ordinary page. Without WebAuthn the form says so and stays put.
(function () {
  'use strict';
  var form = document.getElementById('passkey-add');
  if (!form) {
    return;
  }
  var status = document.getElementById('passkey-status');

  function say(key) {
    status.textContent = form.getAttribute('data-' + key) || key;
  }

  function fromB64url(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) { s += '='; }
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function toB64url(buf) {
    var bytes = new Uint8Array(buf);
    var bin = '';
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  // creationOptions turns the JSON options (base64url strings) into what
  // navigator.credentials.create takes (buffers).
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64url(pk.challenge);
    pk.user.id = fromB64url(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
    return { publicKey: pk };
  }

  // credentialJSON is the browser's answer as go-webauthn parses it.
  function credentialJSON(c) {
    var r = c.response;
    return JSON.stringify({
      id: c.id, rawId: toB64url(c.rawId), type: c.type,
      authenticatorAttachment: c.authenticatorAttachment || undefined,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: {
        clientDataJSON: toB64url(r.clientDataJSON),
        attestationObject: toB64url(r.attestationObject),
        transports: r.getTransports ? r.getTransports() : []
      }
    });
  }

  form.addEventListener('submit', function (ev) {
    if (form.elements.credential.value) {
      return; // the second submit: the credential goes to Vhod
    }
    ev.preventDefault();
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say('unsupported');
      return;
    }
    say('working');
    var body = new FormData();
    body.append('csrf_token', form.elements.csrf_token.value);
    fetch(form.getAttribute('data-begin'), { method: 'POST', body: body, credentials: 'same-origin' })
      .then(function (resp) {
        if (resp.redirected || !resp.ok) { // a stale session is sent to sign in again
          window.location.href = resp.url;
          throw new Error('begin: ' + resp.status);
        }
        return resp.json();
      })
      .then(function (begin) {
        form.elements.ceremony.value = begin.ceremony;
        return navigator.credentials.create(creationOptions(begin.options));
      })
      .then(function (cred) {
        form.elements.credential.value = credentialJSON(cred);
        form.submit();
      })
      .catch(function (err) {
        if (window.console) { window.console.warn('passkey', err); }
        say('failed');
      });
  });
})();
