/* School portal: 全选 in lists, and a confirmation before 批量通过 and 通过. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-check-all]")) return;
    var table = box.closest("table");
    table.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = box.checked; });
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    // 通过 of one agreement: asked here; without this script the server asks on a page of its own instead.
    var one = form.getAttribute("data-confirm-one");
    if (one) {
      if (window.confirm(one)) form.elements.confirmed.value = "1";
      else event.preventDefault();
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (!question) return;
    var selected = document.querySelectorAll("input[name=ids][form=" + form.id + "]:checked").length;
    if (form.id && selected === 0) {
      event.preventDefault();
      window.alert("请先勾选要审核通过的协议书");
      return;
    }
    if (!window.confirm(question.replace("所选", "所选的" + selected + "份"))) event.preventDefault();
  });
})();
