/* Passkeys (通行密钥) on 账号安全, the first sign-in's setup and the sign-in's second step.
   A form marked data-passkey="register" or "login" gets its options from data-options-url (POST, the form's CSRF
   token), lets the browser make or use the passkey (@simplewebauthn/browser), puts the answer in the form's hidden
   `credential` field and submits the form; the server verifies it. For 本人确认 (templates/includes/confirm_act.html)
   the options answer names the confirmation in X-Confirmation-Id, put in the form's `confirmation_id`. */
(function () {
  "use strict";
  var lib = window.SimpleWebAuthnBrowser;

  function say(form, text) {
    var box = form.querySelector("[data-passkey-error]");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  function explain(error) {
    var name = error && error.name;
    if (name === "NotAllowedError" || name === "AbortError") return "已取消，或设备未能确认。请重试。";
    if (name === "InvalidStateError") return "这个设备上已经有本账号的通行密钥了。";
    if (name === "SecurityError") {
      // An IP address is no relying party: the site has to be opened by its name (make run: localhost).
      if (/^[0-9.]+$|^\[/.test(location.hostname)) {
        return "浏览器不允许在以 IP 地址打开的网址上使用通行密钥：请改用网址名称打开本站" +
          (/^127\.|^\[::1\]$/.test(location.hostname) ? "，如 http://localhost" + (location.port ? ":" + location.port : "") + "/ 。" : "。");
      }
      return "当前网址不能使用通行密钥，请通过系统的正式网址访问。";
    }
    return "通行密钥操作失败，请重试或改用其他方式。";
  }

  function start(form, button) {
    if (!lib || !lib.browserSupportsWebAuthn()) {
      say(form, "此浏览器不支持通行密钥，请更换浏览器或使用其他验证方式。");
      return;
    }
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    button.disabled = true;
    say(form, "");
    fetch(form.getAttribute("data-options-url"), {
      method: "POST",
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw { server: body.detail || "请求失败，请刷新页面后重试。" };
          // 本人确认: the options start a confirmation, which the act's form names when it submits the answer.
          var named = form.querySelector("input[name=confirmation_id]");
          if (named) named.value = response.headers.get("X-Confirmation-Id") || "";
          return body;
        });
      })
      .then(function (options) {
        return form.getAttribute("data-passkey") === "register"
          ? lib.startRegistration({ optionsJSON: options })
          : lib.startAuthentication({ optionsJSON: options });
      })
      .then(function (answer) {
        form.querySelector("input[name=credential]").value = JSON.stringify(answer);
        form.submit();
      })
      .catch(function (error) {
        button.disabled = false;
        say(form, error && error.server ? error.server : explain(error));
      });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-passkey-start]");
    if (!button) return;
    event.preventDefault();
    start(button.form, button);
  });
})();
