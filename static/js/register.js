// Register keyboard: arrow keys move between students, a code's letter (P, A, L, E …) sets it.
document.addEventListener("keydown", function (event) {
  var radio = event.target;
  if (!radio || radio.type !== "radio" || !radio.closest("#register")) return;
  var row = radio.closest("tr");
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    var next = event.key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
    if (!next) return;
    var target = next.querySelector('input[type=radio][data-key="' + radio.dataset.key + '"]') || next.querySelector("input[type=radio]");
    if (target) { target.focus(); event.preventDefault(); }
    return;
  }
  var key = event.key.length === 1 ? event.key.toUpperCase() : "";
  var match = key && row.querySelector('input[type=radio][data-key="' + key + '"]');
  if (match) {
    event.preventDefault();
    if (!match.checked) { match.click(); }
    var below = row.nextElementSibling && row.nextElementSibling.querySelector('input[type=radio][data-key="' + key + '"]');
    if (below) { below.focus(); }
  }
});
