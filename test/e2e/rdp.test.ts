// RDP end to end through the real UI: IronRDP in Chromium, the gateway as its
// RDCleanPath endpoint, real freerdp-shadow servers (TLS, and NLA against a
// SAM file), a counting relay in front of one of them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startFreerdpShadow, type ShadowServer } from '../servers/freerdpShadow';
import { startFaultRelay } from '../servers/faultRelay';
import { close, hexColour } from '../servers/xwd';
import { startAppWithBrowser } from '../support/app';
import type { TestBrowser } from '../support/browser';
import { canvasPixels, createProfile, dropFile, pagePointFor, sessionView, tabBackToDesktop, trustCertificate, waitFor, waitForCanvasColour, waitForState } from '../support/ui';
import { messageFor } from '../../shared/errors/errorCodes';
import { FILES_NO_REMOTE_CLIPBOARD, RDP_CLIPBOARD_NOT_OPENED } from '../../renderer/session/remoteSession';
import { TICKET_TTL_MS } from '../../electron/gateway/tickets/sessionTickets';
import { sha256Fingerprint } from '../../electron/gateway/certificates/certificateTrust';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function assertMatchesServer(page: TestBrowser['page'], server: ShadowServer) {
  const points: [number, number][] = [];
  for (let x = 20; x < 1024; x += 97) for (let y = 15; y < 768; y += 71) points.push([x, y]);
  await new Promise((r) => setTimeout(r, 500));
  const [shown, screen] = await Promise.all([canvasPixels(page, points), server.screen()]);
  const mismatches = points.filter((p, i) => !close(shown[i]!, screen.pixel(p[0], p[1]), 24));
  assert.ok(mismatches.length <= 3, `canvas differs from the server at ${mismatches.length} of ${points.length} points, e.g. ${JSON.stringify(mismatches.slice(0, 4))}`);
}

/** A profile for freerdp-shadow as user ann (the password unused with TLS), connected with its certificate trusted once or always. */
async function connectTrusting(page: TestBrowser['page'], name: string, port: number, trust: 'Trust once' | 'Trust always' = 'Trust once', password = 'unused') {
  await createProfile(page, { name, protocol: 'RDP', port, username: 'ann', password });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await trustCertificate(page, trust);
  await waitForState(page, 'Connected');
}

/** Disconnects, closes the session's tab, and opens the profile again from the library (its certificate pinned by now). */
async function reconnect(page: TestBrowser['page'], name: string) {
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  await sessionView(page).getByRole('button', { name: 'Close tab' }).click();
  await page.getByRole('tab', { name: 'Connections' }).click();
  await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name, exact: true }).dblclick();
  await waitForState(page, 'Connected');
}

