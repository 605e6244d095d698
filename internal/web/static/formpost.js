// The form post response page (OAuth 2.0 Form Post Response Mode) sends its
// form to the relying party at once. The CSP allows no inline script, so this
// file does what op's onload handler would; without JavaScript the button does.
(function () {
  'use strict';
  var form = document.getElementById('form-post');
  if (form) { form.submit(); }
})();
