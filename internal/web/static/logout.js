// The end-session page continues to the relying party once every front-channel
// logout frame has loaded (or after 5 s, so that a dead app cannot hold the
// person here). Without JavaScript the "Continue" link does the same.
(function () {
  'use strict';
  var next = document.getElementById('logout-continue');
  if (!next) { return; }
  var frames = document.querySelectorAll('iframe.frontchannel');
  var left = frames.length;
  var gone = false;
  function go() {
    if (gone) { return; }
    gone = true;
    window.location.assign(next.href);
  }
  if (left === 0) { go(); return; }
  frames.forEach(function (f) {
    f.addEventListener('load', function () { left -= 1; if (left === 0) { go(); } });
  });
  setTimeout(go, 5000);
})();
