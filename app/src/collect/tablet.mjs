// Heard's tablet client: the young person's pages (the start page and the
// survey) made quick and safe offline. These pages load this script and
// never the staff app: a class of tablets on weak school wifi downloads a
// few KB instead of megabytes. Everything works without it; with it:
//
// - Screens change without page loads, from the `<template>`s of every
//   screen the server put in the page (drawn by the same Rust code as the
//   pages without JavaScript), so the survey goes on with the network down.
// - Answers in progress are kept in the browser's storage: a refresh loses
//   nothing.
// - A finished survey goes into an outbox in storage first, one key each,
//   and leaves it only when Heard has said it stored it (201) or already
//   had it (200). Anything that may pass is retried with backoff; what
//   Heard refuses for good is kept for a worker (see `afterTry`).
// - Kiosk mode, set by a worker opening the survey with `?kiosk`, returns
//   to the welcome screen after "thank you" or a spell with no touch.
// - Read aloud, with the browser's speech synthesis.
//
// The outbox's rules are exported and tested with a fake clock
// (tests/tablet/outbox.test.mjs, run by tests/tablet/main.rs); the rest
// by the browser tests.

const OUTBOX = 'heard.outbox.';
/** Where an earlier Heard kept the whole outbox as one list. */
const OLD_OUTBOX = 'heard.outbox';
const LEASE = 'heard.lease';
const KIOSK = 'heard.kiosk';
const KIOSK_IDLE_SECONDS = 180;
const KIOSK_THANKS_SECONDS = 10;

// --- The outbox's rules: pure, the time is passed in ---

/** Waits between tries, in seconds: the last repeats. */
export const BACKOFF_SECONDS = [1, 2, 4, 8, 15, 30, 60, 120];
/** The longest a `Retry-After` is honoured: a broken header must not park
 * a survey for a week. */
export const MAX_RETRY_AFTER_SECONDS = 3600;
/** How long one tab may send for before another may take over. */
export const LEASE_MS = 30000;

/**
 * What happens to an outbox item after a try at `now` (ms since 1970).
 * `answer` is null when nothing answered (offline, connection failed), else
 * `{status, acknowledged, error, retryAfter}`: `acknowledged` when the body
 * was Heard's own `{"status": "stored" | "already stored"}` (a captive
 * portal's 200 page is not Heard), `error` Heard's error message if any.
 * Returns `{outcome: 'done' | 'retry' | 'refused', item}`.
 */
export function afterTry(item, answer, now) {
  item = { ...item, tries: (item.tries || 0) + 1 };
  if (answer && (answer.status === 200 || answer.status === 201) && answer.acknowledged) {
    return { outcome: 'done', item };
  }
  // Refused in Heard's own words (the round closed beyond its late hours,
  // the code unknown, the survey changed): kept for a worker, never
  // dropped. A proxy's 404 page, with no Heard error, is no refusal.
  if (answer && [400, 404, 409, 410, 422].includes(answer.status) && answer.error) {
    item.refused = answer.error;
    return { outcome: 'refused', item };
  }
  const backoff = BACKOFF_SECONDS[Math.min(item.tries, BACKOFF_SECONDS.length) - 1];
  const asked = Math.min((answer && answer.retryAfter) || 0, MAX_RETRY_AFTER_SECONDS);
  item.due_at = now + Math.max(backoff, asked) * 1000;
  return { outcome: 'retry', item };
}

/** `Retry-After` in seconds: a number of seconds or an HTTP date. */
export function retryAfterSeconds(header, now) {
  if (!header) return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

/** Whether tab `me` may send at `now`, given the lease in storage. */
export function maySend(lease, me, now) {
  return !lease || lease.tab === me || lease.until <= now;
}

/** The refused items ready to try again (a worker pressed Try again). */
export function retryRefused(items) {
  return items.filter((i) => i.refused).map((i) => ({ ...i, refused: null, due_at: 0 }));
}

/** Crockford's base 32: no I, L, O or U. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The receipt code of a submission (`domain::receipt`): the client id's
 * first 48 bits as ten base-32 characters, `1XQ4B-7MZ2K`. */
export function receiptFor(clientId) {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(clientId)) return null;
  const bits = parseInt(clientId.replace(/-/g, '').slice(0, 12), 16);
  let code = '';
  for (let i = 0; i < 10; i++) {
    if (i === 5) code += '-';
    code += ALPHABET[Math.floor(bits / 2 ** (5 * (9 - i))) % 32];
  }
  return code;
}

