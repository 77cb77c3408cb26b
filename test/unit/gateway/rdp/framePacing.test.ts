import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePacer, inFlightForFps, serverFpsFor } from '../../../../electron/gateway/bridges/rdp/framePacing';

test('the server\u2019s rule, in its integer arithmetic: 32 \u00f7 (in flight + 1)', () => {
  assert.deepEqual([2, 3, 4, 5, 7, 15, 31, 40].map((n) => serverFpsFor(n)), [10, 8, 6, 5, 3, 1, 1, 1]);
  assert.equal(inFlightForFps(6.7), 4);
  assert.equal(inFlightForFps(2.2), 10);
  assert.equal(inFlightForFps(100), 2);
});

/**
 * freerdp-shadow's pacing against a client that needs `costMs` per frame, in
 * simulated time: the server captures at its rate (set by its rule at every
 * frame from the last acknowledgement it was told), each frame begins towards
 * the client 5 ms later, the client draws frames in order and acknowledges
 * each through `ack`. Returns the steady state after 10 s: frames/s drawn and
 * the median age of a frame when drawn.
 */
function simulate(costMs: number, ack: (pacer: FramePacer, id: number, now: number) => number, server: 'shadow' | 'window' = 'shadow', firstCostMs = costMs) {
  const pacer = new FramePacer();
  let fps = 16;
  let frameId = 0;
  let told = 0;
  let nextCapture = 0;
  let clientFreeAt = 0;
  const queue: { id: number; capturedAt: number; arrives: number }[] = [];
  const drawn: { at: number; age: number }[] = [];
  const events: { at: number; run: () => void }[] = [];
  const schedule = (at: number, run: () => void) => events.push({ at, run });
  const capture = (now: number) => {
    // In 32 bits, read as a signed int, as shadow does (an id told from below frame 1 wraps).
    const inFlight = (frameId - told) | 0;
    if (server === 'window' && inFlight >= 2) {
      // A server that keeps a window of two frames: it waits for an acknowledgement (checks again in 5 ms).
      nextCapture = now + 5;
      schedule(nextCapture, () => capture(nextCapture));
      return;
    }
    fps = server === 'window' ? 30 : inFlight > 1 ? serverFpsFor(inFlight) : Math.min(32, fps + 2);
    const id = ++frameId;
    schedule(now + 5, () => {
      pacer.frameBegun(id, now + 5);
      arm(now + 5);
      queue.push({ id, capturedAt: now, arrives: now + 5 });
    });
    nextCapture = now + 1000 / fps;
    schedule(nextCapture, () => capture(nextCapture));
  };
  schedule(0, () => capture(0));
  // The endpoint's pacing tick (an acknowledgement of the gateway's own when one is due), armed as
  // the endpoint arms it: after a frame begins or is acknowledged, only while one may come due.
  let armed = false;
  const tick = (now: number) => {
    const due = pacer.dueAt(now);
    if (due !== null) {
      pacer.sent(now);
      schedule(now + 1, () => {
        told = due;
      });
    }
    if (pacer.mayBeDue) schedule(now + 20, () => tick(now + 20));
    else armed = false;
  };
  const arm = (now: number) => {
    if (ack !== paced || armed || !pacer.mayBeDue) return;
    armed = true;
    schedule(now + 20, () => tick(now + 20));
  };
  for (let now = 0; now < 30_000; ) {
    events.sort((a, b) => a.at - b.at);
    const next = events[0]!;
    // The client takes the next frame as soon as it is free and one has arrived.
    const frame = queue[0];
    const start = frame ? Math.max(clientFreeAt, frame.arrives) : Infinity;
    const cost = drawn.length === 0 ? firstCostMs : costMs;
    if (frame && start + cost <= next.at) {
      queue.shift();
      now = clientFreeAt = start + cost;
      drawn.push({ at: now, age: now - frame.capturedAt });
      const id = frame.id;
      const at = now;
      schedule(at + 1, () => {
        told = ack(pacer, id, at);
        arm(at + 1);
      });
      continue;
    }
    events.shift();
    now = next.at;
    next.run();
  }
  const steady = drawn.filter((d) => d.at > 10_000);
  const ages = steady.map((d) => d.age).sort((a, b) => a - b);
  // As the bench reads it: from 1 s after the first picture, for 5 s.
  const first = drawn[0]!.at;
  const early = drawn.filter((d) => d.at >= first + 1000 && d.at < first + 6000).map((d) => d.age).sort((a, b) => a - b);
  return {
    fps: steady.length / 20,
    medianAge: ages[Math.floor(ages.length / 2)]!,
    rewritten: pacer.stats.rewritten,
    stopped: pacer.stats.stopped,
    afterConnect: { fps: early.length / 5, medianAge: early[Math.floor(early.length / 2)]!, p95Age: early[Math.ceil(0.95 * early.length) - 1]!, freshAfter: Math.round((drawn.find((d) => d.age <= 2 * costMs + 50)?.at ?? Infinity) - first) },
  };
}

