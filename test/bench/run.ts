// The speed benchmark (docs/performance.md): the frame clock on a real server,
// each client in turn reading it, and a table of frames/s, latency and cost.
//   npm run bench -- [--seconds 5] [--runs 3] [--sizes 1024x768,1920x1080]
//     [--scenarios full,region,scroll] [--fps 60] [--clients ours-vnc,novnc-1.7,...]
//     [--keys 5] [--capture-interval-us 1000] [--no-build] [--smoke]
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Locator, Page } from 'playwright-core';
import { launchDetachableBrowser } from './detachableBrowser';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { stopProcess } from '../servers/processes';
import { startFaultRelay } from '../servers/faultRelay';
import { startApp, removeDataDir } from '../support/app';
import { CHROMIUM_ARGS } from '../support/browser';
import { createProfile } from '../support/ui';
import type { VncQuality } from '../../shared/profiles/profileSchema';
import { VNC_QUALITY_LABELS } from '../../renderer/protocols/vnc/pictureQuality';
import { KEY_GAP_MS, keyPressSchedule, summarise, percentile, type FrameSummary, type SeenFrame } from './frameCode';
import { startCapture, startClientDisplay } from './nativeClient';
import { cpuByRole, cpuSeconds, machineBusySeconds, peakRssBytes, processTree, serverTcpBytes, ticksByPid } from './procStats';
import { startFrameClock, startShadow, startWebsockify, type ShadowAtSize } from './servers';
import { keyLatencies, pageProbeScript, seenFrames, startProbe, stopProbe, waitForFirstFrame } from './webClient';
import { verdicts, verdictText } from './targets';
import { buildFreeRdpDecoder, freeRdpDecodeCost, keptRemoteFx, oursDecodeCost, oursScreen, remoteFxCaptureScript, screenDifference, type RemoteFxMessage } from './decoders';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const outDir = path.join(root, 'bench-results');
const binDir = path.join(outDir, 'bin');
/** What --trace-dir records: threads' tasks, the compositor and GPU process, and JavaScript sampled by function. */
const TRACE_CATEGORIES = ['viz', 'cc', 'gpu', 'toplevel', 'benchmark', 'blink', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'disabled-by-default-v8.cpu_profiler'];

/** 'rdp-nla': the same shadow server, but with NLA (CredSSP against an account), for connect times. */
type Protocol = 'vnc' | 'rdp' | 'rdp-nla';
type Scenario = 'full' | 'region' | 'scroll';

interface Options {
  seconds: number;
  runs: number;
  sizes: [number, number][];
  scenarios: Scenario[];
  fps: number;
  clients: string[];
  keys: number;
  captureIntervalUs: number;
  buildApp: boolean;
  smoke: boolean;
  warmupMs: number;
  traceDir: string | null;
  profileDir: string | null;
  /** A git revision to build and run beside this checkout, alternating (each of our clients twice). */
  compare: string | null;
  /** Also compare RemoteFX decoders on the messages of an extra ours-rdp run (full screen and scrolling). */
  decoders: boolean;
  /** Every client reaches the server through a relay that holds each chunk this long each way (0: direct). */
  linkDelayMs: number;
  /** Xvnc's -SecurityTypes, and vncviewer's (None by default; TLSNone for a session encrypted by VeNCrypt's anonymous TLS). */
  vncSecurity: string;
}

/** The gateway's RemoteFX deliveries to the page kept for the decoder comparison (the first, then the last of the run); each holds one or more RemoteFX messages. */
const KEPT_MESSAGES = 40;
/** Timed passes over the kept messages, by each decoder. */
const DECODE_PASSES = 5;

const USAGE = `npm run bench -- [options]
  --seconds N              measured seconds per client run (5)
  --runs N                 runs per case; each run alternates the clients (3)
  --sizes WxH,...          remote desktop sizes (1024x768,1920x1080)
  --scenarios a,b          full, region, scroll (all)
  --fps N                  frame clock pace, 30 or 60; 0 = unpaced (60)
  --clients a,b            ours-vnc, ours-vnc-1to1, novnc-1.7, novnc-1.3, vncviewer, ours-rdp, xfreerdp,
                           xfreerdp-rfx, ours-rdp-nla, xfreerdp-nla (default: these; the two NLA clients run
                           in the region scenario only; xfreerdp gets NSCodec from freerdp-shadow, xfreerdp-rfx
                           RemoteFX, ours' codec); also ours-vnc-shrunk (fit to a window ¾ the desktop's size) and
                           ours-vnc-best, ours-vnc-medium, ours-vnc-poor (the profile's picture quality; the
                           default rows use Good, noVNC's own levels)
  --keys N                 key presses for input latency, in the region scenario (5)
  --capture-interval-us N  native capture loop period; 0 = as fast as it can (1000)
  --no-build               use dist/ as it is (default: npm run build first)
  --trace-dir DIR          write a Chromium trace (threads, compositor, GPU process, sampled JavaScript) of each web client's measured window to DIR
  --profile-dir DIR        write a CPU profile of each web client's page (JavaScript, WebAssembly and the browser's own work on its main thread, sampled every 250 µs) over the measured window to DIR (.cpuprofile: Chromium DevTools or speedscope)
  --compare REV            also run our clients as built from the git revision REV (a temporary worktree
                           of this repository, built with this checkout's node_modules), alternating with
                           this checkout's in the same runs: rows "ours-vnc@REV" …, and ours ÷ ours@REV
  --decoders               after the RDP full-screen and scrolling cases, one more ours-rdp run (not in the
                           table) keeps the RemoteFX messages the page was sent (the first and the last of
                           ${KEPT_MESSAGES} deliveries, each one or more messages), decoded again here
                           by ours (one thread of this Node process) and by FreeRDP's (libfreerdp2, as xfreerdp
                           /rfx; needs the Debian package freerdp2-dev): ms per message, side by side
  --link-delay-ms N        every client (ours, the noVNC pages, the native clients) reaches the server through a
                           relay on 127.0.0.1 that holds each chunk N ms each way: a server a round trip of 2N
                           ms away, as over a WAN (0: direct)
  --vnc-security TYPES     Xvnc's -SecurityTypes, and vncviewer's (default None); TLSNone encrypts the session
                           with VeNCrypt's anonymous TLS, which ours (the gateway) and vncviewer do and the noVNC
                           pages cannot (leave them out of --clients)
  --smoke                  one 2-second case (ours-vnc, region, 1024x768) for the test suite`;

