// The issue's targets, judged from one bench run's own rows (same run, same machine):
//   - our VNC frames/s at least 0.95 × the page of the noVNC version we ship (novnc-1.7);
//   - our latency p95 no worse than a native client's p95 plus one frame interval;
//   - the product goal: full-screen VNC at 0.8 × vncviewer's frames/s.
// Each verdict is a ratio (or difference) of medians over the runs; when it is not met
// but the runs' min–max ranges still overlap, it says so, since then the runs cannot
// tell the two apart.

/** What the verdicts read of a bench row (run.ts's CaseResult has these). */
export interface TargetRow {
  size: string;
  scenario: string;
  protocol: string;
  client: string;
  ours: boolean;
  native?: boolean;
  baselineOf?: string;
  median?: Record<string, number>;
  spread?: Record<string, [number, number]>;
}

export type TargetName = 'vnc-frames-vs-novnc' | 'latency-vs-native' | 'full-screen-vs-vncviewer';

export interface Verdict {
  target: TargetName;
  size: string;
  scenario: string;
  client: string;
  peer: string;
  /** Ours: frames/s, or p95 ms. */
  ours: number;
  /** What ours must reach: a number of frames/s (at least), or of ms (at most). */
  limit: number;
  met: boolean;
  /** Frames/s targets: ours ÷ peer. */
  ratio?: number;
  /** Not met, but the runs' ranges overlap the limit's. */
  runsOverlap: boolean;
}

/** The noVNC page of the version we ship (node_modules/@novnc/novnc). */
export const SHIPPED_NOVNC = 'novnc-1.7';
export const NOVNC_RATIO = 0.95;
export const VNCVIEWER_RATIO = 0.8;

const overlaps = (a: [number, number], b: [number, number]) => a[0] <= b[1] && b[0] <= a[1];
/**
 * A limit is a product or a sum of measured figures, so it carries floating-point
 * error (0.8 × 23.0 is 18.400000000000002): a figure equal to it up to that error meets it.
 */
const atMost = (x: number, limit: number) => x <= limit + 1e-9 * Math.max(1, Math.abs(limit));
/** Equal up to that error. */
const alike = (a: number, b: number) => atMost(a, b) && atMost(b, a);

/** Every verdict the rows allow; rows without figures, and --compare's earlier builds, are left out. */
export function verdicts(rows: readonly TargetRow[], frameIntervalMs: number): Verdict[] {
  const out: Verdict[] = [];
  /** Rows with figures measured in the same case as `ours`. */
  const sameCase = (ours: TargetRow) => rows.filter((r) => r.median && r.size === ours.size && r.scenario === ours.scenario && r.protocol === ours.protocol);
  const peerOf = (ours: TargetRow, client: string) => sameCase(ours).find((r) => r.client === client);
  const framesTarget = (target: TargetName, ours: TargetRow, peer: TargetRow, share: number) => {
    const mine = ours.median!.framesPerSecond!;
    const limit = share * peer.median!.framesPerSecond!;
    const met = atMost(limit, mine);
    const theirs = peer.spread?.framesPerSecond;
    const own = ours.spread?.framesPerSecond;
    out.push({
      target,
      size: ours.size,
      scenario: ours.scenario,
      client: ours.client,
      peer: peer.client,
      ours: mine,
      limit,
      met,
      ratio: mine / peer.median!.framesPerSecond!,
      runsOverlap: !met && !!own && !!theirs && overlaps(own, [share * theirs[0], share * theirs[1]]),
    });
  };
  for (const ours of rows.filter((r) => r.ours && !r.baselineOf && r.median)) {
    if (ours.protocol === 'vnc') {
      const page = peerOf(ours, SHIPPED_NOVNC);
      if (page) framesTarget('vnc-frames-vs-novnc', ours, page, NOVNC_RATIO);
    }
    for (const native of sameCase(ours).filter((r) => r.native)) {
      const mine = ours.median!.p95!;
      const limit = native.median!.p95! + frameIntervalMs;
      const met = atMost(mine, limit);
      const own = ours.spread?.p95;
      const theirs = native.spread?.p95;
      out.push({
        target: 'latency-vs-native',
        size: ours.size,
        scenario: ours.scenario,
        client: ours.client,
        peer: native.client,
        ours: mine,
        limit,
        met,
        runsOverlap: !met && !!own && !!theirs && overlaps(own, [theirs[0] + frameIntervalMs, theirs[1] + frameIntervalMs]),
      });
    }
    if (ours.protocol === 'vnc' && ours.scenario === 'full') {
      const viewer = peerOf(ours, 'vncviewer');
      if (viewer) framesTarget('full-screen-vs-vncviewer', ours, viewer, VNCVIEWER_RATIO);
    }
  }
  return out;
}

