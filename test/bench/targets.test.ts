import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verdicts, verdictText, type TargetRow } from './targets';

const INTERVAL = 1000 / 60;

/** A row with frames/s and p95 medians and their [min, max] over the runs. */
function row(client: string, protocol: string, fps: [number, number, number], p95: [number, number, number], extra: Partial<TargetRow> = {}): TargetRow {
  return {
    size: '1024x768',
    scenario: 'full',
    protocol,
    client,
    ours: client.startsWith('ours'),
    ...(['vncviewer', 'xfreerdp', 'xfreerdp-rfx'].includes(client) ? { native: true } : {}),
    median: { framesPerSecond: fps[0], p95: p95[0] },
    spread: { framesPerSecond: [fps[1], fps[2]], p95: [p95[1], p95[2]] },
    ...extra,
  };
}

// Figures shaped like the 2026-12-02 21:58 reading at 1024x768 full screen.
const rows: TargetRow[] = [
  row('ours-vnc', 'vnc', [50.0, 48.4, 51.6], [49, 46, 52]),
  row('novnc-1.7', 'vnc', [43.0, 41.6, 44.0], [90, 85, 95]),
  row('novnc-1.3', 'vnc', [42.0, 42.0, 42.4], [87, 80, 90]),
  row('vncviewer', 'vnc', [54.4, 53.0, 56.8], [30, 28, 33]),
  row('ours-rdp', 'rdp', [18.6, 18.2, 19.4], [119, 110, 125]),
  row('xfreerdp', 'rdp', [16.2, 16.0, 16.2], [43, 40, 45]),
  row('xfreerdp-rfx', 'rdp', [22.0, 21.4, 24.0], [97, 95, 99]),
];

test('each of our rows is judged against the shipped noVNC page, every native client of its protocol, and vncviewer at full screen', () => {
  const list = verdicts(rows, INTERVAL);
  const key = (v: (typeof list)[number]) => `${v.target} ${v.client} ${v.peer}`;
  assert.deepEqual(list.map(key).sort(), [
    'full-screen-vs-vncviewer ours-vnc vncviewer',
    'latency-vs-native ours-rdp xfreerdp',
    'latency-vs-native ours-rdp xfreerdp-rfx',
    'latency-vs-native ours-vnc vncviewer',
    'vnc-frames-vs-novnc ours-vnc novnc-1.7',
  ]);
  const byKey = new Map(list.map((v) => [key(v), v]));

  const page = byKey.get('vnc-frames-vs-novnc ours-vnc novnc-1.7')!;
  assert.equal(page.met, true);
  assert.ok(Math.abs(page.ratio! - 50 / 43) < 1e-9);

  // 49 against 30 + 16.7: 2 ms over, but ours' runs (46–52) reach below the limit's (44.7–49.7).
  const viewer = byKey.get('latency-vs-native ours-vnc vncviewer')!;
  assert.equal(viewer.met, false);
  assert.ok(Math.abs(viewer.limit - (30 + INTERVAL)) < 1e-9);
  assert.equal(viewer.runsOverlap, true);

  // RDP against NSCodec's xfreerdp: far over, the runs apart.
  const nsc = byKey.get('latency-vs-native ours-rdp xfreerdp')!;
  assert.equal(nsc.met, false);
  assert.equal(nsc.runsOverlap, false);

  const goal = byKey.get('full-screen-vs-vncviewer ours-vnc vncviewer')!;
  assert.equal(goal.met, true);
  assert.ok(Math.abs(goal.limit - 0.8 * 54.4) < 1e-9);
});