test('TLS: certificate prompt, connect, the server\u2019s picture, typing and a click reach it', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#336699', xterm: true });
  cleanups.push(() => server.stop());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connectTrusting(page, 'Shadow TLS', server.port);
  await waitForCanvasColour(page, 900, 700, hexColour('#336699'), 15_000);
  await assertMatchesServer(page, server);

  // How the PDUs leave the page: as bytes, not as Blobs (each of which Chromium would read back before sending).
  await page.evaluate(() => {
    const sent = { blobs: 0, bytes: 0 };
    (window as unknown as { __sent: typeof sent }).__sent = sent;
    const send = WebSocket.prototype.send;
    WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
      if (data instanceof Blob) sent.blobs++;
      else sent.bytes++;
      return send.call(this, data);
    };
  });
  const into = await pagePointFor(page, 200, 150);
  await page.mouse.click(into.x, into.y);
  // Scancodes: Shift is pressed explicitly for capitals and for '>' (Playwright's type() does not).
  const shifted = async (code: string) => {
    await page.keyboard.down('Shift');
    await page.keyboard.press(code);
    await page.keyboard.up('Shift');
  };
  await page.keyboard.type('echo rdp-typed-', { delay: 20 });
  await shifted('KeyQ');
  await page.keyboard.type(' ', { delay: 20 });
  await shifted('Period');
  await page.keyboard.type(' out.txt', { delay: 20 });
  await page.keyboard.press('Enter');
  let content = '';
  for (let i = 0; i < 50 && !content; i++) {
    content = await readFile(path.join(server.dir, 'out.txt'), 'utf8').catch(() => '');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(content, 'rdp-typed-Q\n');
  const sent = await page.evaluate(() => (window as unknown as { __sent: { blobs: number; bytes: number } }).__sent);
  assert.ok(sent.bytes >= 40 && sent.blobs === 0, `PDUs sent as bytes ${sent.bytes}, as Blobs ${sent.blobs}`);

  const target = await pagePointFor(page, 777, 555);
  await page.mouse.click(target.x, target.y);
  await new Promise((r) => setTimeout(r, 300));
  const { execFileSync } = await import('node:child_process');
  const location = execFileSync('xdotool', ['getmouselocation'], { env: server.env, encoding: 'utf8' });
  const [, x, y] = /x:(\d+) y:(\d+)/.exec(location) ?? [];
  assert.ok(Math.abs(Number(x) - 777) <= 2 && Math.abs(Number(y) - 555) <= 2, `pointer at ${x},${y}`);

  // Ending the session by the user is not a failure.
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  assert.equal(await sessionView(page).getByRole('alert').count(), 0);
  assert.deepEqual(browser.cspViolations, []);
});

test('keyboard only: after Ctrl+Alt+Home, Tab through the toolbar reaches the named desktop (IronRDP\u2019s canvas), and typing reaches the remote; Tab there stays in it', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#336699', xterm: true });
  cleanups.push(() => server.stop());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connectTrusting(page, 'Shadow keys', server.port);
  await waitForCanvasColour(page, 900, 700, hexColour('#336699'), 15_000);
  await tabBackToDesktop(page);
  assert.equal(await page.getByRole('application', { name: 'Remote desktop of Shadow keys' }).count() > 0, true);
  await page.keyboard.type('touch rdp-tabbed-in', { delay: 20 });
  await page.keyboard.press('Enter');
  await waitFor(async () => (await readFile(path.join(server.dir, 'rdp-tabbed-in')).then(() => true, () => false)), 'the line typed after Tab to reach the remote shell', 5000);
});

test('the readout\u2019s tooltip gives the round trip to the server the gateway timed, through a relay 10 ms each way, though the first exchanges (X.224, TLS) were slow', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#336699' });
  cleanups.push(() => server.stop());
  // The server's first three chunks (its X.224 Confirm and TLS flights) held 150 ms more: a server slow to start, or
  // a first Connect on an app just started, whose page compiles IronRDP on the same two cores (143 and 209 ms were
  // read so in two of many runs). The connection sequence's later exchanges (MCS, channel joins) are as quick as the link.
  const relay = await startFaultRelay(server.port, '127.0.0.1', { delayMs: 10, slowStart: { chunks: 3, ms: 150 } });
  cleanups.push(() => relay.close());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connectTrusting(page, 'Far shadow', relay.port, 'Trust always');
  const readout = sessionView(page).getByTestId('session-stats');
  let title = '';
  await waitFor(async () => (title = (await readout.getAttribute('title')) ?? '') !== '', 'a tooltip on the readout', 10_000);
  const match = /^Round trip to the server ([\d.]+) ms \(timed while connecting\): frames paced by acknowledgements of those this computer has drawn\.$/.exec(title);
  assert.ok(match, `tooltip: "${title}"`);
  // The relay holds each chunk 10 ms each way: at least 20 ms, and not the relay's own instant TCP handshake; nor the
  // slow first exchanges, nor freerdp-shadow's 35–45 ms of work before its X.224 Confirm (integration/rdpRoundTrip.test.ts).
  const ms = Number(match[1]);
  console.info(`round trip shown: ${ms} ms`);
  assert.ok(ms >= 19.5 && ms < 100, `round trip ${ms} ms through a relay adding 20`);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
});