function asWritten(_: FramePacer, id: number): number {
  return id;
}
function paced(pacer: FramePacer, id: number, now: number): number {
  return pacer.acknowledged(id, now);
}

test('a client slower than the server: frames no longer wait in front of it, at about the same rate', (t) => {
  for (const cost of [150, 450]) {
    const before = simulate(cost, asWritten);
    const after = simulate(cost, paced);
    t.diagnostic(`${cost} ms a frame: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
    // Without pacing the server keeps about four (150 ms) or more frames in flight: each picture is that many frames old.
    assert.ok(before.medianAge > 3 * cost, `before ${JSON.stringify(before)}`);
    assert.ok(after.medianAge < 2 * cost, `after ${JSON.stringify(after)} (before ${JSON.stringify(before)})`);
    assert.ok(after.fps > 0.75 * before.fps, `after ${JSON.stringify(after)} (before ${JSON.stringify(before)})`);
  }
});

test('a client that keeps up is left alone: every acknowledgement as written', () => {
  const run = simulate(20, paced);
  assert.equal(run.rewritten, 0);
  assert.deepEqual(run, { ...simulate(20, asWritten), rewritten: 0, stopped: false });
});

test('told an older frame and no frame followed: the truth is owed after a frame interval and a half, and a new frame cancels it', () => {
  const pacer = new FramePacer();
  // The server begins a frame every 100 ms; the client needs 400 ms for each.
  pacer.frameBegun(1, 0);
  pacer.frameBegun(2, 100);
  pacer.frameBegun(3, 200);
  // What the server counts in flight from frame 3 when told `id` (32-bit, as it subtracts).
  const counted = (id: number) => (3 - id) >>> 0;
  assert.ok(counted(pacer.acknowledged(1, 400)) > 3, 'two frames waiting: told an id from before frame 1');
  assert.ok(counted(pacer.acknowledged(2, 800)) > 3);
  assert.equal(pacer.dueAt(2000), null, 'frame 3 is on its way: nothing owed');
  const told = counted(pacer.acknowledged(3, 1200));
  assert.ok(told > 0 && told <= 64, 'caught up but slow: still an older frame');
  assert.equal(pacer.mayBeDue, true, 'the truth may come due');
  assert.equal(pacer.dueAt(1200 + 140), null, 'within 1.5 of the server\u2019s frame intervals');
  assert.equal(pacer.dueAt(1200 + 160), 3, 'then the truth');
  pacer.frameBegun(4, 1300);
  assert.equal(pacer.mayBeDue, false);
  assert.equal(pacer.dueAt(5000), null, 'a new frame began: its acknowledgement will come');
});

test('a server that waits for acknowledgements (a window of frames): not left waiting, and pacing stops for it', (t) => {
  const before = simulate(450, asWritten, 'window');
  const after = simulate(450, paced, 'window');
  t.diagnostic(`window server: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  assert.equal(after.stopped, true);
  assert.ok(after.fps > 0.9 * before.fps, `after ${JSON.stringify(after)} (before ${JSON.stringify(before)})`);
  assert.ok(after.medianAge < 1.1 * before.medianAge, `after ${JSON.stringify(after)} (before ${JSON.stringify(before)})`);
  // freerdp-shadow never waits: pacing goes on.
  assert.equal(simulate(450, paced).stopped, false);
});

test('while the client is on its first frame: the server is told an id from before it, more frames in flight as time passes; not to a fast client, nor to a server that waits', () => {
  const pacer = new FramePacer();
  pacer.frameBegun(1, 0);
  assert.equal(pacer.dueAt(200), null, 'one frame sent: the server may be waiting for it');
  assert.equal(pacer.mayBeDue, false, 'the endpoint need not ask');
  pacer.frameBegun(2, 50);
  assert.equal(pacer.mayBeDue, true);
  assert.equal(pacer.dueAt(60), null, 'within 1/16 s: a client that keeps up');
  const first = pacer.dueAt(150);
  assert.ok(first !== null);
  const inFlight = (2 - first) >>> 0;
  // 150 ms on the first frame (6.7 frames/s) and one frame behind it: 4 + 2.
  assert.equal(inFlight, 6);
  pacer.sent(150);
  assert.equal(pacer.dueAt(160), null, 'told already');
  pacer.frameBegun(3, 300);
  const later = pacer.dueAt(600);
  // 600 ms (1.7 frames/s) and two behind: more than the server's floor of 1 frame/s needs, so that many.
  assert.equal(later === null ? null : (3 - later) >>> 0, inFlightForFps(1), 'more in flight as the first frame takes longer, up to the floor');
  pacer.sent(600);
  assert.equal(pacer.stats.earlySent, 2);
  assert.equal(pacer.mayBeDue, false, 'the floor is told: nothing more can come due');
  assert.equal(pacer.dueAt(5000), null, 'nothing more to tell');
  pacer.acknowledged(1, 5100);
  pacer.frameBegun(4, 5200);
  assert.equal(pacer.dueAt(9000), null, 'the client acknowledged: acknowledged() paces from here');
});

test('frame ids wrap: an id from before frame 1, or across 2\u00b3\u00b2, still counts a few frames in flight as the server subtracts', () => {
  const pacer = new FramePacer();
  pacer.frameBegun(1, 0);
  pacer.acknowledged(1, 500);
  pacer.frameBegun(2, 500);
  pacer.frameBegun(3, 501);
  const told = pacer.acknowledged(2, 1000);
  assert.ok(told > 0xfffffff0, `told ${told}`);
  const inFlight = (3 - told) >>> 0;
  assert.ok(inFlight > 3 && inFlight <= 64, `in flight ${inFlight}`);
  const wrapping = new FramePacer();
  wrapping.frameBegun(0xfffffffe, 0);
  wrapping.acknowledged(0xfffffffe, 500);
  wrapping.frameBegun(0xffffffff, 500);
  wrapping.frameBegun(0, 501);
  wrapping.frameBegun(1, 502);
  const wrapped = wrapping.acknowledged(0xffffffff, 1000);
  const counted = (1 - wrapped) >>> 0;
  assert.ok(counted > 2 && counted <= 64, `told ${wrapped}, in flight ${counted}`);
});

test('a client slower than the server\u2019s floor of 1 frame/s: the server is held at the floor, and averaging works again once the client is faster', () => {
  const pacer = new FramePacer();
  let now = 0;
  // The client takes 1.5 s a frame, with the next frame always on its way: the rule can go no lower than 1 frame/s.
  const told: number[] = [];
  pacer.frameBegun(100, now);
  for (let id = 100; id < 110; id++) {
    pacer.frameBegun(id + 1, (now += 100));
    now += 1500;
    told.push(serverFpsFor(id + 1 - pacer.acknowledged(id, now)));
  }
  assert.deepEqual(told.slice(2), Array(8).fill(1));
  // Then it speeds up to 300 ms a frame (3.3 frames/s): the server is told 3 or 4 frames/s, in turn.
  const rates: number[] = [];
  for (let id = 110; id < 150; id++) {
    pacer.frameBegun(id + 1, (now += 100));
    now += 200;
    rates.push(serverFpsFor(id + 1 - pacer.acknowledged(id, now)));
  }
  assert.deepEqual([...new Set(rates.slice(20))].sort(), [3, 4]);
});

test('after connecting, with a first picture slower than the rest: the frames sent meanwhile drain soon, and a fast client is not slowed', (t) => {
  const runs = ([[150, 400], [450, 2000], [20, 300], [30, 120]] as const).map(([cost, first]) => {
    const before = simulate(cost, asWritten, 'shadow', first);
    const after = simulate(cost, paced, 'shadow', first);
    t.diagnostic(`${cost} ms a frame, the first ${first} ms, the 5 s from 1 s after the first picture: ${JSON.stringify(before.afterConnect)} -> ${JSON.stringify(after.afterConnect)}`);
    return { before: before.afterConnect, after: after.afterConnect };
  });
  const [slow, slowest, fast, fastest] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
  // A slow client: fresh pictures within a second; the slowest, a median age of a third.
  assert.ok(slow.after.freshAfter < 1000 && slow.after.p95Age < 2 * 150, JSON.stringify(slow));
  assert.ok(slowest.after.medianAge < slowest.before.medianAge / 3, JSON.stringify(slowest));
  for (const run of [fast, fastest]) assert.ok(run.after.fps >= 0.95 * run.before.fps && run.after.medianAge <= run.before.medianAge, JSON.stringify(run));
});
