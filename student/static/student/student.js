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
