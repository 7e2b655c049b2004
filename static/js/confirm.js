/* 本人确认 inside an act's form (templates/includes/confirm_fields.html): 发送短信验证码 asks the server for the
   code without leaving the page (the form keeps what was typed and the chosen files), names the confirmation in
   the form's `confirmation_id` and shows the code field. Without this script the button posts the form. */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm-send]");
    if (!button || !window.fetch) return;
    var box = button.closest("[data-confirm-send-url]");
    var form = button.form;
    if (!box || !form) return;
    event.preventDefault();
    var error = box.querySelector("[data-confirm-error]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    button.disabled = true;
    if (error) error.hidden = true;
    fetch(box.getAttribute("data-confirm-send-url"), {
      method: "POST",
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) throw { server: body.detail || "发送失败，请稍后重试。" };
          return body;
        });
      })
      .then(function (sent) {
        form.querySelector("input[name=confirmation_id]").value = sent.confirmation_id;
        var code = box.querySelector("[data-confirm-code]");
        code.hidden = false;
        box.querySelector("[data-confirm-sent]").textContent = "已发送到 " + sent.sms_phone + "，" + sent.valid;
        button.textContent = "重新发送验证码";
        button.disabled = false;
        code.querySelector("input[name=code]").focus();
      })
      .catch(function (failure) {
        button.disabled = false;
        if (error) {
          error.textContent = failure && failure.server ? failure.server : "发送失败，请稍后重试。";
          error.hidden = false;
        }
      });
  });
})();
