// Passkeys (WebAuthn) on the sign-in pages: the element #passkey carries the
// ceremony's address (data-begin, a POST answered with the options of
// navigator.credentials.get) and a form whose hidden "credential" field takes
// the browser's answer as JSON; the server checks it. With data-conditional
// the Login field offers the person's passkeys as autofill (conditional
// mediation) as soon as the page loads; the button asks at once.
(function () {
  'use strict';
  var box = document.getElementById('passkey');
  if (!box) {
    return;
  }
  var form = box.querySelector('form');
  var button = box.querySelector('button');
  var status = box.querySelector('[role=status]');
  if (!window.PublicKeyCredential || !navigator.credentials || !form || !button) {
    return; // the page keeps its other ways in
  }
  box.hidden = false;
  var token = form.querySelector('input[name=csrf_token]');
  var pending = null;

  function b64u(buf) {
    var bytes = new Uint8Array(buf), s = '';
    for (var i = 0; i < bytes.length; i++) {
      s += String.fromCharCode(bytes[i]);
    }
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function unb64u(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) {
      s += '=';
    }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out.buffer;
  }

  function begin() {
    return fetch(box.dataset.begin, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': token ? token.value : '', 'Accept': 'application/json' }
    }).then(function (r) {
      if (!r.ok) {
        throw new Error('begin: ' + r.status);
      }
      return r.json();
    });
  }

  function options(o) {
    var pk = o.publicKey;
    pk.challenge = unb64u(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = unb64u(c.id); });
    return pk;
  }

  function send(cred) {
    var r = cred.response;
    form.elements.credential.value = JSON.stringify({
      id: cred.id, rawId: b64u(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      response: {
        clientDataJSON: b64u(r.clientDataJSON), authenticatorData: b64u(r.authenticatorData),
        signature: b64u(r.signature), userHandle: r.userHandle ? b64u(r.userHandle) : undefined
      }
    });
    form.submit();
  }

  function run(mediation) {
    if (pending) {
      pending.abort();
    }
    var ctl = new AbortController();
    pending = ctl;
    return begin().then(function (o) {
      var req = { publicKey: options(o), signal: ctl.signal };
      if (mediation) {
        req.mediation = mediation;
      }
      return navigator.credentials.get(req);
    }).then(function (cred) {
      if (cred) {
        send(cred);
      }
    }).catch(function (e) {
      if (e && e.name === 'AbortError') {
        return;
      }
      if (status) {
        status.textContent = box.dataset.failed || '';
      }
    });
  }

  button.addEventListener('click', function () { run(''); });
  if (box.dataset.conditional && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
      if (ok) {
        run('conditional');
      }
    });
  }
})();