test('a frames/s target missed with the runs apart is not called within the spread', () => {
  const slow = [row('ours-vnc', 'vnc', [30, 29, 31], [40, 39, 41]), row('novnc-1.7', 'vnc', [43, 42, 44], [90, 85, 95])];
  const [page] = verdicts(slow, INTERVAL);
  assert.equal(page!.met, false);
  assert.equal(page!.runsOverlap, false);
  // Ours' best run (41) reaches 0.95 × the page's worst (0.95 × 42 = 39.9): within the spread.
  const close = [row('ours-vnc', 'vnc', [39, 38, 41], [40, 39, 41]), row('novnc-1.7', 'vnc', [43, 42, 44], [90, 85, 95])];
  const [near] = verdicts(close, INTERVAL);
  assert.equal(near!.met, false);
  assert.equal(near!.runsOverlap, true);
});

test('earlier builds (--compare), rows without figures and other sizes are left out', () => {
  const list = verdicts(
    [
      row('ours-vnc', 'vnc', [50, 49, 51], [49, 46, 52]),
      row('ours-vnc@HEAD~1', 'vnc', [40, 39, 41], [60, 55, 65], { baselineOf: 'ours-vnc' }),
      { ...row('vncviewer', 'vnc', [54, 53, 55], [30, 28, 33]), median: undefined },
      row('novnc-1.7', 'vnc', [43, 42, 44], [90, 85, 95], { size: '1920x1080' }),
    ],
    INTERVAL,
  );
  assert.deepEqual(list, []);
});

test('the text says each verdict and counts them per peer', () => {
  const text = verdictText(verdicts(rows, INTERVAL), INTERVAL);
  assert.match(text, /Latency p95 ≤ the native client's p95 \+ one frame interval \(16\.7 ms\):/);
  assert.match(text, /1024x768 full ours-vnc: p95 49 ms against at most 46\.7 \(vncviewer\): NOT met, 2 ms over \(runs overlap\)/);
  assert.match(text, /1024x768 full ours-vnc: 1\.16 × novnc-1\.7 \(50\.0 frames\/s against at least 40\.9\): met/);
  assert.match(text, /→ 0 of 1 met against vncviewer, 1 more within the runs' spread; 0 of 1 met against xfreerdp; 0 of 1 met against xfreerdp-rfx, 1 more within the runs' spread/);
});

test('a verdict missed by less than its figures show prints enough digits to say by how much', () => {
  // Shaped like the 2026-12-03 13:16 reading at 1920x1080: 92 frames in 5.001 s against 0.8 × 23.0,
  // and a p95 of 41 ms against vncviewer's 23.9 + 16.7.
  const close: TargetRow[] = [
    row('ours-vnc', 'vnc', [92 / 5.001, 17.4, 18.6], [41, 38, 44], { size: '1920x1080' }),
    row('vncviewer', 'vnc', [23.0, 23.0, 23.2], [23.9, 22, 25], { size: '1920x1080' }),
  ];
  const text = verdictText(verdicts(close, INTERVAL), INTERVAL);
  assert.match(text, /1920x1080 full ours-vnc: 0\.80 × vncviewer \(18\.396 frames\/s against at least 18\.400\): NOT met, 0\.004 frames\/s short \(runs overlap\)/);
  assert.match(text, /1920x1080 full ours-vnc: p95 41\.0 ms against at most 40\.6 \(vncviewer\): NOT met, 0\.4 ms over \(runs overlap\)/);
});

test('a figure equal to its limit meets it, whatever the floating-point error of the limit', () => {
  // 0.8 × 23.0 is 18.400000000000002 in floating point; 92 frames in 5 s are 18.4.
  const equal: TargetRow[] = [
    row('ours-vnc', 'vnc', [92 / 5, 17.4, 18.6], [40.4 + 0.3, 38, 44], { size: '1920x1080' }),
    row('vncviewer', 'vnc', [23.0, 23.0, 23.2], [0.3 + 40.4 - INTERVAL, 22, 25], { size: '1920x1080' }),
  ];
  const list = verdicts(equal, INTERVAL);
  assert.deepEqual(list.map((v) => [v.target, v.met]), [['latency-vs-native', true], ['full-screen-vs-vncviewer', true]]);
});
