// Live progress of survey jobs on the researcher page (WebSocket /ws/survey/jobs/).
(function () {
  "use strict";
  var root = document.getElementById("survey-admin");
  if (!root || !window.WebSocket) { return; }
  var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
  var socket;
  function update(job) {
    var row = root.querySelector('tr[data-job="' + job.id + '"]');
    if (!row) { return; }
    row.querySelector(".job-progress").value = job.progress;
    row.querySelector(".job-progress").textContent = Math.round(job.progress * 100) + "%";
    row.querySelector(".job-status").textContent = job.status;
    row.querySelector(".job-stage").textContent = job.stage + (job.error ? " — " + job.error : "");
    if (["finished", "failed", "cancelled"].indexOf(job.status) >= 0) {
      var cancel = row.querySelector(".job-cancel");
      if (cancel) { cancel.closest("form").remove(); }
    }
  }
  function connect() {
    socket = new WebSocket(scheme + window.location.host + root.dataset.ws);
    socket.onmessage = function (event) {
      var msg = JSON.parse(event.data);
      if (msg.type === "job") { update(msg.job); }
    };
    socket.onclose = function () { window.setTimeout(connect, 3000); };
  }
  root.addEventListener("click", function (event) {
    var button = event.target.closest(".job-cancel");
    if (button && socket && socket.readyState === 1) {
      event.preventDefault();
      socket.send(JSON.stringify({ type: "cancel", job_id: button.dataset.job }));
    }
  });
  connect();
}());
