// Thin-client kiosk mode and sessions that survive the network, end to end:
// the browser shell in kiosk mode configured by a policy file, real Xvnc and
// freerdp-shadow servers, and a fault-injection relay between gateway and server.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startXvnc, disposeXvnc, type XvncServer } from '../servers/xvnc';
import { startFreerdpShadow } from '../servers/freerdpShadow';
import { startFaultRelay, type FaultRelay } from '../servers/faultRelay';
import { freePort, waitForPort } from '../servers/processes';
import { hexColour } from '../servers/xwd';
import { DEFAULT_RELAY_TIMEOUTS } from '../../electron/gateway/bridges/tcpRelay';
import { startApp, removeDataDir, ROOT, type RunningApp } from '../support/app';
import { apiFromPage, openBrowser, type TestBrowser } from '../support/browser';
import { median, watchFirstFrame } from '../support/measure';
import { pagePointFor, sessionView, waitForCanvasColour } from '../support/ui';
import { messageFor } from '../../shared/errors/errorCodes';
import { sha256Fingerprint } from '../../electron/gateway/certificates/certificateTrust';

const BLUE = hexColour('#336699');
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

interface Kiosk {
  app: RunningApp;
  browser: TestBrowser;
  /** The policy file the app reads (and watches). */
  policyFile: string;
  restart(): Promise<void>;
}

async function startKiosk(port: number, extra: { protocol?: 'vnc' | 'rdp'; host?: string; onSessionEnd?: string; username?: string; pins?: Record<string, string[]>; open?: boolean; savedPassword?: string } = {}): Promise<Kiosk> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-kiosk-'));
  const policyFile = path.join(dir, 'policy.json');
  await writeFile(
    policyFile,
    JSON.stringify({
      schemaVersion: 1,
      profiles: [{ id: 'desk', name: 'Front desk', protocol: extra.protocol ?? 'vnc', host: extra.host ?? '127.0.0.1', port, username: extra.username ?? '', rdpSecurity: 'tls' }],
      kiosk: { enabled: true, profile: 'desk', onSessionEnd: extra.onSessionEnd ?? 'reconnect' },
      certificatePins: extra.pins ?? {},
      reconnect: { maxDelaySeconds: 2 },
    }),
  );
  const env = { ...process.env, DESKBRIDGE_SECRETS: 'file' };
  // As IT provisions a device: the password saved once with the command, before the kiosk first starts.
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-kiosk-data-'));
  if (extra.savedPassword !== undefined) {
    const saved = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'deskbridge.mjs'), '--save-password', 'Front desk', '--policy', policyFile, '--data-dir', dataDir], {
      encoding: 'utf8',
      input: `${extra.savedPassword}\n`,
      env: { ...env, DESKBRIDGE_SECRETS_KEY_DIR: path.join(dataDir, '..', `${path.basename(dataDir)}-keys`) },
    });
    assert.equal(saved.status, 0, saved.stderr);
  }
  const kiosk: Kiosk = {
    app: await startApp({ env, dataDir, args: ['--policy', policyFile] }),
    browser: await openBrowser({ origin: 'http://127.0.0.1' }),
    policyFile,
    async restart() {
      await kiosk.app.stop();
      kiosk.app = await startApp({ env, dataDir: kiosk.app.dataDir, args: ['--policy', policyFile] });
    },
  };
  await kiosk.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: kiosk.app.origin });
  cleanups.push(async () => {
    await kiosk.browser.close();
    await kiosk.app.stop();
    await removeDataDir(kiosk.app.dataDir);
    await rm(dir, { recursive: true, force: true });
  });
  if (extra.open !== false) await kiosk.browser.page.goto(kiosk.app.url);
  return kiosk;
}

/** The retrying overlay: "Reconnecting…" once the desktop was shown, "Connecting…" before (a kiosk at boot). */
async function reconnectingShown(page: TestBrowser['page']): Promise<string> {
  const status = page.getByText(/(Reconnecting|Connecting)… \(attempt \d+\)/);
  await status.waitFor({ timeout: 15_000 });
  return (await status.textContent()) ?? '';
}

