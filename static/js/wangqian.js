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

/* A box that scrolls sideways (.table-responsive on a phone) and holds nothing a keyboard can reach is made
   focusable, so that it can be scrolled without a mouse (WCAG 2.1.1). */
(function () {
  "use strict";
  var focusable = "a[href], button, input, select, textarea, [tabindex]";
  function reachScrollers() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.querySelector(focusable)) {
        box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("aria-label")) {
          var caption = box.querySelector("caption, th");
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", caption ? caption.textContent.trim() + "（可左右滚动）" : "表格（可左右滚动）");
        }
      } else if (box.getAttribute("tabindex") === "0" && !scrolls) {
        box.removeAttribute("tabindex");
      }
    });
  }
  reachScrollers();
  window.addEventListener("resize", reachScrollers);
  document.addEventListener("htmx:afterSettle", reachScrollers);
})();

/* A step that cannot be undone asks once (web/actions.py). A form, or the button that submits it, with
   data-confirm="question" (data-confirm-detail: what it will do) is sent only once the browser's own dialog is
   answered 确定, and then with confirmed=1; without this script the server asks on a page instead.
   data-confirm-count="selector" counts the ticked boxes of a 批量 step (the question's {n}; none ticked: the
   data-confirm-empty message). A form that is itself the question carries confirmed=1 and is not asked again.
   Listening while the event comes down to the form, so the question is asked before htmx sends it. */
(function () {
  "use strict";
  window.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var source = button && button.hasAttribute("data-confirm") ? button : form;
    var question = source.getAttribute && source.getAttribute("data-confirm");
    if (!question || (form.elements.confirmed && form.elements.confirmed.value === "1")) return;
    function stop() { event.preventDefault(); event.stopImmediatePropagation(); }
    var countOf = source.getAttribute("data-confirm-count");
    if (countOf) {
      var n = document.querySelectorAll(countOf + ":checked").length;
      if (n === 0) { stop(); window.alert(source.getAttribute("data-confirm-empty") || "请先勾选"); return; }
      question = question.replace("{n}", String(n));
    }
    var detail = source.getAttribute("data-confirm-detail");
    if (!window.confirm(detail ? question + "\n\n" + detail : question)) { stop(); return; }
    var flag = form.elements.confirmed;
    if (!flag) {
      flag = document.createElement("input");
      flag.type = "hidden"; flag.name = "confirmed";
      form.appendChild(flag);
    }
    flag.value = "1";
  }, true);
})();

// A select that chooses what the page shows (the 毕业去向's kind: its fields) reloads the page; without JavaScript
// its form has its own button.
(function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
