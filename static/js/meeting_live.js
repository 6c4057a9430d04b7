// Meeting mode on the phone: questions and answers live over the meeting's socket (polling when the
// socket does not get through), questions and notes queued on the phone while offline and sent in
// order, exactly once (each question carries a key the server stores), notes saved as they are
// typed (debounced) with the revision they were typed on.
(function () {
  "use strict";
  var root = document.getElementById("meeting-live");
  if (!root || !window.NegPrepLive) return;
  var live = window.NegPrepLive;
  var meetingId = root.getAttribute("data-meeting");
  var lastSeq = parseInt(root.getAttribute("data-last-seq"), 10) || 0;
  var sinceBase = root.getAttribute("data-since-url").replace(/0\/$/, "");
  var askUrl = root.getAttribute("data-ask-url");
  var list = document.getElementById("live-questions");
  var status = document.getElementById("live-connection");
  var seen = {};
  list.querySelectorAll("[data-seq]").forEach(function (node) { seen[node.getAttribute("data-seq")] = true; });
  var queueKey = "negprep-live-queue-" + meetingId;
  var notesKey = "negprep-live-notes-" + meetingId;

  // Questions and answers ------------------------------------------------------------------

  function fill(node, field, text) {
    var target = node.querySelector("[data-field=" + field + "]");
    if (target) target.textContent = text;
    return target;
  }

  function addQuestion(event) {
    var node = document.getElementById("live-question-template").content.firstElementChild.cloneNode(true);
    node.setAttribute("data-question", event.question);
    node.setAttribute("data-seq", event.seq);
    fill(node, "by", event.by);
    fill(node, "text", event.text);
    fill(node, "to-managers", event.to_managers ? "(also to the managers)" : "");
    var form = node.querySelector("form");
    if (form) {
      form.action = event.answer_url;
      var box = form.querySelector("input[type=checkbox]");
      var label = form.querySelector(".form-check-label");
      box.id = "beyond-" + event.question;
      label.setAttribute("for", box.id);
      live.wireAnswerForm(form);
    }
    list.appendChild(node);
    document.getElementById("live-no-questions").hidden = true;
  }

  function addAnswer(event) {
    var question = list.querySelector('[data-question="' + event.question + '"]');
    if (!question) return false;
    var node = document.getElementById("live-answer-template").content.firstElementChild.cloneNode(true);
    node.setAttribute("data-seq", event.seq);
    fill(node, "by", event.by);
    fill(node, "text", event.text);
    if (event.beyond_limits) {
      node.classList.add("text-danger-emphasis");
      var badge = node.querySelector("[data-field=beyond]");
      badge.hidden = false;
      badge.title = event.beyond_reason;
    }
    question.querySelector("[data-field=answers]").appendChild(node);
    return true;
  }

  function apply(event) {
    if (event.event !== "question" && event.event !== "answer") return;
    if (seen[event.seq]) return;
    if (event.seq > lastSeq + 1) {
      // Something in between has not arrived (yet): read it from the server, in order.
      catchUp();
      return;
    }
    if (event.event === "question") addQuestion(event);
    else if (!addAnswer(event)) { catchUp(); return; }
    seen[event.seq] = true;
    lastSeq = Math.max(lastSeq, event.seq);
  }

  // Polling: the fallback while the socket is down, and the way to fill a gap.
  var polling = null, pollBusy = false;
  function pollOnce() {
    if (pollBusy) return;
    pollBusy = true;
    fetch(sinceBase + lastSeq + "/", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { events: [] }; })
      .then(function (body) {
        body.events.forEach(function (event) {
          if (event.seq <= lastSeq) { seen[event.seq] = true; return; }
          lastSeq = event.seq - 1; // in order from the server: nothing is missing before it
          apply(event);
        });
      }, function () {})
      .then(function () { pollBusy = false; });
  }
  // Ask for what came after the last number seen: over the socket when it is open, else by HTTP.
  var catchingUp = false;
  function catchUp() {
    if (socket && socket.isOpen()) {
      if (catchingUp) return;
      catchingUp = true;
      socket.send({ type: "since", after: lastSeq });
    } else {
      pollOnce();
    }
  }
  function startPolling() {
    if (!polling) polling = setInterval(pollOnce, 3000);
  }
  function stopPolling() {
    clearInterval(polling);
    polling = null;
  }

  var socket = live.liveSocket(function () { return root.getAttribute("data-socket-path") + "?after=" + lastSeq; }, {
    open: function () {
      catchingUp = false;
      stopPolling();
      status.textContent = "live";
      status.className = "ms-1 badge text-bg-light border";
      flushQueue();
    },
    message: function (data) {
      if (data.event === "synced") { catchingUp = false; return; }
      // The heartbeat names the meeting's last number: behind it, something was missed.
      if (data.event === "pong") { if (data.last > lastSeq) catchUp(); return; }
      apply(data);
    },
    close: function (event, willRetry) {
      if (event.code === 4401 || event.code === 4403) {
        status.textContent = "Not connected: reload the page.";
        return;
      }
      status.textContent = navigator.onLine === false ? "offline: what you type is kept and sent later"
        : (willRetry ? "reconnecting…" : "updates every few seconds");
      status.className = "ms-1 badge text-bg-warning";
      startPolling();
    }
  });

  // Asking, with a queue kept on the phone until the server has each question --------------

  function readQueue() {
    try { return JSON.parse(localStorage.getItem(queueKey)) || []; } catch (e) { return []; }
  }
  function writeQueue(queue) {
    if (queue.length) localStorage.setItem(queueKey, JSON.stringify(queue));
    else localStorage.removeItem(queueKey);
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  var flushing = false;
  var askError = document.getElementById("live-ask-error");
  function flushQueue() {
    if (flushing) return;
    var queue = readQueue();
    if (!queue.length) return;
    flushing = true;
    var item = queue[0];
    var data = new FormData();
    var form = document.getElementById("live-ask");
    data.set("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    Object.keys(item).forEach(function (name) { data.set(name, item[name]); });
    live.postJson(askUrl, data).then(function (result) {
      flushing = false;
      var rest = readQueue().filter(function (queued) { return queued.client_key !== item.client_key; });
      writeQueue(rest);
      if (!result.ok && askError) askError.textContent = (result.body.error || "Not sent.") + " (" + item.text + ")";
      if (result.ok) pollOnceIfClosed();
      flushQueue();
    }, function () {
      flushing = false; // offline: it stays first in the queue for the next try
    });
  }
  function pollOnceIfClosed() {
    if (!socket.isOpen()) pollOnce();
  }

  var askForm = document.getElementById("live-ask");
  if (askForm) {
    var kind = document.getElementById("live-ask-kind");
    var text = document.getElementById("live-ask-text");
    askForm.querySelectorAll("[data-quick]").forEach(function (button) {
      button.addEventListener("click", function () {
        kind.value = button.getAttribute("data-quick");
        text.value = button.getAttribute("data-quick-text");
        text.focus();
        var gap = text.value.indexOf("…");
        text.setSelectionRange(gap, gap + 1);
      });
    });
    askForm.addEventListener("submit", function (event) {
      event.preventDefault();
      askError.textContent = "";
      if (!text.value.trim()) { askError.textContent = "Type the question first."; return; }
      if (text.value.indexOf("…") >= 0) { askError.textContent = "Fill in the “…” of the quick question first."; return; }
      var queue = readQueue();
      queue.push({
        text: text.value,
        kind: kind.value,
        to_managers: document.getElementById("live-ask-managers").checked ? "on" : "",
        client_key: newKey()
      });
      writeQueue(queue);
      text.value = "";
      kind.value = "free";
      flushQueue();
    });
  }

  list.querySelectorAll("form.np-live-answer-form").forEach(function (form) { live.wireAnswerForm(form); });

  // Notes, saved as they are typed --------------------------------------------------------

  var notesForm = document.getElementById("live-notes");
  var notes = document.getElementById("live-notes-text");
  var notesStatus = document.getElementById("live-notes-status");
  var revisionField = notesForm.querySelector("[name=revision]");
  var timer = null, saving = false, again = false;

  function keepLocally() {
    localStorage.setItem(notesKey, JSON.stringify({ text: notes.value, revision: revisionField.value }));
  }
  function saveNotes() {
    if (saving) { again = true; return; }
    saving = true;
    var sent = notes.value;
    live.postJson(notesForm.action, new FormData(notesForm)).then(function (result) {
      saving = false;
      if (result.ok) {
        revisionField.value = result.body.revision;
        if (notes.value === sent) localStorage.removeItem(notesKey);
        else keepLocally();
        notesStatus.textContent = "Saved " + new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      } else if (result.status === 409) {
        notesStatus.textContent = result.body.error + " Yours are kept here; save again to put them over theirs.";
        revisionField.value = result.body.revision;
        keepLocally();
        return;
      } else {
        notesStatus.textContent = result.body.error || "Not saved.";
      }
      if (again) { again = false; saveNotes(); }
    }, function () {
      saving = false;
      notesStatus.textContent = "Not saved yet: kept on this phone until the connection is back.";
    });
  }
  notes.addEventListener("input", function () {
    keepLocally();
    notesStatus.textContent = "Typing…";
    clearTimeout(timer);
    timer = setTimeout(saveNotes, 800);
  });
  notesForm.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    saveNotes();
  });
  // Notes typed while the page could not save them come back from the phone and are saved now.
  try {
    var kept = JSON.parse(localStorage.getItem(notesKey));
    if (kept && kept.text !== notes.value) {
      notes.value = kept.text;
      saveNotes();
    }
  } catch (e) {}

  window.addEventListener("online", function () {
    socket.reconnectNow();
    flushQueue();
    if (localStorage.getItem(notesKey)) saveNotes();
  });
  setInterval(function () {
    flushQueue();
    if (localStorage.getItem(notesKey) && !saving) saveNotes();
  }, 10000);
  flushQueue();
})();
