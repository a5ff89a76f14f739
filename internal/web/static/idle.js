/* zwfw — the idle-timeout warning (实施方案 §2(7) 等级保护: 登录连接超时自动退出).
   The page says how long its session lasts without a request
   (body[data-idle-seconds]); shortly before that runs out this shows a
   dialog counting down, whose 继续 button restarts the session's idle
   clock (POST /account/keepalive); at zero it goes to the sign-in page.
   Without this script nothing changes: the session still ends on time. */
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds"), 10);
  if (!idle || idle <= 0 || !window.fetch) { return; }
  var csrf = body.getAttribute("data-csrf") || "";
  var before = Math.min(120, Math.floor(idle / 4));
  var deadline = 0, warnTimer = 0, tickTimer = 0, box = null, count = null, keep = null;

  function build() {
    box = document.createElement("div");
    box.className = "idle-dialog";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-labelledby", "idle-title");
    box.setAttribute("aria-describedby", "idle-text");
    box.hidden = true;
    var panel = document.createElement("div");
    panel.className = "idle-panel";
    var h = document.createElement("h2");
    h.id = "idle-title";
    h.textContent = "即将自动退出";
    var p = document.createElement("p");
    p.id = "idle-text";
    p.appendChild(document.createTextNode("您已较长时间未操作，"));
    count = document.createElement("b");
    p.appendChild(count);
    p.appendChild(document.createTextNode("秒后将自动退出。"));
    keep = document.createElement("button");
    keep.type = "button";
    keep.className = "btn btn-primary";
    keep.textContent = "继续";
    keep.addEventListener("click", keepAlive);
    panel.appendChild(h);
    panel.appendChild(p);
    panel.appendChild(keep);
    box.appendChild(panel);
    body.appendChild(box);
  }

  function left() { return Math.max(0, Math.ceil((deadline - Date.now()) / 1000)); }

  function start() {
    deadline = Date.now() + idle * 1000;
    clearTimeout(warnTimer);
    clearInterval(tickTimer);
    if (box) { box.hidden = true; }
    warnTimer = setTimeout(warn, (idle - before) * 1000);
  }

  function warn() {
    if (!box) { build(); }
    box.hidden = false;
    tick();
    tickTimer = setInterval(tick, 1000);
    keep.focus();
  }

  function tick() {
    var n = left();
    count.textContent = String(n);
    if (n <= 0) { expire(); }
  }

  function expire() {
    clearInterval(tickTimer);
    window.location.href = "/login?expired=1&next=" + encodeURIComponent(window.location.pathname + window.location.search);
  }

  function keepAlive() {
    keep.disabled = true;
    fetch("/account/keepalive", {
      method: "POST", credentials: "same-origin", redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "csrf_token=" + encodeURIComponent(csrf)
    }).then(function (r) {
      keep.disabled = false;
      if (r.status === 204) { start(); } else { expire(); }
    }, function () {
      keep.disabled = false; /* the network failed: the countdown goes on, the button can be tried again */
    });
  }

  start();
})();