// --- Storage ---

function load(key) {
  try {
    return JSON.parse(localStorage.getItem(key));
  } catch {
    return null;
  }
}

/** Whether storage took it (it may be full, or blocked). */
function save(key, value) {
  try {
    localStorage.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}

function forget(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    // Nothing to forget.
  }
}

/** A random UUID (v4). `getRandomValues` works on plain-HTTP school
 * networks too, unlike `randomUUID`. */
function newClientId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// --- The outbox ---

/** How long one try may take before it counts as no answer (a captive
 * portal may hold a request open for ever). */
const TRY_MS = 15000;

/** Finished surveys storage would not take (full, or blocked): kept in
 * this page and sent like the rest while it is open. */
const inMemory = new Map();

/** Every waiting survey, oldest first. */
function outbox() {
  const items = [...inMemory.values()];
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      const item = key && key.startsWith(OUTBOX) ? load(key) : null;
      if (item && item.client_id) items.push(item);
    }
  } catch {
    // No storage: what this page holds.
  }
  return items.sort((a, b) => (a.queued_at || 0) - (b.queued_at || 0));
}

/** Puts a finished survey in the outbox; whether storage kept it (if not,
 * this page does). */
function enqueue(item) {
  const key = OUTBOX + item.client_id;
  if (load(key) !== null || (save(key, item) && load(key) !== null)) return true;
  inMemory.set(item.client_id, item);
  return false;
}

/** Puts the outcome of a try where the survey is kept: only this survey's
 * key, and only while it is still there (another tab may have had it
 * stored meanwhile). */
function settle({ outcome, item }) {
  if (inMemory.has(item.client_id)) {
    if (outcome === 'done') inMemory.delete(item.client_id);
    else inMemory.set(item.client_id, item);
    return;
  }
  const key = OUTBOX + item.client_id;
  if (outcome === 'done') forget(key);
  else if (load(key) !== null) save(key, item);
}

const waiting = () => outbox().some((i) => !i.refused);

/** This tab's name for the sending lease. */
const TAB = typeof crypto === 'undefined' ? '' : newClientId();

/** Takes the lease in storage unless another tab holds it. Storage that
 * takes no lease cannot share one: then this tab sends. */
function takeLease() {
  const now = Date.now();
  if (!maySend(load(LEASE), TAB, now)) return false;
  if (!save(LEASE, { tab: TAB, until: now + LEASE_MS })) return true;
  // Two tabs may have written at once: the one whose write stuck sends.
  const lease = load(LEASE);
  return !!lease && lease.tab === TAB;
}

/**
 * Runs `job` while no other tab of this tablet, nor this tab, is sending:
 * they share the outbox, and one sends at a time (Heard stores a survey
 * once however often it comes, so this saves requests, not answers). With
 * the browser's Web Locks where it has them (HTTPS and localhost); on
 * plain HTTP, with a lease in storage, renewed as the job goes on.
 */
let sending = false;
async function exclusively(job) {
  if (sending) return;
  sending = true;
  try {
    // Whether the browser's locks answered (with the lock or without).
    let answered = false;
    if (navigator.locks) {
      try {
        await navigator.locks.request('heard.outbox', { ifAvailable: true }, (lock) => {
          answered = true;
          return lock && job(() => {});
        });
      } catch (error) {
        // Locks refused (a sandboxed page, say): the lease in storage.
        if (answered) throw error;
      }
    }
    if (!answered && takeLease()) {
      try {
        await job(() => save(LEASE, { tab: TAB, until: Date.now() + LEASE_MS }));
      } finally {
        const lease = load(LEASE);
        if (lease && lease.tab === TAB) forget(LEASE);
      }
    }
  } finally {
    sending = false;
  }
}

/** Sends what is due, oldest first; each leaves only on Heard's word. */
function flushOutbox() {
  return exclusively(async (stillSending) => {
    for (const item of outbox()) {
      if (item.refused || item.due_at > Date.now()) continue;
      stillSending();
      settle(await tryToSend(item));
    }
  });
}

/** One try of one survey: what to do with it next (see `afterTry`). */
async function tryToSend(item) {
  const next = afterTry(item, await post(item.body), Date.now());
  if (next.outcome === 'refused') {
    console.warn(`Heard: a finished survey was refused (${next.item.refused}); it stays on this tablet for a worker`);
  }
  return next;
}

