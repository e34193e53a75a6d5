// Dashboard behaviour: copy buttons, confirmations, uploads with progress,
// and bulk contract creation in batches. Every page also works without it.
"use strict";

(function () {
  function csrfToken(form) {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, key) {
      return values[key];
    });
  }

  // Copy the text of the element named by data-copy-target.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy-target]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copyTarget);
    if (!source) return;
    const text = source.value !== undefined ? source.value : source.textContent;
    const original = button.textContent;
    const done = function () {
      button.textContent = button.dataset.copiedLabel || "OK";
      button.dataset.copied = "true";
      setTimeout(function () { button.textContent = original; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () {
        source.select();
        document.execCommand("copy");
        done();
      });
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  });

  // Ask before a form with data-confirm does something that cannot be undone.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  function showProgress(box, percent, text) {
    box.classList.remove("d-none");
    const bar = box.querySelector(".progress-bar");
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    box.querySelector(".progress").setAttribute("aria-valuenow", percent);
    const status = box.querySelector("[data-status], [data-bulk-status]");
    if (status && text !== undefined) status.textContent = text;
  }

  // Template upload: send the form with XHR to show the upload's progress;
  // the server answers JSON with a redirect or the form's errors.
  const uploadForm = document.querySelector("form[data-upload-form]");
  if (uploadForm) {
    uploadForm.addEventListener("submit", function (event) {
      event.preventDefault();
      const box = document.querySelector("[data-upload-progress]");
      const errorBox = document.querySelector("[data-upload-error]");
      const button = uploadForm.querySelector("button[type=submit]");
      errorBox.classList.add("d-none");
      uploadForm.querySelectorAll(".is-invalid").forEach(function (el) {
        el.classList.remove("is-invalid");
      });
      button.disabled = true;
      const xhr = new XMLHttpRequest();
      xhr.open("POST", uploadForm.action || window.location.href);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken(uploadForm));
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          showProgress(box, Math.round((e.loaded / e.total) * 100));
        }
      });
      xhr.addEventListener("load", function () {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        if (xhr.status < 300 && body.redirect) {
          showProgress(box, 100);
          window.location.assign(body.redirect);
          return;
        }
        button.disabled = false;
        const messages = [];
        Object.keys(body.errors || {}).forEach(function (name) {
          const input = uploadForm.querySelector("[name=" + name + "]");
          if (input) input.classList.add("is-invalid");
          messages.push.apply(messages, body.errors[name]);
        });
        if (!messages.length) messages.push(uploadForm.dataset.failedText || "Error");
        errorBox.textContent = messages.join(" ");
        errorBox.classList.remove("d-none");
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        errorBox.textContent = uploadForm.dataset.failedText || "Error";
        errorBox.classList.remove("d-none");
      });
      xhr.send(new FormData(uploadForm));
    });
  }

  // Bulk creation: upload the file (the server checks it and answers its
  // rows), then create the contracts a batch at a time, showing progress.
  const bulkForm = document.querySelector("form[data-bulk-form]");
  if (bulkForm) {
    const texts = document.getElementById("bulk-texts").dataset;
    const box = document.querySelector("[data-bulk-progress]");
    const errorBox = document.querySelector("[data-bulk-error]");
    const report = document.querySelector("[data-bulk-report]");
    const BATCH = 10;

    const addRow = function (result) {
      const tr = document.createElement("tr");
      const line = document.createElement("td");
      line.textContent = result.line;
      const cell = document.createElement("td");
      if (result.contract_id) {
        const link = document.createElement("a");
        link.href = result.url;
        link.textContent = result.number;
        cell.appendChild(link);
        cell.appendChild(document.createTextNode(" " + texts.created));
      } else {
        tr.className = "table-danger";
        cell.textContent = result.errors.join("; ");
      }
      tr.appendChild(line);
      tr.appendChild(cell);
      report.querySelector("tbody").appendChild(tr);
    };

    const fail = function (message) {
      errorBox.textContent = message || texts.failed;
      errorBox.classList.remove("d-none");
      bulkForm.querySelector("button[type=submit]").disabled = false;
    };

    bulkForm.addEventListener("submit", async function (event) {
      event.preventDefault();
      errorBox.classList.add("d-none");
      report.classList.add("d-none");
      report.querySelector("tbody").innerHTML = "";
      bulkForm.querySelector("button[type=submit]").disabled = true;
      const headers = { "Accept": "application/json", "X-CSRFToken": csrfToken(bulkForm) };
      let sheet;
      try {
        const response = await fetch(bulkForm.action || window.location.href, {
          method: "POST", body: new FormData(bulkForm), headers: headers,
          credentials: "same-origin",
        });
        sheet = await response.json();
        if (!response.ok) return fail(sheet.error || firstError(sheet.errors));
      } catch (e) {
        return fail();
      }
      const total = sheet.rows.length;
      let done = 0, created = 0;
      showProgress(box, 0, format(texts.status, { done: 0, total: total }));
      report.classList.remove("d-none");
      for (let start = 0; start < total; start += BATCH) {
        const batch = sheet.rows.slice(start, start + BATCH);
        let body;
        try {
          const response = await fetch(bulkForm.dataset.rowsUrl, {
            method: "POST",
            headers: Object.assign({ "Content-Type": "application/json" }, headers),
            credentials: "same-origin",
            body: JSON.stringify({ template: sheet.template, header: sheet.header, rows: batch }),
          });
          body = await response.json();
          if (!response.ok) return fail(body.error);
        } catch (e) {
          return fail();
        }
        body.results.forEach(function (result) {
          if (result.contract_id) created += 1;
          addRow(result);
        });
        done += batch.length;
        showProgress(box, Math.round((done / total) * 100),
          format(texts.status, { done: done, total: total }));
        report.querySelector("[data-bulk-summary]").textContent =
          format(texts.summary, { created: created, refused: done - created });
      }
      bulkForm.querySelector("button[type=submit]").disabled = false;
    });

    const firstError = function (errors) {
      const names = Object.keys(errors || {});
      return names.length ? errors[names[0]].join(" ") : undefined;
    };
  }
})();
