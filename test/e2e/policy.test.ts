// Policy from IT as an employee meets it in the UI. Enforcement through the
// API directly is covered by test/integration/policy.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startApp, removeDataDir } from '../support/app';
import { openBrowser } from '../support/browser';
import { createProfile, sessionView, waitFor, waitForState } from '../support/ui';
import { startXvnc, disposeXvnc } from '../servers/xvnc';
import { messageFor } from '../../shared/errors/errorCodes';

/** `files`: connection files (name, content) written beside the policy and opened at start (`deskbridge FILE`). */
async function withPolicy(policy: object, work: (page: Awaited<ReturnType<typeof openBrowser>>['page']) => Promise<void>, files: Record<string, string> = {}): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-policy-ui-'));
  const file = path.join(dir, 'policy.json');
  await writeFile(file, JSON.stringify({ schemaVersion: 1, ...policy }));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  const app = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' }, args: ['--policy', file, ...Object.keys(files).map((name) => path.join(dir, name))] });
  const browser = await openBrowser({ origin: app.origin });
  try {
    await browser.page.goto(app.url);
    await work(browser.page);
  } finally {
    await browser.close();
    await app.stop();
    await removeDataDir(app.dataDir);
    await rm(dir, { recursive: true, force: true });
  }
}

test('a managed profile appears locked: only its open field can be changed, it cannot be deleted or duplicated', async () => {
  await withPolicy({ profiles: [{ id: 'office', name: 'Office desktop', protocol: 'rdp', host: 'desk.corp.example', port: 3389, openFields: ['username', 'desktopWidth', 'desktopHeight'] }] }, async (page) => {
    const item = page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Office desktop', exact: true });
    await item.click();
    // What may be changed, named as the form names it.
    await page.getByText('Managed by your organisation. You can change: Username, Desktop size, Favourite.').waitFor();
    assert.equal(await page.getByLabel('Host', { exact: true }).isDisabled(), true);
    assert.equal(await page.getByLabel('Name', { exact: true }).isDisabled(), true);
    assert.equal(await page.getByLabel('Username', { exact: true }).isDisabled(), false);
    // …and look it: a field that cannot be changed is drawn unlike one that can.
    const look = (label: string) => page.getByLabel(label, { exact: true }).evaluate((e) => `${getComputedStyle(e).backgroundColor} ${getComputedStyle(e).color} ${getComputedStyle(e).borderStyle}`);
    assert.notEqual(await look('Host'), await look('Username'));
    // The lock is drawn (an emoji would be an empty box without a colour-emoji font).
    assert.equal(await item.locator('svg.lock-icon').count(), 1);
    assert.equal(await page.getByRole('button', { name: 'Delete' }).isDisabled(), true);
    assert.equal(await page.getByRole('button', { name: 'Duplicate' }).isDisabled(), true);
    await page.getByLabel('Username', { exact: true }).fill('ann');
    // Saved (the gateway answered) before the page goes: a reload at once could cut the request off.
    const saved = page.waitForResponse((r) => r.request().method() === 'PUT' && /\/api\/profiles\//.test(r.url()));
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    assert.equal((await saved).status(), 200);
    await page.reload();
    await item.click();
    assert.equal(await page.getByLabel('Username', { exact: true }).inputValue(), 'ann');
  });
});

test('where users may not make connections and IT has set up none, the library says so instead of offering a form that cannot be saved', async () => {
  await withPolicy({ allowUserProfiles: false }, async (page) => {
    await page.getByText('Your organisation provides the connections here, and none is set up for you yet. Ask your IT department.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'New connection' }).isDisabled(), true);
    assert.equal(await page.getByLabel('Host', { exact: true }).count(), 0, 'no connection form');
    assert.equal(await page.getByText('No connections yet').count(), 0);
  });
});

test('where users may not make connections, a connection file is not opened once either (at start, or "Connect now"), and the app says why', async () => {
  const ticket = '[virt-viewer]\ntype=vnc\nhost=127.0.0.1\nport=5999\npassword=ticket\ntitle=Ticket VM\n';
  await withPolicy(
    { allowUserProfiles: false },
    async (page) => {
      await page.getByText(`console.vv could not be opened: ${messageFor('policy-no-user-profiles')}`).waitFor();
      assert.equal(await page.locator('.session-title').count(), 0, 'no session was opened');
      // "Connect now" on a ticket chosen with Import…: refused in the same words.
      await page.getByLabel('Import connection file').setInputFiles({ name: 'other.vv', mimeType: 'application/x-virt-viewer', buffer: Buffer.from(ticket) });
      await page.getByRole('dialog').getByRole('button', { name: 'Connect now' }).click();
      await page.locator('.banner[role="alert"]', { hasText: messageFor('policy-no-user-profiles') }).filter({ hasNotText: 'console.vv' }).waitFor();
      assert.equal(await page.locator('.session-title').count(), 0, 'no session was opened');
    },
    { 'console.vv': ticket },
  );
});

test('"no saved passwords" hides the option; a host outside the allow-list is refused before any connection', async () => {
  let connections = 0;
  const listener = net.createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  try {
    await withPolicy({ passwords: { save: 'never' }, allowedHosts: ['*.corp.example'] }, async (page) => {
      await page.getByRole('button', { name: 'New connection' }).click();
      assert.equal(await page.getByLabel('Password', { exact: true }).isDisabled(), true);
      await page.getByText('Your organisation does not allow saving passwords here.').waitFor();
      // Where passwords would be kept is not said: none are.
      assert.equal(await page.getByTestId('secrets-backend').count(), 0);
      assert.equal(await page.getByText(/^Passwords: /).count(), 0);
      await createProfile(page, { name: 'Outside', port });
      // Said beside the host as soon as it is there, not only at Connect; a host inside the list is not.
      const warning = page.getByText("Your organisation's policy does not allow connections to this host, so this connection will not connect.");
      await warning.waitFor();
      await page.getByLabel('Host', { exact: true }).fill('desk.corp.example');
      await warning.waitFor({ state: 'detached' });
      await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
      await warning.waitFor();
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      const alert = sessionView(page).getByRole('alert');
      await alert.waitFor({ timeout: 10_000 });
      assert.ok(((await alert.textContent()) ?? '').includes(messageFor('policy-host-forbidden')));
      // Trying again cannot help until IT changes the policy: only Close is offered.
      assert.equal(await alert.getByRole('button', { name: 'Reconnect' }).count(), 0);
      assert.equal(await alert.getByRole('button', { name: 'Close', exact: true }).count(), 1);
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(connections, 0, 'the listener saw no connection');
  } finally {
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  }
});

test('an invalid policy is reported in a banner and blocks connections; the empty library names the invalid policy, not a lack of connections', async () => {
  await withPolicy({ allowedHost: ['*.corp.example'] }, async (page) => {
    const banner = page.locator('.banner[role="alert"]').first();
    await banner.waitFor();
    assert.match((await banner.textContent()) ?? '', /is invalid \(.*allowedHost.*\) .* connections are blocked/);
    assert.equal(await page.getByRole('button', { name: 'New connection' }).isDisabled(), true);
    await page.getByText("Your organisation's policy is invalid (the message above says what is wrong), so connections are blocked. Tell your IT department.").waitFor();
    assert.equal(await page.getByText('none is set up for you yet', { exact: false }).count(), 0);
  });
});

test('clipboard only to the remote computer (VNC): text from here reaches the remote clipboard; text copied there stays there, and the panel says so', async () => {
  const server = await startXvnc({ background: '#336699', xterm: false });
  const remoteClipboard = () => server.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => '');
  try {
    await withPolicy({ clipboard: 'to-remote-only' }, async (page) => {
      await createProfile(page, { name: 'Desk', port: server.port });
      // The form's "Share the clipboard" says the policy lets less through.
      await page.getByText('Your organisation lets text go only to the remote computer.').waitFor();
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await waitForState(page, 'Connected');
      await sessionView(page).getByRole('button', { name: 'Clipboard' }).click();
      await sessionView(page).getByText('Your organisation allows copying text only to the remote computer', { exact: false }).waitFor();
      // This computer → remote: from the panel, and automatically from the local clipboard.
      const panel = sessionView(page).getByLabel('Remote clipboard');
      await panel.fill('Grüße from here');
      await sessionView(page).getByRole('button', { name: 'Send to remote' }).click();
      await waitFor(async () => (await remoteClipboard()) === 'Grüße from here', 'the panel text on the remote clipboard');
      await page.bringToFront();
      await page.evaluate(() => navigator.clipboard.writeText('copied here'));
      await waitFor(async () => (await remoteClipboard()) === 'copied here', 'the local clipboard on the remote');
      // Remote → this computer: copied there, it reaches neither the panel nor the local clipboard.
      await server.x('sh', ['-c', `printf '%s' "$0" | xclip -selection clipboard -i >/dev/null 2>&1`, 'remote secret']);
      await waitFor(async () => (await remoteClipboard()) === 'remote secret', 'the remote copy on the remote clipboard');
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(await panel.inputValue(), 'Grüße from here');
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'copied here');
    });
  } finally {
    await disposeXvnc(server);
  }
});

test('a dropped desktop session is tried 20 times (here a second apart at most, by policy), saying why in words for a session that worked, then stops saying it stopped answering (not to check the settings that worked) and offers Reconnect, focused', async () => {
  const server = await startXvnc({ background: '#336699', xterm: false });
  let disposed = false;
  try {
    await withPolicy({ reconnect: { maxDelaySeconds: 1 } }, async (page) => {
      await createProfile(page, { name: 'Going away', port: server.port });
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await waitForState(page, 'Connected');
      await disposeXvnc(server);
      disposed = true;
      const overlay = sessionView(page).locator('.reconnecting');
      await overlay.getByText(/^Reconnecting… \(attempt \d+ of 20\)$/).waitFor({ timeout: 10_000 });
      await overlay.getByText('The remote computer is not taking connections yet (it may be restarting).').waitFor({ timeout: 10_000 });
      const alert = sessionView(page).getByRole('alert');
      await alert.waitFor({ timeout: 60_000 });
      const said = (await alert.textContent()) ?? '';
      assert.match(said, /Stopped after 20 attempts to reconnect/);
      // Words for a desktop that was there and went, not the first connection's advice to check the host and port.
      assert.equal(await alert.locator('.error-message').textContent(), 'The remote computer stopped answering (it may be restarting, or its remote desktop service stopped).');
      assert.ok(!said.includes(messageFor('host-refused')), said);
      await alert.getByText('Details').click();
      await alert.getByText('The last attempt: The remote computer is not taking connections yet (it may be restarting).').waitFor();
      await alert.getByRole('button', { name: 'Reconnect' }).waitFor();
      // Stopped: no further attempt is made.
      await new Promise((r) => setTimeout(r, 2000));
      assert.equal(await sessionView(page).getByTestId('session-state').textContent(), 'Disconnected');
    });
  } finally {
    if (!disposed) await disposeXvnc(server);
  }
});

test('where plain VNC and SPICE are not allowed, a new connection starts as RDP', async () => {
  await withPolicy({ allowUnencrypted: false }, async (page) => {
    await page.getByRole('button', { name: 'New connection' }).click();
    assert.equal(await page.getByLabel('Protocol', { exact: true }).inputValue(), 'rdp');
    assert.equal(await page.getByLabel('Port', { exact: true }).inputValue(), '3389');
  });
  await withPolicy({}, async (page) => {
    await page.getByRole('button', { name: 'New connection' }).click();
    assert.equal(await page.getByLabel('Protocol', { exact: true }).inputValue(), 'vnc');
  });
});

test('a managed connection with no field left open: Save stays off until a password is typed or Favourite ticked, each then kept (the user\'s own)', async () => {
  await withPolicy({ profiles: [{ id: 'hall', name: 'Hall desktop', protocol: 'rdp', host: 'hall.corp.example', port: 3389 }] }, async (page) => {
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Hall desktop', exact: true }).click();
    await page.getByText('Managed by your organisation. You can change: Favourite.').waitFor();
    const save = page.getByRole('button', { name: 'Save', exact: true });
    assert.equal(await save.isDisabled(), true);
    await page.getByLabel('Password', { exact: true }).fill('Hall-pw-1');
    assert.equal(await save.isDisabled(), false);
    await save.click();
    await page.getByLabel('Password', { exact: true }).and(page.locator('[placeholder="Leave empty to keep the saved password"]')).waitFor();
    assert.equal(await save.isDisabled(), true);
    // Favourite is the user's own: ticked, Save takes it, and the library shows the star.
    const entry = page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Hall desktop', exact: true });
    assert.equal(await entry.locator('.star').count(), 0);
    await page.getByLabel('Favourite', { exact: true }).check();
    assert.equal(await save.isDisabled(), false);
    await save.click();
    await entry.locator('.star').waitFor();
    assert.equal(await save.isDisabled(), true);
  });
});
