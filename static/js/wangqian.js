/* Shared by every page: a file chooser that speaks Chinese whatever the browser's language
   (templates/includes/file_input.html). */
document.addEventListener("change", function (event) {
  var input = event.target;
  if (input.dataset && input.dataset.filename) {
    var label = document.getElementById(input.dataset.filename);
    if (label) label.textContent = input.files.length ? input.files[0].name : "未选择文件";
  }
});
