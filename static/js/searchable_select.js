// Searchable lists (tom-select): the sign-in pages' school, an employer's 单位隶属; without JavaScript a plain select.
// One setup for all of them, since each once had the same fault: tom-select's 300 ms refresh, left pending by a quick
// choice, reopened the list and took the focus back from the field below, whose typed text went into the list's search
// box (the sign-in pages' 学号, afa88f8; the employer's 户口接收地址 on 签约信息确认, the CI flake of its journey).
(function () {
  "use strict";

  // The form's next field after the list, as Tab would reach it.
  function following(select, ts) {
    var fields = Array.prototype.slice.call(select.form ? select.form.elements : []);
    for (var i = fields.indexOf(select) + 1; i < fields.length; i++) {
      var field = fields[i];
      if (ts.wrapper.contains(field) || field.disabled || field.type === "hidden") continue;
      return field;
    }
    return null;
  }

  function searchable(select) {
    if (select.tomselect) return;
    // refreshThrottle 0: the list filters as each key is typed (a few hundred options at most).
    var ts = new TomSelect(select, {create: false, maxOptions: 500, allowEmptyOption: true, refreshThrottle: 0});
    if (select.classList.contains("is-invalid")) ts.wrapper.classList.add("is-invalid");
    // A choice made: the list closes and the focus moves on to the next field. Left alone, tom-select refocuses its
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
  }

  // Every searchable list under `root`: the page's at load, and a fragment's when htmx swaps one in.
  window.wqSearchable = function (root) {
    if (!window.TomSelect) return;
    root.querySelectorAll("select[data-searchable]").forEach(searchable);
  };
  window.wqSearchable(document);
})();
