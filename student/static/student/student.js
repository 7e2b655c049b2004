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