function parseOptions(argv: string[]): Options {
  const options: Options = {
    seconds: 5,
    runs: 3,
    sizes: [
      [1024, 768],
      [1920, 1080],
    ],
    scenarios: ['full', 'region', 'scroll'],
    fps: 60,
    clients: ['ours-vnc', 'ours-vnc-1to1', 'novnc-1.7', 'novnc-1.3', 'vncviewer', 'ours-rdp', 'xfreerdp', 'xfreerdp-rfx', 'ours-rdp-nla', 'xfreerdp-nla'],
    keys: 5,
    captureIntervalUs: 1000,
    buildApp: true,
    smoke: false,
    warmupMs: 1000,
    traceDir: null,
    profileDir: null,
    compare: null,
    decoders: false,
    linkDelayMs: 0,
    vncSecurity: 'None',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--seconds') options.seconds = Number(value());
    else if (arg === '--runs') options.runs = Number(value());
    else if (arg === '--sizes') options.sizes = value().split(',').map((s) => s.split('x').map(Number) as [number, number]);
    else if (arg === '--scenarios') options.scenarios = value().split(',') as Scenario[];
    else if (arg === '--fps') options.fps = Number(value());
    else if (arg === '--clients') options.clients = value().split(',');
    else if (arg === '--keys') options.keys = Number(value());
    else if (arg === '--capture-interval-us') options.captureIntervalUs = Number(value());
    else if (arg === '--no-build') options.buildApp = false;
    else if (arg === '--trace-dir') options.traceDir = value();
    else if (arg === '--profile-dir') options.profileDir = value();
    else if (arg === '--compare') options.compare = value();
    else if (arg === '--smoke') options.smoke = true;
    else if (arg === '--decoders') options.decoders = true;
    else if (arg === '--link-delay-ms') options.linkDelayMs = Number(value());
    else if (arg === '--vnc-security') options.vncSecurity = value();
    else if (arg === '--') continue;
    else if (arg === '--help') {
      console.log(USAGE);
      process.exit(0);
    }
    else throw new Error(`unknown option ${arg}`);
  }
  if (options.smoke) Object.assign(options, { seconds: 2, runs: 1, sizes: [[1024, 768]], scenarios: ['region'], clients: ['ours-vnc'], keys: 2, warmupMs: 300 });
  return options;
}

// ---------------------------------------------------------------- building

function buildNative(): { frameclock: string; xcapture: string } {
  mkdirSync(binDir, { recursive: true });
  const frameclock = path.join(binDir, 'frameclock');
  const xcapture = path.join(binDir, 'xcapture');
  try {
    execFileSync('cc', ['-O2', '-o', frameclock, path.join(here, 'frameclock.c'), '-lX11'], { stdio: 'inherit' });
    execFileSync('cc', ['-O2', '-o', xcapture, path.join(here, 'xcapture.c'), '-lX11', '-lXtst'], { stdio: 'inherit' });
  } catch {
    throw new Error('building the frame clock failed: the bench needs a C compiler and the Debian packages libx11-dev and libxtst-dev (see docs/performance.md)');
  }
  return { frameclock, xcapture };
}

/** The page of the noVNC version we ship, bundled into a folder websockify serves. */
async function buildNovncPage(): Promise<string> {
  const dir = path.join(binDir, 'novnc-1.7');
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(here, 'novncPage', 'index.html'), path.join(dir, 'index.html'));
  await build({ entryPoints: [path.join(here, 'novncPage', 'page.ts')], bundle: true, format: 'esm', target: 'es2022', outfile: path.join(dir, 'page.js'), logLevel: 'warning' });
  return dir;
}

/**
 * Builds another revision of this repository for `--compare`: a detached git
 * worktree in a temporary folder (removed when the bench ends), this
 * checkout's node_modules linked into it, its own scripts/build.mjs.
 */
