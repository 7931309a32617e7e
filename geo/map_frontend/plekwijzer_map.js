// Plekwijzer map: a Streamlit component (API version 1) drawing compact payloads on a
// Leaflet canvas. No build step and no CDN: Leaflet is loaded from the URL the app serves
// (args.leaflet_url). Each layer carries a key; a layer is rebuilt only when its key changes,
// so a weight change redraws the sites and leaves the buurten, the zoom and the pan alone.
"use strict";

const PDOK_TILES =
  "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png";
const PDOK_ATTRIBUTION =
  'Kaartgegevens &copy; <a href="https://www.kadaster.nl">Kadaster</a> (PDOK)';
const FIELDS = [["lat", Float32Array], ["lon", Float32Array], ["score", Float32Array],
                ["value", Float32Array], ["rank", Int32Array], ["colour", Uint8Array],
                ["flags", Uint8Array]];
const EXCLUDED_INDEX = 255, FLAG_EXCLUDED = 1, FLAG_SHORTLISTED = 2, FLAG_CHECK = 4;
// A site's rim (shortlist or not) and the dashed halo of "te controleren"
// (geo.mapstyle draws the same symbols in the legend).
const RIM = {
  plain: { color: "#424242", weight: 1 },
  shortlist: { color: "#000000", weight: 2.5 },
};
const HALO = { color: "#000000", weight: 1.5, dashArray: "3 3", fill: false };

const state = { keys: {}, layers: {}, clicks: 0 };

function send(type, data) {
  window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, data), "*");
}

