// planhost browser client: watches one topic over WebSocket protocol v1 and
// shows it live. Plain ES2020, no framework, no build step, no external URLs.
'use strict';

const BACKOFF_START_MS = 250;
const BACKOFF_CAP_MS = 10_000;
const STABLE_MS = 5_000; // a connection up this long resets the backoff

const $ = (id) => document.getElementById(id);
const ui = {
  conn: $('conn'), rev: $('rev'), topic: $('topic'), view: $('view'),
  banner: $('banner'), bannerText: $('banner-text'),
};

const state = {
  topic: null, // topic being watched; null shows the topic list
  rev: null, // last rev applied for state.topic (revs only grow, even across server restarts)
  socket: null, // the current WebSocket, or null while waiting to reconnect
  attempt: 0, // failed connects since the last stable connection
  retryTimer: 0, tickTimer: 0, stableTimer: 0,
  bannerKind: null, // 'connection' banners clear once live again; 'server' ones stay until dismissed
};

// ---- URL and small helpers ------------------------------------------------
/** `?topic=T`, or `?view=V&renderer=R` meaning `view/V/R`; null for neither. */
function topicFromUrl(search = location.search) {
  const query = new URLSearchParams(search);
  if (query.get('topic')) return query.get('topic');
  if (query.get('view')) return `view/${query.get('view')}/${query.get('renderer') || 'table'}`;
  return null;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

function setStatus(kind, text = kind) { // kind drives the colour in style.css
  ui.conn.dataset.state = kind;
  ui.conn.textContent = text;
}

const showRev = () => { ui.rev.textContent = state.rev == null ? '' : `rev ${state.rev}`; };

function showBanner(text, kind) {
  ui.bannerText.textContent = text;
  ui.banner.hidden = false;
  state.bannerKind = kind;
}

/** Hides the banner; with `kind`, only if the banner showing is of that kind. */
function hideBanner(kind) {
  if (kind && state.bannerKind !== kind) return;
  ui.banner.hidden = true;
  state.bannerKind = null;
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
  // Relative, so a proxy's path prefix is kept; it is /ws when the page is at /.
  const url = new URL('ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const socket = (state.socket = new WebSocket(url.href));
  let opened = false;
  socket.onopen = () => {
    opened = true;
    setStatus('live');
    hideBanner('connection');
    state.stableTimer = setTimeout(() => { state.attempt = 0; }, STABLE_MS);
    ready();
  };
  socket.onmessage = (event) => handleFrame(event.data);
  socket.onclose = (event) => { // `error` is always followed by `close`
    if (state.socket !== socket) return;
    state.socket = null;
    clearTimers();
    // Once per outage, not on every retry, so a dismissed banner stays dismissed.
    if (opened) {
      const why = event.reason ? `: ${event.reason}` : '';
      showBanner(`Connection lost (code ${event.code}${why}). Showing the last state.`, 'connection');
    } else if (state.attempt === 0) {
      showBanner('Cannot reach the planhost server. Retrying…', 'connection');
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
  const tick = () => {
    const seconds = Math.max(1, Math.ceil((due - Date.now()) / 1000));
    setStatus('reconnecting', `reconnecting in ${seconds}s`);
  };
  tick();
  state.tickTimer = setInterval(tick, 1000);
  state.retryTimer = setTimeout(connect, delay);
}

/** Runs whenever the connection (re)opens or the watched topic changes. */
function ready() {
  if (!isOpen()) return; // onopen calls this again
  if (!state.topic) return loadTopics();
  // With `since`, the server sends only state newer than what is on screen.
  const frame = { type: 'subscribe', topic: state.topic };
  if (state.rev != null) frame.since = state.rev;
  send(frame);
}

/** Switches the page to `topic` (null: the topic list). Pickers call this too. */
function watch(topic) {
  if (state.topic && state.topic !== topic) send({ type: 'unsubscribe', topic: state.topic });
  state.topic = topic;
  state.rev = null;
  showRev();
  ui.topic.textContent = topic || '';
  document.title = topic ? `${topic} · planhost` : 'planhost';
  ui.view.replaceChildren(el('p', 'note', topic ? `Waiting for ${topic}…` : 'Loading topics…'));
  ready();
}

// ---- frames ---------------------------------------------------------------
function handleFrame(text) {
  let frame;
  try { frame = JSON.parse(text); } catch { return showBanner('Got a frame that is not JSON.', 'server'); }
  if (frame.type === 'error') {
    showBanner(frame.topic ? `${frame.topic}: ${frame.message}` : String(frame.message), 'server');
  } else if (frame.type === 'message' && frame.topic === state.topic) {
    // Frames for a topic just left may still arrive; one not newer than what is shown is stale.
    if (state.rev != null && frame.rev <= state.rev) return;
    if (state.rev == null) ui.view.replaceChildren(); // drop the "waiting" note
    render(frame.topic, String(frame.data));
    state.rev = frame.rev;
    showRev();
  }
}

function render(topic, data) {
  if (topic.startsWith('view/')) return morph(ui.view, data); // a rendered view: HTML
  let pre = ui.view.querySelector(':scope > pre.text');
  if (!pre) ui.view.replaceChildren((pre = el('pre', 'text')));
  pre.textContent = data; // plain text: never parsed as HTML
}

// ---- morphing -------------------------------------------------------------
/**
 * Makes `container` hold `html`, reusing the DOM nodes that survive so focus,
 * selection and scroll stay put. Elements with `data-key` are matched by key
 * among their siblings; other nodes by position and tag name.
 */
function morph(container, html) {
  const template = document.createElement('template');
  template.innerHTML = html; // the server's own rendered view: the only innerHTML in this client
  const focused = container.contains(document.activeElement) ? document.activeElement : null;
  let selection = null;
  try { selection = focused && [focused.selectionStart, focused.selectionEnd]; } catch { /* none */ }
  const { scrollX, scrollY } = window;
  const { scrollLeft, scrollTop } = container;
  morphChildren(container, template.content);
  window.scrollTo(scrollX, scrollY);
  container.scrollLeft = scrollLeft;
  container.scrollTop = scrollTop;
  // Moving a focused node blurs it; give focus back if it survived.
  if (focused?.isConnected && document.activeElement !== focused) {
    focused.focus({ preventScroll: true });
    try { if (selection?.[0] != null) focused.setSelectionRange(...selection); } catch { /* not text */ }
  }
}

const keyOf = (node) => (node.nodeType === Node.ELEMENT_NODE ? node.getAttribute('data-key') : null);

function morphChildren(from, to) {
  const wanted = new Set([...to.children].map(keyOf).filter((key) => key != null));
  const byKey = new Map();
  for (const child of from.children) {
    const key = keyOf(child);
    if (key != null && !byKey.has(key)) byKey.set(key, child);
  }
  // Every node before `cursor` is final; unused old nodes are at or after it.
  let cursor = from.firstChild;
  const drop = () => { const gone = cursor; cursor = cursor.nextSibling; gone.remove(); };
  for (const want of [...to.childNodes]) {
    while (cursor && keyOf(cursor) != null && !wanted.has(keyOf(cursor))) drop(); // key gone
    const key = keyOf(want);
    let have = key != null ? byKey.get(key) : cursor && keyOf(cursor) == null ? cursor : null;
    if (key != null) byKey.delete(key); // each old node is reused at most once
    if (have && (have.nodeType !== want.nodeType || have.nodeName !== want.nodeName)) have = null;
    if (!have) {
      from.insertBefore(want, cursor); // a new node, moved out of the template
    } else {
      if (have === cursor) cursor = cursor.nextSibling;
      else from.insertBefore(have, cursor); // a keyed node moved into its new place
      patch(have, want);
    }
  }
  while (cursor) drop();
}

function patch(have, want) {
  if (have.nodeType !== Node.ELEMENT_NODE) {
    if (have.nodeValue !== want.nodeValue) have.nodeValue = want.nodeValue;
    return;
  }
  for (const { name } of [...have.attributes]) if (!want.hasAttribute(name)) have.removeAttribute(name);
  for (const { name, value } of want.attributes) {
    if (have.getAttribute(name) !== value) have.setAttribute(name, value);
  }
  morphChildren(have, want);
}

// ---- topic list -----------------------------------------------------------
async function loadTopics() {
  try {
    const response = await fetch('api/topics', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const topics = await response.json();
    if (!state.topic) renderTopics(topics); // unless the page moved on meanwhile
  } catch (error) {
    showBanner(`Could not load the topic list: ${error.message}`, 'connection');
  }
}

function renderTopics(topics) {
  const list = el('ul', 'topics');
  for (const info of [...topics].sort((a, b) => a.topic.localeCompare(b.topic))) {
    const link = el('a', null, info.topic);
    link.href = `?${new URLSearchParams({ topic: info.topic })}`;
    const rev = info.rev == null ? 'no messages yet' : `rev ${info.rev}`;
    const item = el('li');
    const meta = `${rev} · ${info.subscribers} watching · ${info.delivery}`;
    item.append(link, ' ', el('span', 'meta', meta));
    list.append(item);
  }
  const body = topics.length ? list : el('p', 'note', 'No topics yet.');
  ui.view.replaceChildren(el('h1', null, 'Topics'), body);
}

// ---- start ----------------------------------------------------------------
$('banner-close').addEventListener('click', () => hideBanner());
window.addEventListener('online', () => { if (!state.socket) { state.attempt = 0; connect(); } });
// A socket that is up may still work (a server on the LAN): only an idle wait turns offline.
window.addEventListener('offline', () => {
  if (!state.socket) { clearTimers(); setStatus('offline'); }
});

watch(topicFromUrl());
connect();
