/* zwfw — the hall's public screens: the window's small screen and the
   rolling public display follow their event streams (reconnecting by
   themselves, "连接中断" meanwhile); the 查询机 returns to its start page
   after two minutes untouched. No inline scripts: the Content-Security-
   Policy forbids them. */
(function () {
  "use strict";
  var body = document.body;
  var conn = document.getElementById("conn");

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  // stamp is "12-06 10:08" in the county's time, as the server wrote it
  // (RFC 3339 with the county's offset), whatever the screen's zone.
  function stamp(s) { return s.slice(5, 10) + " " + s.slice(11, 16); }

  // follow listens to an event stream; a stream the server ends on
  // purpose comes back within seconds: 连接中断 only when it does not.
  function follow(url, event, fn) {
    var es = null, downTimer = null, retryTimer = null;
    function down() { if (conn) { conn.hidden = false; } body.classList.add("off"); }
    function up() {
      if (downTimer) { window.clearTimeout(downTimer); downTimer = null; }
      if (conn) { conn.hidden = true; }
      body.classList.remove("off");
    }
    function connect() {
      retryTimer = null;
      es = new window.EventSource(url);
      es.addEventListener(event, function (e) { up(); fn(JSON.parse(e.data)); });
      es.addEventListener("error", function () {
        if (!downTimer) { downTimer = window.setTimeout(down, 3000); }
        if (es.readyState === 2 && !retryTimer) {
          es.close();
          retryTimer = window.setTimeout(connect, 3000);
        }
      });
    }
    connect();
  }

  // 窗口屏: the window's own entry of the centre's board.
  var win = body.getAttribute("data-window");
  if (win && body.getAttribute("data-stream")) {
    follow(body.getAttribute("data-stream"), "board", function (b) {
      var w = null;
      b.windows.forEach(function (x) { if (x.code === win) { w = x; } });
      if (!w) { return; }
      document.getElementById("hw-ticket").textContent = w.number || "—";
      document.getElementById("hw-label").textContent = w.status === "serving" ? "正在办理" : (w.number ? "请到本窗口" : "等候叫号");
      body.setAttribute("data-ticket", w.number || "");
    });
  }

  // 办件公示: figures and the rolling list.
  var rolling = body.getAttribute("data-rolling");
  var list = document.getElementById("hr-cases");
  function roll() {
    if (!list) { return; }
    list.classList.remove("rolling");
    Array.prototype.slice.call(list.querySelectorAll("[data-copy]")).forEach(function (li) { li.remove(); });
    var view = list.parentNode;
    if (list.scrollHeight <= view.clientHeight) { return; }
    // Twice the list, moved up by half of it, rolls without a seam.
    var n = list.children.length;
    for (var i = 0; i < n; i++) {
      var c = list.children[i].cloneNode(true);
      c.setAttribute("data-copy", "");
      c.setAttribute("aria-hidden", "true");
      list.appendChild(c);
    }
    list.style.setProperty("--dur", Math.max(20, n * 3) + "s");
    list.classList.add("rolling");
  }
  function rate(v) { return v === null || v === undefined ? "—" : v.toFixed(1) + "%"; }
  if (rolling && list) {
    roll();
    follow(rolling, "rolling", function (r) {
      document.getElementById("hr-accepted").textContent = String(r.accepted_today);
      document.getElementById("hr-completed").textContent = String(r.completed_today);
      document.getElementById("hr-ontime").textContent = rate(r.on_time_rate);
      document.getElementById("hr-satisfaction").textContent = rate(r.satisfaction_rate);
      list.textContent = "";
      if (!r.cases.length) { list.appendChild(el("li", "hr-none", "近七日暂无受理、办结的办件")); }
      r.cases.forEach(function (c) {
        var li = el("li", "hr-" + c.event);
        li.appendChild(el("span", "hr-ev", c.event_name));
        li.appendChild(el("span", "", c.applicant));
        li.appendChild(el("span", "hr-item", c.item));
        li.appendChild(el("span", "", c.window || "—"));
        li.appendChild(el("span", "", stamp(c.at)));
        list.appendChild(li);
      });
      roll();
    });
    var clock = document.getElementById("hr-clock");
    var tick = function () {
      var d = new Date();
      clock.textContent = d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日 " + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    };
    tick();
    window.setInterval(tick, 1000);
    window.addEventListener("resize", roll);
  }

  // 查询机: pages opened from it (the guides, the progress lookup) offer
  // the way back and return after two minutes untouched (app.js); its own
  // sections return to the start the same way.
  var home = body.getAttribute("data-kiosk");
  if (home) {
    try { window.sessionStorage.setItem("zwfw-kiosk", home); } catch (e) { /* private mode: no way back but the button */ }
    var idle = parseInt(body.getAttribute("data-idle-home") || "0", 10);
    if (idle > 0) {
      var timer = 0;
      var reset = function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { window.location.assign(home); }, idle * 1000);
      };
      ["pointerdown", "keydown", "touchstart", "scroll"].forEach(function (t) { window.addEventListener(t, reset, { passive: true, capture: true }); });
      reset();
    }
  }
})();