async function post(body) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), TRY_MS);
  try {
    const response = await fetch('/api/v1/responses', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: abort.signal,
    });
    let json = null;
    try {
      json = await response.json();
    } catch {
      // Not Heard's JSON: neither an acknowledgement nor a refusal.
    }
    return {
      status: response.status,
      acknowledged: !!json && (json.status === 'stored' || json.status === 'already stored'),
      error: json && typeof json.error === 'string' ? json.error : null,
      retryAfter: retryAfterSeconds(response.headers.get('retry-after'), Date.now()),
    };
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

let looping = false;
/** Ends the loop's wait early (the network is back). */
let wake = () => {};
const nap = (ms) =>
  new Promise((done) => {
    const timer = setTimeout(done, ms);
    wake = () => {
      clearTimeout(timer);
      done();
    };
  });

/** Keeps trying, each item when it is due, while anything may still be
 * sent. Storage is looked at again at least every 5 seconds: another tab
 * may have finished, or the network come back. One loop per page. */
async function startOutbox() {
  if (looping || !waiting()) return;
  looping = true;
  try {
    while (waiting()) {
      await flushOutbox();
      const due = Math.min(...outbox().filter((i) => !i.refused).map((i) => i.due_at || 0));
      await nap(Math.min(5000, Math.max(1000, due - Date.now())));
    }
  } finally {
    looping = false;
  }
}

/** Moves an outbox an earlier Heard kept as one list to a key per survey;
 * the list goes only once every survey in it is kept elsewhere. */
function moveOldOutbox() {
  const items = load(OLD_OUTBOX);
  if (Array.isArray(items)) {
    let all = true;
    for (const item of items) all = enqueue({ ...item, queued_at: item.queued_at || Date.now() }) && all;
    if (all) forget(OLD_OUTBOX);
  }
}

// --- The survey's screens ---

let survey; // {code, token, questions: [[key, takes several]]}
let progress; // {client_id, step, answers: {key: [values]}}, as the server's `Progress`
let screen; // the element the current screen is drawn in
let shown; // what it shows: a step ("0", "1", …), "sending", "sent" or "queued"

const progressKey = () => `heard.progress.${survey.code}`;
const start = () => ({ client_id: newClientId(), step: 0, answers: {}, language: survey && survey.language });
const answered = (values) => (values || []).some((v) => v.trim() !== '');

/** The progress a server-drawn form carries (its hidden fields and the
 * question's inputs): the young person may have pressed a button before
 * this script arrived. */
function progressOf(form) {
  if (!form) return start();
  const data = new FormData(form);
  const answers = {};
  for (const [name, value] of data) {
    if (name.startsWith('a:')) (answers[name.slice(2)] ||= []).push(String(value));
  }
  return { client_id: data.get('client_id') || newClientId(), step: Number(data.get('step')) || 0, answers };
}

/** Draws the screen `name` from its template, with what was answered. */
function show(name) {
  const template = document.querySelector(`template[data-screen="${name}"]`);
  if (!template) return;
  screen.replaceChildren(template.content.cloneNode(true));
  document.title = template.dataset.title;
  shown = name;
  const question = survey.questions[progress.step - 1];
  if (question && name === String(progress.step)) {
    const values = progress.answers[question[0]] || [];
    for (const input of screen.querySelectorAll(`[name="a:${CSS.escape(question[0])}"]`)) {
      if (input.type === 'checkbox' || input.type === 'radio') input.checked = values.includes(input.value);
      else input.value = values[0] || '';
    }
  }
  // The hidden fields the server would have drawn: should this page stop
  // catching a form (a browser that does not say which button was pressed),
  // the form posts and the server takes the same step.
  const onScreen = question && question[0];
  for (const form of screen.querySelectorAll('form')) {
    const fields = [['client_id', progress.client_id], ['step', String(progress.step)]];
    for (const [key, values] of Object.entries(progress.answers)) {
      if (key !== onScreen) values.forEach((v) => fields.push([`a:${key}`, v]));
    }
    form.prepend(...fields.map(([name, value]) => Object.assign(document.createElement('input'), { type: 'hidden', name, value })));
  }
  // "You answered n of m": the server wrote the sentence for every n, in
  // the screen's language (the words around a number change with it).
  const count = screen.querySelector('[data-answered-texts]');
  if (count) {
    const n = survey.questions.filter(([key]) => answered(progress.answers[key])).length;
    count.textContent = JSON.parse(count.dataset.answeredTexts)[n] ?? count.textContent;
    const aloud = screen.querySelector('.read-aloud');
    const says = aloud && aloud.dataset.sayByAnswered ? JSON.parse(aloud.dataset.sayByAnswered) : [];
    if (says[n]) aloud.dataset.say = says[n];
  }
  // Back to the top, and the heading focused so a screen reader says it.
  requestAnimationFrame(() => {
    scrollTo(0, 0);
    const heading = screen.querySelector('h1');
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  });
}

