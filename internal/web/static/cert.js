// Signs the challenge with the CryptoPro browser plug-in when it is present:
// lists the person's certificates and makes a detached CAdES-BES signature of
// the challenge's bytes (CADESCOM_BASE64_TO_BINARY, so that the UTF-8 text is
// signed and not its UTF-16 form). Without the plug-in the page keeps its
// manual path: paste a signature made by any tool.
(function () {
  'use strict';
  var section = document.getElementById('plugin');
  var missing = document.getElementById('plugin-missing');
  var select = document.getElementById('plugin-certs');
  var status = document.getElementById('plugin-status');
  var form = document.getElementById('cert-form');
  if (!section || typeof window.cadesplugin === 'undefined') {
    return;
  }
  var plugin = window.cadesplugin;
  var certificates = [];

  function say(text) { status.textContent = text; }

  function listCertificates() {
    return plugin.async_spawn(function* () {
      var store = yield plugin.CreateObjectAsync('CAdESCOM.Store');
      yield store.Open(plugin.CAPICOM_CURRENT_USER_STORE, plugin.CAPICOM_MY_STORE, plugin.CAPICOM_STORE_OPEN_MAXIMUM_ALLOWED);
      var all = yield store.Certificates;
      var count = yield all.Count;
      var now = new Date();
      var found = [];
      for (var i = 1; i <= count; i++) {
        var cert = yield all.Item(i);
        var validTo = new Date(yield cert.ValidToDate);
        if (validTo < now || !(yield cert.HasPrivateKey())) {
          continue;
        }
        found.push({ cert: cert, name: yield cert.SubjectName, to: validTo });
      }
      yield store.Close();
      return found;
    });
  }

  function sign(cert) {
    return plugin.async_spawn(function* () {
      var signer = yield plugin.CreateObjectAsync('CAdESCOM.CPSigner');
      yield signer.propset_Certificate(cert);
      yield signer.propset_Options(plugin.CAPICOM_CERTIFICATE_INCLUDE_CHAIN_EXCEPT_ROOT);
      var data = yield plugin.CreateObjectAsync('CAdESCOM.CadesSignedData');
      yield data.propset_ContentEncoding(plugin.CADESCOM_BASE64_TO_BINARY);
      yield data.propset_Content(section.dataset.challenge);
      return yield data.SignCades(signer, plugin.CADESCOM_CADES_BES, true);
    });
  }

  function commonName(subject) {
    var m = /CN=("[^"]*"|[^,]*)/.exec(subject);
    return m ? m[1].replace(/^"|"$/g, '') : subject;
  }

  plugin.then(function () {
    return listCertificates();
  }).then(function (found) {
    certificates = found;
    missing.hidden = true;
    section.hidden = false;
    if (found.length === 0) {
      say(section.dataset.none);
      document.getElementById('plugin-sign').disabled = true;
      return;
    }
    found.forEach(function (c, i) {
      var option = document.createElement('option');
      option.value = String(i);
      option.textContent = commonName(c.name) + ' — ' + c.to.toLocaleDateString();
      select.appendChild(option);
    });
  }, function () {
    // No plug-in, or it refused: the manual path stays on the page.
  });

  document.getElementById('plugin-sign').addEventListener('click', function () {
    var chosen = certificates[Number(select.value)];
    if (!chosen) {
      return;
    }
    say(section.dataset.signing);
    sign(chosen.cert).then(function (signature) {
      document.getElementById('signature').value = signature;
      form.submit();
    }, function (err) {
      say(section.dataset.failed + ' ' + (plugin.getLastError ? plugin.getLastError(err) : String(err)));
    });
  });
})();