test('one connection to the server per Connect: the session (NLA) goes on over the certificate check\u2019s, through a relay 25 ms each way', async () => {
  const server = await startFreerdpShadow({ security: 'nla', user: 'ann', password: 'Secret-123', background: '#5a3d7a' });
  cleanups.push(() => server.stop());
  const relay = await startFaultRelay(server.port, '127.0.0.1', { delayMs: 25 });
  cleanups.push(() => relay.close());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connectTrusting(page, 'Held NLA', relay.port, 'Trust always', 'Secret-123');
  await waitForCanvasColour(page, 900, 700, hexColour('#5a3d7a'), 15_000);
  // The check the user was asked about waited for the answer and carried the session: no second check.
  assert.equal(relay.connections.length, 1, 'connections made: the check, which carried the session');
  assert.ok(relay.connections[0]!.clientRecordTypes.filter((t) => t === 23).length > 5, `records of the session: ${relay.connections[0]!.clientRecordTypes.length}`);

  // Pinned now: Connect again, one more connection.
  await reconnect(page, 'Held NLA');
  await waitForCanvasColour(page, 900, 700, hexColour('#5a3d7a'), 15_000);
  assert.equal(relay.connections.length, 2, 'one connection for the second Connect');
  await assertMatchesServer(page, server);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
});

test('NLA: the right password connects; a wrong one asks again at once, saying the sign-in was refused (Cancel ends on sign-in failed); NLA off says the server requires NLA', async () => {
  const server = await startFreerdpShadow({ security: 'nla', user: 'ann', password: 'Secret-123', background: '#5a3d7a' });
  cleanups.push(() => server.stop());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connectTrusting(page, 'Shadow NLA', server.port, 'Trust always', 'Secret-123');
  await waitForCanvasColour(page, 900, 700, hexColour('#5a3d7a'), 15_000);
  await assertMatchesServer(page, server);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await sessionView(page).getByRole('button', { name: 'Close tab' }).click();

  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Wrong password', protocol: 'RDP', port: server.port, username: 'ann', password: 'not-it' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await trustCertificate(page, 'Trust once');
  // As mstsc: the credentials asked for again at once, the refusal said in the prompt, the keys in the password field.
  const again = page.getByRole('dialog', { name: 'Password required' });
  await again.getByText(/^The (sign-in|user name or password) was not accepted\./).waitFor({ timeout: 15_000 });
  assert.equal(await again.getByLabel('User name').inputValue(), 'ann');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'password');
  assert.equal(await sessionView(page).getByRole('button', { name: 'Reconnect' }).count(), 0);
  await again.getByRole('button', { name: 'Cancel' }).click();
  const alert = sessionView(page).getByRole('alert');
  await alert.waitFor({ timeout: 15_000 });
  const text = (await alert.textContent()) ?? '';
  assert.ok(text.includes(messageFor('sign-in-failed')) || text.includes(messageFor('wrong-credentials')), `showed: ${text}`);
  await alert.getByRole('button', { name: 'Close', exact: true }).click();

  // A refused sign-in may be the wrong account: the prompt that comes back offers the connection's user name, to be
  // changed (as mstsc's does); another account's password is not remembered for this connection's.
  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'Wrong account', protocol: 'RDP', port: server.port, username: 'bob', password: 'Secret-123' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await trustCertificate(page, 'Trust once');
  const prompt = page.getByRole('dialog', { name: 'Password required' });
  await prompt.getByText(/was not accepted/).waitFor({ timeout: 15_000 });
  const account = prompt.getByLabel('User name');
  assert.equal(await account.inputValue(), 'bob', 'the connection\'s user name, filled in');
  assert.equal(await prompt.getByLabel('Remember password').count(), 1);
  await account.fill('ann');
  assert.equal(await prompt.getByLabel('Remember password').count(), 0, 'another account: nothing to remember for this connection');
  // Refused again with the other account: the prompt that comes back fills in the name typed, and still offers
  // nothing to remember (bob's connection would send ann's password with bob's name on the next Connect).
  await prompt.getByLabel('Password', { exact: true }).fill('not-it');
  // The dialog shown says "was not accepted" already: the one that comes back is a new one (marked the old).
  await prompt.evaluate((dialog) => dialog.setAttribute('data-answered', ''));
  await prompt.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForFunction(() => {
    const dialog = document.querySelector('form[role="dialog"]');
    return dialog !== null && !dialog.hasAttribute('data-answered') && (dialog.textContent ?? '').includes('was not accepted');
  }, undefined, { timeout: 15_000 });
  assert.equal(await account.inputValue(), 'ann', 'the name typed at the last try, filled in again');
  assert.equal(await prompt.getByLabel('Remember password').count(), 0, 'asked again: still another account, nothing to remember');
  await account.fill('bob');
  assert.equal(await prompt.getByLabel('Remember password').count(), 1, 'the connection\'s own account again');
  await account.fill('ann');
  await prompt.getByLabel('Password', { exact: true }).fill('Secret-123');
  await prompt.getByRole('button', { name: 'Sign in' }).click();
  await waitForState(page, 'Connected', 20_000);
  await waitForCanvasColour(page, 900, 700, hexColour('#5a3d7a'), 15_000);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await sessionView(page).getByRole('button', { name: 'Close tab' }).click();

  await page.getByRole('tab', { name: 'Connections' }).click();
  await createProfile(page, { name: 'NLA off', protocol: 'RDP', port: server.port, username: 'ann', password: 'Secret-123' });
  await page.getByLabel('Security', { exact: true }).selectOption('tls');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const nla = sessionView(page).getByRole('alert');
  await nla.waitFor({ timeout: 15_000 });
  assert.ok(((await nla.textContent()) ?? '').includes(messageFor('nla-required')));
  assert.deepEqual(browser.cspViolations, []);
});