test('kiosk starts straight into the desktop, shows no way out, and keeps it through a server restart', async (t) => {
  const server = await startXvnc({ background: '#336699' });
  cleanups.push(() => disposeXvnc(server));
  const kiosk = await startKiosk(server.port, { open: false });
  const { page } = kiosk.browser;

  // App start (process spawn) to first frame, ten times: a fresh app and page load each time.
  const startTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = Date.now();
    await kiosk.restart();
    await page.goto(kiosk.app.url);
    await waitForCanvasColour(page, 1000, 740, BLUE, 15_000);
    startTimes.push(Date.now() - started);
  }
  t.diagnostic(`kiosk app start to first frame ms: median ${median(startTimes)} (${startTimes.join(', ')})`);
  figures.kioskStartToFirstFrameMs = { median: median(startTimes), runs: startTimes };

  // Nothing visible leads out: no buttons, links or fields outside the remote desktop.
  const controls = await page.locator('button:visible, a:visible, input:visible, select:visible, textarea:visible').count();
  assert.equal(controls, 0, 'visible controls in kiosk mode');
  for (const combo of ['Alt+F4', 'Control+w', 'Control+t', 'Control+n', 'Control+l', 'F11', 'Escape', 'Control+Shift+I']) {
    await page.keyboard.press(combo);
  }
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(kiosk.browser.context.pages().length, 1, 'no new window or tab');
  assert.equal(new URL(page.url()).origin, kiosk.app.origin);
  await waitForCanvasColour(page, 1000, 740, BLUE);

  // The server goes away: a full-screen reconnect status, then the desktop comes back by itself.
  await server.stop();
  const shown = await reconnectingShown(page);
  assert.match(shown, /attempt \d+/);
  assert.equal(await page.getByRole('button', { name: 'Cancel' }).count(), 0, 'no Cancel in kiosk mode');
  await new Promise((r) => setTimeout(r, 3000));
  await server.startAgain();
  const listening = Date.now();
  await waitForCanvasColour(page, 1000, 740, BLUE, 15_000);
  const back = Date.now() - listening;
  t.diagnostic(`VNC: server listening to desktop back: ${back} ms`);
  figures.vncServerBackToDesktopMs = back;
  assert.ok(back < 5000, `desktop back ${back} ms after the server listened`);
});

test('a VNC kiosk whose password IT saved with --save-password boots straight into the desktop, asking nothing', async () => {
  const server = await startXvnc({ background: '#336699', password: 'Kiosk-34' });
  cleanups.push(() => disposeXvnc(server));
  const kiosk = await startKiosk(server.port, { savedPassword: 'Kiosk-34' });
  const { page } = kiosk.browser;
  await waitForCanvasColour(page, 1000, 740, BLUE, 15_000);
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'no one was asked for the password');
});