/** A form of the survey was submitted: one step on the device. */
function onSubmit(event) {
  // Without the button pressed, the form posts as without JavaScript.
  if (!screen.contains(event.target) || !event.submitter) return;
  event.preventDefault();
  const nav = event.submitter.value;
  const last = survey.questions.length + 1;
  const question = survey.questions[progress.step - 1];
  const form = document.getElementById('survey-form');
  if (question && form) {
    // What the question's inputs hold now; kept on Back as well.
    const values = new FormData(form).getAll(`a:${question[0]}`).map(String);
    if (answered(values) && nav !== 'skip') progress.answers[question[0]] = values;
    else delete progress.answers[question[0]];
  }
  if (nav === 'send' && progress.step >= last) return send();
  progress.step = {
    start: 1,
    back: Math.max(0, progress.step - 1),
    send: last,
  }[nav] ?? Math.min(progress.step + 1, last);
  save(progressKey(), progress);
  show(String(progress.step));
}

/** The body `POST /api/v1/responses` takes, with the round's open token
 * and the time of finishing, so that it is taken even if it reaches Heard
 * after the round closed (`domain::late`). */
function submission(clientId) {
  const answers = {};
  for (const [key, several] of survey.questions) {
    const values = (progress.answers[key] || []).filter((v) => v.trim() !== '');
    if (values.length) answers[key] = several ? values : values[0];
  }
  return JSON.stringify({
    join_code: survey.code,
    client_id: clientId,
    answers,
    open_token: survey.token,
    finished_at: Math.floor(Date.now() / 1000),
    language: survey.language,
  });
}

/** Sends the finished survey: into the outbox first, then one try of its
 * own (the outbox's loop may be busy with older ones), and "thank you"
 * says where the answers are. While this try is out, the outbox leaves it
 * alone (due after the try's time limit). */
async function send() {
  const clientId = progress.client_id;
  const item = {
    client_id: clientId,
    body: submission(clientId),
    tries: 0,
    due_at: Date.now() + TRY_MS,
    refused: null,
    queued_at: Date.now(),
  };
  const stored = enqueue(item);
  forget(progressKey());
  progress = start();
  show('sending');
  const next = await tryToSend(item);
  settle(next);
  show(next.outcome === 'done' ? 'sent' : !stored ? 'held' : next.outcome === 'retry' ? 'queued' : 'kept');
  const receipt = screen.querySelector('.receipt-code');
  if (receipt) {
    receipt.textContent = receiptFor(clientId);
    receipt.dataset.receipt = receiptFor(clientId);
  }
  startOutbox();
  if (load(KIOSK)) {
    setTimeout(() => {
      if (['sent', 'queued', 'kept', 'held'].includes(shown)) reset();
    }, KIOSK_THANKS_SECONDS * 1000);
  }
}

/** A fresh welcome screen for the next young person: the previous one's
 * answers in progress are forgotten (finished ones wait in the outbox). */
function reset() {
  forget(progressKey());
  progress = start();
  lastTouch = Date.now();
  show('0');
}

// --- Kiosk mode ---

let lastTouch = 0;

/** A worker turns kiosk mode on for this tablet by opening the survey with
 * `?kiosk` (optionally `&idle=SECONDS`), off with `?kiosk=off`. The address
 * is then cleaned so no setting shows in the history. Whether it was such
 * a link. */
function applyKioskLink() {
  const query = new URLSearchParams(location.search);
  if (!query.has('kiosk')) return false;
  if (query.get('kiosk') === 'off') forget(KIOSK);
  else {
    const idle = query.get('idle');
    save(KIOSK, { idle_seconds: /^\d+$/.test(idle || '') ? Number(idle) : KIOSK_IDLE_SECONDS });
  }
  history.replaceState(null, '', location.pathname);
  return true;
}

/** In kiosk mode: back to welcome after the idle time with no touch. */
function watchIdle(seconds) {
  lastTouch = Date.now();
  for (const name of ['pointerdown', 'keydown', 'input']) {
    document.addEventListener(name, () => (lastTouch = Date.now()));
  }
  setInterval(() => {
    if (shown !== '0' && shown !== 'sending' && Date.now() - lastTouch >= seconds * 1000) reset();
  }, 1000);
}