const TITLES: Record<TargetName, (frameIntervalMs: number) => string> = {
  'vnc-frames-vs-novnc': () => `VNC frames/s ≥ ${NOVNC_RATIO} × the noVNC page we ship (${SHIPPED_NOVNC})`,
  'latency-vs-native': (interval) => `Latency p95 ≤ the native client's p95 + one frame interval (${interval.toFixed(1)} ms)`,
  'full-screen-vs-vncviewer': () => `Full-screen VNC frames/s ≥ ${VNCVIEWER_RATIO} × vncviewer's (the product goal)`,
};

/**
 * How many decimals (at least `digits`, at most 3) print A and B apart, where
 * they differ by more than floating-point error: a verdict never reads "18.4
 * against at least 18.4: NOT met, 0.0 short".
 */
function decimalsToTell(a: number, b: number, digits: number): number {
  let d = digits;
  while (d < 3 && !alike(a, b) && a.toFixed(d) === b.toFixed(d)) d++;
  return d;
}

/** A shortfall with `digits` decimals, or more where that many would print it as nothing. */
const amount = (x: number, digits: number) => x.toFixed(decimalsToTell(x, 0, digits));

function outcome(v: Verdict): string {
  if (v.met) return 'met';
  const by = v.target === 'latency-vs-native' ? `${amount(v.ours - v.limit, 0)} ms over` : `${amount(v.limit - v.ours, 1)} frames/s short`;
  return `NOT met, ${by}${v.runsOverlap ? ' (runs overlap)' : ''}`;
}

/** The verdicts as text for stdout: one line each under its target, then a count per target and peer. */
export function verdictText(list: readonly Verdict[], frameIntervalMs: number): string {
  const lines = ["Against the issue's targets (medians of this run's runs; peers measured in the same runs):"];
  for (const target of Object.keys(TITLES) as TargetName[]) {
    const mine = list.filter((v) => v.target === target);
    if (mine.length === 0) continue;
    lines.push('', `${TITLES[target](frameIntervalMs)}:`);
    for (const v of mine) {
      const latency = v.target === 'latency-vs-native';
      const d = decimalsToTell(v.ours, v.limit, latency ? 0 : 1);
      const figures = latency
        ? `p95 ${v.ours.toFixed(d)} ms against at most ${v.limit.toFixed(Math.max(1, d))} (${v.peer})`
        : `${v.ratio!.toFixed(2)} × ${v.peer} (${v.ours.toFixed(d)} frames/s against at least ${v.limit.toFixed(d)})`;
      lines.push(`  ${v.size} ${v.scenario} ${v.client}: ${figures}: ${outcome(v)}`);
    }
    const peers = [...new Set(mine.map((v) => v.peer))];
    const counts = peers.map((peer) => {
      const against = mine.filter((v) => v.peer === peer);
      const met = against.filter((v) => v.met).length;
      const close = against.filter((v) => !v.met && v.runsOverlap).length;
      return `${met} of ${against.length} met against ${peer}${close ? `, ${close} more within the runs' spread` : ''}`;
    });
    lines.push(`  → ${counts.join('; ')}`);
  }
  return lines.join('\n');
}