test('a cut link comes back with the typed text still there and no prompt; a black-holed link is found by the probe', async (t) => {
  const server = await startXvnc({ background: '#336699', password: 'Kiosk-12' });
  cleanups.push(() => disposeXvnc(server));
  const relay = await startFaultRelay(server.port);
  cleanups.push(() => relay.close());
  const kiosk = await startKiosk(relay.port);
  const { page } = kiosk.browser;
  const prompt = page.getByRole('dialog', { name: 'Password required' });
  await prompt.waitFor({ timeout: 15_000 });
  assert.equal(await prompt.getByLabel('Remember password').count(), 0, 'a shared kiosk never remembers passwords');
  await prompt.getByLabel('Password', { exact: true }).fill('Kiosk-12');
  await prompt.getByRole('button', { name: 'Sign in' }).click();
  await waitForCanvasColour(page, 1000, 740, BLUE, 15_000);

  const into = await pagePointFor(page, 200, 150);
  await page.mouse.click(into.x, into.y);
  await page.keyboard.type('echo kept-across-the-cut > kept.txt', { delay: 10 });
  relay.cutAll();
  await reconnectingShown(page);
  await waitForCanvasColour(page, 1000, 740, BLUE, 15_000);
  assert.equal(await prompt.count(), 0, 'no password prompt after the reconnect');
  const again = await pagePointFor(page, 200, 150);
  await page.mouse.click(again.x, again.y);
  await page.keyboard.press('Enter');
  let kept = '';
  for (let i = 0; i < 50 && !kept; i++) {
    kept = await readFile(path.join(server.workDir, 'kept.txt'), 'utf8').catch(() => '');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(kept, 'kept-across-the-cut\n', 'the text typed before the cut was still in the remote xterm');

  // Packets black-holed, the TCP connection still "up": only the probe can tell.
  const blackHoled = Date.now();
  relay.blackHole(true);
  await reconnectingShown(page);
  const detected = Date.now() - blackHoled;
  t.diagnostic(`black-holed link detected in ${detected} ms`);
  assert.ok(detected < 15_000, `detected after ${detected} ms`);
  relay.blackHole(false);
  relay.cutAll();
  await waitForCanvasColour(page, 1000, 740, BLUE, 20_000);
  assert.equal(await prompt.count(), 0);
});

test('an idle session stays up for 60 s (the probe never mistakes quiet for dead)', async () => {
  const server = await startXvnc({ background: '#336699', xterm: false });
  cleanups.push(() => disposeXvnc(server));
  const relay = await startFaultRelay(server.port);
  cleanups.push(() => relay.close());
  const kiosk = await startKiosk(relay.port);
  await waitForCanvasColour(kiosk.browser.page, 1000, 740, BLUE, 15_000);
  const connections = relay.connections.length;
  await new Promise((r) => setTimeout(r, 60_000));
  assert.equal(relay.connections.length, connections, 'no reconnect happened');
  assert.equal(relay.connections.at(-1)!.closed, false);
  assert.equal(await kiosk.browser.page.getByText(/(Reconnecting|Connecting)… \(attempt/).count(), 0);
});

test('a wrong password stops retrying and says why; the app started before its server connects once it listens', async () => {
  const port = await freePort();
  const kiosk = await startKiosk(port);
  const { page } = kiosk.browser;
  await reconnectingShown(page); // booted before the network/server: it retries, it does not give up
  const server = await startXvnc({ background: '#336699', password: 'Right-pw', port });
  cleanups.push(() => disposeXvnc(server));
  const prompt = page.getByRole('dialog', { name: 'Password required' });
  await prompt.waitFor({ timeout: 15_000 });
  await prompt.getByLabel('Password', { exact: true }).fill('wrong-pw');
  await prompt.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor({ timeout: 10_000 });
  assert.ok(((await alert.textContent()) ?? '').includes(messageFor('auth-failed')));
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(await page.getByText(/(Reconnecting|Connecting)… \(attempt/).count(), 0, 'no retries after a wrong password');
  await alert.getByRole('button', { name: 'Try again' }).click();
  await prompt.waitFor({ timeout: 15_000 });
  await prompt.getByLabel('Password', { exact: true }).fill('Right-pw');
  await prompt.getByRole('button', { name: 'Sign in' }).click();
  await waitForCanvasColour(page, 1000, 740, BLUE, 15_000);
});

test('session-end actions: reconnect, a "Connect again" screen, quit', async () => {
  const server = await startXvnc({ background: '#336699', xterm: false });
  cleanups.push(() => disposeXvnc(server));
  for (const action of ['reconnect', 'launcher', 'quit'] as const) {
    const kiosk = await startKiosk(server.port, { onSessionEnd: action });
    const { page } = kiosk.browser;
    await waitForCanvasColour(page, 1000, 740, BLUE, 15_000);
    const sessionId = await sessionView(page).getAttribute('data-session-id');
    assert.ok(sessionId, 'the session view names its gateway session');
    const exited = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        try {
          process.kill(kiosk.app.pid, 0);
        } catch {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    });
    // The session ends from outside this page (the app, an administrator).
    assert.equal((await apiFromPage(page, 'DELETE', `/api/sessions/${sessionId}`)).status, 204);
    if (action === 'reconnect') {
      await page.waitForFunction((old) => document.querySelector('.session-view')?.getAttribute('data-session-id') !== old, sessionId, { timeout: 15_000 });
      await waitForCanvasColour(page, 1000, 740, BLUE, 15_000);
    } else if (action === 'launcher') {
      const again = page.getByRole('button', { name: 'Connect again' });
      await again.waitFor({ timeout: 10_000 });
      await again.click();
      await waitForCanvasColour(page, 1000, 740, BLUE, 15_000);
    } else {
      await Promise.race([exited, new Promise((_, reject) => setTimeout(() => reject(new Error('the app did not quit')), 10_000))]);
    }
  }
});

test('RDP: the server restarts, the session comes back without asking again', async (t) => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#336699' });
  cleanups.push(() => server.stop());
  const pem = await readFile(path.join(server.dir, 'config', 'freerdp', 'shadow', 'shadow.crt'), 'utf8');
  const pin = sha256Fingerprint(new X509Certificate(pem).raw);
  const kiosk = await startKiosk(server.port, { protocol: 'rdp', username: 'ann', pins: { '127.0.0.1': [pin] } });
  const { page } = kiosk.browser;
  await signInToShadow(page, 15_000);
  await waitForCanvasColour(page, 1000, 740, BLUE, 20_000);
  // The 1024×768 desktop sits in the middle of the screen, down as well as across (as a VNC one does).
  const box = await page.locator('.session-surface canvas').first().boundingBox();
  const screen = page.viewportSize();
  assert.ok(box && screen, 'the desktop and the screen have sizes');
  assert.ok(Math.abs(box.y - (screen.height - box.y - box.height)) <= 1 && Math.abs(box.x - (screen.width - box.x - box.width)) <= 1, `desktop at ${JSON.stringify(box)} in ${JSON.stringify(screen)}`);
  const before = await sessionView(page).getAttribute('data-session-id');
  await server.restart();
  await waitForPort(server.port);
  const listening = Date.now();
  // A new gateway session proves the drop was seen and the session reopened.
  await page.waitForFunction((old) => document.querySelector('.session-view')?.getAttribute('data-session-id') !== old, before, { timeout: 20_000 });
  await waitForCanvasColour(page, 1000, 740, BLUE, 20_000);
  const back = Date.now() - listening;
  t.diagnostic(`RDP: server listening to desktop back: ${back} ms`);
  figures.rdpServerBackToDesktopMs = back;
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'no prompt again');
  assert.ok(back < 5000, `desktop back ${back} ms after the server listened`);
});

