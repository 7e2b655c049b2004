/* Shared by every page: a file chooser that speaks Chinese whatever the browser's language
   (templates/includes/file_input.html). */
document.addEventListener("change", function (event) {
  var input = event.target;
  if (input.dataset && input.dataset.filename) {
    var label = document.getElementById(input.dataset.filename);
    if (label) label.textContent = input.files.length ? input.files[0].name : "未选择文件";
  }
});

/* A table marked .wq-cards reads as one card a row on a phone (wangqian.css): each cell carries its column's name,
   shown before the value. Without this script the table scrolls sideways in its box like any list. */
(function () {
  "use strict";
  function labelCells() {
    document.querySelectorAll("table.wq-cards").forEach(function (table) {
      var heads = Array.from(table.querySelectorAll("thead th")).map(function (th) { return th.textContent.trim(); });
      table.querySelectorAll("tbody > tr").forEach(function (row) {
        Array.from(row.children).forEach(function (cell, i) {
          if (heads[i] && !cell.hasAttribute("colspan")) cell.setAttribute("data-label", heads[i]);
        });
      });
      table.classList.add("wq-carded");
    });
  }
  labelCells();
  document.addEventListener("htmx:afterSettle", labelCells);
})();
