// Gradebook keyboard and paste. Enter moves down the column (and saves: the cell's change event
// posts it through htmx), Tab moves on, arrow keys move between cells (left and right once the
// caret is at the edge), and a column pasted from a spreadsheet fills the cells below.
(function () {
  function grid() { return document.getElementById("gradebook"); }
  function cellInput(td) { return td && td.querySelector("input:not([type=hidden])"); }
  function at(row, index) { return row && row.children[index]; }

  function move(input, dRow, dCol) {
    var td = input.closest("td");
    var row = td.parentElement;
    var index = Array.prototype.indexOf.call(row.children, td);
    var targetRow = row;
    if (dRow > 0) targetRow = row.nextElementSibling;
    if (dRow < 0) targetRow = row.previousElementSibling;
    var target = cellInput(at(targetRow, index + dCol));
    if (target) { target.focus(); target.select(); return true; }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input || input.type !== "text" || !grid() || !grid().contains(input)) return;
    var start = input.selectionStart, end = input.selectionEnd, len = input.value.length;
    switch (event.key) {
      case "Enter":
        // Leaving the cell fires its change event, which saves it.
        event.preventDefault();
        move(input, 1, 0);
        break;
      case "ArrowDown": if (move(input, 1, 0)) event.preventDefault(); break;
      case "ArrowUp": if (move(input, -1, 0)) event.preventDefault(); break;
      case "ArrowLeft": if (start === 0 && end === 0 && move(input, 0, -1)) event.preventDefault(); break;
      case "ArrowRight": if (start === len && end === len && move(input, 0, 1)) event.preventDefault(); break;
    }
  });

  // A pasted block (rows by line, columns by tab) fills cells from this one down and right.
  document.addEventListener("paste", function (event) {
    var input = event.target;
    if (!input || input.type !== "text" || !grid() || !grid().contains(input)) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (!/[\n\t]/.test(text.replace(/\s+$/, ""))) return;
    event.preventDefault();
    var lines = text.replace(/\r/g, "").replace(/\n+$/, "").split("\n");
    var td = input.closest("td");
    var row = td.parentElement;
    var index = Array.prototype.indexOf.call(row.children, td);
    lines.forEach(function (line) {
      if (!row) return;
      line.split("\t").forEach(function (value, i) {
        var target = cellInput(at(row, index + i));
        if (!target) return;
        target.value = value.trim();
        target.dispatchEvent(new Event("change", { bubbles: true }));
      });
      row = row.nextElementSibling;
    });
  });

  // For a mark's input in the grid, named c_{assessment}_{student}: the match of its name
  // ([name, assessment, student]); otherwise null.
  function markInput(input) {
    var m = input && typeof input.name === "string" && /^c_(\d+)_(\d+)$/.exec(input.name);
    return m && grid() && grid().contains(input) ? m : null;
  }

  // Phones show the number pad in mark cells: the page's cells and every cell a save brings
  // back. (A hint to on-screen keyboards only; some phones' pads have no letters for EX or MI.)
  function numberPads(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll("input[name^=c_]").forEach(function (input) {
      if (markInput(input)) input.inputMode = "decimal";
    });
  }
  numberPads(document);
  document.addEventListener("htmx:load", function (event) { numberPads(event.target); });

  // Each cell saves on its own: a change posts that cell to /teacher/marks/{a}/{s} through htmx,
  // and the answer (the saved cell, or the cell with its message) takes its place.
  document.addEventListener("change", function (event) {
    var m = markInput(event.target);
    if (!m || !window.htmx) return;
    htmx.ajax("POST", "/teacher/marks/" + m[1] + "/" + m[2], {
      source: event.target, target: event.target.closest("td"), swap: "outerHTML"
    });
  });

  // A cell's own save sends only that cell (the grid form holds every cell).
  document.addEventListener("htmx:configRequest", function (event) {
    var td = markInput(event.detail.elt) && event.detail.elt.closest("td");
    if (!td) return;
    var keep = {};
    td.querySelectorAll("input").forEach(function (i) { keep[i.name] = true; });
    var params = event.detail.formData || event.detail.parameters;
    Array.from(params.keys ? params.keys() : Object.keys(params)).forEach(function (k) {
      if (!keep[k]) { params.delete ? params.delete(k) : delete params[k]; }
    });
  });
})();
