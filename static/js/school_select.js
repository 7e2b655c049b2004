// The sign-in pages' school list, searchable by name or 院校代码 (tom-select); without JavaScript a plain select.
(function () {
  "use strict";
  if (!window.TomSelect) return;
  document.querySelectorAll("select[data-searchable]").forEach(function (select) {
    if (select.tomselect) return;
    var ts = new TomSelect(select, {create: false, maxOptions: 500, allowEmptyOption: true});
    if (select.classList.contains("is-invalid")) ts.wrapper.classList.add("is-invalid");
  });
})();
