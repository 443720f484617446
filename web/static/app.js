// The map page: zones by kind and status, protected sites, incidents,
// live aircraft with predicted paths, alerts with ETA countdowns, a zone
// panel with consent, commitments and a ledger proof checked here, an
// incident panel with its evidence, notified sites and movements (exact or
// as a withheld coarse box, as the viewer may see them) with each
// addressed party's answer, a time slider, and sign-in. Everything
// comes from this server's API; nothing is fetched from anywhere else.

import {ApiError, getBlobURL, getJSON, getText, ledgerKey, query, serverRoutes, setLedgerKey, setToken, token, whenUnauthorized} from './api.js';
import {verifyRecord} from './ledger.js';
import {streamAlerts} from './sse.js';

const $ = (id) => document.getElementById(id);

// el builds an element: attributes (on* are listeners, "class" and
// dataset via data-*) and children (strings become text nodes, so API
// data is never parsed as HTML).
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

const KINDS = {
  safe_area: {name: 'Safe area', colour: '#2e7d32', pane: 'areas'},
  no_fly: {name: 'No-fly zone', colour: '#c62828', pane: 'areas'},
  corridor: {name: 'Corridor', colour: '#1565c0', pane: 'corridors'},
  protected_site: {name: 'Protected site', colour: '#6a1b9a', pane: 'sites'},
};
const STATUSES = ['active', 'proposed', 'suspended'];
const INCIDENT_TYPES = {
  air_strike: ['Air strike', '#d84315'], shelling: ['Shelling', '#ef6c00'], explosive: ['Explosive', '#f9a825'],
  chemical: ['Chemical', '#558b2f'], armed_clash: ['Armed clash', '#6d4c41'], attack: ['Attack', '#ad1457'],
  state_based: ['State-based violence', '#4527a0'], non_state: ['Non-state violence', '#00838f'],
  one_sided: ['One-sided violence', '#b71c1c'], other: ['Other', '#616161'],
};
const ALERT_NAMES = {violation: 'Violation', violation_end: 'Violation ended', warning: 'Warning', warning_cancelled: 'Warning cancelled'};
const DAY = 86400000;
const SLIDER_START = Date.UTC(2016, 0, 1);
const MAX_LISTED_ALERTS = 300;

const state = {
  me: null,
  routes: new Set(),
  live: true,
  at: new Date(),
  windowDays: 30,
  zones: new Map(),
  parties: new Map(),
  governorates: new Map(), // PCode -> English name, from the basemap
  kinds: new Set(Object.keys(KINDS)),
  statuses: new Set(STATUSES),
  layersOn: new Set(['aircraft', 'alerts', 'incidents', 'labels', 'notifications']),
  notifications: new Map(), // id -> GeoJSON feature as this viewer may see it
  alerts: new Map(), // seq -> alert
  warnings: new Map(), // object|zone -> {alert, outcome}
  simulated: false,
  panelOpener: null,
  panelURLs: [], // object URLs of the panel's images, revoked when it changes
};

// ---- map and basemap ----

const map = L.map('map', {zoomSnap: 0.5, minZoom: 5, maxZoom: 16, worldCopyJump: false});
map.attributionControl.setPrefix('<a href="/ui/vendor/leaflet/LICENSE">Leaflet</a>');
map.attributionControl.addAttribution('Boundaries: OCHA / UN Cartographic Section (CC BY-IGO 3.0), simplified');
map.fitBounds([[32.3, 35.7], [37.3, 42.4]]);
L.control.scale({imperial: false}).addTo(map);
for (const [name, z] of [['basemap', 200], ['areas', 410], ['corridors', 415], ['sites', 420], ['notices', 425], ['incidents', 430],
  ['tracks', 435], ['alerts', 440], ['aircraft', 450], ['labels', 460]]) {
  map.createPane(name).style.zIndex = String(z);
}
map.getPane('labels').style.pointerEvents = 'none';

// whenStill runs f now, or once the zoom animation under way ends: Leaflet
// ignores a new view asked for during one (a click soon after the page
// framed the zones would not fly).
let zooming = false;
map.on('zoomanim', () => { zooming = true; });
map.on('zoomend', () => { zooming = false; });
function whenStill(f) {
  if (zooming) map.once('zoomend', f);
  else f();
}

const groups = {
  zones: L.layerGroup().addTo(map),
  labels: L.layerGroup().addTo(map),
  incidents: L.layerGroup().addTo(map),
  notifications: L.layerGroup().addTo(map),
  tracks: L.layerGroup().addTo(map),
  alerts: L.layerGroup().addTo(map),
  aircraft: L.layerGroup().addTo(map),
};

async function loadBasemap() {
  const res = await fetch('/ui/basemap.geojson');
  const fc = await res.json();
  L.geoJSON(fc, {
    pane: 'basemap',
    interactive: false,
    style: (f) => f.properties.level === 'country'
      ? {color: '#37474f', weight: 2, fill: false}
      : {color: '#9aa7b0', weight: 1, fillColor: '#f4efe4', fillOpacity: 1},
  }).addTo(map);
  for (const f of fc.features) {
    if (f.properties.level !== 'governorate') continue;
    state.governorates.set(f.properties.pcode, f.properties.name_en);
    const [lon, lat] = f.properties.label;
    L.marker([lat, lon], {
      pane: 'labels', interactive: false, keyboard: false,
      icon: L.divIcon({className: 'gov-label', html: el('span', {}, f.properties.name_en), iconSize: null}),
    }).addTo(groups.labels);
  }
}

// ---- zones ----

const zoneLayers = new Map(); // zone id -> its main path layer

function zoneStyle(kind, status) {
  const colour = status === 'suspended' ? '#78909c' : KINDS[kind].colour;
  const s = {color: colour, fillColor: colour, weight: 2, opacity: 0.9, fillOpacity: 0.16};
  if (status === 'proposed') Object.assign(s, {dashArray: '8 5', fillOpacity: 0.05});
  if (status === 'suspended') Object.assign(s, {dashArray: '2 5', fillOpacity: 0.05});
  if (kind === 'no_fly') s.fillOpacity /= 2;
  return s;
}

// corridorWeight is the pixel width of a corridor's full width at the
// current zoom (at least 4 px so that it stays visible).
function corridorWeight(halfWidthM, lat) {
  const mPerPx = 40075016.686 * Math.cos(lat * Math.PI / 180) / 2 ** (map.getZoom() + 8);
  return Math.max(4, (2 * halfWidthM) / mPerPx);
}

function zoneLabel(p) {
  return `${p.name} — ${KINDS[p.kind]?.name || p.kind}, ${p.status}${p.source?.kind === 'simulated' ? ', simulated' : ''}`;
}

