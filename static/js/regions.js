// 单位所在地 and the like: province → city → county, fed by the portal's regions URL (data-url): the student's
// 毕业去向 and 纸质协议, the school's 代为登记 (templates/includes/destination_field.html).
(function () {
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
  document.querySelectorAll("[data-region]").forEach(function (box) {
    var province = box.querySelector("[data-level=province]");
    var city = box.querySelector("[data-level=city]");
    var county = box.querySelector("[data-level=county]");
    function load(parent, target, placeholder) {
      fill(target, [], placeholder);
      if (!parent) return;
      fetch(box.dataset.url + "?parent=" + encodeURIComponent(parent), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (rows) { fill(target, rows, placeholder); });
    }
    province.addEventListener("change", function () { fill(county, [], "请选择区县"); load(province.value, city, "请选择市"); });
    city.addEventListener("change", function () { load(city.value, county, "请选择区县"); });
  });
})();