test('a start program on a server that starts none (freerdp-shadow shares its one desktop): FreeRDP reads the rebuilt Client Info PDU, and the desktop shows as without it', async () => {
  // After NLA, so the Client Info PDU comes after CredSSP, and FreeRDP's own reader of TS_INFO_PACKET takes it.
  const server = await startFreerdpShadow({ security: 'nla', user: 'ann', password: 'Secret-123', background: '#2e7a5a' });
  cleanups.push(() => server.stop());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'Shadow start program', protocol: 'RDP', port: server.port, username: 'ann', password: 'Secret-123', startProgram: 'C:\\Program Files\\Ledger\\ledger.exe /ro', startFolder: 'D:\\Books' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await trustCertificate(page, 'Trust once');
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 900, 700, hexColour('#2e7a5a'), 15_000);
  await assertMatchesServer(page, server);
});

test('certificates: trust always pins; a regenerated certificate is refused with a warning before any credential leaves; cancel sends nothing', async () => {
  const server = await startFreerdpShadow({ security: 'nla', user: 'ann', password: 'Secret-123', background: '#2d6b5f' });
  cleanups.push(() => server.stop());
  const relay = await startFaultRelay(server.port);
  cleanups.push(() => relay.close());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'Pinned', protocol: 'RDP', port: relay.port, username: 'ann', password: 'Secret-123' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await trustCertificate(page, 'Trust always');
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 900, 700, hexColour('#2d6b5f'), 15_000);
  // The accepted connection carried CredSSP: many encrypted records from the client.
  const accepted = relay.connections.at(-1)!;
  assert.ok(accepted.clientRecordTypes.filter((t) => t === 23).length > 2, `records ${accepted.clientRecordTypes}`);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');

  // The next connection goes straight through: no prompt.
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  await waitForState(page, 'Connected');
  assert.equal(await page.getByRole('dialog').count(), 0);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');

  await server.restart({ newCertificate: true });
  const before = relay.connections.length;
  const warning = page.getByRole('dialog', { name: /certificate has changed/ });
  // The user ended the last session: nothing retries on its own; the user asks again.
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  await warning.waitFor({ timeout: 15_000 });
  assert.match((await warning.textContent()) ?? '', /Connect only if your administrator expected this/);
  await warning.getByRole('button', { name: 'Cancel' }).click();
  const alert = sessionView(page).getByRole('alert');
  await alert.waitFor();
  assert.ok(((await alert.textContent()) ?? '').includes(messageFor('certificate-rejected')));
  await new Promise((r) => setTimeout(r, 300));
  const afterChange = relay.connections.slice(before);
  assert.ok(afterChange.length >= 1, 'the preflight reached the server');
  for (const trace of afterChange) {
    assert.ok(trace.clientRecordTypes.filter((t) => t === 23).length <= 1, `no CredSSP after the change: records ${trace.clientRecordTypes}`);
  }
  assert.deepEqual(browser.cspViolations, []);
});

