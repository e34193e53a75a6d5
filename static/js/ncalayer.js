// A small client for NCALayer, the NCA RK signing app on the signer's computer.
//
// NCALayer listens on a local WebSocket (wss://127.0.0.1:13579). The page
// sends one JSON request to the `kz.gov.pki.knca.commonUtils` module; NCALayer
// asks the person to pick a key and enter its password, then answers with
// {"code": "200", "responseObject": "<base64 CMS>"} or an error code and
// message. On connecting it may first send {"result": {"version": "..."}}.
(function (global) {
  "use strict";

  var DEFAULT_URL = "wss://127.0.0.1:13579";

  function NCALayerError(kind, message) {
    var error = new Error(message || kind);
    error.name = "NCALayerError";
    // "unavailable": NCALayer is not running or refused the connection;
    // "cancelled": the person closed the key dialog; "failed": anything else.
    error.kind = kind;
    return error;
  }

  function bytesToBase64(buffer) {
    var bytes = new Uint8Array(buffer);
    var chunks = [];
    // String.fromCharCode takes arguments on the stack: feed it slices.
    for (var i = 0; i < bytes.length; i += 0x8000) {
      chunks.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000)));
    }
    return global.btoa(chunks.join(""));
  }

  function isCancel(answer) {
    var text = String(answer.message || answer.errorCode || "").toLowerCase();
    return text.indexOf("cancel") !== -1;
  }

  // Ask NCALayer for a detached CMS (CAdES) signature over base64 data.
  // Resolves with the CMS in base64. `options.onOpen` is called once
  // NCALayer answers, when its key dialog is about to appear.
  function signBase64Detached(base64Data, options) {
    options = options || {};
    var url = options.url || DEFAULT_URL;
    var storage = options.storage || "PKCS12";
    var timeoutMs = options.timeoutMs || 5 * 60 * 1000;

    return new Promise(function (resolve, reject) {
      var socket;
      var opened = false;
      var settled = false;
      var timer;

      function finish(fn, value) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try { socket.close(); } catch (ignored) { /* already closed */ }
        fn(value);
      }

      try {
        socket = new global.WebSocket(url);
      } catch (error) {
        reject(NCALayerError("unavailable", error.message));
        return;
      }
      timer = setTimeout(function () {
        finish(reject, NCALayerError("failed", "NCALayer did not answer in time"));
      }, timeoutMs);

      socket.onopen = function () {
        opened = true;
        if (options.onOpen) options.onOpen();
        socket.send(JSON.stringify({
          module: "kz.gov.pki.knca.commonUtils",
          method: "createCAdESFromBase64",
          // storage, key type, data, attach the data (false: detached CMS)
          args: [storage, "SIGNATURE", base64Data, false]
        }));
      };
      socket.onmessage = function (event) {
        var answer;
        try {
          answer = JSON.parse(event.data);
        } catch (error) {
          finish(reject, NCALayerError("failed", "NCALayer sent something that is not JSON"));
          return;
        }
        if (answer.result && answer.result.version) return;
        if (String(answer.code) === "200" && answer.responseObject) {
          finish(resolve, String(answer.responseObject));
        } else if (isCancel(answer)) {
          finish(reject, NCALayerError("cancelled", answer.message));
        } else {
          finish(reject, NCALayerError("failed", answer.message || ("code " + answer.code)));
        }
      };
      socket.onerror = function () {
        finish(reject, NCALayerError(opened ? "failed" : "unavailable", "connection error"));
      };
      socket.onclose = function () {
        finish(reject, NCALayerError(opened ? "failed" : "unavailable", "connection closed"));
      };
    });
  }

  global.NCALayer = {
    DEFAULT_URL: DEFAULT_URL,
    NCALayerError: NCALayerError,
    bytesToBase64: bytesToBase64,
    signBase64Detached: signBase64Detached
  };
})(window);