/** freerdp-shadow without authentication takes any password; IronRDP needs one to connect. */
async function signInToShadow(page: TestBrowser['page'], timeout: number): Promise<void> {
  const prompt = page.getByRole('dialog', { name: 'Password required' });
  await prompt.waitFor({ timeout });
  await prompt.getByLabel('Password', { exact: true }).fill('any');
  await prompt.getByRole('button', { name: 'Sign in' }).click();
}

test('a pinned certificate the server no longer shows: the kiosk says whom to tell and which certificate it met, asks nothing, and sends nothing', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#336699' });
  cleanups.push(() => server.stop());
  const pem = await readFile(path.join(server.dir, 'config', 'freerdp', 'shadow', 'shadow.crt'), 'utf8');
  const met = sha256Fingerprint(new X509Certificate(pem).raw);
  // The pin IT set is of another certificate (the server was replaced, or something sits in between).
  const kiosk = await startKiosk(server.port, { protocol: 'rdp', username: 'ann', pins: { '127.0.0.1': [sha256Fingerprint(Buffer.alloc(32))] } });
  const { page } = kiosk.browser;
  const alert = page.getByRole('alert').filter({ hasText: 'Tell your IT department' });
  await alert.waitFor({ timeout: 15_000 });
  const text = (await alert.textContent()) ?? '';
  assert.match(text, /not the one your organisation set for this device/);
  assert.match(text, new RegExp(`The certificate it showed \\(.+, issued by .+\\) has the SHA-256 fingerprint ${met}\\.`));
  // The desktop's message (which speaks of "your organisation pinned") is there for IT, under Details.
  await alert.getByText('Details').click();
  await alert.getByText(messageFor('certificate-policy-mismatch')).waitFor();
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'no password asked for a server that failed its check');
  await alert.getByRole('button', { name: 'Try again' }).waitFor();
  // It says it tries again by itself (ten times this policy's 2-s reconnect cap)…
  await alert.getByText('This device tries again by itself every 20 seconds.').waitFor();
  // …so once IT mends the pin, the kiosk comes back with no one pressing Try again.
  const policy = JSON.parse(await readFile(kiosk.policyFile, 'utf8'));
  await writeFile(kiosk.policyFile, JSON.stringify({ ...policy, certificatePins: { '127.0.0.1': [met] } }));
  const mended = Date.now();
  await signInToShadow(page, 40_000);
  figures.kioskSignInAfterPinMendedMs = Date.now() - mended;
  await waitForCanvasColour(page, 1000, 740, hexColour('#336699'), 20_000);
});

