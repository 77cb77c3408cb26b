// The library's sort saved one request at a time, the last choice last (renderer/app/latestOnly.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { latestOnly } from '../../../renderer/app/latestOnly';

/** A send whose requests the test answers, in the order it likes. */
function scriptedSend() {
  const requests: { value: string; answer: () => void; fail: (error: Error) => void }[] = [];
  const send = (value: string) =>
    new Promise<void>((resolve, reject) => {
      requests.push({ value, answer: resolve, fail: reject });
    });
  return { requests, send };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('changes made while one is on its way wait, and only the newest of them is sent after it', async () => {
  const { requests, send } = scriptedSend();
  const errors: unknown[] = [];
  const save = latestOnly(send, (error) => errors.push(error));
  save('host');
  save('recent');
  save('name');
  save('recent');
  assert.deepEqual(requests.map((r) => r.value), ['host'], 'one request at a time');
  requests[0]!.answer();
  await settle();
  assert.deepEqual(requests.map((r) => r.value), ['host', 'recent'], 'the last choice, not every one in between');
  requests[1]!.answer();
  await settle();
  assert.equal(requests.length, 2);
  save('host');
  assert.deepEqual(requests.map((r) => r.value), ['host', 'recent', 'host'], 'idle again: sent at once');
  assert.deepEqual(errors, []);
});

test('a failed request is reported, and the waiting change is still sent', async () => {
  const { requests, send } = scriptedSend();
  const errors: unknown[] = [];
  const save = latestOnly(send, (error) => errors.push(error));
  save('host');
  save('recent');
  requests[0]!.fail(new Error('read-only data folder'));
  await settle();
  assert.deepEqual(errors.map((e) => (e as Error).message), ['read-only data folder']);
  assert.deepEqual(requests.map((r) => r.value), ['host', 'recent']);
});