function buildRevision(revision: string): OtherBuild {
  let commit: string;
  try {
    commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', `${revision}^{commit}`], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
  } catch {
    throw new Error(`--compare ${revision}: no such revision in ${root}`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'deskbridge-bench-compare-'));
  const remove = () => {
    try {
      execFileSync('git', ['-C', root, 'worktree', 'remove', '--force', dir], { stdio: 'ignore' });
    } catch {
      // Not a worktree (yet): the folder alone.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  execFileSync('git', ['-C', root, 'worktree', 'add', '--detach', dir, commit], { stdio: 'ignore' });
  cleanups.push(async () => remove());
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  console.error(`building ${revision} (${commit}) in ${dir}…`);
  try {
    execFileSync(process.execPath, [path.join(dir, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: dir });
  } catch {
    throw new Error(`--compare ${revision}: its build failed (with this checkout's node_modules)`);
  }
  return { name: revision, commit, root: dir };
}

// ---------------------------------------------------------------- one client run

interface ServerUnderTest {
  protocol: Protocol;
  port: number;
  display: string;
  /** The server's processes (its X server included), for what the server costs while a client runs. */
  pids: () => number[];
  /** VNC: Xvnc's -SecurityTypes (--vnc-security), which vncviewer is told too. */
  security?: string;
}

interface RunContext {
  server: ServerUnderTest;
  width: number;
  height: number;
  seconds: number;
  keys: number;
  /** The frame clock drawing on the server's display. */
  clockPid: number;
  /** Its pace, frames/s (0: unpaced). */
  fps: number;
  /** Keep this many of the RemoteFX messages the page is sent (--decoders), in ClientRun.remoteFx. */
  keepRemoteFx?: number;
}

interface ClientRun {
  connectMs: number;
  summary: FrameSummary;
  cpuPerSecond: number;
  peakRssBytes: number;
  bytesPerSecond: number;
  keyLatencyMs: number[];
  /** Native clients: the CPU of the client's own Xvfb (drawing and serving the capture loop), not in cpuPerSecond. */
  displayCpuPerSecond?: number;
  /** Web clients: cpuPerSecond split by process role (gateway or websockify, Chromium's renderer, gpu, browser …). */
  cpuByRole?: Record<string, number>;
  /** Web clients: pages with a DevTools client, as Chromium lists them, while driven and in the measured window (0 unless traced or profiled). */
  devToolsClients?: { driven: number | null; measured: number | null };
  /** The remote server's processes over the same window (Xvnc, or freerdp-shadow and its Xvfb): encoding for this client. */
  serverCpuPerSecond: number;
  /** The frame clock's own CPU over the window. */
  frameClockCpuPerSecond: number;
  /** The RemoteFX messages kept when RunContext.keepRemoteFx asked for them. */
  remoteFx?: RemoteFxMessage[];
  /** The whole machine over the window: busy CPU seconds per second, i.e. cores busy (of `nproc`). */
  machineBusyCores: number;
}

interface BenchClient {
  id: string;
  label: string;
  protocol: Protocol;
  ours: boolean;
  /** A native client read through the X capture loop (vncviewer, xfreerdp). */
  native?: boolean;
  /** Only these scenarios (default: all asked for). */
  scenarios?: Scenario[];
  /** Set on the twin `--compare` runs: the id of the client it is the earlier build of. */
  baselineOf?: string;
  /** Ours only: the same client running another build (`--compare`). */
  atBuild?(build: OtherBuild): BenchClient;
  run(context: RunContext): Promise<ClientRun>;
}

/** Another revision of the app, built in a worktree of its own (`--compare`). */
interface OtherBuild {
  /** As the user named it (`HEAD~1`, a branch …), for the rows' ids. */
  name: string;
  commit: string;
  root: string;
}

/** A client id as part of a file name (`--compare feature/x` gives ids with a slash). */
const fileSafe = (name: string) => name.replace(/[^\w.@~+-]/g, '_');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The input-latency test's key presses, each at its time of keyPressSchedule (phases spread over a frame interval), then a gap for the last to show. */
async function pressKeysOnSchedule(context: RunContext, press: () => unknown): Promise<void> {
  const start = Date.now();
  for (const at of keyPressSchedule(context.keys, context.fps)) {
    await sleep(start + at - Date.now());
    await press();
  }
  await sleep(KEY_GAP_MS);
}

/** The account RDP clients sign in with; the NLA server knows only it (a SAM file). */
const RDP_ACCOUNT = { user: 'bench', password: 'Secret-123' };

/**
 * A window of measurement common to every client: CPU of its processes, bytes
 * on the server's port, and over the same window what the server and the frame
 * clock cost and how many cores the whole machine kept busy.
 */
async function costWindow<T>(roots: () => number[], context: RunContext, measure: () => Promise<T>) {
  const pidsBefore = processTree(roots());
  const ticks0 = ticksByPid(pidsBefore);
  const cpu0 = cpuSeconds(pidsBefore);
  const serverPids = context.server.pids();
  const server0 = cpuSeconds(serverPids);
  const clock0 = cpuSeconds([context.clockPid]);
  const machine0 = machineBusySeconds();
  const bytes0 = serverTcpBytes(context.server.port);
  const t0 = Date.now();
  const result = await measure();
  const elapsed = (Date.now() - t0) / 1000;
  const machine1 = machineBusySeconds();
  const pidsAfter = processTree(roots());
  const cpu1 = cpuSeconds(pidsAfter);
  const byRole = cpuByRole(ticks0, ticksByPid(pidsAfter), elapsed);
  const bytes1 = serverTcpBytes(context.server.port);
  return {
    result,
    cpuPerSecond: (cpu1 - cpu0) / elapsed,
    cpuByRole: byRole,
    bytesPerSecond: (bytes1 - bytes0) / elapsed,
    serverCpuPerSecond: (cpuSeconds(serverPids) - server0) / elapsed,
    frameClockCpuPerSecond: (cpuSeconds([context.clockPid]) - clock0) / elapsed,
    machineBusyCores: (machine1 - machine0) / elapsed,
    pids: pidsAfter,
    elapsed,
  };
}

/** The figures of a cost window every client run reports as they are. */
function sharedCosts(window: Awaited<ReturnType<typeof costWindow>>) {
  const { cpuPerSecond, bytesPerSecond, serverCpuPerSecond, frameClockCpuPerSecond, machineBusyCores } = window;
  return { cpuPerSecond, bytesPerSecond, serverCpuPerSecond, frameClockCpuPerSecond, machineBusyCores };
}

interface WebClientSpec {
  /** The client's id, for file names. */
  name: string;
  selector: string;
  /** Before the clock starts: e.g. open the app and create a profile. */
  prepare?(page: Page): Promise<void>;
  /**
   * Starts connecting. Resolves with when it started on the page's own clock (the click's
   * dispatch, the navigation's start: not Playwright's time to perform it) and the ms to leave
   * out of connect time (a dialog a person would answer).
   */
  connect(page: Page): Promise<{ startedAt: number; leftOutMs: number }>;
  /** Once the first frame is seen, before the warm-up: e.g. a setting a user would change. */
  afterFirstFrame?(page: Page): Promise<void>;
  processRoots(): number[];
  stop(): Promise<void>;
  /** The page's size (default: the remote desktop's plus room, so nothing is scaled). */
  viewport?: { width: number; height: number };
}

/** Clicks `target`; returns when the click reached the page, on its clock (the init script of runWebClient). */
async function clickedAt(page: Page, target: Locator): Promise<number> {
  await page.evaluate(() => ((window as any).__benchLastClickAt = 0));
  await target.click();
  const at = await page.evaluate(() => (window as any).__benchLastClickAt as number);
  if (!(at > 0)) throw new Error('the click did not reach the page');
  return at;
}

async function runWebClient(context: RunContext, spec: WebClientSpec): Promise<ClientRun> {
  const browser = await launchDetachableBrowser(CHROMIUM_ARGS, spec.viewport ?? { width: context.width + 400, height: context.height + 200 });
  try {
    const browserContext = browser.context;
    await browserContext.addInitScript({ content: 'globalThis.__name = globalThis.__name || ((f) => f);' });
    // When the last click reached the page, on its clock: connect time starts there, not
    // when Playwright began checking that the button can be clicked.
    await browserContext.addInitScript({ content: "addEventListener('click', (e) => { if (e.isTrusted) window.__benchLastClickAt = Date.now(); }, true);" });
    // The probe runs from the first moment of every document, so a page that connects on load is timed too.
    await browserContext.addInitScript({ content: `${await pageProbeScript()}\n;window.__frameProbe.start(${JSON.stringify(spec.selector)});` });
    if (context.keepRemoteFx) await browserContext.addInitScript({ content: remoteFxCaptureScript(context.keepRemoteFx) });
    let page = browser.page;
    await spec.prepare?.(page);
    // Asked before connecting: Chromium answers DevTools slowly while a driven page streams
    // (below), and this count only shows that an attached client is seen.
    const driven = await browser.pagesWithDevToolsClient();
    if (page.url() !== 'about:blank') await startProbe(page, spec.selector);
    const { startedAt, leftOutMs } = await spec.connect(page);
    const connectMs = (await waitForFirstFrame(page)) - startedAt - leftOutMs;
    await spec.afterFirstFrame?.(page);
    const roots = () => [browser.pid, ...spec.processRoots()];
    // Unless a trace is taken, Playwright leaves the page for the warm-up and the measured
    // window, as no DevTools client watches a user's (detachableBrowser.ts).
    // Left before the warm-up, not after it: the Network domain Playwright enables sends
    // every WebSocket message's payload to it (base64, 20 MB/s of JSON at 1920x1080 full
    // screen), so the page's first second detached must not fall in the window.
    const detached = !traceDir;
    if (detached) {
      await startProbe(page, spec.selector);
      await browser.detach();
    }
    await sleep(warmupMs);
    // A trace of the measured window: where the time goes, by thread (main thread,
    // decoder threads, compositor, GPU process) and by JavaScript function (sampled).
    const tracePath = traceDir ? path.join(traceDir, `trace-${context.width}x${context.height}-${fileSafe(spec.name)}-${Date.now()}.json`) : null;
    if (tracePath) await browserContext.browser()!.startTracing(page, { path: tracePath, categories: TRACE_CATEGORIES });
    // A CPU profile of the page's main thread: self time by function, WebAssembly included (a
    // trace's sampling is coarser). Taken over a DevTools connection of its own with only the
    // Profiler domain on, so that Playwright (and its Network domain) can still leave the page.
    const stopProfiling = profileDir ? await browser.profilePage(250) : null;
    if (!detached) await startProbe(page, spec.selector);
    const window = await costWindow(roots, context, async () => {
      const from = Date.now();
      await sleep(context.seconds * 1000);
      return { from, to: Date.now() };
    });
    // Asked at the end of the window, before Playwright connects again.
    const measuredWith = await browser.pagesWithDevToolsClient();
    const profile = stopProfiling ? await stopProfiling() : null;
    if (detached) page = await browser.attach();
    if (tracePath) await browserContext.browser()!.stopTracing();
    if (profile && profileDir) {
      writeFileSync(path.join(profileDir, `profile-${context.width}x${context.height}-${fileSafe(spec.name)}-${Date.now()}.cpuprofile`), JSON.stringify(profile));
    }
    const measured = await stopProbe(page);
    const remoteFx = context.keepRemoteFx ? await keptRemoteFx(page) : undefined;
    const summary = summarise(seenFrames(measured), window.result.from, window.result.to, measured.tornAt);
    let keyLatencyMs: number[] = [];
    if (context.keys > 0) {
      const canvas = page.locator(spec.selector).locator('canvas').first();
      const box = await canvas.boundingBox();
      if (box) await page.mouse.click(box.x + Math.min(box.width, 300) / 2, box.y + Math.min(box.height, 300) / 2);
      await sleep(200);
      await startProbe(page, spec.selector);
      await sleep(150); // a frame seen before the first key, to compare its key count with
      await pressKeysOnSchedule(context, () => page.keyboard.press('x'));
      const record = await stopProbe(page);
      keyLatencyMs = keyLatencies(seenFrames(record), record.keyDowns);
    }
    const peak = peakRssBytes(processTree(roots()));
    return {
      connectMs,
      summary,
      ...sharedCosts(window),
      cpuByRole: window.cpuByRole,
      devToolsClients: { driven, measured: measuredWith },
      peakRssBytes: peak,
      keyLatencyMs,
      ...(remoteFx ? { remoteFx } : {}),
    };
  } finally {
    await browser.close();
    await spec.stop();
  }
}

let warmupMs = 1000;
let traceDir: string | null = null;
let profileDir: string | null = null;
let xcaptureBinary = '';
let captureIntervalUs = 1000;
let novncPageDir = '';

async function runNativeClient(context: RunContext, command: string, args: (server: ServerUnderTest) => string[]): Promise<ClientRun> {
  const display = await startClientDisplay(context.width, context.height);
  const capture = startCapture(xcaptureBinary, display.display, { intervalUs: captureIntervalUs });
  let viewer: ChildProcess | null = null;
  try {
    const t0 = Date.now();
    viewer = spawn(command, args(context.server), { env: { ...process.env, DISPLAY: display.display }, detached: true, stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    while (capture.frames.length === 0) {
      if (Date.now() > deadline) throw new Error(`${command} showed no frame of the frame clock within 20 s`);
      if (viewer.exitCode !== null) throw new Error(`${command} exited (${viewer.exitCode})`);
      await sleep(10);
    }
    const connectMs = capture.frames[0]!.seenAt - t0;
    await sleep(warmupMs);
    const viewerPid = viewer.pid!;
    const displayCpu0 = cpuSeconds([display.pid]);
    const window = await costWindow(() => [viewerPid], context, async () => {
      const from = Date.now();
      await sleep(context.seconds * 1000);
      return { from, to: Date.now() };
    });
    const displayCpuPerSecond = (cpuSeconds([display.pid]) - displayCpu0) / window.elapsed;
    const summary = summarise(capture.frames, window.result.from, window.result.to, capture.tornAt);
    const firstKey = capture.keysSent.length;
    await pressKeysOnSchedule(context, () => capture.pressKey());
    const keyLatencyMs = keyLatencies(capture.frames, capture.keysSent.slice(firstKey));
    return {
      connectMs,
      summary,
      ...sharedCosts(window),
      peakRssBytes: peakRssBytes(processTree([viewerPid])),
      keyLatencyMs,
      displayCpuPerSecond,
    };
  } finally {
    await stopProcess(viewer);
    await capture.stop();
    await display.stop();
  }
}

/** Where DeskBridge draws the remote desktop (the visible session tab). */
export const DESKBRIDGE_SURFACE = '.session-tab:not([hidden]) [data-testid="session-surface"]';

/**
 * DeskBridge as a user runs it. `scaling` "actual" is the profile's 1:1, chosen
 * in the editor before connecting: the noVNC pages draw unscaled, so that row
 * compares the same work; the default row ("fit", the app's default) includes scaling
 * the canvas to the window, which the compositor (Chromium's GPU process, in
 * software here) redoes on every frame. `quality` (VNC) is the profile's
 * picture-quality preset, chosen in the editor as a user does; the default rows
 * keep the default (Good: noVNC's own levels, as the noVNC pages use).
 */
interface OursVariant {
  scaling?: 'fit' | 'actual' | 'shrunk';
  quality?: Exclude<VncQuality, 'good'>;
}

function oursClient(protocol: Protocol, variant: OursVariant = {}, other?: OtherBuild): BenchClient {
  const { scaling = 'fit', quality } = variant;
  const profile =
    protocol === 'vnc'
      ? { name: 'Bench', port: 0, ...(quality ? { pictureQuality: VNC_QUALITY_LABELS[quality] } : {}) }
      : { name: 'Bench', protocol: 'RDP' as const, port: 0, username: RDP_ACCOUNT.user, password: protocol === 'rdp-nla' ? RDP_ACCOUNT.password : 'unused' };
  // Chosen before connecting, not in the toolbar once the picture streams: at 1920x1080 full
  // screen a page Playwright is attached to answered DevTools so slowly (13-16 MB/s of
  // WebSocket data) that a switch once went unconfirmed for 30 s and the run was lost.
  const scalingLabel = scaling === 'actual' ? { scaling: '1:1 (scrollbars)' } : {};
  const ownId = `ours-${protocol}${scaling === 'actual' ? '-1to1' : scaling === 'shrunk' ? '-shrunk' : ''}${quality ? `-${quality}` : ''}`;
  const id = other ? `${ownId}@${other.name}` : ownId;
  const details = [
    protocol === 'vnc' ? 'noVNC 1.7' : protocol === 'rdp' ? 'IronRDP' : 'IronRDP, NLA',
    ...(scaling === 'actual' ? ['1:1'] : scaling === 'shrunk' ? ['fit in a window ¾ the size'] : []),
    ...(quality ? [`picture quality ${quality}`] : []),
  ];
  return {
    id,
    label: `DeskBridge (${details.join(', ')})${other ? ` at ${other.name} (${other.commit})` : ''}`,
    protocol,
    ours: true,
    ...(protocol === 'rdp-nla' ? { scenarios: ['region' as const] } : {}),
    ...(other ? { baselineOf: ownId } : { atBuild: (build: OtherBuild) => oursClient(protocol, variant, build) }),
    async run(context) {
      const app = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' }, ...(other ? { appRoot: other.root } : {}) });
      return runWebClient(context, {
        name: id,
        // A window three quarters the desktop's size: "fit" shrinks the picture, as on a
        // laptop showing a desktop the size of a larger monitor.
        ...(scaling === 'shrunk' ? { viewport: { width: Math.round(context.width * 0.75), height: Math.round(context.height * 0.75) } } : {}),
        selector: DESKBRIDGE_SURFACE,
        async prepare(page) {
          await page.goto(app.url);
          await createProfile(page, { ...profile, ...scalingLabel, port: context.server.port });
        },
        async connect(page) {
          const startedAt = await clickedAt(page, page.getByRole('button', { name: 'Connect', exact: true }));
          if (protocol === 'vnc') return { startedAt, leftOutMs: 0 };
          // A fresh profile asks to trust the server's certificate: leave the answering out of the time.
          const dialog = page.getByRole('dialog', { name: /server.s identity/ });
          await dialog.waitFor({ timeout: 15_000 });
          const shown = Date.now();
          const answeredAt = await clickedAt(page, dialog.getByRole('button', { name: 'Trust once' }));
          return { startedAt, leftOutMs: answeredAt - shown };
        },
        // The session's scaling and quality as the row says, both checked: a picture scaled
        // otherwise, or at another quality, would make the row meaningless.
        async afterFirstFrame(page) {
          const toolbar = page.locator('.session-tab:not([hidden]) .session-view');
          if (quality && (await toolbar.getByLabel('Picture quality', { exact: true }).inputValue()) !== quality) throw new Error(`the session is not at picture quality ${quality}`);
          const shownScaling = await toolbar.getByLabel('Scaling', { exact: true }).inputValue();
          if (shownScaling !== (scaling === 'actual' ? 'actual' : 'fit')) throw new Error(`the session's scaling is ${shownScaling}, not ${scaling}`);
          if (scaling === 'fit') return;
          const canvas = await page.locator(DESKBRIDGE_SURFACE).locator('canvas').first().elementHandle();
          // Polled on a timer, not at animation frames: at 1920x1080 full screen Playwright's
          // animation-frame polling was seen to wait past 30 s with the canvas long shown as
          // asked (read by a separate evaluate at the same time).
          await page.waitForFunction(
            ([c, shrunk]) => c instanceof HTMLCanvasElement && (shrunk ? c.getBoundingClientRect().width < c.width * 0.9 : Math.round(c.getBoundingClientRect().width) === c.width),
            [canvas, scaling === 'shrunk'] as const,
            { timeout: 30_000, polling: 100 },
          );
        },
        processRoots: () => [app.pid],
        async stop() {
          await app.stop();
          await removeDataDir(app.dataDir);
        },
      });
    },
  };
}

function novncClient(version: '1.7' | '1.3'): BenchClient {
  return {
    id: `novnc-${version}`,
    label: version === '1.7' ? 'noVNC 1.7.0 page (shipped version)' : "noVNC 1.3.0 vnc.html (Debian's)",
    protocol: 'vnc',
    ours: false,
    async run(context) {
      const websockify = await startWebsockify(version === '1.7' ? novncPageDir : '/usr/share/novnc', context.server.port);
      const url =
        version === '1.7'
          ? `http://127.0.0.1:${websockify.port}/index.html`
          : `http://127.0.0.1:${websockify.port}/vnc.html?autoconnect=true&host=127.0.0.1&port=${websockify.port}&path=websockify&resize=off&reconnect=false`;
      return runWebClient(context, {
        name: `novnc-${version}`,
        selector: version === '1.7' ? '#screen' : '#noVNC_container',
        async connect(page) {
          await page.goto(url);
          return { startedAt: await page.evaluate(() => performance.timeOrigin), leftOutMs: 0 };
        },
        processRoots: () => [websockify.pid],
        stop: () => websockify.stop(),
      });
    },
  };
}

const vncviewer: BenchClient = {
  id: 'vncviewer',
  label: 'TigerVNC vncviewer 1.12 (native)',
  protocol: 'vnc',
  ours: false,
  native: true,
  run: (context) => runNativeClient(context, 'vncviewer', (server) => ['-FullScreen', '-SecurityTypes', server.security ?? 'None', '-AlertOnFatalError=0', `127.0.0.1::${server.port}`]),
};

/** xfreerdp full screen at 32 bpp against the bench's server, with `extra` switches (security, codec, account). */
function xfreerdpClient(id: string, label: string, protocol: Protocol, extra: string[], scenarios?: Scenario[]): BenchClient {
  return {
    id,
    label,
    protocol,
    ours: false,
    native: true,
    ...(scenarios ? { scenarios } : {}),
    run: (context) => runNativeClient(context, 'xfreerdp', (server) => [`/v:127.0.0.1:${server.port}`, '/cert:ignore', ...extra, '/f', '/bpp:32', '-grab-keyboard']),
  };
}

const xfreerdp = xfreerdpClient('xfreerdp', 'xfreerdp 2.11 (native)', 'rdp', [`/u:${RDP_ACCOUNT.user}`, '/p:unused']);
/** The same client told to take RemoteFX, the codec ours decodes (xfreerdp's own default gets NSCodec from freerdp-shadow). */
const xfreerdpRfx = xfreerdpClient('xfreerdp-rfx', 'xfreerdp 2.11 (native, /rfx)', 'rdp', [`/u:${RDP_ACCOUNT.user}`, '/p:unused', '/rfx']);
const xfreerdpNla = xfreerdpClient('xfreerdp-nla', 'xfreerdp 2.11 (native, NLA)', 'rdp-nla', ['/sec:nla', `/u:${RDP_ACCOUNT.user}`, `/p:${RDP_ACCOUNT.password}`], ['region']);

const ALL_CLIENTS: BenchClient[] = [
  oursClient('vnc'),
  oursClient('vnc', { scaling: 'actual' }),
  oursClient('vnc', { scaling: 'shrunk' }),
  ...(['best', 'medium', 'poor'] as const).map((quality) => oursClient('vnc', { quality })),
  novncClient('1.7'),
  novncClient('1.3'),
  vncviewer,
  oursClient('rdp'),
  xfreerdp,
  xfreerdpRfx,
  oursClient('rdp-nla'),
  xfreerdpNla,
];

// ---------------------------------------------------------------- the capture loop's own cost

interface CaptureCost {
  intervalUs: number;
  samplesPerSecond: number;
  cpuPerSecond: number;
  displayCpuPerSecond: number;
  latencyP50: number;
}

/** The capture loop reading the frame clock straight off an Xvfb, no client in between. */
async function measureCaptureCost(frameclockBinary: string, intervalUs: number, fps: number): Promise<CaptureCost> {
  const display = await startClientDisplay(1024, 768);
  const clock = await startFrameClock(frameclockBinary, display.display, 'region', fps);
  try {
    const capture = startCapture(xcaptureBinary, display.display, { intervalUs });
    const displayCpu0 = cpuSeconds([display.pid]);
    const t0 = Date.now();
    await sleep(3000);
    const stats = await capture.stop();
    const elapsed = (Date.now() - t0) / 1000;
    const latencies = capture.frames.map((f) => f.latencyMs).sort((a, b) => a - b);
    return {
      intervalUs,
      samplesPerSecond: stats.rate,
      cpuPerSecond: stats.cpuSeconds / stats.seconds,
      displayCpuPerSecond: (cpuSeconds([display.pid]) - displayCpu0) / elapsed,
      latencyP50: percentile(latencies, 50),
    };
  } finally {
    await clock.stop();
    await display.stop();
  }
}

// ---------------------------------------------------------------- aggregation and output

interface CaseResult {
  size: string;
  scenario: Scenario;
  fps: number;
  protocol: Protocol;
  client: string;
  label: string;
  ours: boolean;
  native?: boolean;
  /** `--compare`: the client this row is the earlier build of. */
  baselineOf?: string;
  runs: ClientRun[];
  errors: string[];
  median?: Record<string, number>;
  spread?: Record<string, [number, number]>;
  ratio?: Record<string, number>;
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function metricsOf(run: ClientRun): Record<string, number> {
  return {
    framesPerSecond: run.summary.framesPerSecond,
    p50: run.summary.latency.p50,
    p95: run.summary.latency.p95,
    p99: run.summary.latency.p99,
    skipped: run.summary.skipped,
    tornReads: run.summary.tornReads,
    cpuPerSecond: run.cpuPerSecond,
    peakRssMB: run.peakRssBytes / 2 ** 20,
    kBPerSecond: run.bytesPerSecond / 1024,
    connectMs: run.connectMs,
    keyMs: median(run.keyLatencyMs),
    serverCpuPerSecond: run.serverCpuPerSecond,
    frameClockCpuPerSecond: run.frameClockCpuPerSecond,
    machineBusyCores: run.machineBusyCores,
  };
}

function aggregate(result: CaseResult): void {
  if (result.runs.length === 0) return;
  const perRun = result.runs.map(metricsOf);
  result.median = {};
  result.spread = {};
  for (const key of Object.keys(perRun[0]!)) {
    const values = perRun.map((m) => m[key]!).filter((v) => Number.isFinite(v));
    result.median[key] = median(values);
    result.spread[key] = [Math.min(...values), Math.max(...values)];
  }
}

/** Ours against the peers of the same protocol, same case, same run. */
function addRatios(cases: CaseResult[], frameIntervalMs: number): void {
  for (const ours of cases.filter((c) => c.ours && c.median)) {
    // The peers of the same case, and with --compare, this client's own earlier build.
    const same = cases.filter(
      (c) => (!c.ours || c.baselineOf === ours.client) && c.median && c.size === ours.size && c.scenario === ours.scenario && c.protocol === ours.protocol,
    );
    ours.ratio = {};
    for (const peer of same) {
      ours.ratio[`framesPerSecond/${peer.client}`] = ours.median!.framesPerSecond! / peer.median!.framesPerSecond!;
      ours.ratio[`p95/${peer.client}`] = ours.median!.p95! / peer.median!.p95!;
      if (peer.native) ours.ratio[`p95MinusNativePlusFrame/${peer.client}`] = ours.median!.p95! - (peer.median!.p95! + frameIntervalMs);
    }
  }
}

const f0 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(0));
const f1 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(1));
const f2 = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2));

/** Whether the frames/s of `ours` and of `peer` in the same case have overlapping min–max ranges over the runs. */
function spreadsOverlap(ours: CaseResult, cases: CaseResult[], peer: string): boolean {
  const other = cases.find((c) => c.client === peer && c.size === ours.size && c.scenario === ours.scenario && c.protocol === ours.protocol);
  const a = ours.spread?.framesPerSecond;
  const b = other?.spread?.framesPerSecond;
  return !!a && !!b && ours.runs.length > 1 && a[0] <= b[1] && b[0] <= a[1];
}

function table(cases: CaseResult[], runs: number): string {
  const header = ['size', 'scenario', 'client', `frames/s (median [min–max] of ${runs})`, 'p50 ms', 'p95 ms', 'p99 ms', 'skipped', 'torn', 'CPU s/s', 'server CPU s/s', 'cores busy', 'peak RSS MB', 'KB/s', 'connect ms', 'key ms', 'ours ÷ peer frames/s'];
  const rows = cases.map((c) => {
    if (!c.median) return [c.size, c.scenario, c.client, `failed: ${c.errors[0]?.split('\n')[0]?.slice(0, 80) ?? ''}`, ...header.slice(4).map(() => '')];
    const m = c.median;
    const s = c.spread!;
    const ratio = c.ratio
      ? Object.entries(c.ratio)
          .filter(([k]) => k.startsWith('framesPerSecond/'))
          .map(([k, v]) => {
            const peer = k.split('/')[1]!;
            // A ratio away from 1 whose runs overlap the peer's says little: mark it.
            return `${v.toFixed(2)} × ${peer}${v !== 1 && spreadsOverlap(c, cases, peer) ? ' (runs overlap)' : ''}`;
          })
          .join(', ')
      : '';
    return [
      c.size,
      c.scenario,
      c.client,
      `${f1(m.framesPerSecond)} [${f1(s.framesPerSecond![0])}–${f1(s.framesPerSecond![1])}]`,
      f0(m.p50),
      f0(m.p95),
      f0(m.p99),
      f0(m.skipped),
      f0(m.tornReads),
      f2(m.cpuPerSecond),
      f2(m.serverCpuPerSecond),
      f2(m.machineBusyCores),
      f0(m.peakRssMB),
      f0(m.kBPerSecond),
      f0(m.connectMs),
      f0(m.keyMs),
      ratio,
    ];
  });
  const lines = [header, header.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function machine() {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  return { nproc: os.availableParallelism(), cpu, kernel: os.release(), memoryGB: Math.round(os.totalmem() / 2 ** 30) };
}

// ---------------------------------------------------------------- main

const cleanups: (() => Promise<unknown>)[] = [];
async function cleanupAll(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  warmupMs = options.warmupMs;
  captureIntervalUs = options.captureIntervalUs;
  traceDir = options.traceDir;
  if (traceDir) mkdirSync(traceDir, { recursive: true });
  profileDir = options.profileDir;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  let clients = options.clients.map((id) => {
    const client = ALL_CLIENTS.find((c) => c.id === id);
    if (!client) throw new Error(`unknown client ${id}; known: ${ALL_CLIENTS.map((c) => c.id).join(', ')}`);
    return client;
  });
  if (options.compare && !clients.some((c) => c.atBuild)) throw new Error('--compare needs at least one of our clients in --clients');
  const binaries = buildNative();
  xcaptureBinary = binaries.xcapture;
  const freeRdpDecoder = options.decoders ? buildFreeRdpDecoder(binDir, here) : null;
  if (freeRdpDecoder && 'missing' in freeRdpDecoder) console.error(freeRdpDecoder.missing);
  const decoderRows: DecoderRow[] = [];
  if (clients.some((c) => c.id === 'novnc-1.7')) novncPageDir = await buildNovncPage();
  if (options.buildApp && (options.decoders || clients.some((c) => c.ours))) execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
  if (options.compare) {
    const other = buildRevision(options.compare);
    // Each of ours directly followed by its twin, so the rotation of clients between runs alternates them.
    clients = clients.flatMap((c) => (c.atBuild ? [c, c.atBuild(other)] : [c]));
  }

  const started = new Date();
  const captureCost: CaptureCost[] = [];
  if (!options.smoke && clients.some((c) => c.native)) {
    for (const interval of [options.captureIntervalUs, 0]) captureCost.push(await measureCaptureCost(binaries.frameclock, interval, options.fps));
    for (const c of captureCost)
      console.error(
        `capture loop alone (interval ${c.intervalUs} µs): ${c.samplesPerSecond.toFixed(0)} samples/s, ${c.cpuPerSecond.toFixed(3)} CPU s/s itself + ${c.displayCpuPerSecond.toFixed(3)} in its Xvfb, latency p50 ${c.latencyP50.toFixed(1)} ms`,
      );
  }

  const cases: CaseResult[] = [];
  const generator: string[] = [];
  for (const [width, height] of options.sizes) {
    const size = `${width}x${height}`;
    const protocols = [...new Set(clients.map((c) => c.protocol))];
    for (const protocol of protocols) {
      const cleanupsBefore = cleanups.length;
      let server: ServerUnderTest;
      if (protocol === 'vnc') {
        const xvnc: XvncServer = await startXvnc({ width, height, xterm: false, ...(options.vncSecurity !== 'None' ? { securityTypes: options.vncSecurity } : {}) });
        cleanups.push(() => disposeXvnc(xvnc));
        server = { protocol, port: xvnc.port, display: xvnc.display, pids: () => [xvnc.pid()].filter((pid): pid is number => pid !== undefined), security: options.vncSecurity };
      } else {
        const shadow: ShadowAtSize = await startShadow(width, height, protocol === 'rdp-nla' ? { nla: RDP_ACCOUNT } : {});
        cleanups.push(() => shadow.stop());
        server = { protocol, port: shadow.port, display: shadow.display, pids: shadow.pids };
      }
      if (options.linkDelayMs > 0) {
        // The clients connect to the relay (the bytes are read on its port: the same bytes); the server's CPU as before.
        const relay = await startFaultRelay(server.port, '127.0.0.1', { delayMs: options.linkDelayMs });
        cleanups.push(() => relay.close());
        server = { ...server, port: relay.port };
      }
      for (const scenario of options.scenarios) {
        const ofProtocol = clients.filter((c) => c.protocol === protocol && (!c.scenarios || c.scenarios.includes(scenario)));
        if (ofProtocol.length === 0) continue;
        // Each run at its own phase of the clock against the browser's animation frames, every client of the run at the same one.
        const clock = await startFrameClock(binaries.frameclock, server.display, scenario, options.fps, options.runs);
        const results = ofProtocol.map<CaseResult>((c) => ({ size, scenario, fps: options.fps, protocol, client: c.id, label: c.label, ours: c.ours, ...(c.native ? { native: true } : {}), ...(c.baselineOf ? { baselineOf: c.baselineOf } : {}), runs: [], errors: [] }));
        cases.push(...results);
        try {
          for (let run = 0; run < options.runs; run++) {
            if (run > 0) clock.shiftPhase();
            // Alternate: each run starts with the next client, so no client always goes first.
            for (let k = 0; k < ofProtocol.length; k++) {
              const index = (k + run) % ofProtocol.length;
              const client = ofProtocol[index]!;
              const keys = scenario === 'region' || options.smoke ? options.keys : 0;
              console.error(`${size} ${scenario} ${client.id} run ${run + 1}/${options.runs}…`);
              try {
                const result = await client.run({ server, width, height, seconds: options.seconds, keys, clockPid: clock.pid, fps: options.fps });
                results[index]!.runs.push(result);
                console.error(
                  `  ${result.summary.framesPerSecond.toFixed(1)} frames/s, p50 ${result.summary.latency.p50.toFixed(0)} ms, p95 ${result.summary.latency.p95.toFixed(0)} ms, CPU ${result.cpuPerSecond.toFixed(2)} s/s (server ${result.serverCpuPerSecond.toFixed(2)}, frame clock ${result.frameClockCpuPerSecond.toFixed(2)}, cores busy ${result.machineBusyCores.toFixed(2)}), connect ${result.connectMs.toFixed(0)} ms, keys ${result.keyLatencyMs.map((v) => v.toFixed(0)).join(' ')}${
                    result.cpuByRole ? `, CPU by process: ${Object.entries(result.cpuByRole).filter(([, v]) => v >= 0.005).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}` : ''
                  }${result.devToolsClients ? `, pages with a DevTools client: ${result.devToolsClients.driven ?? 'unknown'} while driven, ${result.devToolsClients.measured ?? 'unknown'} while measured` : ''}`,
                );
              } catch (error) {
                results[index]!.errors.push(String((error as Error).stack ?? error));
                console.error(`  failed: ${(error as Error).message.split('\n')[0]}`);
              }
            }
          }
          if (options.decoders && protocol === 'rdp' && (scenario === 'full' || scenario === 'scroll')) {
            console.error(`${size} ${scenario} decoders: an ours-rdp run keeping ${KEPT_MESSAGES} of the gateway's RemoteFX deliveries to the page…`);
            try {
              decoderRows.push(await compareDecoders(size, scenario, { server, width, height, seconds: options.seconds, keys: 0, clockPid: clock.pid, fps: options.fps }, freeRdpDecoder));
            } catch (error) {
              decoderRows.push({ size, scenario, error: (error as Error).message.split('\n')[0]! });
              console.error(`  failed: ${(error as Error).message.split('\n')[0]}`);
            }
          }
        } finally {
          generator.push(`${size} ${protocol} ${await clock.stop()}`);
        }
      }
      while (cleanups.length > cleanupsBefore) await cleanups.pop()!();
    }
  }
  for (const c of cases) aggregate(c);
  const frameIntervalMs = 1000 / (options.fps || 60);
  addRatios(cases, frameIntervalMs);
  const targets = verdicts(cases, frameIntervalMs);

  const text = table(cases, options.runs);
  const info = machine();
  console.log(`\nDeskBridge speed bench, ${started.toISOString()}, ${info.nproc} × ${info.cpu}, frame clock paced at ${options.fps || 'unpaced'} frames/s, ${options.seconds} s × ${options.runs} runs${options.linkDelayMs > 0 ? `, every client through a relay holding each chunk ${options.linkDelayMs} ms each way` : ''}${options.vncSecurity !== 'None' ? `, VNC security ${options.vncSecurity}` : ''}\n`);
  console.log(text);
  if (captureCost.length > 0)
    console.log(
      `\nCapture loop alone: ${captureCost.map((c) => `${c.intervalUs ? `every ${c.intervalUs} µs` : 'unpaced'}: ${c.samplesPerSecond.toFixed(0)} samples/s, ${c.cpuPerSecond.toFixed(3)} CPU s/s + ${c.displayCpuPerSecond.toFixed(3)} in Xvfb`).join('; ')}`,
    );
  if (targets.length > 0) console.log(`\n${verdictText(targets, frameIntervalMs)}`);
  console.log(`\nFrame clock: ${generator.join('\n             ')}`);
  if (options.decoders) console.log(`\n${decoderTable(decoderRows, freeRdpDecoder)}`);
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ date: started.toISOString(), machine: info, options, captureCost, generator, cases, table: text, targets, ...(options.decoders ? { decoders: decoderRows } : {}) }, null, 2));
  console.log(`\nWrote ${path.relative(root, file)}`);
  const failed = cases.filter((c) => c.runs.length === 0 || (options.smoke && c.runs.some((r) => r.summary.framesSeen === 0)));
  for (const c of failed) console.error(`no result for ${c.size} ${c.scenario} ${c.client}: ${c.errors[0] ?? 'no frames seen'}`);
  const decodersFailed = decoderRows.filter((r) => 'error' in r);
  for (const r of decodersFailed) console.error(`no decoder figures for ${r.size} ${r.scenario}: ${'error' in r ? r.error : ''}`);
  return failed.length + decodersFailed.length > 0 ? 1 : 0;
}

// ---------------------------------------------------------------- decoders (--decoders)

type DecoderRow =
  | {
      size: string;
      scenario: Scenario;
      messages: number;
      kbPerMessage: number;
      tilesPerMessage: number;
      ours: { wallMs: number; cpuMs: number };
      freeRdp: { wallMs: number; cpuMs: number; decoded: number } | null;
      /** The desktops both painted from the messages: the largest colour difference, the share of pixels off by more than 2. */
      agreement: { maxDifference: number; shareBeyond: number } | null;
    }
  | { size: string; scenario: Scenario; error: string };

async function compareDecoders(size: string, scenario: Scenario, context: RunContext, helper: { path: string } | { missing: string } | null): Promise<DecoderRow> {
  const ours = ALL_CLIENTS.find((c) => c.id === 'ours-rdp')!;
  const run = await ours.run({ ...context, keepRemoteFx: KEPT_MESSAGES });
  const messages = run.remoteFx ?? [];
  if (messages.length < 2) throw new Error(`the page kept ${messages.length} RemoteFX messages; is it decoding RemoteFX itself?`);
  const kb = messages.reduce((n, m) => n + m.data.length, 0) / 1024 / messages.length;
  // One thread here against FreeRDP's pool: CPU per message is the like-for-like figure.
  const oursCost = await oursDecodeCost(messages, DECODE_PASSES);
  const decoded = helper && 'path' in helper ? freeRdpDecodeCost(helper.path, binDir, messages, context.width, context.height, DECODE_PASSES) : null;
  const agreement = decoded ? screenDifference(await oursScreen(messages, context.width, context.height), decoded.screen) : null;
  const freeRdp = decoded ? { wallMs: decoded.wallMs, cpuMs: decoded.cpuMs, decoded: decoded.decoded } : null;
  console.error(
    `  ${messages.length} messages, ${kb.toFixed(0)} KB and ${oursCost.tilesPerMessage.toFixed(0)} tiles each: ours ${oursCost.cpuMs.toFixed(1)} ms CPU a message${
      freeRdp && agreement
        ? `, FreeRDP ${freeRdp.cpuMs.toFixed(1)} ms CPU (${freeRdp.wallMs.toFixed(1)} ms wall on its thread pool; ${freeRdp.decoded} of ${messages.length} decoded); the desktops they paint differ by at most ${agreement.maxDifference} in a colour value`
        : ''
    }`,
  );
  return { size, scenario, messages: messages.length, kbPerMessage: kb, tilesPerMessage: oursCost.tilesPerMessage, ours: { wallMs: oursCost.wallMs, cpuMs: oursCost.cpuMs }, freeRdp, agreement };
}

function decoderTable(rows: readonly DecoderRow[], helper: { path: string } | { missing: string } | null): string {
  const header = ['size', 'scenario', 'messages', 'KB a message', 'tiles a message', 'ours ms CPU (one thread)', 'FreeRDP ms CPU', 'FreeRDP ms wall (its thread pool)', 'ours ÷ FreeRDP CPU', 'pictures: largest colour difference, pixels off by > 2'];
  const lines = rows.map((r) => {
    if ('error' in r) return [r.size, r.scenario, `failed: ${r.error}`, '', '', '', '', '', '', ''];
    const f = r.freeRdp;
    const a = r.agreement;
    return [
      r.size,
      r.scenario,
      String(r.messages),
      r.kbPerMessage.toFixed(0),
      r.tilesPerMessage.toFixed(0),
      r.ours.cpuMs.toFixed(1),
      f ? f.cpuMs.toFixed(1) : '–',
      f ? f.wallMs.toFixed(1) : '–',
      f ? (r.ours.cpuMs / f.cpuMs).toFixed(2) : '–',
      a ? `${a.maxDifference}, ${(a.shareBeyond * 100).toFixed(2)} %` : '–',
    ];
  });
  const note = helper && 'missing' in helper ? `\n${helper.missing}` : '';
  return `RemoteFX decoding, the same messages (median of ${DECODE_PASSES} passes, ms a message):\n${[header, header.map(() => '---'), ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n')}${note}`;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    void cleanupAll().then(() => process.exit(130));
  });

main()
  .then(async (code) => {
    await cleanupAll();
    process.exit(code);
  })
  .catch(async (error) => {
    console.error(error);
    await cleanupAll();
    process.exit(1);
  });
