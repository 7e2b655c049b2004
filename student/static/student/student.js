// Live character count for the reason boxes: <textarea maxlength=…> + <span data-count-for="id">.
(function () {
  function bind(counter) {
    var field = document.getElementById(counter.getAttribute("data-count-for"));
    if (!field) return;
    var max = parseInt(field.getAttribute("maxlength") || counter.getAttribute("data-max") || "200", 10);
    var box = counter.closest(".wq-counter");
    function update() {
      var length = Array.from(field.value).length;
      counter.textContent = length;
      if (box) box.classList.toggle("over", length > max);
    }
    field.addEventListener("input", update);
    update();
  }
  document.querySelectorAll("[data-count-for]").forEach(bind);
})();

// After a failed submit, bring the first field with an error into view (phones scroll it off screen).
(function () {
  var invalid = document.querySelector(".wq-student-main .is-invalid");
  if (invalid) invalid.scrollIntoView({ block: "center", behavior: "instant" });
  // Once the student edits a field, its old error no longer applies.
  document.querySelectorAll(".wq-student-main .is-invalid").forEach(function (field) {
    field.addEventListener("input", function () {
      field.classList.remove("is-invalid");
      var error = field.parentElement && field.parentElement.querySelector(".field-error");
      if (error) error.hidden = true;
    }, { once: true });
  });
})();

// 毕业去向: choosing the kind reloads the form with that kind's fields.
(function () {
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();

// 单位所在地 and the like: province → city → county, fed by student:regions.
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
