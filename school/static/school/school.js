/* School portal: 全选 in lists (the confirmation before 通过 and 批量通过 is every portal's: static/js/wangqian.js). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-check-all]")) return;
    var table = box.closest("table");
    table.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = box.checked; });
  });
})();