test('"Trust once", then the server\u2019s certificate changes: the next connection of the tab says it has changed, with the fingerprint trusted once, not as a first meeting', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#3d6b99' });
  cleanups.push(() => server.stop());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connectTrusting(page, 'Trusted once', server.port);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  // The same certificate again: trusted for this tab, not asked about.
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  await waitForState(page, 'Connected');
  assert.equal(await page.getByRole('dialog').count(), 0);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');

  await server.restart({ newCertificate: true });
  await sessionView(page).getByRole('button', { name: 'Reconnect' }).click();
  const warning = page.getByRole('dialog', { name: /certificate has changed/ });
  await warning.waitFor({ timeout: 15_000 });
  const said = (await warning.textContent()) ?? '';
  assert.match(said, /not the one you trusted for this session/);
  assert.match(said, /Fingerprint you trusted before/);
  await warning.getByRole('button', { name: 'Cancel' }).click();
  await sessionView(page).getByRole('alert').waitFor();
});

test('an .rdp with "authentication level:i:1" (do not connect if the server cannot be verified): an unverified server is refused, with its certificate named, and nothing asked; "Ask me" asks', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#3d6b99' });
  cleanups.push(() => server.stop());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  const pem = await readFile(path.join(server.dir, 'config', 'freerdp', 'shadow', 'shadow.crt'), 'utf8');
  const met = sha256Fingerprint(new X509Certificate(pem).raw);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-rdp-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'Strict.rdp');
  await writeFile(file, `full address:s:127.0.0.1:${server.port}\r\nusername:s:ann\r\nenablecredsspsupport:i:0\r\nauthentication level:i:1\r\n`);
  await page.getByLabel('Import connection file').setInputFiles(file);
  await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Strict', exact: true }).waitFor();
  assert.equal(await page.getByLabel('Unverified server', { exact: true }).inputValue(), 'refuse');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const alert = sessionView(page).getByRole('alert');
  await alert.waitFor({ timeout: 15_000 });
  const said = (await alert.textContent()) ?? '';
  assert.ok(said.includes(messageFor('certificate-unverified')), said);
  assert.match(said, new RegExp(`The certificate it showed \\(.+, issued by .+\\) has the SHA-256 fingerprint ${met}\\.`));
  assert.equal(await alert.getByRole('button', { name: 'Reconnect' }).count(), 0, 'no Reconnect that cannot help');
  assert.equal(await page.getByRole('dialog').count(), 0, 'no certificate question, no password prompt');
  await alert.getByRole('button', { name: 'Close', exact: true }).click();

  // The user (or IT) chooses to be asked: the usual question.
  await page.getByLabel('Unverified server', { exact: true }).selectOption('ask');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('dialog', { name: /Check the server/ }).waitFor({ timeout: 15_000 });
});

