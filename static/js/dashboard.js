// Dashboard behaviour: copy buttons and uploads with a progress bar.
"use strict";

document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy-target]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copyTarget);
  if (!source) return;
  const text = source.value !== undefined ? source.value : source.textContent;
  const done = function () {
    const original = button.textContent;
    button.textContent = button.dataset.copiedLabel || "OK";
    setTimeout(function () { button.textContent = original; }, 2000);
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done);
  } else {
    source.select();
    document.execCommand("copy");
    done();
  }
});