function nl(value, decimals) {
  return value.toFixed(decimals).replace(".", ",");
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({
    "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function loadLeaflet(base, done) {
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = base + "/leaflet.css";
  document.head.appendChild(css);
  const script = document.createElement("script");
  script.src = base + "/leaflet.js";
  script.onload = done;
  document.head.appendChild(script);
}

// Views of the numeric blocks of a site payload (see geo.mapdata.SITE_FIELDS).
function decodeSites(bytes, n) {
  const buffer = bytes.slice().buffer;  // a copy starting at offset 0: aligned views
  const out = {};
  let offset = 0;
  for (const [name, Type] of FIELDS) {
    out[name] = new Type(buffer, offset, n);
    offset += Type.BYTES_PER_ELEMENT * n;
  }
  return out;
}

function createMap(args) {
  // Quarter zoom steps: the region fills the map instead of the next whole level down.
  const map = L.map("map", { preferCanvas: true, zoomControl: true, zoomSnap: 0.25,
                             zoomDelta: 0.5 });
  L.control.scale({ imperial: false }).addTo(map);
  for (const [pane, z] of [["areas", 400], ["selected", 640]]) {
    map.createPane(pane).style.zIndex = z;
  }
  map.getPane("selected").style.pointerEvents = "none";
  // One canvas for buurten, outlines and sites: a canvas above another would swallow the
  // lower one's mouse events, so every interactive path shares this one.
  state.renderer = L.canvas({ pane: "areas", tolerance: 3 });
  state.tooltip = L.tooltip({ direction: "top", offset: [0, -6] });
  state.map = map;
  window.plekwijzerMap = {
    map: map,
    // Container pixel of a site, for a browser test that clicks it like a user.
    sitePoint: (id) => {
      const i = state.sites ? state.sites.ids.indexOf(id) : -1;
      if (i < 0) return null;
      const p = map.latLngToContainerPoint([state.sites.v.lat[i], state.sites.v.lon[i]]);
      return { x: p.x, y: p.y };
    },
    siteIds: () => (state.sites ? state.sites.ids.slice() : []),
  };
}

function setTiles(show) {
  if (state.keys.tiles === show) return;
  state.keys.tiles = show;
  if (state.layers.tiles) state.layers.tiles.remove();
  state.layers.tiles = show
    ? L.tileLayer(PDOK_TILES, { attribution: PDOK_ATTRIBUTION, maxZoom: 19 }).addTo(state.map)
    : null;
}

function setAreas(name, payload) {
  const key = payload ? payload.key : null;
  if (state.keys[name] === key) return false;
  state.keys[name] = key;
  if (state.layers[name]) state.layers[name].remove();
  state.layers[name] = null;
  if (!payload) return true;
  const style = payload.style || {};
  const interactive = style.interactive !== false;
  state.layers[name] = L.geoJSON(payload, {
    renderer: state.renderer,
    interactive: interactive,
    style: (f) => ({
      color: style.color || "#37474f",
      weight: style.weight || 0.8,
      fill: style.fill !== false,
      fillColor: f.properties.fill || "#ffffff",
      fillOpacity: f.properties.fill ? 0.55 : 0.0,
    }),
    onEachFeature: (f, layer) => {
      if (interactive && f.properties.tip) layer.bindTooltip(f.properties.tip, { sticky: true });
    },
  }).addTo(state.map);
  return true;
}

function siteTip(sites, i) {
  const head = escapeHtml(sites.ids[i]) + " · " + escapeHtml(sites.names[i]);
  const flags = sites.v.flags[i];
  if (flags & FLAG_EXCLUDED) {
    return head + "<br><b>Uitgesloten</b> door een harde eis — klik voor de reden";
  }
  let body = "score " + nl(sites.v.score[i], 2) + " · rang " + sites.v.rank[i];
  if (flags & FLAG_SHORTLISTED) body += " · <b>shortlist</b>";
  if (flags & FLAG_CHECK) body += " · <b>te controleren</b>";
  if (sites.valueLabel) {
    const value = sites.v.value[i];
    body += "<br>" + escapeHtml(sites.valueLabel) + ": "
      + (Number.isFinite(value) ? nl(value, 2) + " (0–1)" : "onbekend");
  }
  return head + "<br>" + body;
}

function setSites(meta, bytes) {
  if (state.keys.sites === meta.key) return false;
  state.keys.sites = meta.key;
  if (state.layers.sites) state.layers.sites.remove();
  const v = decodeSites(bytes, meta.n);
  const sites = { ids: meta.ids, names: meta.names, v: v, valueLabel: meta.value_label };
  state.sites = sites;
  const markers = new Array(meta.n);
  const halos = [];
  for (let i = 0; i < meta.n; i++) {
    const colour = v.colour[i];
    const short = v.flags[i] & FLAG_SHORTLISTED;
    const radius = short ? 7 : 6;
    if (v.flags[i] & FLAG_CHECK) {
      halos.push(L.circleMarker([v.lat[i], v.lon[i]], Object.assign(
        { renderer: state.renderer, radius: radius + 3.5, interactive: false }, HALO)));
    }
    markers[i] = L.circleMarker([v.lat[i], v.lon[i]], Object.assign({
      renderer: state.renderer,
      radius: radius,
      fillColor: colour === EXCLUDED_INDEX ? meta.excluded_colour : meta.palette[colour],
      fillOpacity: 0.95,
      idx: i,
    }, short ? RIM.shortlist : RIM.plain));
  }
  const group = L.featureGroup(markers);
  group.on("mouseover", (e) => {
    const i = e.layer.options.idx;
    state.tooltip.setLatLng(e.layer.getLatLng()).setContent(siteTip(sites, i));
    state.map.openTooltip(state.tooltip);
  });
  group.on("mouseout", () => state.map.closeTooltip(state.tooltip));
  group.on("click", (e) => {
    state.clicks += 1;
    send("streamlit:setComponentValue", {
      value: { id: sites.ids[e.layer.options.idx], click: state.clicks },
      dataType: "json",
    });
  });
  // Halos first, so each site's circle lies on top of its own halo.
  state.layers.sites = L.layerGroup([L.layerGroup(halos), group]).addTo(state.map);
  return true;
}

function setFacilities(payload) {
  const key = payload ? payload.key : null;
  if (state.keys.facilities === key) return;
  state.keys.facilities = key;
  if (state.layers.facilities) state.layers.facilities.remove();
  state.layers.facilities = null;
  if (!payload) return;
  // Confidential facilities are only counted (the legend below the map says how many).
  const markers = payload.points.map((p) => L.marker([p.lat, p.lon], {
    icon: L.divIcon({ className: "", iconSize: [12, 12], iconAnchor: [6, 6],
      html: '<div class="pw-facility" style="background:' + p.colour + '"></div>' }),
  }).bindTooltip(p.tip));
  state.layers.facilities = L.layerGroup(markers).addTo(state.map);
}

function setSelected(id) {
  if (state.layers.selected) state.layers.selected.remove();
  state.layers.selected = null;
  const i = id && state.sites ? state.sites.ids.indexOf(id) : -1;
  if (i < 0) return;
  state.layers.selected = L.circleMarker([state.sites.v.lat[i], state.sites.v.lon[i]], {
    pane: "selected", renderer: L.svg({ pane: "selected" }), radius: 12, color: "#1565c0",
    weight: 3, fill: false, interactive: false, className: "pw-selected",
  }).addTo(state.map);
}

function render(args) {
  const started = performance.now();
  document.getElementById("map").style.height = args.height + "px";
  if (!state.map) createMap(args);
  const map = state.map;
  if (state.keys.view !== args.view_key) {
    state.keys.view = args.view_key;
    const [minx, miny, maxx, maxy] = args.bounds;
    map.fitBounds([[miny, minx], [maxy, maxx]]);
  }
  setTiles(Boolean(args.tiles));
  const areasChanged = setAreas("areas", args.areas);
  const outlinesChanged = setAreas("outlines", args.outlines);
  setSites(args.sites, args.site_numbers);
  if (areasChanged || outlinesChanged) {
    // Keep the drawing order of the shared canvas: buurten, outlines, then sites on top.
    if (state.layers.outlines) state.layers.outlines.bringToBack();
    if (state.layers.areas) state.layers.areas.bringToBack();
  }
  setFacilities(args.facilities);
  setSelected(args.selected);
  send("streamlit:setFrameHeight", { height: args.height });
  // Leaflet draws the canvas in the next animation frame; mark the map drawn after it.
  const key = args.sites.key;
  requestAnimationFrame(() => requestAnimationFrame(() => {
    document.body.dataset.sitesKey = key;
    // Milliseconds from the render message to the drawn map: the browser's share.
    document.body.dataset.drawMs = String(Math.round(performance.now() - started));
  }));
}

let pending = null;
window.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "streamlit:render") return;
  if (window.L) {
    render(event.data.args);
  } else if (pending === null) {
    pending = event.data.args;
    loadLeaflet(event.data.args.leaflet_url, () => render(pending));
  } else {
    pending = event.data.args;
  }
});
send("streamlit:componentReady", { apiVersion: 1 });
