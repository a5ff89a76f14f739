// The apply page's online form (issue 12 item 4): the draft is saved a few
// seconds after each change and the time shown (已自动保存 hh:mm); each
// material is uploaded as soon as it is chosen, with a progress bar, and
// can be replaced by choosing another file before submission. Without
// JavaScript the form still works: 保存草稿 and 提交申请 post it whole.
// The form builder: ↑ and ↓ move a field; the order numbers follow.
(function () {
  "use strict";
  var list = document.querySelector("ol.builder-rows");
  if (!list) return;
  function renumber() {
    list.querySelectorAll(".b-order").forEach(function (inp, i) { inp.value = i + 1; });
  }
  list.querySelectorAll("li.builder-row").forEach(function (li) {
    var bar = document.createElement("div");
    bar.className = "builder-move";
    [["↑", "上移", -1], ["↓", "下移", 1]].forEach(function (d) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "btn btn-sm";
      b.textContent = d[0];
      b.setAttribute("aria-label", d[1]);
      b.addEventListener("click", function () {
        var other = d[2] < 0 ? li.previousElementSibling : li.nextElementSibling;
        if (!other) return;
        if (d[2] < 0) list.insertBefore(li, other); else list.insertBefore(other, li);
        renumber();
        b.focus();
      });
      bar.appendChild(b);
    });
    li.insertBefore(bar, li.firstChild);
  });
})();

(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form) return;
  var status = document.getElementById("autosave-status");
  var csrfName = form.getAttribute("data-csrf");
  var timer = null, busy = false, again = false, pending = null;

  function say(t) { if (status) status.textContent = t; }
  function csrf() {
    var i = form.querySelector('input[name="' + csrfName + '"]');
    return i ? i.value : "";
  }
  function hidden(name) { return form.querySelector('input[type=hidden][name="' + name + '"]'); }

  function draftData() {
    var fd = new FormData(form);
    form.querySelectorAll("input[type=file]").forEach(function (i) { fd.delete(i.name); });
    fd.delete("op");
    return fd;
  }

  function save() {
    if (busy) { again = true; return; }
    busy = true; again = false;
    var x = new XMLHttpRequest();
    x.open("POST", form.getAttribute("data-autosave"));
    x.onload = function () {
      busy = false;
      var r = {};
      try { r = JSON.parse(x.responseText); } catch (e) { r = {}; }
      if (x.status === 200 && r.draft_id) {
        var d = hidden("draft");
        if (!d) {
          d = document.createElement("input");
          d.type = "hidden"; d.name = "draft";
          form.appendChild(d);
        }
        d.value = r.draft_id;
        say("已自动保存 " + r.saved_at);
      } else {
        say("未能自动保存" + (r.error && r.error.message ? "：" + r.error.message : "，请点“保存草稿”"));
      }
      if (pending) {
        // The applicant pressed a button while the draft was being saved:
        // go on now, with the draft's id, so that no second draft is made.
        var b = pending;
        pending = null;
        form.requestSubmit(b);
        return;
      }
      if (again) schedule();
    };
    x.onerror = function () {
      busy = false;
      say("未能自动保存（网络中断），请稍后点“保存草稿”");
      if (pending) { var b = pending; pending = null; form.requestSubmit(b); }
    };
    x.send(draftData());
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(save, 3000);
  }

  form.addEventListener("input", function (e) { if (e.target.type !== "file") schedule(); });
  form.addEventListener("change", function (e) { if (e.target.type !== "file") schedule(); });
  form.addEventListener("submit", function (e) {
    clearTimeout(timer);
    if (busy && e.submitter) {
      e.preventDefault();
      pending = e.submitter;
    }
  });

  form.querySelectorAll("input[type=file][data-upload]").forEach(function (inp) {
    inp.addEventListener("change", function () {
      var f = inp.files && inp.files[0];
      if (!f) return;
      var key = inp.getAttribute("data-upload");
      var box = document.getElementById(inp.id.replace(/-file$/, "-progress"));
      var bar = box.querySelector("progress"), txt = box.querySelector("span");
      box.hidden = false; bar.value = 0; txt.textContent = "正在上传 0%";
      var fd = new FormData();
      fd.append(csrfName, csrf());
      fd.append("file", f);
      var x = new XMLHttpRequest();
      x.open("POST", form.getAttribute("data-upload-url"));
      x.upload.onprogress = function (e) {
        if (!e.lengthComputable) return;
        var p = Math.round(e.loaded * 100 / e.total);
        bar.value = p; txt.textContent = "正在上传 " + p + "%";
      };
      x.onload = function () {
        var r = {};
        try { r = JSON.parse(x.responseText); } catch (e) { r = {}; }
        if (x.status === 201 && r.file_id) {
          hidden(key + ".file_id").value = r.file_id;
          hidden(key + ".file_name").value = r.name;
          hidden(key + ".file_size").value = r.size;
          var up = document.getElementById(inp.id.replace(/-file$/, "-how-upload"));
          if (up) up.checked = true;
          bar.value = 100;
          txt.textContent = "已上传：" + r.name + "（" + r.size_text + "）。重新选择文件可替换。";
          inp.value = "";
          schedule();
        } else {
          txt.textContent = "上传失败：" + (r.error && r.error.message ? r.error.message : "请重试");
        }
      };
      x.onerror = function () { txt.textContent = "上传失败：网络中断，请重试"; };
      x.send(fd);
    });
  });
})();
