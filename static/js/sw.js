// NegPrep's service worker (served at /sw.js so that it may look after every page).
//
// It keeps, on purpose, the meeting-mode page and the brief of each meeting of the next 48 hours
// (the list comes from /deals/offline/), so that they open with no signal; pages are no-store for
// the HTTP cache all the same. Those copies are removed at sign-out and once a meeting is past (it
// drops out of the list). Static files are kept too. Nothing else is cached.
"use strict";

var STATIC_CACHE = "negprep-static-v1";
var PAGES_CACHE = "negprep-pages";
var OFFLINE_PAGE = /^\/deals\/meetings\/\d+\/(live|brief)\/$/;

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("negprep-static-") === 0 && name !== STATIC_CACHE;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function clearPages() {
  return caches.delete(PAGES_CACHE);
}

// Keep exactly these pages: fetch each (with the user's session) and drop the others.
function keepPages(urls) {
  return caches.open(PAGES_CACHE).then(function (cache) {
    var wanted = urls.map(function (url) { return new URL(url, self.location.origin).href; });
    var fetches = wanted.map(function (url) {
      return fetch(url, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
        if (response.ok && response.type === "basic") return cache.put(url, response);
        // Gone or no longer theirs (signed out, removed, past): drop it. A server that is busy or
        // failing for a moment (429, 5xx) says nothing about the page: keep the copy there is.
        if (response.type === "opaqueredirect" || [401, 403, 404, 410].indexOf(response.status) >= 0) {
          return cache.delete(url);
        }
      }).catch(function () { /* offline: keep what is there */ });
    });
    var drops = cache.keys().then(function (requests) {
      return Promise.all(requests.filter(function (request) {
        return wanted.indexOf(request.url) < 0;
      }).map(function (request) { return cache.delete(request); }));
    });
    return Promise.all(fetches.concat([drops]));
  });
}

function keepAssets(urls) {
  var own = urls.filter(function (url) {
    var parsed = new URL(url, self.location.origin);
    return parsed.origin === self.location.origin && parsed.pathname.indexOf("/static/") === 0;
  });
  return caches.open(STATIC_CACHE).then(function (cache) {
    return Promise.all(own.map(function (url) {
      return cache.match(url).then(function (hit) {
        return hit || fetch(url).then(function (response) {
          if (response.ok) return cache.put(url, response);
        }).catch(function () {});
      });
    }));
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "clear") event.waitUntil(clearPages());
  if (data.type === "keep" && Array.isArray(data.urls)) {
    // The page that asked hears when its copies are kept (meeting mode says so).
    event.waitUntil(Promise.all([keepPages(data.urls), keepAssets(data.assets || [])]).then(function () {
      if (event.source) event.source.postMessage({ type: "kept" });
    }));
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && url.pathname === "/accounts/logout/") {
    event.waitUntil(clearPages());
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.open(STATIC_CACHE).then(function (cache) {
        return fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        }).catch(function () {
          return cache.match(request).then(function (hit) { return hit || Response.error(); });
        });
      })
    );
    return;
  }
  if (request.mode === "navigate" && OFFLINE_PAGE.test(url.pathname)) {
    // The network first; the copy kept when there is none.
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok && !response.redirected) {
          var copy = response.clone();
          caches.open(PAGES_CACHE).then(function (cache) { cache.put(url.href, copy); });
        }
        return response;
      }).catch(function () {
        return caches.open(PAGES_CACHE).then(function (cache) {
          return cache.match(url.href).then(function (hit) {
            return hit || new Response("<!doctype html><title>Offline</title><p>No connection, and this page was not kept for offline use.</p>", {
              status: 503, headers: { "Content-Type": "text/html; charset=utf-8" }
            });
          });
        });
      })
    );
  }
});
