'use strict';
// Node peer for tests/benches/fanout.rs: planhost's publish/subscribe protocol on `ws`.
// Env: PORT (0 = any free port), TOKEN (bearer token for POST /api/publish/:topic).
const http = require('node:http');
const { WebSocketServer } = require('ws');

const token = process.env.TOKEN || '';
const topics = new Map(); // name -> { rev, current: Buffer | null, subscribers: Set<WebSocket> }
let lastRev = Date.now() * 1000;
const topicNamed = (name) => topics.get(name) || topics.set(name, { rev: null, current: null, subscribers: new Set() }).get(name);
const reply = (res, status, value) => {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
};

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/api/topics') {
    return reply(res, 200, [...topics].map(([topic, t]) => ({ topic, rev: t.rev, subscribers: t.subscribers.size, delivery: 'every' })));
  }
  if (req.method !== 'POST' || !req.url.startsWith('/api/publish/')) return reply(res, 404, { error: 'not found' });
  if (req.headers.authorization !== `Bearer ${token}`) return reply(res, 401, { error: 'missing or wrong token' });
  const name = decodeURIComponent(req.url.slice('/api/publish/'.length));
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk)).on('end', () => {
    const t = topicNamed(name);
    t.rev = ++lastRev;
    // Serialised once: every subscriber is sent the same Buffer as a text frame.
    t.current = Buffer.from(JSON.stringify({ type: 'message', topic: name, rev: t.rev, data: Buffer.concat(chunks).toString('utf8') }));
    for (const ws of t.subscribers) ws.send(t.current, { binary: false });
    reply(res, 200, { topic: name, rev: t.rev, subscribers: t.subscribers.size });
  });
});

new WebSocketServer({ server, path: '/ws' }).on('connection', (ws) => {
  const mine = new Set();
  ws.on('close', () => mine.forEach((name) => topics.get(name)?.subscribers.delete(ws)));
  ws.on('message', (raw) => {
    let frame = null;
    try { frame = JSON.parse(raw); } catch {}
    if (typeof frame?.topic !== 'string' || !frame.topic) return ws.send('{"type":"error","message":"invalid frame"}');
    const t = topicNamed(frame.topic);
    if (frame.type === 'unsubscribe') return mine.delete(frame.topic) && t.subscribers.delete(ws);
    if (frame.type !== 'subscribe' || mine.has(frame.topic)) return;
    mine.add(frame.topic);
    t.subscribers.add(ws);
    if (t.current && !(frame.since >= t.rev)) ws.send(t.current, { binary: false });
  });
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => console.log(`node-ws listening on http://127.0.0.1:${server.address().port}`));
