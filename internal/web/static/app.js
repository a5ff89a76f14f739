/* zwfw — progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  var $ = function (s, el) { return (el || document).querySelector(s); };
  var $$ = function (s, el) { return Array.prototype.slice.call((el || document).querySelectorAll(s)); };

  // 打印指南: the button is hidden until this script can wire it.
  $$("[data-print]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  });

  // After a refused save, the summary of problems gets the focus, so that
  // a screen reader reads it and Tab leads to each problem.
  var summary = $("#error-summary");
  if (summary) { summary.focus(); }

  // Confirm destructive actions (停用, 取消 …).
  $$("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });

  // The guide's section index follows the reader.
  var toc = $$(".toc a[href^='#']");
  if (toc.length && "IntersectionObserver" in window) {
    var byId = {};
    toc.forEach(function (a) { byId[a.getAttribute("href").slice(1)] = a; });
    var io = new IntersectionObserver(function (entries) {
      entries.forEach(function (en) {
        if (en.isIntersecting && byId[en.target.id]) {
          toc.forEach(function (a) { a.classList.remove("on"); a.removeAttribute("aria-current"); });
          byId[en.target.id].classList.add("on");
          byId[en.target.id].setAttribute("aria-current", "location");
        }
      });
    }, { rootMargin: "0px 0px -70% 0px" });
    Object.keys(byId).forEach(function (id) { var s = document.getElementById(id); if (s) { io.observe(s); } });
  }

  // Search filters refresh the results in place (the page also works by
  // submitting the form).
  var live = $("form[data-live]");
  var results = $("#results");
  if (live && results && window.fetch && window.URLSearchParams) {
    var timer;
    var refresh = function () {
      var q = new URLSearchParams(new FormData(live));
      Array.from(q.keys()).forEach(function (k) { if (!q.get(k)) { q.delete(k); } });
      var url = live.getAttribute("action") + (q.toString() ? "?" + q.toString() : "");
      q.set("partial", "results");
      fetch(live.getAttribute("action") + "?" + q.toString(), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.text(); })
        .then(function (html) {
          results.innerHTML = html;
          history.replaceState(null, "", url);
          var n = $("[data-total]", results);
          var say = $("#live");
          if (say && n) { say.textContent = "找到 " + n.getAttribute("data-total") + " 个事项"; }
        })
        .catch(function () { live.submit(); });
    };
    $$("select, input[type=checkbox], input[type=radio]", live).forEach(function (el) {
      el.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 150); });
    });
  }

  // Repeated rows (申请材料, 办理流程 …): "再加一行" copies the last row
  // empty and numbers it on. Without script the form always has two
  // empty rows, and saving brings two more.
  $$("[data-add-row]").forEach(function (btn) {
    var list = btn.getAttribute("data-add-row");
    var box = document.getElementById("rows-" + list);
    if (!box) { return; }
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var rows = $$("[data-row]", box);
      var last = rows[rows.length - 1];
      if (!last) { return; }
      var n = 0;
      rows.forEach(function (r) { n = Math.max(n, parseInt(r.getAttribute("data-row"), 10) + 1); });
      var row = last.cloneNode(true);
      var re = new RegExp(list + "\\[\\d+\\]", "g");
      var reId = new RegExp("f-" + list + "-\\d+", "g");
      row.setAttribute("data-row", String(n));
      row.classList.remove("invalid");
      [row].concat($$("*", row)).forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (a) {
          var v = el.getAttribute(a);
          if (v) { el.setAttribute(a, v.replace(re, list + "[" + n + "]").replace(reId, "f-" + list + "-" + n)); }
        });
      });
      $$(".err, [data-att-current]", row).forEach(function (el) { el.parentNode.removeChild(el); });
      $$("input, textarea, select", row).forEach(function (el) {
        el.classList.remove("invalid");
        if (el.type === "checkbox") { el.checked = false; }
        else if (el.type === "hidden") { el.value = ""; }
        else if (el.tagName === "SELECT") { el.selectedIndex = 0; }
        else { el.value = ""; }
      });
      var num = $("[data-row-num]", row);
      if (num) { num.textContent = String(rows.length + 1); }
      box.appendChild(row);
      var first = $("input[type=text], textarea", row);
      if (first) { first.focus(); }
    });
  });

  // The organisation form shows the window fields only for windows.
  var kind = $("#f-kind");
  var winFields = $("#window-fields");
  if (kind && winFields && kind.tagName === "SELECT") {
    var sync = function () { winFields.hidden = kind.value !== "window"; };
    kind.addEventListener("change", sync);
    sync();
  }

  // 统计期间 (监察报表): the periods listed are those of the chosen kind of
  // report, the one due picked; without script every kind's periods show,
  // grouped by kind.
  $$("select[data-period-of]").forEach(function (sel) {
    var kindSel = document.getElementById(sel.getAttribute("data-period-of"));
    if (!kindSel) { return; }
    var sync = function (pick) {
      $$("optgroup", sel).forEach(function (g) {
        var on = g.getAttribute("data-kind") === kindSel.value;
        g.hidden = !on;
        g.disabled = !on;
        if (on && pick) { sel.value = g.getAttribute("data-due") || $("option", g).value; }
      });
    };
    kindSel.addEventListener("change", function () { sync(true); });
    sync(false);
  });

  // Fold or unfold the whole organisation tree.
  $$("[data-tree]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var open = b.getAttribute("data-tree") === "open";
      $$(".tree details").forEach(function (d) { d.open = open; });
    });
  });
})();

/* 查询机 (the hall's touch information kiosk, /hall/{centre}/info): a page
   opened from it shows the way back to its start page, and goes back there
   by itself after two minutes untouched, so that the next visitor finds
   the start page and not someone's case. screens.js marks the tab. */
(function () {
  "use strict";
  var home = null;
  try { home = window.sessionStorage.getItem("zwfw-kiosk"); } catch (e) { return; }
  if (!home || home.charAt(0) !== "/" || document.body.hasAttribute("data-kiosk")) { return; }
  var a = document.createElement("a");
  a.href = home;
  a.className = "kiosk-home";
  a.textContent = "‹ 返回查询机首页";
  // Inside <main>, so that it sits in a landmark (axe: region).
  (document.getElementById("main") || document.body).appendChild(a);
  var timer = 0;
  var reset = function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { window.location.assign(home); }, 120000);
  };
  ["pointerdown", "keydown", "touchstart", "scroll"].forEach(function (t) { window.addEventListener(t, reset, { passive: true, capture: true }); });
  reset();
})();
