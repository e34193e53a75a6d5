// The signing page: the resend countdown, signing through NCALayer, and
// buttons that cannot be pressed twice. Every step also works without it.
(function () {
  "use strict";

  function formatSeconds(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  // The server says how many seconds remain before a new code may be sent.
  function startResendCountdown() {
    var note = document.querySelector("[data-resend-note]");
    var button = document.querySelector("[data-resend-button]");
    if (!note || !button) return;
    var deadline = Date.now() + (parseInt(note.dataset.resendSeconds, 10) || 0) * 1000;

    function tick() {
      var left = Math.ceil((deadline - Date.now()) / 1000);
      if (left > 0) {
        button.disabled = true;
        note.textContent = note.dataset.msgWait.replace("{time}", formatSeconds(left));
        setTimeout(tick, 500);
      } else {
        button.disabled = false;
        note.textContent = note.dataset.msgReady;
      }
    }
    tick();
  }

  function setupEcpSigning() {
    var button = document.querySelector("[data-ecp-sign]");
    if (!button || !window.NCALayer || !window.WebSocket || !window.fetch) return;
    var form = button.form;
    var status = document.querySelector("[data-ecp-status]");
    var messages = button.dataset;
    button.hidden = false;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("text-danger", Boolean(isError));
    }

    button.addEventListener("click", function () {
      if (!form.reportValidity()) return;
      button.disabled = true;
      say(messages.msgConnecting);
      fetch(button.dataset.documentUrl, { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error("document");
          return response.arrayBuffer();
        })
        .catch(function () {
          throw window.NCALayer.NCALayerError("document");
        })
        .then(function (pdf) {
          return window.NCALayer.signBase64Detached(window.NCALayer.bytesToBase64(pdf), {
            url: button.dataset.ncalayerUrl,
            onOpen: function () { say(messages.msgChooseKey); }
          });
        })
        .then(function (cms) {
          say(messages.msgSending);
          form.elements.method.value = "ecp";
          form.elements.cms.value = cms;
          form.action = form.dataset.signUrl;
          form.submit();
        })
        .catch(function (error) {
          var byKind = {
            unavailable: messages.msgUnavailable,
            cancelled: messages.msgCancelled,
            document: messages.msgDocument
          };
          say(byKind[error.kind] || messages.msgFailed, true);
          button.disabled = false;
        });
    });
  }

  // A second tap on a slow phone must not send a second code or request.
  function guardDoubleSubmit() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form.hasAttribute("data-once")) return;
      if (form.dataset.sent) {
        event.preventDefault();
        return;
      }
      form.dataset.sent = "1";
    });
    // Coming back with the browser's back button shows a fresh form.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[data-once]").forEach(function (form) {
        delete form.dataset.sent;
      });
    });
  }

  startResendCountdown();
  setupEcpSigning();
  guardDoubleSubmit();
})();
