// The workbench's only script: conveniences over pages that work without it. Drop files and
// folders on an upload area, show the upload's progress, follow a background job's progress,
// confirm before removing, print. No inline script anywhere (Content-Security-Policy).
"use strict";
(function () {
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  // Files from a drop: plain files, and every file inside dropped folders.
  function readEntries(entry, out) {
    return new Promise(function (resolve) {
      if (entry.isFile) {
        entry.file(function (f) { out.push(f); resolve(); }, function () { resolve(); });
      } else if (entry.isDirectory) {
        var reader = entry.createReader();
        var all = [];
        (function next() {
          reader.readEntries(function (batch) {
            if (!batch.length) {
              Promise.all(all.map(function (e) { return readEntries(e, out); })).then(resolve);
            } else { all = all.concat(Array.prototype.slice.call(batch)); next(); }
          }, function () { resolve(); });
        })();
      } else resolve();
    });
  }

  function setupUpload(form) {
    var drop = form.querySelector("[data-drop]");
    var inputs = form.querySelectorAll("[data-files]");
    var picked = form.querySelector("[data-picked]");
    var dropped = null;
    function show(files) {
      if (!picked) return;
      picked.textContent = files.length ? "已选择" + files.length + "个文件" + (files.length <= 3 ?
        "：" + Array.prototype.map.call(files, function (f) { return f.name; }).join("、") : "") : "";
    }
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("change", function () { dropped = null; show(input.files); });
    });
    if (drop) {
      ["dragenter", "dragover"].forEach(function (t) {
        drop.addEventListener(t, function (e) { e.preventDefault(); drop.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (t) {
        drop.addEventListener(t, function () { drop.classList.remove("over"); });
      });
      drop.addEventListener("drop", function (e) {
        e.preventDefault();
        var items = e.dataTransfer.items, files = [], waits = [];
        if (items && items.length && items[0].webkitGetAsEntry) {
          for (var i = 0; i < items.length; i++) {
            if (items[i].kind !== "file") continue;
            // a folder is read file by file; an item without an entry is taken as the file it holds
            var entry = items[i].webkitGetAsEntry();
            if (entry) waits.push(readEntries(entry, files));
            else { var f = items[i].getAsFile(); if (f) files.push(f); }
          }
          Promise.all(waits).then(function () { dropped = files; show(files); });
        } else { dropped = Array.prototype.slice.call(e.dataTransfer.files); show(dropped); }
      });
    }
    form.addEventListener("submit", function (e) {
      if (!window.FormData || !window.XMLHttpRequest) return;  // the browser posts the form itself
      e.preventDefault();
      var data = new FormData();
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.disabled) return;
        if (el.type === "file") {
          if (!dropped) Array.prototype.forEach.call(el.files, function (f) { data.append(el.name, f, f.webkitRelativePath || f.name); });
        } else if ((el.type !== "checkbox" && el.type !== "radio") || el.checked) data.append(el.name, el.value);
      });
      if (dropped) dropped.forEach(function (f) { data.append("files", f, f.name); });
      var box = form.querySelector("[data-uploading]");
      var bar = form.querySelector("[data-upload-progress]");
      if (box) box.hidden = false;
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.onprogress = function (ev) { if (ev.lengthComputable && bar) bar.value = Math.round(100 * ev.loaded / ev.total); };
      xhr.onload = function () {
        if (xhr.responseURL && xhr.responseURL !== form.action && xhr.status < 400) { window.location.href = xhr.responseURL; return; }
        document.open(); document.write(xhr.responseText); document.close();
      };
      xhr.onerror = function () { if (button) button.disabled = false; if (box) box.hidden = true; alert("上传失败，请检查网络后重试。"); };
      xhr.send(data);
    });
  }

  function followJob(el) {
    var id = el.getAttribute("data-job");
    var bar = el.querySelector("[data-job-bar]"), text = el.querySelector("[data-job-text]");
    function poll() {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", "/api/jobs/" + encodeURIComponent(id));
      xhr.onload = function () {
        var job;
        try { job = JSON.parse(xhr.responseText); } catch (e) { setTimeout(poll, 2000); return; }
        if (job.state === "done" || job.state === "failed" || !job.state) { window.location.reload(); return; }
        if (bar) bar.value = job.percent;
        if (text && job.total) text.textContent = "已处理 " + job.done + " / " + job.total;
        setTimeout(poll, 800);
      };
      xhr.onerror = function () { setTimeout(poll, 2000); };
      xhr.send();
    }
    setTimeout(poll, 500);
  }

  ready(function () {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), setupUpload);
    if (document.querySelector("[data-drop]")) {
      // A file dropped beside the drop area must not make the browser open it in place of the page
      // (Firefox shows it, Chromium downloads it): only the drop area takes files.
      ["dragover", "drop"].forEach(function (t) {
        window.addEventListener(t, function (e) {
          var inside = e.target && e.target.closest ? e.target.closest("[data-drop]") : null;
          if (!inside) { e.preventDefault(); if (e.dataTransfer) e.dataTransfer.dropEffect = "none"; }
        });
      });
    }
    Array.prototype.forEach.call(document.querySelectorAll("[data-job]"), followJob);
    Array.prototype.forEach.call(document.querySelectorAll("form:not([data-upload]) input[data-files]"), function (input) {
      input.addEventListener("change", function () {
        var picked = input.form.querySelector("[data-picked]");
        if (picked) picked.textContent = input.files.length ? "已选择：" + input.files[0].name : "";
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (f) {
      f.addEventListener("submit", function (e) { if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (s) {
      s.addEventListener("change", function () { s.form.submit(); });
    });
  });
})();