function drawZones() {
  groups.zones.clearLayers();
  zoneLayers.clear();
  const order = ['safe_area', 'no_fly', 'corridor', 'protected_site'];
  const feats = [...state.zones.values()].sort((a, b) => order.indexOf(a.properties.kind) - order.indexOf(b.properties.kind));
  for (const f of feats) {
    const p = f.properties;
    if (!KINDS[p.kind] || !state.kinds.has(p.kind) || !state.statuses.has(p.status)) continue;
    const opts = {...zoneStyle(p.kind, p.status), pane: KINDS[p.kind].pane, className: `sz-zone kind-${p.kind} status-${p.status}`};
    const g = f.geometry;
    let layer;
    if (g.type === 'Polygon' || g.type === 'MultiPolygon') {
      layer = L.polygon(L.GeoJSON.coordsToLatLngs(g.coordinates, g.type === 'Polygon' ? 1 : 2), opts);
    } else if (g.type === 'LineString') {
      const latlngs = L.GeoJSON.coordsToLatLngs(g.coordinates, 0);
      layer = L.polyline(latlngs, {...opts, opacity: 0.55, weight: corridorWeight(p.half_width_m || 500, latlngs[0].lat), lineCap: 'butt'});
      layer.halfWidthM = p.half_width_m || 500;
    } else if (g.type === 'Point') {
      const ll = [g.coordinates[1], g.coordinates[0]];
      layer = L.circle(ll, {...opts, radius: p.radius_m || 100});
      // A dot that stays visible when the radius is under a pixel.
      const dot = L.circleMarker(ll, {...opts, radius: 4, fillOpacity: 0.9, weight: 1, className: `sz-site-dot kind-${p.kind}`});
      dot.on('click', () => openZone(f.id));
      dot.bindTooltip(zoneLabel(p));
      dot.addTo(groups.zones);
    } else {
      continue;
    }
    layer.on('click', () => openZone(f.id));
    layer.bindTooltip(zoneLabel(p), {sticky: true});
    layer.addTo(groups.zones);
    makeFocusable(layer, zoneLabel(p), () => openZone(f.id), {'data-zone-id': f.id});
    zoneLayers.set(f.id, layer);
  }
}

// makeFocusable lets the keyboard reach a vector layer: the SVG path gets
// tabindex, a role and a label, and Enter or Space acts like a click.
function makeFocusable(layer, label, action, attrs = {}) {
  const e = layer.getElement();
  if (!e) return;
  e.setAttribute('tabindex', '0');
  e.setAttribute('role', 'button');
  e.setAttribute('aria-label', label);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      action();
    }
  });
}

map.on('zoomend', () => {
  for (const layer of zoneLayers.values()) {
    if (layer.halfWidthM) layer.setStyle({weight: corridorWeight(layer.halfWidthM, layer.getLatLngs()[0].lat)});
  }
});

function renderZoneList() {
  const list = $('zone-list');
  list.replaceChildren();
  const feats = [...state.zones.values()].filter((f) => state.kinds.has(f.properties.kind) && state.statuses.has(f.properties.status));
  $('zone-count').textContent = `(${feats.length})`;
  for (const f of feats) {
    const p = f.properties;
    list.append(el('li', {},
      el('button', {type: 'button', class: 'zone-item', 'data-zone-id': f.id, onclick: () => openZone(f.id, {fly: true})},
        el('span', {class: `swatch kind-${p.kind}`, 'aria-hidden': 'true'}),
        el('span', {class: 'name'}, p.name),
        el('span', {class: 'badges'},
          el('span', {class: `badge status-${p.status}`}, p.status),
          el('span', {class: 'badge'}, KINDS[p.kind]?.name || p.kind),
          p.source?.kind === 'simulated' ? el('span', {class: 'badge sim'}, 'simulated') : null))));
  }
}

async function loadZones() {
  const params = {limit: 10000};
  if (state.live) params.status = STATUSES.join(',');
  else params.as_of = state.at.toISOString();
  const fc = await getJSON('/v1/zones' + query(params));
  state.zones = new Map(fc.features.map((f) => [f.id, f]));
  if (fc.features.some((f) => f.properties.source?.kind === 'simulated')) markSimulated();
  drawZones();
  renderZoneList();
}

function markSimulated() {
  state.simulated = true;
  $('sim-banner').hidden = false;
}

// ---- panels ----

function showPanel(title, body) {
  const panel = $('panel');
  for (const u of state.panelURLs.splice(0)) URL.revokeObjectURL(u);
  if (panel.hidden) state.panelOpener = document.activeElement;
  $('panel-title').textContent = title;
  $('panel-body').replaceChildren(...body);
  panel.hidden = false;
  document.body.classList.add('panel-open');
  map.invalidateSize();
  panel.focus();
}

function closePanel() {
  $('panel').hidden = true;
  document.body.classList.remove('panel-open');
  map.invalidateSize();
  const back = state.panelOpener;
  state.panelOpener = null;
  if (back && document.contains(back)) back.focus();
}

$('panel-close').addEventListener('click', closePanel);
document.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape' && !$('panel').hidden && !$('signin').open) closePanel();
});

function section(title, ...content) {
  return el('section', {class: 'panel-section'}, el('h3', {}, title), ...content);
}

// loading returns a placeholder that fill() later replaces.
function loading(id) {
  return el('div', {id, class: 'loading'}, 'Loading…');
}

function fill(id, ...content) {
  const e = document.getElementById(id);
  if (e) e.replaceWith(el('div', {id, class: 'filled'}, ...content));
}

