// The sign-in pages' school list, searchable by name or 院校代码 (tom-select); without JavaScript a plain select.
(function () {
  "use strict";
  if (!window.TomSelect) return;

  // The form's next field after the list (the 学号 on every sign-in page), as Tab would reach it.
  function following(select, ts) {
    var fields = Array.prototype.slice.call(select.form ? select.form.elements : []);
    for (var i = fields.indexOf(select) + 1; i < fields.length; i++) {
      var field = fields[i];
      if (ts.wrapper.contains(field) || field.disabled || field.type === "hidden") continue;
      return field;
    }
    return null;
  }

  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    if (select.tomselect) return;
    // refreshThrottle 0: the list filters as each key is typed (a few hundred schools at most). The default 300 ms
    // left a refresh pending after a quick choice, which reopened the list and took the focus back from the 学号.
    var ts = new TomSelect(select, {create: false, maxOptions: 500, allowEmptyOption: true, refreshThrottle: 0});
    if (select.classList.contains("is-invalid")) ts.wrapper.classList.add("is-invalid");
    // A school chosen: the list closes and the focus moves on to the 学号. Left alone, tom-select refocuses its
    // search box after a choice and may open the list again over the fields below it (on a phone, all of them).
    ts.on("change", function (value) {
      if (!value) return;
      ts.close();
      window.setTimeout(function () {
        var next = following(select, ts);
        ts.blur();
        if (next) next.focus();
      }, 0);
    });
  });
})();