test('credentials typed after the session ticket\u2019s first 15 s still connect: a person at the prompt may take longer', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#4a6b33' });
  cleanups.push(() => server.stop());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'Slow typist', protocol: 'RDP', port: server.port });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await trustCertificate(page, 'Trust once');
  const dialog = page.getByRole('dialog', { name: 'Password required' });
  await dialog.waitFor({ timeout: 15_000 });
  // The session (and its ticket) exists from before the question: the answer comes past the 15 s an unused ticket had.
  await new Promise((r) => setTimeout(r, TICKET_TTL_MS + 2000));
  await dialog.getByLabel('User name').fill('ann');
  await dialog.getByLabel('Password', { exact: true }).fill('any-password');
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await waitForState(page, 'Connected', 20_000);
  await waitForCanvasColour(page, 900, 700, hexColour('#4a6b33'), 15_000);
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
});

test('fit to window never enlarges: a desktop smaller than the window stays pixel for pixel, and shrinks once the window becomes smaller than it', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#336699', size: { width: 800, height: 600 } });
  cleanups.push(() => server.stop());
  const { browser } = await startAppWithBrowser(cleanups, { width: 1280, height: 900 });
  const { page } = browser;
  await connectTrusting(page, 'Small desktop', server.port);
  await waitForCanvasColour(page, 700, 500, hexColour('#336699'), 15_000);
  assert.equal(await sessionView(page).getByRole('combobox', { name: /^Scaling/ }).inputValue(), 'fit');
  const view = sessionView(page);
  const surface = await view.getByTestId('session-surface').evaluate((el: HTMLElement) => ({ width: el.clientWidth, height: el.clientHeight }));
  assert.ok(surface.width > 800 && surface.height > 600, `the window must be larger than the desktop here (${JSON.stringify(surface)})`);
  const box = () => view.locator('[data-testid="session-surface"] canvas').first().evaluate((c: HTMLCanvasElement) => ({ width: c.getBoundingClientRect().width, height: c.getBoundingClientRect().height }));
  await waitFor(async () => {
    const b = await box();
    return Math.abs(b.width - 800) <= 1 && Math.abs(b.height - 600) <= 1;
  }, 'an 800x600 desktop in a larger window shown pixel for pixel').catch(async () => assert.fail(`an 800x600 desktop in a larger window shows at ${JSON.stringify(await box())}`));
  await page.setViewportSize({ width: 760, height: 620 });
  await waitFor(async () => (await box()).width < 760, 'the desktop shrunk to the smaller window');
  // The profile follows the window, and freerdp-shadow has no display control: its desktop keeps its size, and
  // once the request has gone unanswered the picture is still shown whole with its proportions, not stretched.
  await new Promise((r) => setTimeout(r, 1500));
  const shrunk = await box();
  assert.ok(shrunk.width < 760 && Math.abs(shrunk.width / shrunk.height - 800 / 600) < 0.01, `an 800x600 desktop shown at ${JSON.stringify(shrunk)} in a 760x620 window`);
  await page.setViewportSize({ width: 1280, height: 900 });
  await waitFor(async () => Math.abs((await box()).width - 800) <= 1, 'pixel for pixel again in the larger window');
  await new Promise((r) => setTimeout(r, 1500));
  const again = await box();
  assert.ok(Math.abs(again.width - 800) <= 1 && Math.abs(again.height - 600) <= 1, `an 800x600 desktop shown at ${JSON.stringify(again)} once the window's size was asked for`);
});

test('files go through the remote clipboard: a server that opens none (freerdp-shadow) is not offered files, and a file dropped on it is refused in words, not left waiting', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#669933' });
  cleanups.push(() => server.stop());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await connectTrusting(page, 'No clipboard there', server.port);
  await waitForCanvasColour(page, 700, 500, hexColour('#669933'), 15_000);
  const view = sessionView(page);
  // Long enough for a server's clipboard to open (xrdp's opens within a second of the first picture).
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal(await view.getByRole('button', { name: 'Send files…' }).count(), 0, '"Send files…" offered for a server without a clipboard');
  await dropFile(page, 'report.txt', 'would wait forever');
  await view.getByText(FILES_NO_REMOTE_CLIPBOARD).waitFor();
  assert.equal(await view.getByText('report.txt', { exact: false }).count(), 0, 'the dropped file is listed as sent');
  // The clipboard panel says why nothing crosses.
  await view.getByRole('button', { name: 'Clipboard' }).click();
  await view.getByText(RDP_CLIPBOARD_NOT_OPENED).waitFor();
  await waitForState(page, 'Connected');
});