test('an RDP kiosk at boot asks about an unknown certificate with "Trust once" only; a certificate that then changes is refused, not asked about', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#336699' });
  cleanups.push(() => server.stop());
  const kiosk = await startKiosk(server.port, { protocol: 'rdp', username: 'ann' });
  const { page } = kiosk.browser;
  const dialog = page.getByRole('dialog').filter({ hasText: 'Check the server\u2019s identity' });
  await dialog.waitFor({ timeout: 15_000 });
  assert.equal(await dialog.getByRole('button', { name: 'Trust always' }).count(), 0, 'no one at a shared device pins a certificate for all');
  assert.equal(await page.getByText(/Connecting… \(attempt/).count(), 0, 'no "Connecting…" under the question');
  await dialog.getByRole('button', { name: 'Trust once' }).click();
  await signInToShadow(page, 15_000);
  await waitForCanvasColour(page, 1000, 740, hexColour('#336699'), 20_000);

  // The server comes back with another certificate (replaced, or something now sits in between).
  await server.restart({ newCertificate: true });
  const alert = page.getByRole('alert').filter({ hasText: 'Tell your IT department' });
  await alert.waitFor({ timeout: 30_000 });
  assert.match((await alert.textContent()) ?? '', /not the one this device trusted before/);
  assert.equal(await page.getByRole('dialog').count(), 0, 'nothing to trust on the spot');
});

test('a kiosk booting while its server does not answer says what it is doing at once, not a blank screen until the first attempt gives up', async () => {
  const server = await startXvnc({ background: '#336699' });
  cleanups.push(() => disposeXvnc(server));
  // The link is up but nothing comes back (a network still coming up): the first attempt waits seconds for a greeting.
  const relay = await startFaultRelay(server.port);
  cleanups.push(() => relay.close());
  relay.blackHole(true);
  const kiosk = await startKiosk(relay.port, { open: false });
  const { page } = kiosk.browser;
  const opened = Date.now();
  await page.goto(kiosk.app.url);
  // Said while that first attempt still waits (it gives up after the gateway's greeting timeout): on an idle machine
  // in well under a second; the bound is the attempt's own, since loading the page alone took 3 s on a loaded one.
  const attemptGivesUpMs = DEFAULT_RELAY_TIMEOUTS.greetingMs;
  await page.getByRole('status').filter({ hasText: 'Connecting to Front desk…' }).waitFor({ timeout: attemptGivesUpMs });
  const said = Date.now() - opened;
  assert.ok(said < attemptGivesUpMs, `said after ${said} ms`);
  figures.kioskConnectingShownMs = said;
  relay.blackHole(false);
  await waitForCanvasColour(page, 1000, 740, hexColour('#336699'), 20_000);
});

test('a host name that cannot be looked up (a thin client booting before its network): the kiosk keeps trying, with growing pauses, and says why', async () => {
  const kiosk = await startKiosk(5900, { host: 'deskbridge-kiosk-test.invalid' });
  const { page } = kiosk.browser;
  // Never connected: "Connecting…", the name it looks for, and no word of a session kept on the remote computer.
  assert.match(await reconnectingShown(page), /^Connecting… \(attempt \d+\)$/);
  await page.getByText('The remote computer\u2019s name (deskbridge-kiosk-test.invalid) cannot be looked up. Check that this device is connected to the network.', { exact: false }).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByText(/keeps running there/).count(), 0);
  const first = Number(/attempt (\d+)/.exec(await reconnectingShown(page))?.[1]);
  await new Promise((r) => setTimeout(r, 5000));
  const later = Number(/attempt (\d+)/.exec(await reconnectingShown(page))?.[1]);
  // Pauses of 0.25–0.5 s, growing to 1–2 s (this policy's cap): a handful of attempts in 5 s, not a tight loop.
  assert.ok(later > first && later - first <= 12, `attempts ${first} → ${later} in 5 s`);
  assert.equal(await page.getByRole('alert').count(), 0, 'no error box: nothing for the user to do');
});