function fmtTime(s) {
  if (!s) return '—';
  return new Date(s).toISOString().replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

function fmtDay(s) {
  return new Date(s).toISOString().slice(0, 10);
}

function partyName(id) {
  const p = state.parties.get(id);
  return p ? `${p.name} (${id})` : id;
}

function policyText(p) {
  if (p === null || p === undefined) return 'none';
  if (typeof p === 'string') return p;
  if (p.all) return `all of [${p.all.map(policyText).join(', ')}]`;
  if (p.any) return `any of [${p.any.map(policyText).join(', ')}]`;
  if (p.of) return `at least ${p.at_least} of [${p.of.map(policyText).join(', ')}]`;
  return JSON.stringify(p);
}

function table(headers, rows, caption) {
  return el('table', {},
    caption ? el('caption', {}, caption) : null,
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', {scope: 'col'}, h)))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c))))));
}

function sourceBadge(kind) {
  return kind === 'simulated' ? el('span', {class: 'badge sim'}, 'simulated') : el('span', {class: 'badge'}, kind || 'unknown');
}

async function openZone(id, {fly = false} = {}) {
  const f = state.zones.get(id);
  if (!f) return;
  const p = f.properties;
  const layer = zoneLayers.get(id);
  if (fly && layer) whenStill(() => map.fitBounds(layer.getBounds(), {maxZoom: 12, padding: [30, 30]}));
  const facts = [
    ['Kind', KINDS[p.kind]?.name || p.kind],
    ['Status', state.live ? p.status : `in force on ${fmtDay(state.at)}`],
    ['Version', String(p.version)],
    ['Valid', `${fmtTime(p.valid_from)} – ${p.valid_to ? fmtTime(p.valid_to) : 'open'}`],
  ];
  if (p.kind === 'no_fly') facts.push(['Altitude band', `${p.floor_m ?? 0} – ${p.ceiling_m ?? '∞'} m`]);
  if (p.radius_m) facts.push(['Radius', `${p.radius_m} m`]);
  if (p.half_width_m) facts.push(['Half-width', `${p.half_width_m} m`]);
  if (p.sponsor_party_id) facts.push(['Sponsor', partyName(p.sponsor_party_id)]);
  facts.push(['Source', p.source?.description && p.source.description !== p.description
    ? el('details', {}, el('summary', {}, p.source.kind), p.source.description) : (p.source?.kind || '—')]);
  showPanel(p.name, [
    el('p', {class: 'subtitle'}, el('span', {class: `badge status-${p.status}`}, p.status), ' ', sourceBadge(p.source?.kind)),
    el('dl', {class: 'facts'}, facts.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
    section('Consent', loading('zone-consent')),
    section('Commitments', loading('zone-commitments')),
    section('Violations and warnings', loading('zone-alerts')),
    section('Ledger proof', el('p', {id: 'ledger-status', role: 'status', 'data-state': 'checking'}, `Checking zone/${id}/v${p.version} against the ledger…`)),
    section('Versions and status changes', loading('zone-versions')),
    p.description ? section('About', el('p', {}, p.description)) : null,
  ]);
  const recordID = `zone/${id}/v${p.version}`;
  await Promise.allSettled([
    zoneConsent(id, p).catch((e) => fill('zone-consent', failure(e))),
    zoneHistory(id).catch((e) => fill('zone-versions', failure(e))),
    zoneAlerts(id).catch((e) => fill('zone-alerts', failure(e))),
    zoneLedger(recordID),
  ]);
}

function failure(e) {
  return el('p', {class: 'error'}, e instanceof ApiError ? `${e.message} (${e.status})` : String(e.message || e));
}

async function zoneConsent(id, p) {
  if (!state.routes.has('GET /v1/zones/{id}/summary')) {
    fill('zone-consent', el('p', {class: 'note'}, 'This server keeps no consent records.'));
    fill('zone-commitments', el('p', {class: 'note'}, 'This server keeps no commitments.'));
    return;
  }
  const s = await getJSON(`/v1/zones/${encodeURIComponent(id)}/summary`);
  const cur = s.versions.find((v) => v.version === p.version) || s.versions[s.versions.length - 1];
  const names = (ids) => (ids && ids.length ? ids.map(partyName).join(', ') : 'nobody');
  const verdictOf = (party, version) => (party.verdicts || []).find((v) => v.version === version);
  fill('zone-consent',
    el('p', {}, 'Policy: ', el('code', {}, policyText(s.policy)), ` (${s.policy_source})`),
    cur ? el('div', {class: `consent ${cur.satisfied ? 'satisfied' : 'pending'}`},
      el('p', {class: 'approved'}, el('strong', {}, `Approved version ${cur.version}: `), names(cur.approved)),
      el('p', {class: 'awaiting'}, el('strong', {}, 'Awaiting: '), cur.satisfied ? 'nobody — the policy is satisfied' : names(cur.awaiting)),
      !cur.satisfied && cur.status === 'active' ? el('p', {class: 'note'}, 'In force without these approvals on record: the operator recorded it as agreed elsewhere.') : null) : null,
    s.parties.length ? table(['Party', 'Roles', `Verdict on v${cur?.version ?? '?'}`, 'Signed', 'Source'], s.parties.map((party) => {
      const v = cur ? verdictOf(party, cur.version) : null;
      const roles = (party.roles || []).map((r) => r.role || r).join(', ') + (party.named_in_policy ? (party.roles?.length ? '; ' : '') + 'named in policy' : '');
      return [partyName(party.party_id), roles || '—', v ? v.verdict : (cur?.awaiting || []).includes(party.party_id) ? 'must approve' : '—',
        v ? fmtTime(v.signed_at) : '—', v ? sourceBadge(v.source_kind) : '—'];
    }), 'Parties') : el('p', {class: 'note'}, 'No party has a say on this zone.'));
  if (!s.commitments.length) {
    fill('zone-commitments', el('p', {class: 'note'}, 'No pledges.'));
    return;
  }
  fill('zone-commitments', table(['Party', 'Kind', 'Pledged', 'Delivered', 'Source'], s.commitments.map((c) => {
    const unit = c.currency ? ` ${c.currency}` : '';
    return [partyName(c.party_id), c.kind, `${c.pledged.toLocaleString('en')}${unit}`,
      el('span', {}, `${c.delivered.toLocaleString('en')}${unit} `,
        el('progress', {max: String(c.pledged || 1), value: String(c.delivered), 'aria-label': `${c.delivered} of ${c.pledged} delivered`})),
      sourceBadge(c.source_kind)];
  }), 'Pledged and delivered'));
}

async function zoneHistory(id) {
  const h = await getJSON(`/v1/zones/${encodeURIComponent(id)}/history`);
  const changes = [...h.status_changes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const content = [table(['Version', 'Status', 'Created', 'Hash'], h.versions.map((v) => [
    String(v.properties.version), v.properties.status, fmtTime(v.properties.created_at), el('code', {title: v.properties.hash}, v.properties.hash.slice(0, 12) + '…')]), 'Versions')];
  if (!state.live) {
    // The status of each version at the chosen time, from the history.
    const at = state.at.getTime();
    const then = new Map();
    for (const c of changes) if (Date.parse(c.at) <= at) then.set(c.version, c.status);
    content.unshift(el('p', {class: 'replay'}, `On ${fmtDay(state.at)}: `,
      then.size ? [...then].map(([v, s]) => `version ${v} ${s}`).join('; ') : 'no version had a status yet'));
  }
  content.push(table(['When', 'Version', 'Status', 'By', 'Reason'], changes.map((c) => [fmtTime(c.at), String(c.version), c.status, c.by || '—', c.reason || '—']), 'Status changes'));
  fill('zone-versions', ...content);
}

async function zoneAlerts(id) {
  const all = [];
  let after = 0;
  for (let i = 0; i < 10; i++) {
    const page = await getJSON('/v1/alerts' + query({zone: id, kind: 'violation,warning', after, limit: 1000}));
    all.push(...page.alerts);
    if (page.next_after === undefined || page.next_after === null) break;
    after = page.next_after;
  }
  if (!all.length) {
    fill('zone-alerts', el('p', {class: 'note'}, 'None recorded.'));
    return;
  }
  const byDay = new Map();
  for (const a of all) {
    const d = fmtDay(a.at);
    const c = byDay.get(d) || {violation: 0, warning: 0};
    c[a.kind]++;
    byDay.set(d, c);
  }
  const days = [...byDay].sort((a, b) => (a[0] < b[0] ? 1 : -1)).slice(0, 14);
  const most = Math.max(...days.map(([, c]) => c.violation + c.warning));
  const total = (k) => all.filter((a) => a.kind === k).length;
  fill('zone-alerts',
    el('p', {}, `${total('violation')} violations and ${total('warning')} warnings recorded.`),
    el('ol', {class: 'bars', 'aria-label': 'By day, latest first'}, days.map(([d, c]) => el('li', {},
      el('span', {class: 'day'}, d),
      el('span', {class: 'bar'}, el('span', {class: 'bar-v', 'data-n': c.violation}), el('span', {class: 'bar-w', 'data-n': c.warning})),
      el('span', {class: 'n'}, `${c.violation} violations, ${c.warning} warnings`)))));
  for (const b of document.querySelectorAll('#zone-alerts .bar-v, #zone-alerts .bar-w')) {
    b.style.width = `${(100 * Number(b.dataset.n)) / most}%`;
  }
}

async function zoneLedger(recordID) {
  const status = () => document.getElementById('ledger-status');
  try {
    const r = await verifyRecord(recordID, {getJSON, getText, vkey: ledgerKey()});
    const s = status();
    if (!s) return;
    s.dataset.state = r.ok ? 'verified' : 'failed';
    const sig = {
      valid: 'The checkpoint’s signature is valid under the ledger key you gave.',
      invalid: `The checkpoint’s signature does not verify under the ledger key you gave${r.reason ? ` (${r.reason})` : ''}.`,
      unsupported: 'This browser cannot check ed25519 signatures; check the checkpoint with safezones verify.',
      unchecked: 'The checkpoint’s signature was not checked: give the ledger key (from your operator) when signing in, or run safezones verify.',
    }[r.signature];
    s.replaceChildren(r.ok
      ? `Verified in this browser: ${recordID} is entry ${r.index} of the ${r.size} entries of ledger ${r.origin}; its data hashes to its leaf and the audit path leads to the checkpoint’s root. ${sig}`
      : `Not verified: ${r.reason || sig}`);
  } catch (e) {
    const s = status();
    if (!s) return;
    s.dataset.state = 'failed';
    s.replaceChildren(`Could not check the ledger: ${e.message || e}`);
  }
}

// ---- alerts ----

function alertKey(a) {
  return `${a.object_id}|${a.zone_id}`;
}

function zoneName(a) {
  return a.zone_name || state.zones.get(a.zone_id)?.properties.name || a.zone_id;
}

function addAlert(a, {render = true} = {}) {
  if (state.alerts.has(a.seq)) return;
  state.alerts.set(a.seq, a);
  if (a.source?.kind === 'simulated') markSimulated();
  const k = alertKey(a);
  if (a.kind === 'warning') state.warnings.set(k, {alert: a, outcome: ''});
  else if (a.kind === 'warning_cancelled' && state.warnings.has(k)) state.warnings.get(k).outcome = 'cancelled';
  else if (a.kind === 'violation' && state.warnings.has(k)) state.warnings.get(k).outcome = 'entered';
  if (render) {
    $('alert-list').prepend(alertItem(a));
    trimAlertList();
    drawAlerts();
  }
}

function trimAlertList() {
  const list = $('alert-list');
  while (list.children.length > MAX_LISTED_ALERTS) list.lastElementChild.remove();
  $('alert-count').textContent = `(${state.alerts.size})`;
}

function alertItem(a) {
  const eta = a.kind === 'warning' && a.eta_s !== undefined
    ? el('span', {class: 'eta', 'data-arrival': String(Date.parse(a.at) + a.eta_s * 1000), 'data-key': alertKey(a),
      title: a.eta_min_s !== undefined ? `between ${Math.round(a.eta_min_s)} s and ${Math.round(a.eta_max_s)} s after ${fmtTime(a.at)}` : ''}, etaText(a))
    : null;
  const alt = a.alt_m !== undefined ? ` at ${Math.round(a.alt_m)} m` : (a.altitude_known === false ? ' (altitude unknown)' : '');
  return el('li', {class: `alert kind-${a.kind}`, 'data-seq': a.seq, 'data-object': a.object_id, 'data-zone': a.zone_id},
    el('button', {type: 'button', onclick: () => focusAlert(a)},
      el('span', {class: 'alert-kind'}, ALERT_NAMES[a.kind] || a.kind),
      ' ', el('span', {class: 'alert-object'}, a.object_id), alt,
      a.kind === 'warning' ? ' heading for ' : ' — ', el('span', {class: 'alert-zone'}, zoneName(a)),
      a.reason ? ` (${a.reason.replace('_', ' ')})` : '',
      el('br'),
      el('time', {datetime: a.at}, fmtTime(a.at)), ' ', eta,
      a.source?.kind === 'simulated' ? el('span', {class: 'badge sim'}, 'simulated') : null));
}

function etaText(a) {
  const w = state.warnings.get(alertKey(a));
  if (w && w.alert.seq === a.seq && w.outcome) return w.outcome === 'entered' ? 'entered the zone' : 'cancelled';
  if (w && w.alert.seq !== a.seq) return 'superseded';
  const left = Date.parse(a.at) + a.eta_s * 1000 - Date.now();
  if (left <= 0) return left > -60000 ? 'ETA now' : 'ETA passed';
  const s = Math.round(left / 1000);
  return `ETA ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

// tick updates the ETA countdowns once a second.
function tick() {
  for (const e of document.querySelectorAll('#alert-list .eta')) {
    const a = state.alerts.get(Number(e.closest('li').dataset.seq));
    if (a) e.textContent = etaText(a);
  }
}

function focusAlert(a) {
  map.flyTo([a.point[1], a.point[0]], Math.max(map.getZoom(), 10));
  if (state.me && state.routes.has('GET /v1/tracks/{object_id}')) drawTrack(a.object_id, new Date(Date.parse(a.at) - 30 * 60000), new Date(Date.parse(a.at) + 30 * 60000));
}

// alertsInView returns the alerts the map shows: the latest per object and
// zone of the last 30 minutes when live, of the window when replaying.
function alertsInView() {
  const to = state.live ? Date.now() : state.at.getTime();
  const from = state.live ? to - 30 * 60000 : to - state.windowDays * DAY;
  const latest = new Map();
  for (const a of state.alerts.values()) {
    const t = Date.parse(a.at);
    if (t < from || t > to) continue;
    const k = alertKey(a);
    if (!latest.has(k) || latest.get(k).seq < a.seq) latest.set(k, a);
  }
  return [...latest.values()];
}

function drawAlerts() {
  groups.alerts.clearLayers();
  if (!state.layersOn.has('alerts')) return;
  for (const a of alertsInView()) {
    const ll = [a.point[1], a.point[0]];
    const colour = a.kind === 'violation' ? '#b71c1c' : a.kind === 'warning' ? '#ef6c00' : '#757575';
    if (a.kind === 'warning' && a.entry) {
      L.polyline([ll, [a.entry[1], a.entry[0]]], {pane: 'alerts', color: colour, weight: 2, dashArray: '4 6', interactive: false}).addTo(groups.alerts);
      L.circleMarker([a.entry[1], a.entry[0]], {pane: 'alerts', radius: 3, color: colour, fillOpacity: 1, interactive: false}).addTo(groups.alerts);
    }
    const label = `${ALERT_NAMES[a.kind]}: ${a.object_id}, ${zoneName(a)}, ${fmtTime(a.at)}`;
    const m = L.circleMarker(ll, {pane: 'alerts', radius: 7, color: '#fff', weight: 2, fillColor: colour, fillOpacity: 1, className: `sz-alert kind-${a.kind}`});
    m.bindTooltip(label);
    m.on('click', () => focusAlert(a));
    m.addTo(groups.alerts);
    makeFocusable(m, label, () => focusAlert(a));
  }
}

async function loadAlerts() {
  const all = [];
  let after = 0;
  for (let i = 0; i < 100; i++) {
    const page = await getJSON('/v1/alerts' + query({after, limit: 1000}));
    all.push(...page.alerts);
    if (page.next_after === undefined || page.next_after === null) break;
    after = page.next_after;
  }
  for (const a of all) addAlert(a, {render: false});
  const list = $('alert-list');
  list.replaceChildren(...all.slice(-MAX_LISTED_ALERTS).reverse().map(alertItem));
  trimAlertList();
  drawAlerts();
  const last = all.length ? all[all.length - 1].seq : 0;
  const stop = new AbortController();
  streamAlerts({
    after: last, signal: stop.signal,
    onAlert: (a) => addAlert(a),
    onStatus: (s) => {
      $('stream-status').textContent = {live: 'Alerts: live', reconnecting: 'Alerts: reconnecting…', unauthorized: 'Sign in to see alerts'}[s] || s;
      $('stream-status').dataset.state = s;
    },
  });
}

// ---- tracks (archived; signed in) ----

async function drawTrack(objectID, from, to) {
  try {
    const f = await getJSON(`/v1/tracks/${encodeURIComponent(objectID)}` + query({from: from.toISOString(), to: to.toISOString()}));
    if (!f.geometry || f.geometry.type !== 'LineString') return;
    L.polyline(L.GeoJSON.coordsToLatLngs(f.geometry.coordinates, 0), {pane: 'tracks', color: '#263238', weight: 2, opacity: 0.8, className: 'sz-track'})
      .bindTooltip(`Track of ${objectID} (archived)`).addTo(groups.tracks);
  } catch (e) {
    // A track the archive no longer holds (or never held) draws nothing.
    if (!(e instanceof ApiError)) throw e;
  }
}

async function drawReplayTracks() {
  groups.tracks.clearLayers();
  if (state.live || !state.me || !state.routes.has('GET /v1/tracks/{object_id}')) return;
  const objects = [...new Set(alertsInView().map((a) => a.object_id))].slice(0, 10);
  const to = state.at, from = new Date(state.at.getTime() - state.windowDays * DAY);
  await Promise.all(objects.map((o) => drawTrack(o, from, to)));
}

// ---- live aircraft (signed in) ----

const aircraft = new Map(); // object id -> {marker, path}
let objectsTimer = null;

function planeIcon(inNoFly) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '-12 -12 24 24');
  svg.setAttribute('width', '24');
  svg.setAttribute('height', '24');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M0 -11 L2 -3 L10 2 L10 4 L2 2 L1.5 8 L4 10 L4 11 L0 10 L-4 11 L-4 10 L-1.5 8 L-2 2 L-10 4 L-10 2 L-2 -3 Z');
  path.setAttribute('class', inNoFly ? 'plane in-no-fly' : 'plane');
  svg.append(path);
  return L.divIcon({className: 'sz-aircraft', html: svg, iconSize: [24, 24], iconAnchor: [12, 12]});
}

async function refreshObjects() {
  if (!state.me || !state.routes.has('GET /v1/objects')) return; // live objects need a token
  if (!state.live || !state.layersOn.has('aircraft')) {
    groups.aircraft.clearLayers();
    aircraft.clear();
    return;
  }
  const {objects} = await getJSON('/v1/objects');
  const seen = new Set();
  for (const o of objects) {
    seen.add(o.object_id);
    const ll = [o.point[1], o.point[0]];
    const inNoFly = o.zones.some((z) => state.zones.get(z)?.properties.kind === 'no_fly');
    const stale = Date.now() - Date.parse(o.at) > 60000;
    const label = `${o.object_id}${o.alt_m !== undefined ? `, ${Math.round(o.alt_m)} m` : ''}${o.speed_ms !== undefined ? `, ${Math.round(o.speed_ms * 3.6)} km/h` : ''}` +
      `${o.zones.length ? `, inside ${o.zones.map((z) => state.zones.get(z)?.properties.name || z).join(', ')}` : ''}, last seen ${fmtTime(o.at)}`;
    let a = aircraft.get(o.object_id);
    if (!a) {
      const marker = L.marker(ll, {pane: 'aircraft', icon: planeIcon(inNoFly), keyboard: true, title: o.object_id, alt: label});
      marker.bindTooltip('', {direction: 'right', offset: [10, 0]});
      const path = L.polyline([], {pane: 'aircraft', color: '#263238', weight: 2, dashArray: '6 6', opacity: 0.8, interactive: false, className: 'sz-predicted'});
      a = {marker, path, inNoFly};
      marker.addTo(groups.aircraft);
      path.addTo(groups.aircraft);
      aircraft.set(o.object_id, a);
    }
    if (a.inNoFly !== inNoFly) {
      a.marker.setIcon(planeIcon(inNoFly));
      a.inNoFly = inNoFly;
    }
    a.marker.setLatLng(ll);
    a.marker.setTooltipContent(label);
    const e = a.marker.getElement();
    if (e) {
      e.dataset.objectId = o.object_id;
      e.setAttribute('aria-label', label);
      e.classList.toggle('stale', stale);
      e.firstElementChild.style.transform = `rotate(${o.heading_deg ?? 0}deg)`;
    }
    a.path.setLatLngs(o.path ? o.path.map(([lon, lat]) => [lat, lon]) : []);
  }
  for (const [id, a] of aircraft) {
    if (!seen.has(id)) {
      groups.aircraft.removeLayer(a.marker);
      groups.aircraft.removeLayer(a.path);
      aircraft.delete(id);
    }
  }
}

function startObjects() {
  const note = $('aircraft-note');
  if (!state.routes.has('GET /v1/objects')) {
    note.textContent = 'This server shares no live objects; aircraft appear where alerts place them.';
    return;
  }
  if (!state.me) {
    note.textContent = 'Live aircraft need sign-in (positions reveal movements); until then aircraft appear where alerts place them.';
    return;
  }
  note.textContent = 'Live aircraft from the tracker, every 2 s, with their predicted paths.';
  const loop = async () => {
    try {
      await refreshObjects();
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
    objectsTimer = setTimeout(loop, 2000);
  };
  loop();
}

// ---- incidents ----

function killed(report) {
  const fs = report.casualties || [];
  const all = fs.find((f) => f.category === 'killed');
  if (all) return all.best;
  return fs.filter((f) => f.category.startsWith('killed_')).reduce((n, f) => n + f.best, 0);
}

function text(t) {
  return typeof t === 'string' ? t : (t && t.value) || '';
}

let incidentsRequest = 0;

async function refreshIncidents() {
  if (!state.routes.has('GET /v1/incidents')) return;
  const n = ++incidentsRequest;
  const to = state.live ? new Date() : state.at;
  const from = new Date(to.getTime() - state.windowDays * DAY);
  const b = map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  const bbox = [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
    .map((v) => v.toFixed(4)).join(',');
  let incidents;
  try {
    ({incidents} = await getJSON('/v1/incidents' + query({bbox, from: from.toISOString(), to: to.toISOString(), limit: 1000})));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return; // not served after all: the layer stays empty
    throw e;
  }
  if (n !== incidentsRequest) return; // a newer request is on its way
  groups.incidents.clearLayers();
  if (!state.layersOn.has('incidents')) return;
  const sorted = [...incidents].sort((a, b) => killed(b.report) - killed(a.report)); // small ones on top
  for (const inc of sorted) {
    const r = inc.report;
    const [typeName, colour] = INCIDENT_TYPES[r.event_type] || [r.event_type, '#616161'];
    const k = killed(r);
    const label = `${typeName}, ${fmtDay(r.time.from)}, ${k} killed (best estimate)${inc.review?.status ? `, ${inc.review.status}` : ''}`;
    const m = L.circleMarker([r.place.lat, r.place.lon], {pane: 'incidents', radius: Math.min(30, 4 + 2.5 * Math.sqrt(k)), color: '#fff', weight: 1,
      fillColor: colour, fillOpacity: 0.75, className: `sz-incident type-${r.event_type}`});
    m.bindTooltip(label);
    m.on('click', () => openIncident(inc));
    m.addTo(groups.incidents);
    makeFocusable(m, label, () => openIncident(inc), {'data-incident-key': inc.key});
  }
}

function incidentLegend() {
  const box = $('incident-legend');
  box.replaceChildren(el('details', {}, el('summary', {}, 'Incident colours and sizes'),
    el('p', {class: 'note'}, 'Circle area grows with the people killed (best estimate).'),
    el('ul', {}, Object.entries(INCIDENT_TYPES).map(([t, [name]]) => el('li', {}, el('span', {class: `swatch type-${t}`, 'aria-hidden': 'true'}), name)))));
  box.hidden = false;
}

async function openIncident(inc) {
  const r = inc.report;
  const [typeName] = INCIDENT_TYPES[r.event_type] || [r.event_type];
  const facts = [
    ['When', `${fmtTime(r.time.from)} – ${fmtTime(r.time.to)}`],
    ['Where', `${text(r.location) || 'unnamed place'} (${r.place.lat.toFixed(4)}, ${r.place.lon.toFixed(4)}) ± ${Math.round(r.radius_m)} m`],
  ];
  if (text(r.admin1)) facts.push(['Area', [text(r.admin2), text(r.admin1)].filter(Boolean).join(', ')]);
  if (text(r.alleged_actor)) facts.push(['Alleged actor', text(r.alleged_actor)]);
  facts.push(['Confidence', `happened: ${r.happened}; civilians harmed: ${r.civilians_harmed}; responsibility: ${r.responsibility}`]);
  if (r.source) facts.push(['Source', `${r.source.name || r.source.id} (${r.source.kind}${r.source.grade ? `, grade ${r.source.grade}` : ''}), event ${r.source_event_id}`]);
  facts.push(['Review', inc.review?.status || 'not reviewed']);
  facts.push(['Record', `${inc.key}, revision ${inc.revision}`]);
  showPanel(`${typeName} — ${fmtDay(r.time.from)}`, [
    el('dl', {class: 'facts'}, facts.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
    (r.casualties || []).length ? section('Casualties', table(['Who', 'Best', 'Range', 'Source'],
      r.casualties.map((c) => [c.category.replace(/_/g, ' '), String(c.best), `${c.min}–${c.max}`, c.source || '—']))) : null,
    text(r.summary) ? section('Summary', el('p', {}, text(r.summary))) : null,
    section('Evidence', loading('incident-evidence')),
  ]);
  if (!state.routes.has('GET /v1/incidents/{key}/evidence')) {
    fill('incident-evidence', el('p', {class: 'note'}, 'This server keeps no evidence files.'));
    return;
  }
  let list;
  try {
    list = await getJSON(`/v1/incidents/${encodeURIComponent(inc.key)}/evidence`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      fill('incident-evidence', el('p', {class: 'note'}, 'No evidence is attached.'));
      return;
    }
    fill('incident-evidence', failure(e));
    return;
  }
  const withheld = list.withheld ? el('p', {class: 'note'}, `${list.withheld} file(s) withheld from this view; sign in with a party's token to see more.`) : null;
  if (!list.evidence.length) {
    fill('incident-evidence', withheld || el('p', {class: 'note'}, 'No evidence is attached.'));
    return;
  }
  const figures = list.evidence.map((ev) => {
    // An item names its file directly ({sha256, media_type}) or as
    // {original: {sha256, media_type, size}}.
    const file = ev.original || ev;
    const caption = el('figcaption', {}, ev.caption || 'No caption', el('br'), el('span', {class: 'credit'}, `Credit: ${ev.credit || 'not given'}`),
      el('br'), el('code', {title: file.sha256}, `${file.media_type}, sha256 ${file.sha256.slice(0, 12)}…`));
    const fig = el('figure', {class: 'evidence'});
    const shown = ev.thumbnail?.sha256 || (file.media_type.startsWith('image/') ? file.sha256 : null);
    if (shown) {
      const img = el('img', {alt: ev.caption || 'Evidence image', loading: 'lazy'});
      getBlobURL(`/v1/evidence/${shown}`).then((u) => {
        state.panelURLs.push(u);
        img.src = u;
      }, () => img.replaceWith(el('p', {class: 'error'}, 'The image could not be loaded.')));
      fig.append(img);
    }
    fig.append(el('button', {type: 'button', onclick: async () => {
      const u = await getBlobURL(`/v1/evidence/${file.sha256}`);
      const a = el('a', {href: u, download: ev.filename || file.sha256});
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(u), 60000);
    }}, `Save the original (${file.media_type})`), caption);
    return fig;
  });
  fill('incident-evidence', el('div', {class: 'gallery'}, figures), withheld);
}

// ---- notified sites and movements (deconfliction) ----

// The server decides what each viewer sees (docs/deconfliction.md): the
// exact geometry for the notifier, the addressed parties and the
// operator; for anyone else a box of whole grid cells that holds the
// place (or nothing), which the map draws hatched as "location withheld".

const NOTICE_TYPES = {
  hospital: 'Hospital', clinic: 'Clinic', school: 'School', shelter: 'Shelter', water_station: 'Water station',
  warehouse: 'Warehouse', office: 'Office', convoy: 'Convoy', team: 'Team',
};
const NOTICE_COLOUR = '#00695c';
const noticeLayers = new Map(); // notification id -> the layer that frames it

function noticeType(p) {
  return NOTICE_TYPES[p.type] || p.type;
}

function governorateName(g) {
  const name = state.governorates.get(g);
  return name ? `${name} (${g})` : g;
}

// noticeLabel names a notification as this viewer sees it.
function noticeLabel(p) {
  const sim = p.source?.kind === 'simulated' ? ', simulated' : '';
  const what = `${noticeType(p)} notified by ${p.notifier}`;
  if (p.exact) return `${p.name || noticeType(p)} — ${what}${sim}`;
  return `${what} — location withheld${p.governorate ? `, declared in ${governorateName(p.governorate)}` : ''}${sim}`;
}

// fmtSpan writes a duration in days, hours and minutes.
function fmtSpan(ms) {
  const min = Math.max(0, Math.round(ms / 60000));
  const d = Math.floor(min / 1440), h = Math.floor((min % 1440) / 60), m = min % 60;
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  return `${m} min`;
}

async function loadNotifications() {
  const note = $('notifications-note');
  const box = document.querySelector('input[data-layer=notifications]');
  if (!state.routes.has('GET /v1/notifications')) {
    note.textContent = 'This server keeps no notified sites or movements.';
    box.disabled = true;
    $('notifications-section').hidden = true;
    return;
  }
  // One read per page load: every exact answer is recorded as a
  // disclosure to the viewer's party, so the map does not poll.
  const fc = await getJSON('/v1/notifications' + query({f: 'geojson', limit: 10000}));
  state.notifications = new Map(fc.features.map((f) => [f.id, f]));
  if (fc.features.some((f) => f.properties.source?.kind === 'simulated')) markSimulated();
  const exact = fc.features.filter((f) => f.properties.exact).length;
  const withheld = fc.features.length - exact;
  note.textContent = fc.features.length
    ? `${exact} exact, ${withheld} withheld from this view (latest versions; the time slider does not replay them).` +
      (withheld ? ' Exact places go only to the notifier, the parties told and the operator.' : '')
    : 'No site or movement is notified.';
  drawNotifications();
  renderNotificationList();
  noticeStats().catch((e) => $('notification-stats').replaceChildren(failure(e)));
}

function drawNotifications() {
  groups.notifications.clearLayers();
  noticeLayers.clear();
  if (!state.layersOn.has('notifications')) return;
  for (const f of state.notifications.values()) {
    const p = f.properties;
    const g = f.geometry;
    if (!g) continue; // no location at all for this viewer: listed only
    const label = noticeLabel(p);
    const open = () => openNotification(f.id);
    const attrs = {'data-notification-id': f.id};
    let layer;
    if (!p.exact) {
      layer = L.polygon(L.GeoJSON.coordsToLatLngs(g.coordinates, 1), {pane: 'notices', color: NOTICE_COLOUR, weight: 1.5, dashArray: '5 4',
        fillColor: NOTICE_COLOUR, fillOpacity: 1, className: `sz-notice coarse kind-${p.kind}`});
      layer.bindTooltip(el('span', {}, el('strong', {}, 'Location withheld'), el('br'), `${noticeType(p)} notified by ${p.notifier}`), {sticky: true});
    } else if (g.type === 'Point') {
      const ll = [g.coordinates[1], g.coordinates[0]];
      if (p.buffer_m) {
        L.circle(ll, {pane: 'notices', radius: p.buffer_m, color: NOTICE_COLOUR, weight: 1, dashArray: '2 3', fillOpacity: 0.08, interactive: false})
          .addTo(groups.notifications);
      }
      layer = L.marker(ll, {pane: 'notices', keyboard: false, icon: L.divIcon({className: `sz-notice exact kind-${p.kind}`, html: el('span', {class: 'diamond'}), iconSize: [14, 14], iconAnchor: [7, 7]})});
      layer.bindTooltip(label, {direction: 'right', offset: [8, 0]});
    } else if (g.type === 'Polygon' || g.type === 'MultiPolygon') {
      layer = L.polygon(L.GeoJSON.coordsToLatLngs(g.coordinates, g.type === 'Polygon' ? 1 : 2), {pane: 'notices', color: NOTICE_COLOUR, weight: 2,
        fillColor: NOTICE_COLOUR, fillOpacity: 0.3, className: `sz-notice exact kind-${p.kind}`});
      layer.bindTooltip(label, {sticky: true});
    } else if (g.type === 'LineString') {
      const latlngs = L.GeoJSON.coordsToLatLngs(g.coordinates, 0);
      L.polyline(latlngs, {pane: 'notices', color: '#fff', weight: 7, opacity: 0.9, interactive: false}).addTo(groups.notifications);
      layer = L.polyline(latlngs, {pane: 'notices', color: NOTICE_COLOUR, weight: 4, className: `sz-notice exact kind-${p.kind}`});
      L.circleMarker(latlngs[latlngs.length - 1], {pane: 'notices', radius: 4, color: NOTICE_COLOUR, fillColor: '#fff', fillOpacity: 1, weight: 2, interactive: false})
        .addTo(groups.notifications);
      layer.bindTooltip(label, {sticky: true});
    } else {
      continue;
    }
    layer.on('click', open);
    layer.addTo(groups.notifications);
    makeFocusable(layer, label, open, attrs);
    noticeLayers.set(f.id, layer);
  }
}

function renderNotificationList() {
  const list = $('notification-list');
  list.replaceChildren();
  $('notification-count').textContent = `(${state.notifications.size})`;
  for (const f of state.notifications.values()) {
    const p = f.properties;
    list.append(el('li', {},
      el('button', {type: 'button', class: 'zone-item notice-item', 'data-notification-id': f.id, onclick: () => openNotification(f.id, {fly: true})},
        el('span', {class: `swatch ${p.exact ? 'notice-exact' : 'notice-coarse'}`, 'aria-hidden': 'true'}),
        el('span', {class: 'name'}, p.exact ? (p.name || noticeType(p)) : `${noticeType(p)} of ${p.notifier}`),
        el('span', {class: 'badges'},
          el('span', {class: 'badge'}, noticeType(p)),
          p.exact ? el('span', {class: 'badge exact'}, 'exact') : el('span', {class: 'badge withheld'}, 'location withheld'),
          p.source?.kind === 'simulated' ? el('span', {class: 'badge sim'}, 'simulated') : null))));
  }
}

// noticeStats shows the public per-party counts: told, answered, overdue.
async function noticeStats() {
  const box = $('notification-stats');
  if (!state.routes.has('GET /v1/notifications/stats')) return;
  const {parties} = await getJSON('/v1/notifications/stats');
  if (!parties.length) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(el('details', {}, el('summary', {}, 'Answers per party (latest versions)'),
    el('table', {class: 'stats'},
      el('thead', {}, el('tr', {}, ['Party', 'Told', 'Ack.', 'Obj.', 'Overdue'].map((h) => el('th', {scope: 'col'}, h)))),
      el('tbody', {}, parties.map((s) => el('tr', {class: s.overdue ? 'overdue' : null},
        el('td', {}, s.party_id), el('td', {}, String(s.notified)), el('td', {}, String(s.acknowledged)),
        el('td', {}, String(s.objected)), el('td', {}, String(s.overdue))))))));
}

function windowText(w) {
  return w ? `${fmtTime(w.from)} – ${w.to ? fmtTime(w.to) : 'open'}` : '—';
}

async function openNotification(id, {fly = false} = {}) {
  const f = state.notifications.get(id);
  if (!f) return;
  const p = f.properties;
  const layer = noticeLayers.get(id);
  if (fly && layer) {
    // A withheld box with the land around it; an exact site close enough
    // to see its buffer.
    if (layer.getBounds) whenStill(() => map.fitBounds(layer.getBounds(), {maxZoom: p.exact ? 14 : 10, padding: [40, 40]}));
    else whenStill(() => map.setView(layer.getLatLng(), Math.max(map.getZoom(), 14)));
  }
  const facts = [
    ['Kind', `${p.kind === 'movement' ? 'Movement' : 'Site'}: ${noticeType(p)}`],
    ['Notified by', partyName(p.notifier)],
    ['Told', p.addressed.map(partyName).join(', ') || 'nobody'],
    ['Version', `${p.version}${p.latest && p.latest !== p.version ? ` of ${p.latest}` : ''}, ${fmtTime(p.created_at)}`],
    ['Hash', el('code', {title: p.hash}, p.hash.slice(0, 16) + '…')],
  ];
  if (p.governorate) facts.push(['Declared in', [p.district, governorateName(p.governorate)].filter(Boolean).join(', ')]);
  let where;
  if (p.exact) {
    const g = f.geometry;
    if (g?.type === 'Point') facts.push(['Point', `${g.coordinates[1].toFixed(6)}, ${g.coordinates[0].toFixed(6)} (lat, lon)`]);
    else if (g?.type === 'LineString') facts.push(['Route', `${g.coordinates.length} points, from ${g.coordinates[0][1].toFixed(5)}, ${g.coordinates[0][0].toFixed(5)}`]);
    else if (g) facts.push(['Footprint', g.type]);
    if (p.buffer_m) facts.push(['Buffer', `${p.buffer_m} m`]);
    if (p.kind === 'movement') {
      facts.push(['Departure', windowText(p.departure)], ['Arrival', windowText(p.arrival)]);
      if (p.vehicles) facts.push(['Vehicles', String(p.vehicles)]);
    }
    if (p.organisation) facts.push(['Organisation', p.organisation]);
    if (p.contact) facts.push(['Contact', p.contact]);
    if (p.verified_at) facts.push(['Verified', fmtTime(p.verified_at)]);
    if (p.overrides?.length) facts.push(['Overridden', p.overrides.map((o) => `${o.code}: ${o.reason}`).join('; ')]);
    where = el('p', {class: 'notice-exact-note'}, 'Exact coordinates: you are the notifier, a party told, or the operator. This read is in the disclosure record.');
  } else {
    where = el('p', {class: 'withheld-note', role: 'note'}, el('strong', {}, 'Location withheld. '),
      f.geometry ? `The map shows only the ${p.coarse?.cell_deg ?? ''}° grid cells that hold it. ` : 'This server shows no location for it. ',
      'Exact coordinates go only to the notifier, the parties told and the operator; sign in with one of their tokens.');
  }
  showPanel(p.exact ? (p.name || noticeType(p)) : `${noticeType(p)} notified by ${p.notifier}`, [
    el('p', {class: 'subtitle'}, el('span', {class: `badge ${p.exact ? 'exact' : 'withheld'}`}, p.exact ? 'exact' : 'location withheld'), ' ',
      p.cancelled ? el('span', {class: 'badge'}, 'cancelled') : null, ' ', sourceBadge(p.source?.kind)),
    where,
    el('dl', {class: 'facts'}, facts.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)])),
    section('Parties told', loading('notice-receipts')),
    section('Ledger proof', el('p', {id: 'ledger-status', role: 'status', 'data-state': 'checking'}, `Checking notification/${id}/v${p.version} against the ledger…`)),
    p.exact && p.description ? section('About', el('p', {}, p.description)) : null,
  ]);
  await Promise.allSettled([
    noticeReceipts(id, p).catch((e) => fill('notice-receipts', failure(e))),
    zoneLedger(`notification/${id}/v${p.version}`),
  ]);
}