function element(tag, attributes, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  el.append(...children);
  return el;
}

/** Finished surveys Heard refused for good, shown to a worker who opened
 * the kiosk link (never to young people), with a button to try again. */
function showKept() {
  const reasons = outbox().filter((i) => i.refused).map((i) => i.refused);
  const main = document.getElementById('main');
  if (!reasons.length || !main) return;
  const n = reasons.length;
  const panel = element(
    'div',
    { class: 'panel-warning', role: 'alert' },
    element('h2', {}, n === 1 ? '1 finished survey on this tablet could not be sent' : `${n} finished surveys on this tablet could not be sent`),
    element('p', {}, 'They stay on this tablet until they are sent. Heard said:'),
    element('ul', { class: 'list' }, ...reasons.map((r) => element('li', {}, r))),
    element('p', {}, 'If the round has closed, a worker can accept late surveys for longer (heard round late), then try again.'),
    element('button', { type: 'button', class: 'button button-secondary' }, 'Try sending them again'),
  );
  panel.querySelector('button').addEventListener('click', () => {
    retryRefused(outbox()).forEach((item) => save(OUTBOX + item.client_id, item));
    panel.remove();
    startOutbox();
  });
  main.prepend(panel);
}

// --- Read aloud ---

/** Reads the button's text in the language of the screen it is on: the
 * browser picks a voice by `lang`. A tablet with no voice for it would read
 * with the wrong sounds, so it says so plainly instead (`.no-voice`). An
 * empty voice list means the browser has not loaded them yet, not that
 * there are none. */
function speak(button) {
  const lang = (button.closest('[lang]') || document.documentElement).lang || 'en-GB';
  const primary = (l) => l.toLowerCase().replace('_', '-').split('-')[0];
  const voices = speechSynthesis.getVoices();
  const noVoice = voices.length > 0 && !voices.some((v) => primary(v.lang) === primary(lang));
  const notice = button.nextElementSibling;
  if (notice && notice.classList.contains('no-voice')) notice.hidden = !noVoice;
  if (noVoice) return;
  const utterance = new SpeechSynthesisUtterance(button.dataset.say);
  utterance.lang = lang;
  utterance.rate = 0.9;
  speechSynthesis.cancel();
  speechSynthesis.speak(utterance);
}

// --- Taking over the page ---

function takeOver() {
  const root = document.documentElement;
  if ('speechSynthesis' in window) root.setAttribute('data-speech', '');
  document.addEventListener('click', (event) => {
    const target = event.target.closest ? event.target : event.target.parentElement;
    const button = target && target.closest('.read-aloud');
    if (button) speak(button);
    // "Finish": the next young person starts here, with no page load, so a
    // tablet that is offline stays on the survey.
    if (screen && target && target.closest('[data-finish]')) {
      event.preventDefault();
      reset();
    }
  });
  moveOldOutbox();
  const kioskLink = applyKioskLink();
  screen = document.getElementById('survey-screen');
  if (screen) {
    survey = JSON.parse(screen.dataset.survey);
    progress = progressOf(document.getElementById('survey-form'));
    shown = screen.dataset.stage === 'answering' || screen.dataset.stage === 'problem' ? String(progress.step) : screen.dataset.stage;
    const saved = load(progressKey());
    progress.language = survey.language;
    // Answers begun in another language are not picked up: their choices
    // are that language's words, which this page's screens do not show.
    const sameLanguage = saved && (saved.language === undefined || saved.language === survey.language);
    if (screen.dataset.stage === 'answering' && progress.step === 0 && saved && saved.client_id && sameLanguage) {
      progress = saved;
      show(String(progress.step));
    }
    document.addEventListener('submit', onSubmit);
    const kiosk = load(KIOSK);
    if (kiosk) watchIdle(kiosk.idle_seconds);
  }
  if (kioskLink) showKept();
  // The network is back: what waits is due at once, not after its backoff.
  addEventListener('online', () => {
    outbox()
      .filter((i) => !i.refused)
      .forEach((item) => settle({ outcome: 'retry', item: { ...item, due_at: 0 } }));
    wake();
    startOutbox();
  });
  startOutbox();
  root.setAttribute('data-live', '');
  // When the page came alive, for anyone timing it (scripts/bench-tablet).
  performance.mark('heard-live');
}

if (typeof document !== 'undefined') takeOver();
