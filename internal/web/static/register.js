// 获取验证码 without leaving the form (registration and sign-in by SMS
// code): POST /api/v1/auth/sms-code, then a 60-second countdown on the
// button. Without scripts the button posts the form to /register/code or
// /login/code instead, which does the same and shows the form again.
(function () {
  'use strict';
  var buttons = document.querySelectorAll('[data-send-code]');
  if (!buttons.length || !window.fetch) { return; }
  function mask(p) { return p.slice(0, 3) + '****' + p.slice(7); }
  function countdown(btn, seconds) {
    var label = btn.textContent;
    btn.disabled = true;
    var left = seconds;
    btn.textContent = left + ' 秒后可重新获取';
    var t = setInterval(function () {
      left--;
      if (left <= 0) {
        clearInterval(t);
        btn.disabled = false;
        btn.textContent = label;
        return;
      }
      btn.textContent = left + ' 秒后可重新获取';
    }, 1000);
  }
  Array.prototype.forEach.call(buttons, function (btn) {
    btn.addEventListener('click', function (ev) {
      var phone = document.getElementById(btn.getAttribute('data-phone'));
      var status = document.getElementById(btn.getAttribute('data-status'));
      var purpose = btn.getAttribute('data-send-code');
      ev.preventDefault();
      var v = (phone.value || '').trim();
      if (!/^1[3-9][0-9]{9}$/.test(v)) {
        status.textContent = '请先填写 11 位手机号码。';
        phone.setAttribute('aria-invalid', 'true');
        phone.focus();
        return;
      }
      phone.removeAttribute('aria-invalid');
      btn.disabled = true;
      status.textContent = '正在发送……';
      fetch('/api/v1/auth/sms-code', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
        body: JSON.stringify({ phone: v, purpose: purpose })
      }).then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (body) { return { ok: res.ok, body: body }; });
      }).then(function (x) {
        if (x.ok) {
          var min = Math.round((x.body.expires_in || 600) / 60);
          status.textContent = '验证码已发送到 ' + mask(v) + '，' + min + ' 分钟内有效。' +
            (purpose === 'login' ? '如果该手机号已在本平台注册并验证，您会收到短信。' : '');
          countdown(btn, 60);
          var code = document.getElementById('f-sms_code');
          if (code) { code.focus(); }
        } else {
          status.textContent = (x.body.error && x.body.error.message) || '验证码未发送，请稍后再试。';
          btn.disabled = false;
        }
      }).catch(function () {
        status.textContent = '网络异常，验证码未发送，请稍后再试。';
        btn.disabled = false;
      });
    });
  });
})();