// noticeReceipts fills the panel with each addressed party's standing on
// the version shown: delivered, acknowledged, objected, and its deadline.
async function noticeReceipts(id, p) {
  if (!state.routes.has('GET /v1/notifications/{id}/receipts')) {
    fill('notice-receipts', el('p', {class: 'note'}, 'This server shows no receipts.'));
    return;
  }
  const {receipts} = await getJSON(`/v1/notifications/${encodeURIComponent(id)}/receipts` + query({version: p.version}));
  if (!receipts.length) {
    fill('notice-receipts', el('p', {class: 'note'}, 'No party was told.'));
    return;
  }
  const now = Date.now();
  const stateOf = (r) => {
    const s = [];
    if (r.acknowledged_at) s.push('acknowledged');
    if (r.objected_at) s.push('objected');
    if (!s.length) s.push(r.delivered_at ? 'delivered' : 'not yet read');
    return s.join(', ');
  };
  const due = (r) => {
    if (r.acknowledged_at || r.objected_at) return fmtTime(r.due_at);
    const left = Date.parse(r.due_at) - now;
    return el('span', {}, fmtTime(r.due_at), ' ', r.overdue || left <= 0
      ? el('span', {class: 'badge overdue'}, `overdue by ${fmtSpan(-left)}`)
      : el('span', {class: 'badge'}, `in ${fmtSpan(left)}`));
  };
  const rows = receipts.map((r) => el('tr', {class: `receipt${r.overdue ? ' overdue' : ''}`, 'data-party': r.party_id},
    el('td', {}, partyName(r.party_id)),
    el('td', {class: 'receipt-state'}, stateOf(r), r.objection ? el('div', {class: 'objection'}, `Objection: ${r.objection}`) : null),
    el('td', {}, r.delivered_at ? fmtTime(r.delivered_at) : '—'),
    el('td', {}, fmtTime(r.acknowledged_at || r.objected_at)),
    el('td', {}, due(r))));
  fill('notice-receipts',
    el('table', {},
      el('caption', {}, `Version ${p.version}, told ${fmtTime(receipts[0].notified_at)}`),
      el('thead', {}, el('tr', {}, ['Party', 'State', 'Delivered', 'Answered', 'Due'].map((h) => el('th', {scope: 'col'}, h)))),
      el('tbody', {}, rows)),
    el('p', {class: 'note'}, 'Delivered: a member of the party read the exact version. Received is not acknowledged, and acknowledged is not approved; an objection carries its reason.'));
}