test('Disconnect while still connecting ends the attempt: no late failure, no retry', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#336699' });
  cleanups.push(() => server.stop());
  const relay = await startFaultRelay(server.port);
  cleanups.push(() => relay.close());
  relay.blackHole(true);
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'Silent host', protocol: 'RDP', port: relay.port, username: 'ann', password: 'unused' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  // The certificate preflight waits for an X.224 answer that never comes (5 s).
  await new Promise((r) => setTimeout(r, 500));
  assert.notEqual(await sessionView(page).getByTestId('session-state').textContent(), 'Connected');
  await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
  await waitForState(page, 'Disconnected');
  // Past the preflight's timeout: its failure must not surface, nor start a retry.
  await new Promise((r) => setTimeout(r, 6500));
  assert.equal(await sessionView(page).getByTestId('session-state').textContent(), 'Disconnected');
  assert.equal(await sessionView(page).getByRole('alert').count(), 0, 'a failure was shown for a session the user ended');
  assert.equal(await page.getByRole('dialog').count(), 0);
});

test('RDP: an idle session stays up (the gateway\u2019s probe is answered); a black-holed link is found and the session comes back', async (t) => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#2d6b5f' });
  cleanups.push(() => server.stop());
  const relay = await startFaultRelay(server.port);
  cleanups.push(() => relay.close());
  const { browser } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  await createProfile(page, { name: 'Probed', protocol: 'RDP', port: relay.port, username: 'ann', password: 'unused' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await trustCertificate(page, 'Trust always');
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 900, 700, hexColour('#2d6b5f'), 15_000);
  // Quiet for three probe periods: the server answers each probe, nothing reconnects.
  const connections = relay.connections.length;
  await new Promise((r) => setTimeout(r, 14_000));
  assert.equal(relay.connections.length, connections, 'an idle session was taken for dead');
  assert.equal(await sessionView(page).getByTestId('session-state').textContent(), 'Connected');

  // Packets black-holed, the TCP connection still "up": only the probe can tell.
  const blackHoled = Date.now();
  relay.blackHole(true);
  await page.getByText(/Reconnecting… \(attempt \d+(?: of \d+)?\)/).waitFor({ timeout: 15_000 });
  const detected = Date.now() - blackHoled;
  t.diagnostic(`RDP: black-holed link detected in ${detected} ms`);
  assert.ok(detected < 12_000, `detected after ${detected} ms`);
  relay.blackHole(false);
  relay.cutAll();
  await waitForState(page, 'Connected', 20_000);
  await waitForCanvasColour(page, 900, 700, hexColour('#2d6b5f'), 15_000);
});

