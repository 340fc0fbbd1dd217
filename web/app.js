// planhost browser client: shows one of the plan's views live. It watches the
// view's topic `view/<name>/<renderer>` over WebSocket protocol v1, applies
// each update in place with `morph` (morph.js), and reconnects with backoff.
// The picker's lists (GET api/views, api/plugins) are fetched again whenever
// `plan/views` or `plugins/errors` announces a change, and after a reconnect.
// Plain ES2020, no framework, no build step, no external URLs.
'use strict';

const BACKOFF_START_MS = 250;
const BACKOFF_CAP_MS = 10_000;
const STABLE_MS = 5_000; // a connection up this long resets the backoff
// Topics whose messages mean the picker's lists changed: the plan's view
// names, and the plugins' load failures (published after every plugin swap).
const CATALOG_TOPICS = ['plan/views', 'plugins/errors'];
// The names the server takes for views and renderers; any other name is
// only a topic nobody publishes.
const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const NOT_RENDERED = 'Nothing to show yet: the plan has not rendered this view.';

const $ = (id) => document.getElementById(id);
const ui = {
  view: $('view'), topic: $('topic'), conn: $('conn'), retry: $('retry'), rev: $('rev'),
  pickView: $('pick-view'), pickRenderer: $('pick-renderer'),
  planError: $('plan-error'), planErrorSource: $('plan-error-source'), planErrorText: $('plan-error-text'),
  planErrorNote: $('plan-error-note'),
  notice: $('notice'), noticeText: $('notice-text'),
};

// The client's root: where style.css, api/ and ws live. Fixed at load, since
// history.pushState may change the page's own path.
const ROOT = new URL('.', document.baseURI);
// Pages served under /view/NAME keep that form when the view changes.
const PATH_STYLE = /\/view\/[^/]+$/.test(location.pathname);

const state = {
  // What is shown: a view with its renderer (topic `view/V/R`), or a raw topic
  // shown as text (`?topic=T`), or, with neither, the topic list.
  view: null, renderer: null, topic: null,
  refused: false, // the address names a view or renderer that cannot exist: nothing is watched
  rev: null, // last rev applied for state.topic (revs only grow, even across server restarts)
  data: null, // the data of that rev as received, which patch frames are written against
  views: null, // GET api/views once loaded: [{name, renderers}]
  plugins: [], // GET api/plugins: [{name, description, status, ...}]
  catalogRevs: {}, // the last rev seen of each of CATALOG_TOPICS
  catalogLoad: null, catalogAgain: false, // the fetch of the lists under way; another one due after it
  planError: null, // the error the plan-error banner shows, as "source\nmessage"
  dismissedError: null, // that error, once the reader dismissed it
  socket: null, // the current WebSocket, or null while waiting to reconnect
  attempt: 0, // failed connects since the last stable connection
  wasLive: false, // a connection opened before (the next one is a reconnect)
  retryTimer: 0, tickTimer: 0, stableTimer: 0, retrySubscribeTimer: 0,
};

// ---- small helpers ---------------------------------------------------------
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

const viewTopic = (view, renderer) => `view/${view}/${renderer}`;

/** `view/V/R` as {view, renderer}, or null for any other topic. */
function parseViewTopic(topic) {
  const match = /^view\/([^/]+)\/([^/]+)$/.exec(topic || '');
  return match && { view: match[1], renderer: match[2] };
}

/** What the address asks for: `/view/V?renderer=R`, `?view=V&renderer=R` or `?topic=T`. */
function placeFromUrl() {
  const query = new URLSearchParams(location.search);
  const path = /\/view\/([^/]+)$/.exec(location.pathname);
  return {
    view: path ? decodeURIComponent(path[1]) : query.get('view'),
    renderer: query.get('renderer'),
    topic: query.get('topic'),
  };
}

