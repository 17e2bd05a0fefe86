// Live progress of survey jobs on the researcher page.
//
// With a channel layer shared between processes (Redis, data-live="push") the server
// pushes every step over the WebSocket /ws/survey/jobs/. With the in-memory layer
// (data-live="poll", `make demo`) the worker is another process whose pushes cannot reach
// this server, so the page polls the progress endpoint, which reads the progress stored
// on the job row. In push mode the page also polls while the socket is down or silent.
(function () {
  "use strict";
  var root = document.getElementById("survey-admin");
  if (!root) { return; }
  var ENDED = ["finished", "failed", "cancelled"];
  var POLL_MS = 1000;
  var SILENT_MS = 5000;
  var mode = root.dataset.live === "push" && window.WebSocket ? "push" : "poll";
  var progressUrl = root.dataset.progressUrl || "/api/v1/survey/jobs/";
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var socket = null;
  var lastMessage = 0;
  var inFlight = {};

  function update(job) {
    var row = root.querySelector('tr[data-job="' + job.id + '"]');
    if (!row) { return; }
    var percent = Math.round(job.progress * 100) + "%";
    var bar = row.querySelector(".job-progress");
    bar.value = job.progress;
    bar.textContent = percent;
    var pct = row.querySelector(".job-percent");
    if (pct) { pct.textContent = percent; }
    var status = row.querySelector(".job-status");
    status.dataset.status = job.status;
    status.textContent = job.status_label || "";
    row.querySelector(".job-stage").textContent =
      (job.stage_label || "") + (job.error ? " — " + job.error : "");
    if (ENDED.indexOf(job.status) >= 0) {
      var cancel = row.querySelector(".job-cancel");
      if (cancel) { cancel.closest("form").remove(); }
    }
  }

  function unfinished() {
    var rows = root.querySelectorAll("tr[data-job]");
    var ids = [];
    for (var i = 0; i < rows.length; i += 1) {
      var status = rows[i].querySelector(".job-status");
      if (status && ENDED.indexOf(status.dataset.status) < 0) { ids.push(rows[i].dataset.job); }
    }
    return ids;
  }

  function poll(id) {
    if (inFlight[id]) { return; }
    inFlight[id] = true;
    fetch(progressUrl + encodeURIComponent(id), {
      credentials: "same-origin", headers: { Accept: "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (job) {
      if (job) { update(job); }
    }).catch(function () { /* try again at the next tick */ }).then(function () {
      inFlight[id] = false;
    });
  }

  function tick() {
    var pushing = mode === "push" && socket && socket.readyState === 1 &&
      Date.now() - lastMessage < SILENT_MS;
    if (!pushing) { unfinished().forEach(poll); }
  }

  function connect() {
    socket = new WebSocket(scheme + window.location.host + root.dataset.ws);
    socket.onopen = function () { lastMessage = Date.now(); };
    socket.onmessage = function (event) {
      var msg = JSON.parse(event.data);
      lastMessage = Date.now();
      if (msg.type === "job") { update(msg.job); }
    };
    socket.onclose = function () { window.setTimeout(connect, 3000); };
  }

  root.addEventListener("click", function (event) {
    var button = event.target.closest(".job-cancel");
    if (button && mode === "push" && socket && socket.readyState === 1) {
      event.preventDefault();
      socket.send(JSON.stringify({ type: "cancel", job_id: button.dataset.job }));
    }
  });
  if (mode === "push") { connect(); }
  window.setInterval(tick, POLL_MS);
  tick();
}());