test('figures: connect to first frame (TLS and NLA), keystroke to paint, frames/s and bytes/s while the xterm scrolls', async (t) => {
  const { median, restartRegionClock, watchFirstFrame, watchRegionChange, writeScrollingScript } = await import('../support/measure');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { ROOT } = await import('../support/app');
  const tls = await startFreerdpShadow({ security: 'tls', background: '#336699', xterm: true });
  cleanups.push(() => tls.stop());
  const nla = await startFreerdpShadow({ security: 'nla', user: 'ann', password: 'Secret-123', background: '#336699' });
  cleanups.push(() => nla.stop());
  const { browser, app } = await startAppWithBrowser(cleanups);
  const { page } = browser;
  const figures: Record<string, unknown> = {};
  for (const [name, server] of [
    ['TLS', tls],
    ['NLA', nla],
  ] as const) {
    await page.getByRole('tab', { name: 'Connections' }).click();
    await createProfile(page, { name: `Figures ${name}`, protocol: 'RDP', port: server.port, username: 'ann', password: 'Secret-123' });
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await trustCertificate(page, 'Trust always');
    await waitForState(page, 'Connected');
    await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
    await sessionView(page).getByRole('button', { name: 'Close tab' }).click();
    const item = page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: `Figures ${name}`, exact: true });
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      await page.getByRole('tab', { name: 'Connections' }).click();
      const first = watchFirstFrame(page, 1000, 740, hexColour('#336699'));
      await item.dblclick();
      times.push(await first);
      if (i < 9 || name === 'NLA') {
        await sessionView(page).getByRole('button', { name: 'Disconnect' }).click();
        await sessionView(page).getByRole('button', { name: 'Close tab' }).click();
      }
    }
    figures[`connectToFirstFrameMs${name}`] = { median: Math.round(median(times)), min: Math.round(Math.min(...times)), max: Math.round(Math.max(...times)) };
  }
  // The TLS session is still open: keystroke to paint in its xterm.
  await page.getByRole('tab', { name: 'Figures TLS' }).click();
  const into = await pagePointFor(page, 300, 200);
  await page.mouse.click(into.x, into.y);
  const keyTimes: number[] = [];
  for (let i = 0; i < 10; i++) {
    // The xterm prompt line; each key changes the cells right of the cursor.
    const done = await watchRegionChange(page, { x: 0, y: 0, w: 560, h: 60 });
    await restartRegionClock(page);
    await page.keyboard.press('KeyA');
    keyTimes.push(await done());
    await new Promise((r) => setTimeout(r, 150));
  }
  await page.keyboard.press('Control+U');
  figures.keystrokeToPaintMs = { median: Math.round(median(keyTimes)), min: Math.round(Math.min(...keyTimes)), max: Math.round(Math.max(...keyTimes)) };
  await page.keyboard.type(await writeScrollingScript(tls.dir), { delay: 10 });
  await page.keyboard.press('Enter');
  await new Promise((r) => setTimeout(r, 1500));
  const rates: number[] = [];
  // Frames/s: RDP's library has no frame event; the readout counts the frames the page acknowledged (drawn) to the server.
  const frameRates: number[] = [];
  for (let s = 0; s < 5; s++) {
    await new Promise((r) => setTimeout(r, 1000));
    const readout = (await sessionView(page).getByTestId('session-stats').textContent()) ?? '';
    const m = /([\d.]+) (MB|kB|B)\/s/.exec(readout);
    if (m) rates.push(Number(m[1]) / (m[2] === 'MB' ? 1 : m[2] === 'kB' ? 1000 : 1e6));
    const f = /^(?:(\d+) frames\/s|idle)/.exec(readout);
    if (f) frameRates.push(Number(f[1] ?? 0));
  }
  await page.keyboard.press('Control+C');
  figures.xtermScrollingMegabytesPerSecond = Number(median(rates).toFixed(2));
  figures.xtermScrollingFramesPerSecond = frameRates.length > 0 ? median(frameRates) : null;
  figures.gatewayRssMegabytes = Number((Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${app.pid}/status`, 'utf8'))?.[1]) / 1024).toFixed(1));
  t.diagnostic(JSON.stringify(figures));
  await mkdir(path.join(ROOT, 'test-results'), { recursive: true });
  await writeFile(path.join(ROOT, 'test-results', 'figures-rdp.json'), JSON.stringify({ measuredAt: new Date().toISOString(), ...figures }, null, 2));
  assert.ok((figures.connectToFirstFrameMsTLS as { median: number }).median < 5000);
  assert.ok((figures.keystrokeToPaintMs as { median: number }).median < 1000);
  assert.ok(rates.length >= 3 && (figures.xtermScrollingMegabytesPerSecond as number) > 0.01, `rates ${rates}`);
  assert.ok(frameRates.length >= 3 && median(frameRates) >= 2, `frames/s in the readout while the xterm scrolls: ${frameRates.join(', ') || 'none'}`);
});