// ---- time ----

const slider = $('time-slider');

function setupSlider() {
  const today = Math.floor(Date.now() / DAY);
  slider.min = String(Math.floor(SLIDER_START / DAY));
  slider.max = String(today);
  if (state.live) slider.value = slider.max;
  labelSlider();
}

function labelSlider() {
  const live = Number(slider.value) >= Number(slider.max);
  const text = live ? 'Live' : new Date(Number(slider.value) * DAY).toISOString().slice(0, 10);
  $('time-label').textContent = text;
  slider.setAttribute('aria-valuetext', live ? 'Live (now)' : text);
}

let sliderTimer = null;
slider.addEventListener('input', () => {
  labelSlider();
  clearTimeout(sliderTimer);
  sliderTimer = setTimeout(applyTime, 300);
});

$('time-live').addEventListener('click', () => {
  slider.value = slider.max;
  labelSlider();
  applyTime();
});

$('time-window').addEventListener('change', () => {
  state.windowDays = Number($('time-window').value);
  refreshAll();
});

async function applyTime() {
  const live = Number(slider.value) >= Number(slider.max);
  state.live = live;
  state.at = live ? new Date() : new Date((Number(slider.value) + 1) * DAY - 1000); // the end of the chosen day
  $('time-live').setAttribute('aria-pressed', String(live));
  $('replay-note').hidden = live;
  document.body.classList.toggle('replay', !live);
  if (!live) {
    $('stream-status').textContent = `Replay: ${fmtDay(state.at)}`;
  } else if ($('stream-status').dataset.state === 'live') {
    $('stream-status').textContent = 'Alerts: live';
  }
  await refreshAll();
}