/** The address of a view, in the form this page was loaded with. */
function urlOf(view, renderer) {
  const query = new URLSearchParams(PATH_STYLE ? { renderer } : { view, renderer });
  return new URL(PATH_STYLE ? `view/${encodeURIComponent(view)}?${query}` : `?${query}`, PATH_STYLE ? ROOT : location.href);
}

async function getJson(path) {
  const response = await fetch(new URL(path, ROOT), { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

// ---- status and banners ---------------------------------------------------
function setStatus(kind, retryText = '') { // kind drives the colour in style.css
  ui.conn.dataset.state = kind;
  if (ui.conn.textContent !== kind) ui.conn.textContent = kind; // announced: only on change
  ui.retry.textContent = retryText;
}

function showRev() {
  ui.rev.textContent = state.rev ? `rev ${state.rev}` : ''; // rev 0: nothing yet
  const planView = $('plan-view');
  if (planView) {
    if (state.rev == null) delete planView.dataset.rev;
    else planView.dataset.rev = String(state.rev);
  }
}

function showNotice(text) {
  ui.noticeText.textContent = text;
  ui.notice.hidden = false;
}

const hideNotice = () => { ui.notice.hidden = true; };

const ERROR_SOURCES = { lua: 'Plan script error', plugin: 'Renderer plugin error' };

/** Shows the plan's error, or hides the banner for `null`. */
function showPlanError(error) {
  if (!error) {
    state.planError = state.dismissedError = null;
    ui.planError.hidden = true;
    ui.view.classList.remove('has-error');
    return;
  }
  const id = `${error.source}\n${error.message}`;
  state.planError = id;
  ui.view.classList.add('has-error');
  if (id === state.dismissedError) return; // the reader has seen this one
  // Written only where it changed: the banner is an alert, and a screen
  // reader may announce it again whenever its text is replaced.
  if (ui.planError.dataset.source !== String(error.source)) ui.planError.dataset.source = String(error.source);
  setText(ui.planErrorSource, ERROR_SOURCES[error.source] || `Error (${error.source})`);
  setText(ui.planErrorText, String(error.message));
  setText(ui.planErrorNote, $('plan-view')?.hasChildNodes()
    ? 'Showing the last good view.'
    : 'There is no good view to show yet.');
  ui.planError.hidden = false;
}

/** Sets a node's text unless it already holds it. */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Hides a banner; focus on its button goes to the view, not the void. */
function dismiss(banner) {
  const hadFocus = banner.contains(document.activeElement);
  banner.hidden = true;
  if (hadFocus) ensurePlanView().focus({ preventScroll: true });
}

// ---- connection -----------------------------------------------------------
const isOpen = () => state.socket?.readyState === WebSocket.OPEN;
const send = (frame) => isOpen() && state.socket.send(JSON.stringify(frame));

function clearTimers() {
  clearTimeout(state.retryTimer);
  clearInterval(state.tickTimer);
  clearTimeout(state.stableTimer);
}

function connect() {
  clearTimers();
  setStatus('connecting');
  const url = new URL('ws', ROOT);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = (state.socket = new WebSocket(url.href));
  let opened = false;
  socket.onopen = () => {
    opened = true;
    setStatus('live');
    hideNotice();
    state.stableTimer = setTimeout(() => { state.attempt = 0; }, STABLE_MS);
    subscribeCatalog();
    subscribe();
    if (state.wasLive) refreshCatalog(); // the lists may have changed while away
    state.wasLive = true;
  };
  socket.onmessage = (event) => handleFrame(event.data);
  socket.onclose = (event) => { // `error` is always followed by `close`
    if (state.socket !== socket) return;
    state.socket = null;
    clearTimers();
    // Once per outage, not on every retry, so a dismissed notice stays dismissed.
    if (opened) {
      const why = event.reason ? `: ${event.reason}` : '';
      showNotice(`Connection lost (code ${event.code}${why}). Showing the last state.`);
    } else if (state.attempt === 0) {
      showNotice('Cannot reach the planhost server. Retrying…');
    }
    scheduleReconnect();
  };
}

function scheduleReconnect() {
  if (!navigator.onLine) return setStatus('offline'); // the `online` event reconnects
  // Full jitter: a random wait in [0, min(cap, start * 2^attempt)], so many
  // clients dropped at once (a server restart) do not come back in lockstep.
  const delay = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_START_MS * 2 ** state.attempt);
  const due = Date.now() + delay;
  state.attempt += 1;
  const tick = () => setStatus('reconnecting', `in ${Math.max(1, Math.ceil((due - Date.now()) / 1000))}s`);
  tick();
  state.tickTimer = setInterval(tick, 1000);
  state.retryTimer = setTimeout(connect, delay);
}

/** Subscribes to the topics that announce changes of the picker's lists. */
function subscribeCatalog() {
  for (const topic of CATALOG_TOPICS) {
    const frame = { type: 'subscribe', topic };
    if (state.catalogRevs[topic] != null) frame.since = state.catalogRevs[topic];
    send(frame);
  }
}

/** Subscribes to the watched topic; runs on every (re)connect and switch. */
function subscribe() {
  if (!state.topic) return;
  // With `since`, the server sends only state newer than what is on screen;
  // with `patches`, later updates of a view may come as patches of the last.
  const frame = { type: 'subscribe', topic: state.topic, patches: true };
  if (state.rev != null) frame.since = state.rev;
  send(frame);
}

// ---- what is watched ------------------------------------------------------
/**
 * Switches to a topic: `view/V/R` for a view, any other for plain text,
 * null for the topic list. `rev` is what the page already shows of it.
 * `refused` ({view, renderer, error}) is a view the address names that the
 * server cannot have: its error shows, and nothing is watched.
 */
function watch(topic, rev = null, refused = null) {
  const previous = state.topic;
  const switched = previous !== topic || Boolean(refused) || state.refused;
  // The connection keeps the catalog topics whatever it shows.
  if (previous && previous !== topic && !CATALOG_TOPICS.includes(previous)) {
    send({ type: 'unsubscribe', topic: previous });
  }
  const place = refused || parseViewTopic(topic);
  state.topic = topic;
  state.refused = Boolean(refused);
  state.view = place?.view ?? null;
  state.renderer = place?.renderer ?? null;
  if (switched) {
    const planView = ensurePlanView();
    // Another view replaces the one shown; only the server's first paint stays.
    if (previous != null || rev == null) planView.replaceChildren();
    planView.dataset.topic = topic || '';
    state.rev = rev;
    state.data = null;
    showPlanError(refused?.error ?? null);
    setNote(refused ? NOT_RENDERED : planView.hasChildNodes() ? null : topic ? `Waiting for ${topic}…` : 'Loading…');
  }
  showRev();
  ui.topic.textContent = place ? '' : topic || '';
  document.title = place ? `${place.view} · ${place.renderer} · planhost` : topic ? `${topic} · planhost` : 'planhost';
  fillPicker();
  if (topic) subscribe();
  else if (!refused) loadTopics();
}

/**
 * The element the view is drawn in: the server's first paint, or a new one.
 * It is the box that scrolls, so it takes focus (for the keys that scroll).
 */
function ensurePlanView() {
  let planView = $('plan-view');
  if (!planView) {
    planView = el('div');
    planView.id = 'plan-view';
    planView.tabIndex = 0;
    ui.view.prepend(planView);
  }
  return planView;
}

/** A note below the view (waiting, nothing rendered yet); null removes it. */
function setNote(text) {
  let note = $('view-note');
  if (text == null) return note?.remove();
  if (!note) {
    note = el('p', 'note');
    note.id = 'view-note';
    ui.view.append(note);
  }
  note.textContent = text;
}

/** Decides what to watch from the address, once the view list is known if needed. */
function watchFromUrl() {
  const place = placeFromUrl();
  if (place.topic) return watch(place.topic);
  const known = state.views || [];
  const view = place.view || known[0]?.name;
  if (!view) return watch(null); // no views (yet): list the topics
  const renderer = place.renderer || known.find((v) => v.name === view)?.renderers[0] || 'table';
  if (!place.view || !place.renderer) history.replaceState(null, '', urlOf(view, renderer));
  // Names the server refuses would only wait for ever: say so, as for a view the plan lacks.
  const error = !NAME.test(view) ? { source: 'lua', message: `no view named '${view}'` }
    : !NAME.test(renderer) ? { source: 'plugin', message: `no renderer named '${renderer}'` } : null;
  if (error) return watch(null, null, { view, renderer, error });
  watch(viewTopic(view, renderer));
}

/** Whether the address can be followed before the view list arrives. */
function urlIsComplete() {
  const place = placeFromUrl();
  return Boolean(place.topic || (place.view && place.renderer));
}

// ---- frames ---------------------------------------------------------------
function handleFrame(text) {
  let frame;
  try { frame = JSON.parse(text); } catch { return showNotice('The server sent a frame that is not JSON.'); }
  if (frame.type === 'error') {
    // A subscribe refused for now (a page switching views very fast): asked
    // again shortly, the notice going when it is answered.
    if (frame.topic && frame.topic === state.topic && /try again shortly/.test(String(frame.message))) {
      clearTimeout(state.retrySubscribeTimer);
      state.retrySubscribeTimer = setTimeout(() => {
        if (state.topic === frame.topic) { hideNotice(); subscribe(); }
      }, 1000 + Math.random() * 500);
    }
    return showNotice(frame.topic ? `${frame.topic}: ${frame.message}` : String(frame.message));
  }
  if (frame.type !== 'message' && frame.type !== 'patch') return;
  const seen = state.catalogRevs[frame.topic];
  if (CATALOG_TOPICS.includes(frame.topic) && (seen == null || frame.rev > seen)) {
    state.catalogRevs[frame.topic] = frame.rev;
    refreshCatalog(); // the message says only that something changed
  }
  if (frame.topic !== state.topic) return;
  // Frames for a topic just left may still arrive; one not newer than what is shown is stale.
  if (state.rev != null && frame.rev <= state.rev) return;
  const data = frame.type === 'message' ? String(frame.data) : patched(frame);
  if (data == null) return resync();
  state.rev = frame.rev;
  state.data = data;
  if (state.view) applyView(data);
  else showText(data);
  showRev();
}

/**
 * The data a patch frame describes: `pieces` are strings and `[offset,
 * length]` copies of the data of rev `base`, each starting `offset` after
 * the end of the previous copy (the start of the data for the first). Null
 * if this page does not hold that data or the result is not the announced
 * length and checksum.
 */
function patched(frame) {
  const base = state.data;
  if (base == null || frame.base !== state.rev || !Array.isArray(frame.pieces)) return null;
  const parts = [];
  let end = 0;
  for (const piece of frame.pieces) {
    if (typeof piece === 'string') { parts.push(piece); continue; }
    const [offset, length] = Array.isArray(piece) ? piece : [];
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) return null;
    const start = end + offset;
    if (start < 0 || length < 0 || start + length > base.length) return null;
    parts.push(base.substring(start, start + length));
    end = start + length;
  }
  const data = parts.join('');
  return data.length === frame.length && checksum(data) === frame.check ? data : null;
}

/** 32-bit FNV-1a over UTF-16 code units, as the server computes a patch's `check`. */
function checksum(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}

/** Asks for the topic's whole current message again (a patch did not fit). */
function resync() {
  send({ type: 'unsubscribe', topic: state.topic });
  subscribe();
}

/**
 * Applies a view message: `{"html": fragment or null, "error": null or
 * {"source": "lua" | "plugin", "message"}}`. `html` is the last good
 * rendering, so it stays on screen while an error is shown.
 */
function applyView(data) {
  let envelope;
  try { envelope = JSON.parse(data); } catch { envelope = null; }
  if (!envelope || typeof envelope !== 'object') {
    return showNotice(`${state.topic}: the message is not a view document.`);
  }
  const planView = ensurePlanView();
  if (typeof envelope.html === 'string') {
    morph(planView, envelope.html);
    setNote(null);
  } else if (!planView.hasChildNodes()) {
    setNote(NOT_RENDERED);
  }
  showPlanError(envelope.error || null);
}

function showText(data) { // a raw topic: plain text, never parsed as HTML
  const planView = ensurePlanView();
  let pre = planView.querySelector(':scope > pre.text');
  if (!pre) planView.replaceChildren((pre = el('pre', 'text')));
  pre.textContent = data;
  setNote(null);
}

// ---- the picker -----------------------------------------------------------
/**
 * Fetches the plan's views and the renderer plugins again, one fetch at a
 * time: a call while one is under way makes one more follow it.
 */
function refreshCatalog() {
  if (state.catalogLoad) {
    state.catalogAgain = true;
    return;
  }
  state.catalogLoad = loadCatalog().finally(() => {
    state.catalogLoad = null;
    if (state.catalogAgain) {
      state.catalogAgain = false;
      refreshCatalog();
    }
  });
}

/** Loads the plan's views and the renderer plugins; they fill the picker. */
async function loadCatalog() {
  const first = state.views == null;
  const [views, plugins] = await Promise.allSettled([getJson('api/views'), getJson('api/plugins')]);
  // A failed fetch keeps the lists there were.
  if (views.status === 'fulfilled' && Array.isArray(views.value)) state.views = views.value;
  else showNotice(`Could not load the plan's views (${views.reason?.message || 'not a list'}).`);
  if (plugins.status === 'fulfilled' && Array.isArray(plugins.value)) state.plugins = plugins.value;
  state.views ??= [];
  fillPicker();
  // An address without a view shows the first view listed; a page listing
  // topics for want of views moves to the first view once there is one.
  if (!state.topic && !state.view && (first || state.views.length)) watchFromUrl();
}

function option(value, label, title) {
  const node = el('option', null, label);
  node.value = value;
  if (title) node.title = title;
  return node;
}

/**
 * Gives a select the options `[value, label, title]`, rebuilding them only
 * when they differ, so a refresh leaves an open or focused select alone.
 */
function setOptions(select, items) {
  const same = select.options.length === items.length && items.every(([value, label, title], i) => {
    const node = select.options[i];
    return node.value === value && node.textContent === label && node.title === (title || '');
  });
  if (!same) select.replaceChildren(...items.map(([value, label, title]) => option(value, label, title)));
}

/** Fills both selects for the views known and the one shown (listed even if unknown). */
function fillPicker() {
  const views = [...(state.views || [])];
  if (state.view && !views.some((v) => v.name === state.view)) {
    views.push({ name: state.view, renderers: [state.renderer] });
  }
  setOptions(ui.pickView, views.map((v) => [v.name, v.name]));
  const current = views.find((v) => v.name === state.view);
  const renderers = current ? [...current.renderers] : [];
  if (state.renderer && !renderers.includes(state.renderer)) renderers.push(state.renderer);
  setOptions(ui.pickRenderer, renderers.map((name) => {
    // A plugin whose new file failed to load is listed twice: the version serving, and the failure.
    const plugin = state.plugins.find((p) => p.name === name && p.status === 'ok')
      || state.plugins.find((p) => p.name === name);
    const label = plugin && plugin.status !== 'ok' ? `${name} (${plugin.status})` : name;
    return [name, label, plugin?.description];
  }));
  ui.pickView.value = state.view || '';
  ui.pickRenderer.value = state.renderer || '';
  ui.pickView.disabled = views.length < 2;
  ui.pickRenderer.disabled = renderers.length < 2;
  ui.pickView.closest('nav').hidden = !state.view;
}

/** The reader picked a view or renderer: watch it and make it the address. */
function pick(view, renderer) {
  history.pushState(null, '', urlOf(view, renderer));
  watch(viewTopic(view, renderer));
}

ui.pickView.addEventListener('change', () => {
  const view = ui.pickView.value;
  const renderers = state.views?.find((v) => v.name === view)?.renderers || [];
  // Keep the renderer if the new view has it too.
  pick(view, renderers.includes(state.renderer) ? state.renderer : renderers[0] || state.renderer);
});
ui.pickRenderer.addEventListener('change', () => pick(state.view, ui.pickRenderer.value));
window.addEventListener('popstate', () => watchFromUrl());

// ---- topic list (a plan without views) -----------------------------------
async function loadTopics() {
  try {
    const topics = await getJson('api/topics');
    if (!state.topic) renderTopics(topics); // unless the page moved on meanwhile
  } catch (error) {
    showNotice(`Could not load the topic list (${error.message}).`);
  }
}

function renderTopics(topics) {
  const list = el('ul', 'topics');
  for (const info of [...topics].sort((a, b) => a.topic.localeCompare(b.topic))) {
    const link = el('a', null, info.topic);
    const place = parseViewTopic(info.topic);
    link.href = place ? urlOf(place.view, place.renderer) : `?${new URLSearchParams({ topic: info.topic })}`;
    const rev = info.rev == null ? 'no messages yet' : `rev ${info.rev}`;
    const item = el('li');
    item.append(link, ' ', el('span', 'meta', `${rev} · ${info.subscribers} watching · ${info.delivery}`));
    list.append(item);
  }
  ensurePlanView().replaceChildren(el('h1', null, 'Topics'), topics.length ? list : el('p', 'note', 'No topics yet.'));
  setNote(null);
}

// ---- start ----------------------------------------------------------------
$('plan-error-close').addEventListener('click', () => {
  state.dismissedError = state.planError;
  dismiss(ui.planError);
});
$('notice-close').addEventListener('click', () => dismiss(ui.notice));
window.addEventListener('online', () => { if (!state.socket) { state.attempt = 0; connect(); } });
// A socket that is up may still work (a server on the LAN): only an idle wait turns offline.
window.addEventListener('offline', () => {
  if (!state.socket) { clearTimers(); setStatus('offline'); }
});

/**
 * The first paint may carry the view's error as `#plan-view-error` (text
 * "SOURCE error: MESSAGE", or `data-source`/`data-message`): it becomes the
 * dismissible banner, since `since` means no message repeats it. Whether
 * there was one.
 */
function adoptPaintedError() {
  const painted = $('plan-view-error');
  if (!painted) return false;
  const text = painted.textContent.trim();
  const parsed = /^(\w+) error: ([\s\S]*)$/.exec(text);
  showPlanError({
    source: painted.dataset.source || parsed?.[1] || 'lua',
    message: painted.dataset.message || parsed?.[2] || text,
  });
  painted.remove();
  return true;
}

function start() {
  // The server's first paint names its topic and revision: watch that,
  // asking only for newer state.
  const firstPaint = $('plan-view');
  const painted = firstPaint?.dataset.topic;
  refreshCatalog(); // without a view in the address, it picks the first one
  if (painted && parseViewTopic(painted)) {
    // Rev 0: nothing published yet (a plan that failed to load).
    const rev = Number(firstPaint.dataset.rev);
    watch(painted, Number.isSafeInteger(rev) ? rev : null);
    const error = adoptPaintedError();
    // The note the same message would leave: an error and no HTML say so;
    // HTML, even empty, ends the wait.
    if (!firstPaint.hasChildNodes()) {
      setNote(error ? NOT_RENDERED : rev > 0 ? null : `Waiting for ${painted}…`);
    }
  } else if (urlIsComplete()) {
    watchFromUrl();
  }
  // The page does not scroll, the view's box does: focused, PageDown,
  // Space and the arrows scroll it from the start.
  if (document.activeElement === document.body) ensurePlanView().focus({ preventScroll: true });
  connect();
}

start();
