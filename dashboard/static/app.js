// Holdfast dashboard: progressive enhancement only. Every page works
// without this file; it adds copy buttons, confirmations before
// destructive actions, moves focus to the first invalid field, and labels
// table cells with their column so narrow screens can stack the rows.
(function () {
  "use strict";

  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy], [data-copy-text]");
    if (!btn) return;
    var text = btn.getAttribute("data-copy-text");
    var el = btn;
    if (text === null) {
      el = document.getElementById(btn.getAttribute("data-copy"));
      if (!el) return;
      text = el.textContent.trim();
    }
    var done = function () {
      if (btn.hasAttribute("data-copy-text")) {
        btn.classList.add("copied");
        btn.setAttribute("title", "Copied");
        setTimeout(function () { btn.classList.remove("copied"); btn.setAttribute("title", "Copy id"); }, 2000);
        return;
      }
      var old = btn.textContent;
      btn.textContent = "Copied";
      btn.setAttribute("aria-live", "polite");
      setTimeout(function () { btn.textContent = old; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(el); });
    } else {
      selectText(el);
    }
  });

  // Without the async clipboard API (plain http), select the text so the
  // user can press Ctrl+C.
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var msg = form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var bad = document.querySelector("[aria-invalid=true]");
    if (bad && typeof bad.focus === "function") bad.focus();
    // Copy buttons need this script: show them only now.
    document.querySelectorAll("button[data-copy-text][hidden]").forEach(function (b) { b.hidden = false; });
    document.querySelectorAll("main table").forEach(labelCells);
  });

  // labelCells gives every body cell its column's header as data-label and
  // marks the table "stacked": on a narrow screen the CSS then shows each
  // row as a card of "label: value" lines instead of a wide table. Any
  // table with a header row gets this, including ones added later.
  function labelCells(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var labels = [];
    for (var i = 0; i < head.cells.length; i++) {
      for (var span = head.cells[i].colSpan || 1; span > 0; span--) labels.push(head.cells[i].textContent.trim());
    }
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        var col = 0;
        for (var c = 0; c < rows[r].cells.length; c++) {
          var cell = rows[r].cells[c];
          if (!cell.hasAttribute("data-label") && labels[col]) cell.setAttribute("data-label", labels[col]);
          col += cell.colSpan || 1;
        }
      }
    }
    table.classList.add("stacked");
  }
})();
