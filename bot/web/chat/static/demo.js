// The persona page's switcher: on a phone one persona's pane is shown at a time.
(function () {
  "use strict";
  const buttons = document.querySelectorAll(".switch button");
  for (const b of buttons) {
    b.addEventListener("click", () => {
      for (const other of buttons) {
        const on = other === b;
        other.setAttribute("aria-pressed", on ? "true" : "false");
        document.getElementById("pane-" + other.dataset.pane).classList.toggle("current", on);
      }
    });
  }
})();
