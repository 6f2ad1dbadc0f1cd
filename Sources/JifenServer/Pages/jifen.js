// The clerk's form: the points field takes the chosen rule's range, and the note is required for a deduction.
// Only a convenience: without it the form still works, and the ledger refuses what is out of range.
(function () {
  var rule = document.getElementById("rule");
  var points = document.getElementById("points");
  var note = document.getElementById("note");
  if (!rule || !points || !note) return;
  function apply() {
    var option = rule.options[rule.selectedIndex];
    var min = option && option.getAttribute("data-min");
    var max = option && option.getAttribute("data-max");
    if (min && max && min !== max) {
      points.min = min;
      points.max = max;
      points.required = true;
      points.placeholder = min + "～" + max;
    } else {
      points.removeAttribute("min");
      points.removeAttribute("max");
      points.required = false;
      points.placeholder = min ? "固定 " + min + " 分" : "";
    }
    note.required = !!option && option.getAttribute("data-deduction") === "true";
  }
  rule.addEventListener("change", apply);
  apply();
})();

// A button marked data-print prints the page (the receipt); the browser's own print does the same without it.
(function () {
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener("click", function () { window.print(); });
  }
})();