/**
 * Signs in to a VNC server with a wrong password, as another client on this machine would (TigerVNC's blacklist
 * counts failures by address), until the server refuses before any sign-in (at most `times` tries); each time, the
 * server's answer: "1" (failed) and its reason, or "blocked" and its reason.
 */
async function failVncSignIns(port: number, times: number): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < times && !answers.at(-1)?.startsWith('blocked'); i++) {
    answers.push(
      await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let received = Buffer.alloc(0);
        let step = 0;
        socket.on('data', (chunk) => {
          received = Buffer.concat([received, chunk]);
          if (step === 0 && received.length >= 12) {
            socket.write('RFB 003.008\n');
            received = received.subarray(12);
            step = 1;
          }
          if (step === 1 && received.length >= 1 && received.length >= 1 + (received[0] as number)) {
            const types = [...received.subarray(1, 1 + (received[0] as number))];
            if (types.length === 0 && received.length >= 5 && received.length >= 5 + received.readUInt32BE(1)) {
              // Refused before any sign-in: the block is on.
              resolve(`blocked ${received.subarray(5, 5 + received.readUInt32BE(1)).toString('latin1')}`);
              return socket.destroy();
            }
            if (!types.includes(2)) return;
            socket.write(Buffer.from([2]));
            received = received.subarray(1 + (received[0] as number));
            step = 2;
          }
          if (step === 2 && received.length >= 16) {
            socket.write(Buffer.alloc(16)); // not the DES of the challenge under the password
            received = received.subarray(16);
            step = 3;
          }
          if (step === 3 && received.length >= 8 && received.length >= 8 + received.readUInt32BE(4)) {
            resolve(`${received.readUInt32BE(0)} ${received.subarray(8, 8 + received.readUInt32BE(4)).toString('latin1')}`);
            socket.destroy();
          }
        });
        socket.on('error', reject);
        socket.setTimeout(5000, () => reject(new Error(`no answer from the VNC server at step ${step}`)));
      }),
    );
  }
  return answers;
}

test('a server refusing sign-ins after too many failures (TigerVNC\u2019s blacklist): the kiosk says so with the server\u2019s words while it retries, and signs in once the wait is over', async () => {
  const server = await startXvnc({ background: '#336699', password: 'Kiosk-56', xterm: false, blacklist: { threshold: 3, timeoutSeconds: 10 } });
  cleanups.push(() => disposeXvnc(server));
  // Someone else on this device got the password wrong three times: the server now refuses this address for 10 s.
  const failures = await failVncSignIns(server.port, 6);
  assert.ok(failures.at(-1)?.startsWith('blocked ') && failures.slice(0, -1).every((answer) => answer.startsWith('1 ')), failures.join(' | '));
  const blockedAt = Date.now();
  const kiosk = await startKiosk(server.port, { savedPassword: 'Kiosk-56' });
  const { page } = kiosk.browser;
  assert.match(await reconnectingShown(page), /^Connecting… \(attempt \d+\)$/);
  await page.getByText(messageFor('sign-in-blocked')).waitFor({ timeout: 10_000 });
  // The server's own words, as the error box would show them, under the retrying message.
  await page.locator('.session-overlay.reconnecting').getByText(/^The remote computer said: “Too many security failures”\.$/).waitFor({ timeout: 5_000 });
  assert.equal(await page.getByRole('alert').count(), 0, 'no error box: the kiosk waits by itself');
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'the saved password is not blamed');
  // Once the block is over (10 s after the last failure), it signs in with the saved password.
  await waitForCanvasColour(page, 1000, 740, BLUE, 40_000);
  assert.ok(Date.now() - blockedAt >= 9_000, 'not before the server\u2019s wait was over');
});

const figures: Record<string, unknown> = {};
after(async () => {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  await writeFile(path.join(ROOT, 'test-results', 'figures-kiosk.json'), JSON.stringify({ measuredAt: new Date().toISOString(), ...figures }, null, 2));
});
