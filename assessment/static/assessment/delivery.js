/* Upgrade the item page to the session's WebSocket: answers are sent over the socket,
   acknowledged after the server committed them, and the next item is drawn in place.
   Without WebSockets the page's plain form still works. */
(function () {
  "use strict";
  var root = document.getElementById("delivery");
  if (!root || !("WebSocket" in window)) { return; }
  var form = document.getElementById("item-form");
  var statusEl = document.getElementById("status");
  var labels = document.getElementById("t-labels").dataset;
  var resultUrl = root.dataset.resultUrl;
  var english = root.dataset.english === "1";
  function pick(obj, field) { return (english && obj[field + "_en"]) || obj[field] || ""; }
  var socket = null, retry = 0, waiting = null, current = null, deadline = null;

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_m, k) { return values[k]; });
  }
  function say(message) { statusEl.textContent = message || ""; }

  function tick() {
    var timer = document.getElementById("timer");
    if (!timer || deadline === null) { return; }
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    var m = Math.floor(left / 60), s = left % 60;
    timer.textContent = m + ":" + (s < 10 ? "0" : "") + s;
    if (left === 0) { send({type: "time"}); deadline = null; }
  }
  function setClock(secondsLeft) {
    if (secondsLeft === null || secondsLeft === undefined || secondsLeft === "") { return; }
    deadline = Date.now() + Number(secondsLeft) * 1000;
    tick();
  }

  function optionNode(item, o, position, n) {
    var label = document.createElement("label");
    label.className = "option";
    var body = document.createElement("span");
    if (o.image_url) {
      var img = document.createElement("img");
      img.src = o.image_url; img.alt = o.alt || "";
      body.appendChild(img);
    }
    var text = document.createElement("span");
    text.innerHTML = pick(o, "text_html");  /* sanitised by the item bank, as on the server page */
    body.appendChild(text);
    if (item.kind === "ordered") {
      label.className = "option rank";
      var select = document.createElement("select");
      select.name = "rank_" + o.id;
      select.setAttribute("aria-label", labels.place);
      for (var p = 1; p <= n; p++) {
        var opt = document.createElement("option");
        opt.value = String(p); opt.textContent = String(p);
        if (p === position) { opt.selected = true; }
        select.appendChild(opt);
      }
      label.appendChild(select);
      label.appendChild(document.createTextNode(" "));
    } else {
      var input = document.createElement("input");
      input.type = item.kind === "multiple_response" ? "checkbox" : "radio";
      input.name = "answer"; input.value = String(o.id);
      label.appendChild(input);
    }
    label.appendChild(body);
    return label;
  }

  function render(state) {
    var item = state.item;
    setClock(state.seconds_left);
    if (!item) { return; }
    var bar = document.getElementById("progress-bar");
    if (bar) { bar.value = state.answered; }
    var text = fmt(labels.question, {n: item.sequence});
    if (state.max_items) { text += " · " + fmt(labels.atMost, {m: state.max_items}); }
    document.getElementById("progress").textContent = text;
    if (current && current.sequence === item.sequence) { return; }
    current = item;
    form.elements.sequence.value = item.sequence;
    form.elements.item_id.value = item.item_id;
    var legend = document.getElementById("stem");
    legend.innerHTML = pick(item.payload, "stem_html");
    var image = document.getElementById("stem-image");
    image.hidden = !item.payload.stem_image_url;
    image.src = item.payload.stem_image_url || "";
    image.alt = item.payload.stem_image_alt || "";
    form.querySelector(".instructions").textContent = pick(item.payload, "instructions");
    var box = form.querySelector(".options");
    box.textContent = "";
    var options = item.payload.options || [];
    options.forEach(function (o, k) { box.appendChild(optionNode(item, o, k + 1, options.length)); });
    document.getElementById("submit").disabled = false;
    legend.setAttribute("tabindex", "-1");
    legend.focus();
  }

  function answerOf() {
    var kind = current.kind, options = current.payload.options || [];
    var byValue = {};
    options.forEach(function (o) { byValue[String(o.id)] = o.id; });
    if (kind === "multiple_response") {
      return Array.prototype.filter.call(form.querySelectorAll("input[name=answer]"), function (i) {
        return i.checked; }).map(function (i) { return byValue[i.value]; });
    }
    if (kind === "ordered") {
      return options.map(function (o) {
        return [Number(form.elements["rank_" + o.id].value), o.id]; })
        .sort(function (a, b) { return a[0] - b[0]; }).map(function (r) { return r[1]; });
    }
    var checked = form.querySelector("input[name=answer]:checked");
    return checked ? byValue[checked.value] : null;
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); return true; }
    return false;
  }

  form.addEventListener("submit", function (event) {
    if (fenced) { event.preventDefault(); return; }
    form.elements.client_ts.value = new Date().toISOString();
    if (!socket || socket.readyState !== WebSocket.OPEN || !current) { return; }  /* plain POST */
    event.preventDefault();
    var answer = answerOf();
    if (answer === null || (Array.isArray(answer) && answer.length === 0 && current.kind !== "multiple_response")) {
      say(labels.choose); return;
    }
    waiting = {type: "answer", sequence: current.sequence, item_id: current.item_id, answer: answer,
               client_ts: form.elements.client_ts.value};
    document.getElementById("submit").disabled = true;
    say(labels.saving);
    send(waiting);
  });

  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.dataset.confirm)) { event.preventDefault(); }
    });
  });

  var fenced = false;

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    socket.onopen = function () { retry = 0; root.dataset.connected = "1"; };
    socket.onmessage = function (event) {
      var msg = JSON.parse(event.data);
      if (msg.type === "state") {
        if (waiting && msg.session.item && msg.session.item.sequence === waiting.sequence) {
          send(waiting);  /* not acknowledged before the connection dropped: send again */
        } else {
          waiting = null; say("");
        }
        render(msg.session);
      } else if (msg.type === "ack") {
        waiting = null;
      } else if (msg.type === "finished") {
        location.href = msg.session.result_url || resultUrl;
      } else if (msg.type === "time") {
        if (msg.status !== "in_progress") { location.href = resultUrl; } else { setClock(msg.seconds_left); }
      } else if (msg.type === "fenced") {
        /* A newer window or device took the session over: stop here, never reconnect
           (reconnecting would fence the other one in turn). */
        fenced = true; waiting = null;
        document.getElementById("submit").disabled = true;
        say(msg.message);
      } else if (msg.type === "error") {
        if (msg.code === "fenced") { return; }
        waiting = null;
        document.getElementById("submit").disabled = false;
        if (msg.code === "session_expired" || msg.code === "session_finished") { location.href = resultUrl; return; }
        say(msg.message);
      }
    };
    socket.onclose = function (event) {
      root.dataset.connected = "";
      if (fenced || event.code === 4401 || event.code === 4404 || event.code === 4409) { return; }
      say(labels.offline);
      retry = Math.min(retry + 1, 6);
      setTimeout(connect, 300 * Math.pow(2, retry));
    };
  }

  setClock(root.dataset.secondsLeft);
  setInterval(tick, 1000);
  var data = document.getElementById("item-data");
  current = data ? JSON.parse(data.textContent) : null;
  connect();
})();
