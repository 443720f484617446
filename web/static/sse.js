// The alert stream (/v1/alerts/stream, Server-Sent Events) read with
// fetch rather than EventSource, which cannot send a bearer token. It
// resumes after the last event id it saw, so a reconnect loses and
// repeats nothing, and reconnects with a growing pause (1 s to 30 s).

import {authHeaders} from './api.js';

// streamAlerts calls onAlert(alert) for each alert after seq `after` (-1:
// from now) and onStatus(state, detail) as the connection changes:
// "live", "reconnecting", "unauthorized". It runs until signal aborts.
export function streamAlerts({after, onAlert, onStatus, signal}) {
  let last = after;
  let pause = 1000;
  const sleep = (ms) => new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, {once: true});
  });
  (async () => {
    while (!signal.aborted) {
      try {
        const headers = authHeaders();
        if (last >= 0) headers['Last-Event-ID'] = String(last);
        const res = await fetch('/v1/alerts/stream', {headers, signal, cache: 'no-store'});
        if (res.status === 401) {
          onStatus('unauthorized');
          return;
        }
        if (!res.ok) throw new Error(`alert stream: HTTP ${res.status}`);
        onStatus('live');
        pause = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const {value, done} = await reader.read();
          if (done) break;
          buf += value.replace(/\r\n?/g, '\n');
          let cut;
          while ((cut = buf.indexOf('\n\n')) >= 0) {
            const ev = parseEvent(buf.slice(0, cut));
            buf = buf.slice(cut + 2);
            if (ev.event === 'disconnect') {
              try {
                const d = JSON.parse(ev.data);
                if (Number.isSafeInteger(d.last_event_id) && d.last_event_id > last) last = d.last_event_id;
              } catch {
                // keep the last id seen
              }
            } else if (ev.data) {
              if (ev.id !== '') last = Number(ev.id);
              onAlert(JSON.parse(ev.data));
            }
          }
        }
      } catch (e) {
        if (signal.aborted) return;
      }
      onStatus('reconnecting');
      await sleep(pause);
      pause = Math.min(pause * 2, 30000);
    }
  })();
}

// parseEvent reads one SSE event block: its id, event name and data
// lines; comments (": heartbeat") and retry lines are skipped.
function parseEvent(block) {
  const ev = {id: '', event: 'message', data: ''};
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'id') ev.id = value;
    else if (field === 'event') ev.event = value;
    else if (field === 'data') data.push(value);
  }
  ev.data = data.join('\n');
  return ev;
}
