/* zwfw — the service hall: prints the ticket at the kiosk, and keeps the
   display screen (显示屏) current from the event stream, announcing each
   new call in Mandarin with the browser's speech synthesis. No inline
   scripts: the Content-Security-Policy forbids them. */
(function () {
  "use strict";
  var body = document.body;

  // 打印号票
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });
  // At the kiosk the ticket prints by itself (Chromium's --kiosk-printing
  // sends it to the thermal printer without a dialogue).
  if (body.hasAttribute("data-autoprint")) {
    window.setTimeout(function () { window.print(); }, 300);
  }

  // The kiosk reloads itself every minute for the waiting counts — but not
  // while someone is typing a check-in code (预约签到): a reload would
  // clear it. Touching the page puts the reload off by another minute.
  var reload = parseInt(body.getAttribute("data-reload") || "0", 10);
  if (reload > 0) {
    var touched = Date.now();
    ["pointerdown", "keydown", "input"].forEach(function (ev) {
      document.addEventListener(ev, function () { touched = Date.now(); }, true);
    });
    window.setInterval(function () {
      var typing = Array.prototype.some.call(document.querySelectorAll("input[type=text]"), function (i) { return i.value !== ""; });
      var idle = Date.now() - touched;
      // A code left half-typed is cleared after three minutes untouched.
      if (idle >= reload * 1000 && (!typing || idle >= 3 * reload * 1000)) { window.location.reload(); }
    }, 5000);
  }

  var url = body.getAttribute("data-stream");
  if (!url) { return; }
  var last = parseInt(body.getAttribute("data-last") || "0", 10);
  var conn = document.getElementById("hs-conn");
  var voiceBtn = document.getElementById("hs-voice");
  var voiceOn = true;
  var spoken = 0;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  // Chromium loads its voices on the first getVoices(): ask at once, so
  // that the first call already knows whether there is a Mandarin one.
  if ("speechSynthesis" in window) { window.speechSynthesis.getVoices(); }
  function zhVoice() {
    if (!("speechSynthesis" in window)) { return null; }
    var vs = window.speechSynthesis.getVoices();
    for (var i = 0; i < vs.length; i++) {
      if (/^zh[-_]CN/i.test(vs[i].lang)) { return vs[i]; }
    }
    return null;
  }

  // Without a Mandarin voice the call is said with the clips the binary
  // serves (the board names them: hall.Clips), one after another.
  var voiceBase = body.getAttribute("data-voice") || "";
  var clipQueue = [], clipPlaying = false;
  function nextClip() {
    if (clipPlaying || !clipQueue.length) { return; }
    clipPlaying = true;
    var a = clipQueue.shift();
    var done = function () {
      if (!clipPlaying) { return; }
      clipPlaying = false;
      nextClip();
    };
    a.addEventListener("ended", done);
    a.addEventListener("error", done);
    var p = a.play();
    if (p && p.catch) { p.catch(done); }
  }
  function playClips(clips) {
    body.setAttribute("data-clips", clips.map(function (n) { return voiceBase + n + ".wav"; }).join(" "));
    if (!voiceOn || !voiceBase) { return; }
    // Made at once, so that the clips load side by side while the first
    // plays (the browser keeps them after the first call).
    clips.forEach(function (n) {
      var a = new window.Audio(voiceBase + n + ".wav");
      a.preload = "auto";
      clipQueue.push(a);
    });
    nextClip();
  }

  // speak announces a call; the sentence is kept on the page too, for
  // whoever cannot hear it (and for the tests).
  function speak(text, clips) {
    spoken++;
    body.setAttribute("data-spoken", text);
    body.setAttribute("data-spoken-count", String(spoken));
    if (!zhVoice() && clips && clips.length) {
      body.setAttribute("data-voice-mode", "clips");
      playClips(clips);
      return;
    }
    body.setAttribute("data-voice-mode", "speech");
    if (!voiceOn || !("speechSynthesis" in window)) { return; }
    var u = new window.SpeechSynthesisUtterance(text);
    u.lang = "zh-CN";
    u.rate = 0.9;
    var v = zhVoice();
    if (v) { u.voice = v; }
    window.speechSynthesis.speak(u);
  }

  function render(b) {
    var call = document.getElementById("hs-call");
    call.textContent = "";
    if (b.latest.length) {
      var c = b.latest[0];
      call.appendChild(document.createTextNode("请 "));
      call.appendChild(el("b", "", c.number));
      call.appendChild(document.createTextNode(" 号到 "));
      call.appendChild(el("b", "", String(c.window_no)));
      call.appendChild(document.createTextNode(" 号窗口办理"));
    } else {
      call.textContent = "欢迎光临，请取号后等候叫号";
    }
    var wl = document.getElementById("hs-windows");
    wl.textContent = "";
    b.windows.forEach(function (w) {
      var li = el("li", "hs-win" + (w.number ? " on" : ""));
      li.appendChild(el("span", "hs-no", w.no + "号窗口"));
      li.appendChild(el("span", "hs-nm", w.name));
      li.appendChild(el("b", "", w.number || "—"));
      wl.appendChild(li);
    });
    var ll = document.getElementById("hs-latest");
    ll.textContent = "";
    if (!b.latest.length) { ll.appendChild(el("li", "hs-none", "暂无")); }
    b.latest.forEach(function (c) {
      var li = el("li");
      li.appendChild(el("b", "", c.number));
      li.appendChild(el("span", "", c.window_no + "号窗口"));
      ll.appendChild(li);
    });
    var ql = document.getElementById("hs-waiting");
    ql.textContent = "";
    b.waiting.forEach(function (q) {
      var li = el("li");
      li.appendChild(el("span", "", q.prefix + " " + q.name));
      li.appendChild(el("b", "", String(q.waiting)));
      ql.appendChild(li);
    });
  }

  // announce speaks the calls newer than the last one announced, oldest
  // first (the list comes newest first).
  function announce(b) {
    var fresh = b.latest.filter(function (c) { return c.id > last; }).reverse();
    fresh.forEach(function (c) { speak(c.speech, c.clips); });
    if (b.last_call > last) { last = b.last_call; }
  }

  var es = null, downTimer = null, retryTimer = null;
  function down() {
    conn.hidden = false;
    body.classList.add("off");
  }
  function up() {
    if (downTimer) { window.clearTimeout(downTimer); downTimer = null; }
    conn.hidden = true;
    body.classList.remove("off");
  }
  function connect() {
    retryTimer = null;
    es = new window.EventSource(url);
    es.addEventListener("board", function (e) {
      up();
      var b = JSON.parse(e.data);
      render(b);
      announce(b);
    });
    es.addEventListener("error", function () {
      // A stream the server ends on purpose comes back within seconds:
      // say 连接中断 only when it does not.
      if (!downTimer) { downTimer = window.setTimeout(down, 3000); }
      if (es.readyState === 2 && !retryTimer) { // CLOSED: the browser gave up; try again
        es.close();
        retryTimer = window.setTimeout(connect, 3000);
      }
    });
  }
  connect();

  if (voiceBtn) {
    voiceBtn.addEventListener("click", function () {
      voiceOn = !voiceOn;
      voiceBtn.textContent = "语音播报：" + (voiceOn ? "开" : "关");
      if (voiceOn && "speechSynthesis" in window) { window.speechSynthesis.speak(new window.SpeechSynthesisUtterance("")); }
    });
  }

  var clock = document.getElementById("hs-clock");
  function tick() {
    var d = new Date();
    var p = function (n) { return (n < 10 ? "0" : "") + n; };
    clock.textContent = d.getFullYear() + "年" + (d.getMonth() + 1) + "月" + d.getDate() + "日 " + p(d.getHours()) + ":" + p(d.getMinutes()) + ":" + p(d.getSeconds());
  }
  tick();
  window.setInterval(tick, 1000);
})();
