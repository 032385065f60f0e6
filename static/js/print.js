// button[data-print] is rendered hidden (without script it could do nothing): show it, and print.
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
});
