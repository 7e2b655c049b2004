/* The employer portal's small behaviours; every page also works without them (plain forms and links). */
(function () {
  "use strict";

  function feedback(message) {
    var box = document.getElementById("wq-feedback");
    if (!box) { window.alert(message); return; }
    box.innerHTML = "";
    var div = document.createElement("div");
    div.className = "alert alert-warning alert-dismissible py-2 mb-2";
    div.setAttribute("role", "alert");
    div.textContent = message;
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close py-2"; close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "关闭");
    div.appendChild(close);
    box.appendChild(div);
  }

  // 单位所在地 / 工作地点: province → city → county, fed by employer:regions.
  function fill(select, rows, placeholder) {
    select.innerHTML = "";
    var first = document.createElement("option");
    first.value = ""; first.textContent = placeholder;
    select.appendChild(first);
    rows.forEach(function (row) {
      var option = document.createElement("option");
      option.value = row.code; option.textContent = row.label;
      select.appendChild(option);
    });
  }
  function initRegion(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var province = box.querySelector("[data-level=province]");
    var city = box.querySelector("[data-level=city]");
    var county = box.querySelector("[data-level=county]");
    function load(parent, target, placeholder) {
      fill(target, [], placeholder);
      if (!parent) return Promise.resolve();
      return fetch(box.dataset.url + "?parent=" + encodeURIComponent(parent), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (rows) { fill(target, rows, placeholder); });
    }
    province.addEventListener("change", function () {
      fill(county, [], "请选择区县");
      load(province.value, city, "请选择市");
    });
    city.addEventListener("change", function () { load(city.value, county, "请选择区县"); });
  }

  function initCounters(root) {
    root.querySelectorAll("textarea[data-count]").forEach(function (area) {
      var out = document.getElementById(area.dataset.count);
      var limit = parseInt(area.getAttribute("maxlength") || "200", 10);
      function update() {
        var n = Array.from(area.value).length;
        out.textContent = "已输入" + n + "/" + limit + "字";
        out.classList.toggle("over", n > limit);
      }
      area.addEventListener("input", update);
      update();
    });
  }

  function init(root) {
    root.querySelectorAll("[data-region]").forEach(initRegion);
    if (window.wqSearchable) window.wqSearchable(root);
    initCounters(root);
  }

  function checkedIds(scope) {
    return Array.from(document.querySelectorAll(scope + " input[name=ids]:checked")).map(function (c) { return c.value; });
  }

  document.addEventListener("click", function (event) {
    var all = event.target.closest("[data-check-all]");
    if (all) {
      document.querySelectorAll(all.dataset.checkAll + " input[name=ids]").forEach(function (c) { c.checked = all.checked; });
      return;
    }
    var button = event.target.closest("[data-needs]");
    if (!button) return;
    var ids = checkedIds(button.dataset.scope || "body");
    if (button.dataset.needs === "one" && ids.length !== 1) {
      event.preventDefault();
      feedback(ids.length ? "请只勾选一条记录" : "请先勾选一条记录");
      return;
    }
    if (button.dataset.needs === "some" && ids.length === 0) {
      event.preventDefault();
      feedback("请先勾选学生");
      return;
    }
    if (button.dataset.dialog && window.htmx && window.bootstrap) {
      event.preventDefault();
      var url = button.dataset.dialog + (button.dataset.dialog.indexOf("?") < 0 ? "?" : "&") + "ids=" + ids[0];
      htmx.ajax("GET", url, {target: "#wq-dialog-content", swap: "innerHTML"}).then(function () {
        bootstrap.Modal.getOrCreateInstance(document.getElementById("wq-dialog")).show();
      });
    }
  });

  // 流程简介: 收起 ^ / 展开 v
  document.addEventListener("shown.bs.collapse", function (e) {
    var t = document.querySelector("[data-bs-target='#" + e.target.id + "']");
    if (t && t.dataset.open) t.textContent = t.dataset.open;
  });
  document.addEventListener("hidden.bs.collapse", function (e) {
    var t = document.querySelector("[data-bs-target='#" + e.target.id + "']");
    if (t && t.dataset.closed) t.textContent = t.dataset.closed;
  });

  // Once a marked field is changed, its old error no longer applies.
  function clearError(event) {
    var field = event.target.closest && event.target.closest(".wq-field");
    if (!field || !event.target.classList) return;
    field.querySelectorAll(".is-invalid").forEach(function (el) { el.classList.remove("is-invalid"); });
    field.querySelectorAll(".field-error").forEach(function (el) { el.remove(); });
  }
  document.addEventListener("input", clearError);
  document.addEventListener("change", clearError);

  // 邀请起始日期 / 邀请截至日期 show their names as placeholders, as the manual does, and a date picker on focus.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-date]")) event.target.type = "date";
  });
  document.addEventListener("focusout", function (event) {
    if (event.target.matches && event.target.matches("input[data-date]") && !event.target.value) event.target.type = "text";
  });

  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