async function refreshAll() {
  await Promise.allSettled([loadZones(), refreshIncidents(), refreshObjects().catch(() => {}), drawReplayTracks()]);
  drawAlerts();
}

// ---- layers ----

for (const box of document.querySelectorAll('#sidebar input[type=checkbox]')) {
  box.addEventListener('change', () => {
    const {layer, status} = box.dataset;
    if (status) {
      if (box.checked) state.statuses.add(status); else state.statuses.delete(status);
      drawZones();
      renderZoneList();
    } else if (KINDS[layer]) {
      if (box.checked) state.kinds.add(layer); else state.kinds.delete(layer);
      drawZones();
      renderZoneList();
    } else {
      if (box.checked) state.layersOn.add(layer); else state.layersOn.delete(layer);
      if (layer === 'labels') {
        if (box.checked) groups.labels.addTo(map); else groups.labels.remove();
      } else if (layer === 'alerts') drawAlerts();
      else if (layer === 'incidents') refreshIncidents();
      else if (layer === 'notifications') drawNotifications();
      else if (layer === 'aircraft') refreshObjects().catch(() => {});
    }
  });
}

let moveTimer = null;
map.on('moveend', () => {
  clearTimeout(moveTimer);
  moveTimer = setTimeout(() => refreshIncidents(), 400);
});

