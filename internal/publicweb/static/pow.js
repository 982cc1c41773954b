// Khiên portal: solves the form's proof-of-work challenge in the browser.
// It finds a decimal nonce such that SHA-256(token + nonce) starts with the
// token's number of zero bits, exactly as the server checks. Static file:
// the page's CSP allows no inline script.
(function () {
  "use strict";
  var form = document.querySelector("form[id=report], form[id=appeal]");
  if (!form) { return; }
  var tokenEl = form.querySelector("input[name=pow_token]");
  var nonceEl = form.querySelector("input[name=pow_nonce]");
  var state = document.getElementById("pow-state");
  var lang = document.documentElement.lang;
  var say = {
    vi: { work: "Đang xác minh trình duyệt…", done: "Sẵn sàng gửi.", fail: "Trình duyệt không hỗ trợ xác minh; hãy dùng trình duyệt khác hoặc gọi đường dây nóng." },
    en: { work: "Checking your browser…", done: "Ready to send.", fail: "Your browser cannot do the check; try another browser or call the hotline." }
  }[lang === "en" ? "en" : "vi"];
  var solved = false, waiting = false;
  var started = Date.now(), minAge = 3500; // the server refuses forms sent sooner
  function send() { setTimeout(function () { form.submit(); }, Math.max(0, minAge - (Date.now() - started))); }
  var enc = new TextEncoder();

  function zeros(buf) {
    var b = new Uint8Array(buf), n = 0;
    for (var i = 0; i < b.length; i++) {
      if (b[i] === 0) { n += 8; continue; }
      return n + Math.clz32(b[i]) - 24;
    }
    return n;
  }

  async function solve() {
    if (!window.crypto || !crypto.subtle) { state.textContent = say.fail; return; }
    state.textContent = say.work;
    var token = tokenEl.value, bits = parseInt(tokenEl.dataset.bits, 10) || 16;
    for (var i = 0; ; i++) {
      var h = await crypto.subtle.digest("SHA-256", enc.encode(token + i));
      if (zeros(h) >= bits) { nonceEl.value = String(i); break; }
    }
    solved = true;
    state.textContent = say.done;
    if (waiting) { send(); }
  }

  form.addEventListener("submit", function (ev) {
    if (solved && Date.now() - started >= minAge) { return; }
    ev.preventDefault();
    if (solved) { send(); return; }
    waiting = true;
    state.textContent = say.work;
  });
  solve();
})();
