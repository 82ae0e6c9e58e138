// The tablet client's outbox rules, through the module's exports, on a
// fake clock (never by waiting). Run by `node --test`, which
// tests/tablet/main.rs calls from the test command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  afterTry,
  maySend,
  receiptFor,
  retryAfterSeconds,
  retryRefused,
} from '../../app/src/collect/tablet.mjs';

const item = () => ({
  client_id: '6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11',
  body: '{}',
  tries: 0,
  due_at: 0,
  refused: null,
  queued_at: 0,
});
const refusal = (status) => ({ status, acknowledged: false, error: `refused with ${status}`, retryAfter: null });
const retried = (next) => {
  assert.equal(next.outcome, 'retry', JSON.stringify(next));
  return next.item;
};

test("only Heard's own acknowledgement takes a survey out", () => {
  for (const status of [200, 201]) {
    assert.equal(afterTry(item(), { status, acknowledged: true, error: null, retryAfter: null }, 0).outcome, 'done');
  }
  // A captive portal's or proxy's own 200 page is not Heard.
  retried(afterTry(item(), refusal(200), 0));
  // Nor is its 404 or 410 without Heard's error: tried again.
  for (const status of [404, 410]) {
    retried(afterTry(item(), { status, acknowledged: false, error: null, retryAfter: null }, 0));
  }
});

test('what may pass is tried again with backoff on a fake clock', () => {
  let clock = 1_000_000;
  let waiting = item();
  const waits = [];
  for (const answer of [null, refusal(408), refusal(413), refusal(429), refusal(500), refusal(502), refusal(503), null, null]) {
    waiting = retried(afterTry(waiting, answer, clock));
    assert.ok(waiting.due_at > clock, 'not due at once');
    waits.push((waiting.due_at - clock) / 1000);
    clock = waiting.due_at;
  }
  assert.deepEqual(waits, [1, 2, 4, 8, 15, 30, 60, 120, 120]);
  assert.equal(waiting.tries, 9);
});

test('Retry-After is honoured up to an hour, in seconds or as a date', () => {
  const throttled = (retryAfter) => ({ status: 429, acknowledged: false, error: 'busy', retryAfter });
  assert.equal(retried(afterTry(item(), throttled(90), 0)).due_at, 90_000);
  // Never sooner than the backoff, never later than an hour.
  assert.equal(retried(afterTry(item(), throttled(0), 0)).due_at, 1_000);
  assert.equal(retried(afterTry(item(), throttled(999_999), 0)).due_at, 3_600_000);
  const now = Date.parse('2026-11-30T12:00:00Z');
  assert.equal(retryAfterSeconds('120', now), 120);
  assert.equal(retryAfterSeconds('Mon, 30 Nov 2026 12:02:00 GMT', now), 120);
  assert.equal(retryAfterSeconds('soon', now), null);
  assert.equal(retryAfterSeconds(null, now), null);
});

test('what Heard refuses for good is kept for a worker with why', () => {
  for (const status of [400, 404, 409, 410, 422]) {
    const next = afterTry(item(), refusal(status), 0);
    assert.equal(next.outcome, 'refused', `${status} must be kept for a worker`);
    assert.equal(next.item.refused, `refused with ${status}`);
    const [again] = retryRefused([next.item, item()]);
    assert.equal(again.refused, null, "a worker's Try again sends it");
    assert.equal(again.due_at, 0);
  }
});

test('one tab sends at a time', () => {
  const lease = { tab: 'a', until: 100 };
  assert.ok(maySend(null, 'b', 50));
  assert.ok(maySend(lease, 'a', 50));
  assert.ok(!maySend(lease, 'b', 50));
  assert.ok(maySend(lease, 'b', 100), 'an abandoned lease expires');
});

test("the receipt code is the server's (domain::receipt)", () => {
  assert.equal(receiptFor('6f1c2a55-54b8-4a52-9d0c-8d0f6f4e2c11'), '3F3GN-5AN5R');
  assert.equal(receiptFor('6F1C2A55-54B8-4A52-9D0C-8D0F6F4E2C11'), '3F3GN-5AN5R');
  assert.equal(receiptFor('ffffffff-ffff-4fff-bfff-ffffffffffff'), '7ZZZZ-ZZZZZ');
  assert.equal(receiptFor('not-a-uuid'), null);
});