// ---- sign-in ----

const dialog = $('signin');

function openSignin(reason = '') {
  if (dialog.open) return;
  $('signin-reason').textContent = reason;
  $('signin-error').textContent = '';
  $('signin-token').value = '';
  $('signin-ledger-key').value = ledgerKey();
  dialog.showModal();
  $('signin-token').focus();
}

$('signin-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const tok = $('signin-token').value.trim();
  try {
    await getJSON('/v1/me', {token: tok});
  } catch (e) {
    $('signin-error').textContent = e instanceof ApiError && e.status === 401 ? 'This token is not valid.' : `Sign-in failed: ${e.message}`;
    return;
  }
  setToken(tok);
  setLedgerKey($('signin-ledger-key').value.trim());
  dialog.close();
  location.reload();
});

$('signin-cancel').addEventListener('click', () => dialog.close());

$('signin-button').addEventListener('click', () => {
  if (state.me) {
    setToken('');
    location.reload();
  } else {
    openSignin();
  }
});

whenUnauthorized(() => openSignin('This server needs a token to read. Ask your cell’s operator or your party’s admin for one.'));

async function loadMe() {
  if (!token()) return;
  try {
    state.me = await getJSON('/v1/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) setToken('');
    return;
  }
  const m = state.me;
  $('who').textContent = `Signed in: ${m.operator ? 'operator' : `${m.member_id} of ${m.party_id}`} (${m.role})`;
  $('signin-button').textContent = 'Sign out';
}

async function loadParties() {
  if (!state.routes.has('GET /v1/parties')) return;
  const {parties} = await getJSON('/v1/parties');
  state.parties = new Map(parties.map((p) => [p.id, p]));
}

// fitZones frames the zones drawn (the whole country when there are none).
function fitZones() {
  const bounds = L.latLngBounds([]);
  for (const layer of zoneLayers.values()) bounds.extend(layer.getBounds());
  if (bounds.isValid()) map.fitBounds(bounds, {padding: [24, 24], maxZoom: 9});
}

// ---- start ----

async function start() {
  setupSlider();
  await Promise.all([loadBasemap(), loadMe()]);
  try {
    state.routes = await serverRoutes();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return; // the sign-in dialog is open; the page reloads after it
    throw e;
  }
  await Promise.all([loadParties(), loadZones()]);
  fitZones();
  if (state.routes.has('GET /v1/incidents')) {
    $('incidents-note').textContent = `Incidents of the last ${state.windowDays} days before the chosen time, in view.`;
    incidentLegend();
  } else {
    $('incidents-note').textContent = 'This server keeps no incidents yet.';
    document.querySelector('input[data-layer=incidents]').disabled = true;
  }
  await Promise.all([loadAlerts(), refreshIncidents(),
    loadNotifications().catch((e) => $('notifications-note').replaceChildren(failure(e)))]);
  startObjects();
  setInterval(tick, 1000);
  setInterval(() => {
    const wasMax = Number(slider.value) >= Number(slider.max);
    slider.max = String(Math.floor(Date.now() / DAY));
    if (wasMax) slider.value = slider.max;
    if (state.live) drawAlerts();
  }, 60000);
  document.body.dataset.ready = 'true';
}

start();
