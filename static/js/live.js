// Live toasts on every NegPrep page: a question from a meeting for the colleague on call (with an
// answer box), an answer to the rep's question. One socket per page at /ws/live/, reconnecting with
// a growing pause; it also tells the server that this user has a page open (heartbeat), so that
// only those with no page open get the e-mail. Meeting mode (meeting_live.js) uses the same helpers.
(function () {
  "use strict";

  function socketUrl(path) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + location.host + path;
  }

  // Open a socket that reopens itself. handlers: message(data), open(), close(event, willRetry).
  // A close with code 4401/4403 (signed out, refused) is final.
  function liveSocket(path, handlers) {
    var socket = null, pause = 1000, stopped = false, heartbeat = null, timer = null;
    if (!("WebSocket" in window) || !document.querySelector("[data-sockets]")) {
      // No sockets here (a server that serves pages only): say so once, the caller polls.
      setTimeout(function () { if (handlers.close) handlers.close({ code: 1006 }, false); }, 0);
      return { send: function () { return false; }, isOpen: function () { return false; },
               reconnectNow: function () {}, stop: function () {} };
    }
    function open() {
      if (stopped || !("WebSocket" in window)) return;
      try {
        socket = new WebSocket(socketUrl(typeof path === "function" ? path() : path));
      } catch (e) {
        retry({ code: 1006 });
        return;
      }
      socket.onopen = function () {
        pause = 1000;
        // 12 to 18 s, different on each page: pages that reconnected together (a server restart)
        // do not all beat at the same moment.
        heartbeat = setInterval(function () { send({ type: "ping" }); }, 12000 + Math.random() * 6000);
        if (handlers.open) handlers.open();
      };
      socket.onmessage = function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        handlers.message(data);
      };
      socket.onclose = function (event) {
        clearInterval(heartbeat);
        socket = null;
        retry(event);
      };
    }
    function retry(event) {
      var final = event.code === 4401 || event.code === 4403;
      if (handlers.close) handlers.close(event, !final && !stopped);
      if (final || stopped) return;
      clearTimeout(timer);
      // A growing pause, spread at random so that every page does not come back at once.
      timer = setTimeout(open, pause * (0.5 + Math.random()));
      pause = Math.min(pause * 2, 30000);
    }
    function send(data) {
      if (socket && socket.readyState === 1) {
        socket.send(JSON.stringify(data));
        return true;
      }
      return false;
    }
    open();
    return {
      send: send,
      isOpen: function () { return !!socket && socket.readyState === 1; },
      reconnectNow: function () {
        if (!socket && !stopped) { clearTimeout(timer); pause = 1000; open(); }
      },
      stop: function () { stopped = true; if (socket) socket.close(); }
    };
  }

  // POST a form's fields (FormData) and read the JSON answer; rejects on a network failure only.
  function postJson(url, formData) {
    return fetch(url, {
      method: "POST",
      body: formData,
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }

  // An answer form (toast or meeting mode): posted with the button that was pressed.
  function wireAnswerForm(form, done) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var reply = event.submitter && event.submitter.value ? event.submitter.value : "text";
      data.set("reply", reply);
      var error = form.querySelector("[data-field=error]");
      if (error) error.textContent = "";
      postJson(form.action, data).then(function (result) {
        if (result.ok) {
          form.reset();
          if (done) done(result.body);
        } else if (error) {
          error.textContent = result.body.error || "Not sent: try again.";
        }
      }, function () {
        if (error) error.textContent = "No connection: not sent. Try again, or call.";
      });
    });
  }

  window.NegPrepLive = { liveSocket: liveSocket, postJson: postJson, wireAnswerForm: wireAnswerForm };

  var container = document.getElementById("live-toasts");
  if (!container) return;
  var template = document.getElementById("live-toast-template");
  var meetingPage = document.getElementById("meeting-live");

  function toast(data) {
    // Meeting mode shows its own meeting's questions and answers in place.
    if (meetingPage && String(data.meeting) === meetingPage.getAttribute("data-meeting")) return;
    var node = template.content.firstElementChild.cloneNode(true);
    var isQuestion = data.event === "question";
    node.querySelector("[data-field=title]").textContent = isQuestion
      ? "Question from " + data.by + " · " + data.deal + " (" + data.customer + ")"
      : data.by + " answered";
    node.querySelector("[data-field=text]").textContent = data.text;
    var link = node.querySelector("[data-field=link]");
    link.href = data.url || ("/deals/meetings/" + data.meeting + "/live/");
    var form = node.querySelector("form");
    if (isQuestion) {
      form.action = data.answer_url;
      wireAnswerForm(form, function () {
        form.replaceWith(document.createTextNode("Answer sent."));
      });
    } else {
      form.remove();
      if (data.beyond_limits) node.querySelector("[data-field=beyond]").hidden = false;
    }
    node.querySelector("[data-dismiss]").addEventListener("click", function () { node.remove(); });
    container.appendChild(node);
  }

  liveSocket("/ws/live/", {
    message: function (data) {
      if (data.toast) toast(data);
    }
  });
})();

// NegPrep as an installable app: the service worker keeps meeting mode and the brief of the
// meetings of the next 48 hours for use with no signal (static/js/sw.js). The list is refreshed at
// most every ten minutes, on meeting mode at every visit; sign-out clears the kept pages and what
// meeting mode queued on the phone.
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !document.getElementById("live-toasts")) return;
  var STAMP = "negprep-offline-synced";
  var meetingPage = document.getElementById("meeting-live");

  function tell(message) {
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.active) registration.active.postMessage(message);
    });
  }

  function forgetLocal() {
    Object.keys(localStorage).forEach(function (key) {
      if (/^negprep-live-(queue|notes)-\d+$/.test(key)) localStorage.removeItem(key);
    });
  }

  function sync() {
    fetch("/deals/offline/", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("signed out");
        return response.json();
      })
      .then(function (body) {
        localStorage.setItem(STAMP, String(Date.now()));
        // The page's own scripts and styles, so that a kept page opens styled and working offline.
        var assets = [];
        document.querySelectorAll("script[src], link[rel=stylesheet][href], link[rel=icon][href]").forEach(function (node) {
          assets.push(node.src || node.href);
        });
        tell({ type: "keep", urls: body.urls, assets: assets });
      }, function () {});
  }

  // Meeting mode says when it is kept for use with no signal (the service worker has its copy).
  var kept = document.getElementById("live-offline");
  if (kept) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (!event.data || event.data.type !== "kept") return;
      caches.open("negprep-pages").then(function (cache) {
        return cache.match(location.href);
      }).then(function (hit) { kept.hidden = !hit; }, function () {});
    });
  }

  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
    var last = parseInt(localStorage.getItem(STAMP), 10) || 0;
    if (meetingPage || Date.now() - last > 10 * 60 * 1000) sync();
  }, function () {});

  document.querySelectorAll('form[action$="/accounts/logout/"]').forEach(function (form) {
    form.addEventListener("submit", function () {
      tell({ type: "clear" });
      forgetLocal();
      localStorage.removeItem(STAMP);
    });
  });
})();
