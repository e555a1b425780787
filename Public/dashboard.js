// Kruispunt dashboard: draws each panel's chart from the SPARQL results embedded in the page
// (the same answer its query gives at /sparql), the map with Leaflet, the flow map's time
// slider, copy buttons, and the live feed (Server-Sent Events from /live, polling /live.json
// when those fail). Everything works without this script: tables, queries and downloads are HTML.
(function () {
  "use strict";
  var lang = document.documentElement.lang.indexOf("en") === 0 ? "en" : "nl";
  function t(nl, en) { return lang === "nl" ? nl : en; }
  var charts = [];
  var palette = ["#0055cc", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#5c940d", "#1864ab", "#e67700"];

  // --- Values from SPARQL JSON results ---------------------------------------------------
  function results(id) {
    var el = document.getElementById(id);
    if (!el) { return { head: { vars: [] }, results: { bindings: [] } }; }
    return JSON.parse(el.textContent);
  }
  function raw(row, v) { return row[v] ? row[v].value : null; }
  function num(row, v) { var x = raw(row, v); return x === null ? null : Number(x); }
  function shortID(iri) {
    var markers = ["/id/camera/", "/id/zone/", "/id/flow/", "/id/zone-flow/"];
    for (var i = 0; i < markers.length; i++) {
      var k = iri.indexOf(markers[i]);
      if (k >= 0) { return iri.slice(k + markers[i].length).replace("/", " → "); }
    }
    return iri;
  }
  function label(value) {
    if (value === null) { return "–"; }
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(value);
    if (m) {
      var day = Number(m[3]) + "/" + Number(m[2]);
      return m[4] === "00" && m[5] === "00" ? day : day + " " + m[4] + ":00";
    }
    if (/^\d{8}$/.test(value)) { return Number(value.slice(6)) + "/" + Number(value.slice(4, 6)); }
    if (/^https?:/.test(value)) { return shortID(value); }
    return value;
  }
  // A value to draw: null (a gap) where the cell is withheld and nothing else is known.
  function drawn(row, spec, v) {
    var x = num(row, v);
    (spec.hidden || []).forEach(function (h) {
      if (h.var === v && num(row, h.hidden) > 0 && !(x > 0)) { x = null; }
    });
    return x;
  }

  // --- Charts -----------------------------------------------------------------------------
  function drawChart(el) {
    if (typeof Chart === "undefined") { return; }
    var spec = JSON.parse(el.getAttribute("data-chart"));
    var rows = results(el.getAttribute("data-results")).results.bindings;
    var canvas = el.querySelector("canvas");
    if (!canvas) { return; }
    var xs = [];
    rows.forEach(function (r) { var x = raw(r, spec.x); if (xs.indexOf(x) < 0) { xs.push(x); } });
    var datasets = [];
    if (spec.type === "doughnut") {
      datasets.push({ label: spec.y[0].label, data: rows.map(function (r) { return drawn(r, spec, spec.y[0].var); }),
                      backgroundColor: rows.map(function (_, i) { return palette[i % palette.length]; }) });
    } else if (spec.series) {
      var names = [];
      rows.forEach(function (r) { var s = raw(r, spec.series); if (names.indexOf(s) < 0) { names.push(s); } });
      names.forEach(function (name, i) {
        var data = xs.map(function (x) {
          var r = rows.find(function (r) { return raw(r, spec.x) === x && raw(r, spec.series) === name; });
          return r ? drawn(r, spec, spec.y[0].var) : null;
        });
        datasets.push({ label: label(name), data: data, borderColor: palette[i % palette.length],
                        backgroundColor: palette[i % palette.length], spanGaps: false });
      });
    } else {
      if (spec.band) {
        datasets.push({ label: spec.band.label, data: rows.map(function (r) { return num(r, spec.band.low); }),
                        borderColor: "rgba(0,85,204,0.25)", backgroundColor: "rgba(0,85,204,0.12)", pointRadius: 0, fill: false });
        datasets.push({ label: spec.band.label + " ", data: rows.map(function (r) { return num(r, spec.band.high); }),
                        borderColor: "rgba(0,85,204,0.25)", backgroundColor: "rgba(0,85,204,0.12)", pointRadius: 0, fill: "-1" });
      }
      spec.y.forEach(function (y, i) {
        datasets.push({ label: y.label, data: rows.map(function (r) { return drawn(r, spec, y.var); }),
                        borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], spanGaps: false });
      });
    }
    var options = { responsive: true, maintainAspectRatio: false, animation: false,
                    plugins: { legend: { display: datasets.length > 1 || spec.type === "doughnut" } } };
    if (spec.type !== "doughnut") {
      options.scales = { x: { title: { display: !!spec.xTitle, text: spec.xTitle } },
                         y: { beginAtZero: true, title: { display: !!spec.yTitle, text: spec.yTitle } } };
    }
    charts.push(new Chart(canvas, { type: spec.type === "stacked" ? "bar" : spec.type,
                                    data: { labels: xs.map(label), datasets: datasets }, options: options }));
  }

  // --- Map ----------------------------------------------------------------------------------
  function cameraPoints() {
    var points = {};
    results("p-kaart-data").results.bindings.forEach(function (r) {
      var m = /POINT\s*\(\s*([-0-9.eE]+)\s+([-0-9.eE]+)\s*\)/.exec(raw(r, "wkt") || "");
      if (m) { points[raw(r, "camera")] = { lat: Number(m[2]), lon: Number(m[1]), label: raw(r, "label") }; }
    });
    return points;
  }
  function polygons(wkt) {
    // POLYGON((x y, ...), (...)) or MULTIPOLYGON(((...)), ...) as [polygon][ring][[x, y]].
    var body = /^\s*(MULTI)?POLYGON\s*\((.*)\)\s*$/i.exec(wkt);
    if (!body) { return null; }
    var text = body[1] ? body[2] : "(" + body[2] + ")", result = [];
    var polyRe = /\(\s*(\([^()]*\)(?:\s*,\s*\([^()]*\))*)\s*\)/g, m;
    while ((m = polyRe.exec(text))) {
      var rings = [], ringRe = /\(([^()]*)\)/g, r;
      while ((r = ringRe.exec(m[1]))) {
        rings.push(r[1].split(",").map(function (pair) { return pair.trim().split(/\s+/).map(Number); })
          .filter(function (p) { return p.length >= 2 && isFinite(p[0]) && isFinite(p[1]); }));
      }
      if (rings.length && rings[0].length >= 3) { result.push(rings); }
    }
    return result.length ? result : null;
  }
  function hull(points) {
    // Andrew's monotone chain over [lon, lat].
    points = points.slice().sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    if (points.length < 3) { return points; }
    function cross(o, a, b) { return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]); }
    var lower = [], upper = [];
    points.forEach(function (p) { while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) { lower.pop(); } lower.push(p); });
    points.slice().reverse().forEach(function (p) { while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) { upper.pop(); } upper.push(p); });
    return lower.slice(0, -1).concat(upper.slice(0, -1));
  }
  function baseMap(el) {
    if (typeof L === "undefined") { return null; }
    var map = L.map(el, { keyboard: true });
    var tiles = document.body.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map); }
    return map;
  }
  function drawMap(el) {
    var map = baseMap(el);
    if (!map) { return; }
    var points = cameraPoints(), bounds = [];
    Object.keys(points).forEach(function (iri) {
      var p = points[iri];
      bounds.push([p.lat, p.lon]);
      L.circleMarker([p.lat, p.lon], { radius: 6, color: "#0055cc", weight: 2, fillOpacity: 0.8 })
        .bindPopup('<a href="/camera/' + encodeURIComponent(shortID(iri)) + '">' + shortID(iri) + "</a> " + (p.label || "").replace(/</g, "&lt;"))
        .addTo(map);
    });
    var zones = {};
    results("p-zones-data").results.bindings.forEach(function (r) {
      var z = raw(r, "zone"), p = points[raw(r, "camera")];
      if (!zones[z]) { zones[z] = { label: raw(r, "label"), points: [], outline: null }; }
      if (p) { zones[z].points.push([p.lon, p.lat]); }
      if (raw(r, "wkt")) { zones[z].outline = polygons(raw(r, "wkt")); }
    });
    Object.keys(zones).forEach(function (z) {
      // The imported outline when there is one, else the hull of the zone's cameras.
      var shape = zones[z].outline, h = hull(zones[z].points);
      if (!shape && h.length >= 3) { shape = [[h]]; }
      if (shape && shape.length) {
        shape.forEach(function (poly) { poly[0].forEach(function (p) { bounds.push([p[1], p[0]]); }); });
        L.polygon(shape.map(function (poly) { return poly.map(function (ring) { return ring.map(function (p) { return [p[1], p[0]]; }); }); }),
                  { color: "#d9480f", weight: 2, fillOpacity: 0.05, smoothFactor: 0 })
          .bindTooltip(zones[z].label || shortID(z)).addTo(map);
      }
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([51.0, 4.4], 8); }
    enableBoxDrawing(map);
  }
  function enableBoxDrawing(map) {
    var button = document.querySelector("[data-draw-box]"), input = document.querySelector('input[name="kader"]');
    if (!button || !input) { return; }
    button.hidden = false;
    var drawing = false, start = null, rect = null;
    button.addEventListener("click", function () {
      drawing = true; map.dragging.disable();
      button.textContent = t("Sleep een kader op de kaart…", "Drag a box on the map…");
    });
    map.on("mousedown", function (e) { if (drawing) { start = e.latlng; } });
    map.on("mousemove", function (e) {
      if (!drawing || !start) { return; }
      var b = L.latLngBounds(start, e.latlng);
      if (rect) { rect.setBounds(b); } else { rect = L.rectangle(b, { color: "#862e9c", weight: 2 }).addTo(map); }
    });
    map.on("mouseup", function (e) {
      if (!drawing || !start) { return; }
      var b = L.latLngBounds(start, e.latlng);
      input.value = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(",");
      drawing = false; start = null; map.dragging.enable();
      button.textContent = t("Kader gekozen: pas de filters toe", "Box chosen: apply the filters");
    });
  }
  function drawFlowMap(el) {
    var map = baseMap(el);
    if (!map) { return; }
    var points = cameraPoints(), spec = JSON.parse(el.getAttribute("data-chart"));
    var rows = results(el.getAttribute("data-results")).results.bindings, layer = L.layerGroup().addTo(map), bounds = [];
    Object.keys(points).forEach(function (iri) {
      var p = points[iri]; bounds.push([p.lat, p.lon]);
      L.circleMarker([p.lat, p.lon], { radius: 4, color: "#0055cc" }).bindTooltip(shortID(iri)).addTo(map);
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([51.0, 4.4], 8); }
    var top = Math.max.apply(null, [1].concat(rows.map(function (r) { return num(r, "v") || 0; })));
    var controls = document.createElement("div");
    controls.className = "slider";
    controls.innerHTML = '<label>' + t("Uur", "Hour") + ' <input type="range" min="0" max="23" step="1" value="8"></label> ' +
      '<output aria-live="polite">08:00</output> <button type="button">' + t("Speel de dag af", "Play the day") + "</button>";
    el.parentNode.insertBefore(controls, el.nextSibling);
    var slider = controls.querySelector("input"), out = controls.querySelector("output"), play = controls.querySelector("button");
    function show(hour) {
      layer.clearLayers();
      out.textContent = (hour < 10 ? "0" : "") + hour + ":00";
      rows.forEach(function (r) {
        if (num(r, spec.x) !== hour) { return; }
        var a = points[raw(r, "origin")], b = points[raw(r, "destination")], v = drawn(r, spec, "v");
        if (!a || !b || v === null) { return; }
        L.polyline([[a.lat, a.lon], [b.lat, b.lon]], { color: "#d9480f", weight: 1 + 9 * v / top, opacity: 0.7 })
          .bindTooltip(shortID(raw(r, "origin")) + " → " + shortID(raw(r, "destination")) + ": " + v).addTo(layer);
      });
    }
    slider.addEventListener("input", function () { show(Number(slider.value)); });
    var timer = null;
    play.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; play.textContent = t("Speel de dag af", "Play the day"); return; }
      play.textContent = t("Pauzeer", "Pause");
      timer = setInterval(function () { slider.value = (Number(slider.value) + 1) % 24; show(Number(slider.value)); }, 800);
    });
    show(Number(slider.value));
  }

  // --- Page wiring --------------------------------------------------------------------------
  function init(root) {
    root.querySelectorAll(".chart[data-chart]").forEach(function (el) {
      var type = JSON.parse(el.getAttribute("data-chart")).type;
      try {
        if (type === "map") { el.innerHTML = ""; el.classList.add("map"); drawMap(el); }
        else if (type === "flowmap") { el.innerHTML = ""; el.classList.add("map"); drawFlowMap(el); }
        else { drawChart(el); }
      } catch (err) {
        el.insertAdjacentHTML("afterend", '<p class="error">' + t("Grafiek niet getekend: ", "Chart not drawn: ") + String(err).replace(/</g, "&lt;") + "</p>");
      }
    });
    root.querySelectorAll("button[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () {
        var text = document.getElementById(b.getAttribute("data-copy")).textContent;
        var done = function () { b.textContent = t("Gekopieerd", "Copied"); };
        if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, function () {}); }
        else {
          var area = document.createElement("textarea"); area.value = text; document.body.appendChild(area);
          area.select(); try { document.execCommand("copy"); done(); } catch (e) { /* select stays for manual copy */ }
          document.body.removeChild(area);
        }
      });
    });
  }

  // Re-renders the page's panels from a fresh copy of the page (same URL, same queries).
  var refreshTimer = null;
  function refreshPanels() {
    if (refreshTimer) { return; }
    refreshTimer = setTimeout(function () {
      refreshTimer = null;
      fetch(location.href, { headers: { Accept: "text/html" } }).then(function (r) { return r.text(); }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        charts.forEach(function (c) { c.destroy(); }); charts = [];
        document.querySelectorAll("section.panel[data-panel]").forEach(function (old) {
          var id = old.id, replacement = fresh.getElementById(id);
          if (!replacement || old.querySelector(".map")) { return; }
          old.replaceWith(document.importNode(replacement, true));
          init(document.getElementById(id));
        });
        document.body.setAttribute("data-refreshed", String(Date.now()));
      }).catch(function () {});
    }, 1500);
  }

  function startLive() {
    var feed = document.querySelector("[data-live-feed]"), status = document.querySelector("[data-live-status]");
    var panel = document.getElementById("p-live");
    var last = panel ? Number(panel.getAttribute("data-last")) : 0;
    function say(text) { if (status) { status.textContent = text; } }
    function add(o) {
      last = Math.max(last, o.seq);
      if (!feed) { return; }
      var empty = feed.querySelector(".empty"); if (empty) { empty.remove(); }
      var li = document.createElement("li");
      li.setAttribute("data-seq", o.seq);
      var when = document.createElement("time"); when.dateTime = o.start || ""; when.textContent = o.start ? label(o.start) : "";
      var link = document.createElement("a"); link.href = o.member;
      link.textContent = (o.property || o.stream).split(/[#/]/).pop();
      var value = document.createElement("strong"); value.textContent = o.value !== null && o.value !== undefined ? o.value : feed.getAttribute("data-withheld");
      li.append(when, " ", link, " " + (o.feature ? shortID(o.feature) : "") + ": ", value);
      feed.insertBefore(li, feed.firstChild);
      while (feed.children.length > 20) { feed.removeChild(feed.lastChild); }
    }
    function poll() {
      say(t("Elke 10 s bijgewerkt (polling).", "Updated every 10 s (polling)."));
      setInterval(function () {
        fetch("/live.json?after=" + last).then(function (r) { return r.json(); }).then(function (page) {
          if (page.observations.length) { page.observations.forEach(add); refreshPanels(); }
        }).catch(function () {});
      }, 10000);
    }
    if (!window.EventSource) { poll(); return; }
    var failures = 0, source = new EventSource("/live?after=" + last);
    source.onopen = function () { failures = 0; say(t("Live verbonden.", "Live connected.")); };
    source.addEventListener("observation", function (e) {
      add(JSON.parse(e.data));
      document.body.setAttribute("data-live-seq", String(last));
      refreshPanels();
    });
    source.onerror = function () {
      failures += 1;
      if (failures >= 3 || source.readyState === EventSource.CLOSED) { source.close(); poll(); }
      else { say(t("Verbinding verbroken, opnieuw verbinden…", "Connection lost, reconnecting…")); }
    };
  }

  init(document);
  startLive();
})();
