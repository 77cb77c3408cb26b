// Connection files other clients use, through the UI and the command line,
// connecting to the real test servers with what was imported.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startXvnc, disposeXvnc } from '../servers/xvnc';
import { startFreerdpShadow } from '../servers/freerdpShadow';
import { hexColour } from '../servers/xwd';
import { startApp, removeDataDir, ROOT } from '../support/app';
import { apiFromPage, openBrowser } from '../support/browser';
import { sessionView, waitFor, waitForCanvasColour, waitForState } from '../support/ui';
import { startXrdpFor } from '../support/xrdpSession';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-import-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function app(args: string[] = []) {
  const running = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' }, args });
  cleanups.push(async () => {
    await running.stop();
    await removeDataDir(running.dataDir);
  });
  const browser = await openBrowser({ origin: running.origin });
  cleanups.push(() => browser.close());
  return { running, browser };
}

function utf16(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
}

test('import an .rdp through the UI and connect with it; a malformed file names its line and changes nothing', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#3d6b99' });
  cleanups.push(() => server.stop());
  const dir = await tempDir();
  const file = path.join(dir, 'Shadow desk.rdp');
  await writeFile(file, utf16(`screen mode id:i:1\r\nfull address:s:127.0.0.1:${server.port}\r\nusername:s:CORP\\ann\r\nenablecredsspsupport:i:0\r\ndesktopscalefactor:i:150\r\nx-unknown:s:kept\r\n`));
  const bad = path.join(dir, 'broken.rdp');
  // A line mstsc cannot read is passed over with a note, except one that decides where the connection goes.
  await writeFile(bad, 'full address:s:127.0.0.1\r\nfull address:127.0.0.2\r\n');
  const { running, browser } = await app();
  const { page } = browser;
  await page.goto(running.url);

  await page.getByLabel('Import connection file').setInputFiles(bad);
  const alert = page.locator('.banner[role="alert"]');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /broken\.rdp: Line 2: .*name:type:value.*Nothing was imported/);
  assert.equal(await page.getByRole('navigation', { name: 'Connections' }).getByRole('listitem').count(), 0);
  // Read, it can be put away.
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await alert.waitFor({ state: 'detached' });

  await page.getByLabel('Import connection file').setInputFiles(file);
  const item = page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Shadow desk', exact: true });
  await item.waitFor();
  assert.equal(await page.getByLabel('Username', { exact: true }).inputValue(), 'ann');
  assert.equal(await page.getByLabel('Domain', { exact: true }).inputValue(), 'CORP');
  assert.equal(await page.getByLabel('Security', { exact: true }).inputValue(), 'tls');
  // desktopscalefactor:i:150: the option is ticked, and the import says it scales as the display does, not at 150 %.
  assert.equal(await page.getByLabel(/^Optimise for high-resolution displays/).isChecked(), true);
  await page.locator('.banner.info[role="status"]').filter({ hasText: 'desktopscalefactor:i:150' }).getByText(/turned on “Optimise for high-resolution displays” instead/).waitFor();
  await page.getByLabel('Password', { exact: true }).fill('unused');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Trust once' }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 900, 700, hexColour('#3d6b99'), 15_000);
  assert.equal(await page.evaluate(() => document.fullscreenElement), null, 'screen mode id:i:1: in the window');

  // Export writes the unknown line back unchanged.
  const profiles = JSON.parse(await readFile(path.join(running.dataDir, 'profiles.json'), 'utf8'));
  const exported = await apiFromPage(page, 'GET', `/api/profiles/${profiles.profiles[0].id}/export?format=rdp`);
  assert.equal(exported.status, 200);
  const text = Buffer.from(exported.bytes).subarray(2).toString('utf16le');
  assert.match(text, /^x-unknown:s:kept\r$/m);
  assert.match(text, new RegExp(`^full address:s:127\\.0\\.0\\.1:${server.port}\\r$`, 'm'));
});

test('an .rdp set to full screen (screen mode id:i:2, as mstsc saves it) is imported with "Start in full screen", and Connect fills the screen with the session; leaving works as for any session', async () => {
  const server = await startFreerdpShadow({ security: 'tls', background: '#5a3d99' });
  cleanups.push(() => server.stop());
  const dir = await tempDir();
  const file = path.join(dir, 'Full desk.rdp');
  await writeFile(file, utf16(`screen mode id:i:2\r\nfull address:s:127.0.0.1:${server.port}\r\nusername:s:ann\r\nenablecredsspsupport:i:0\r\n`));
  const { running, browser } = await app();
  const { page } = browser;
  await page.goto(running.url);
  await page.getByLabel('Import connection file').setInputFiles(file);
  await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Full desk', exact: true }).waitFor();
  await page.locator('.banner.info[role="status"]').filter({ hasText: 'Imported “Full desk”' }).waitFor();
  assert.doesNotMatch((await page.locator('.banner.info[role="status"]').textContent()) ?? '', /full screen/, 'no "will not apply" note for full screen');
  assert.equal(await page.getByLabel('Start in full screen', { exact: true }).isChecked(), true);
  assert.equal(await page.evaluate(() => document.fullscreenElement), null);

  await page.getByLabel('Password', { exact: true }).fill('unused');
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  // Full screen as the tab opens (the certificate question is asked in it), not after the desktop answers.
  await page.waitForFunction(() => document.fullscreenElement?.classList.contains('session-view') === true, undefined, { timeout: 5000 });
  await page.getByRole('dialog').getByRole('button', { name: 'Trust once' }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 400, hexColour('#5a3d99'), 15_000);
  assert.equal(await page.evaluate(() => document.fullscreenElement?.classList.contains('session-view')), true, 'still full screen once connected');
  const view = sessionView(page);
  await page.locator('.fullscreen-handle').hover();
  await view.getByRole('button', { name: 'Exit full screen', exact: true }).click();
  await page.waitForFunction(() => document.fullscreenElement === null, undefined, { timeout: 5000 });
  await view.getByRole('button', { name: 'Full screen', exact: true }).waitFor({ timeout: 5000 });
  await waitForState(page, 'Connected');

  // Exported, the file says full screen still, on its own line, as it came.
  const profiles = JSON.parse(await readFile(path.join(running.dataDir, 'profiles.json'), 'utf8'));
  assert.equal(profiles.profiles[0].fullscreen, true);
  const exported = await apiFromPage(page, 'GET', `/api/profiles/${profiles.profiles[0].id}/export?format=rdp`);
  assert.equal(exported.status, 200);
  assert.match(Buffer.from(exported.bytes).subarray(2).toString('utf16le'), /^screen mode id:i:2\r\nfull address:s:/);
});

test('an .rdp with an alternate shell (a session host\u2019s one application) is imported as its start program, not refused, and xrdp runs it in place of the desktop', async () => {
  // The server's desktop would be #2e6b4f; the file's program paints #6b2e5a.
  const server = await startXrdpFor(cleanups, { background: '#2e6b4f' });
  const dir = await tempDir();
  const file = path.join(dir, 'Ledger.rdp');
  const program = `xsetroot -solid '#6b2e5a'; exec sleep infinity`;
  await writeFile(file, utf16(`full address:s:127.0.0.1:${server.port}\r\nusername:s:${server.user}\r\nalternate shell:s:${program}\r\nshell working directory:s:/tmp\r\n`));
  const { running, browser } = await app();
  const { page } = browser;
  await page.goto(running.url);
  await page.getByLabel('Import connection file').setInputFiles(file);
  await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Ledger', exact: true }).waitFor();
  assert.equal(await page.getByLabel('Start program', { exact: true }).inputValue(), program);
  assert.equal(await page.getByLabel('Start in (folder)', { exact: true }).inputValue(), '/tmp');
  assert.equal(await page.getByText(/does not support yet/).count(), 0, 'nothing said to be unsupported');
  await page.getByLabel('Password', { exact: true }).fill(server.password);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Trust once' }).click();
  await waitForState(page, 'Connected', 20_000);
  await waitForCanvasColour(page, 600, 400, hexColour('#6b2e5a'), 15_000);
});

test('an .rdp opened from outside the app that asks to run a program: the question shows it, unticked; unticked the desktop opens, ticked the program runs', async () => {
  const dir = await tempDir();
  const program = `xsetroot -solid '#6b2e5a'; exec sleep infinity`;
  for (const run of [false, true]) {
    // A server of its own each time: xrdp takes a second sign-in of the same user back to the session it has.
    // Its desktop would be #2e6b4f; the file's program paints #6b2e5a.
    const server = await startXrdpFor(cleanups, { background: '#2e6b4f' });
    const text = `full address:s:127.0.0.1:${server.port}\r\nusername:s:${server.user}\r\nalternate shell:s:${program}\r\nshell working directory:s:/tmp\r\n`;
    const file = path.join(dir, `Ledger ${run ? 'ticked' : 'unticked'}.rdp`);
    await writeFile(file, utf16(text));
    const { running, browser } = await app([file]);
    const { page } = browser;
    await page.goto(running.url);
    const dialog = page.getByRole('dialog', { name: 'Caution: unknown remote connection' });
    await dialog.getByText(program, { exact: true }).waitFor();
    await dialog.getByText('/tmp', { exact: true }).waitFor();
    const tick = dialog.getByRole('checkbox', { name: 'Run this program on the remote computer instead of its desktop' });
    assert.equal(await tick.isChecked(), false, 'the program runs only if ticked');
    if (run) await tick.check();
    await dialog.getByRole('button', { name: 'Connect' }).click();
    // Signed in as any user would: the password asked for, the certificate trusted once (in whichever order they come).
    // Each step is short and may miss (a dialog seen here can close before the next step reaches it, which would
    // otherwise hold the step for Playwright's whole timeout): the next round tries again.
    const step = { timeout: 2_000 };
    await waitFor(async () => {
      const password = page.getByRole('dialog', { name: 'Password required' });
      if (await password.isVisible().catch(() => false)) {
        const signedIn = await password
          .getByLabel('Password', { exact: true })
          .fill(server.password, step)
          .then(() => password.getByRole('button', { name: 'Sign in' }).click(step))
          .then(() => true, () => false);
        if (signedIn) await password.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
      }
      const trust = page.getByRole('dialog').getByRole('button', { name: 'Trust once' });
      if (await trust.isVisible().catch(() => false)) await trust.click(step).catch(() => undefined);
      return (await sessionView(page).getByTestId('session-state').textContent().catch(() => '')) === 'Connected';
    }, 'the session to connect', 30_000);
    await waitForCanvasColour(page, 600, 400, hexColour(run ? '#6b2e5a' : '#2e6b4f'), 20_000);
    await running.stop();
  }
});

test('an .rdp opened from outside whose program is over 255 characters: the question shows the program and says RDP cannot send it; ticked, Connect refuses at once in one sentence', async () => {
  const dir = await tempDir();
  const program = `C:\\Apps\\ledger.exe ${'/book:Q3 '.repeat(32)}`.trim();
  const file = path.join(dir, 'Long ledger.rdp');
  // A closed port: the refusal must come before any connection is tried.
  await writeFile(file, utf16(`full address:s:127.0.0.1:1\r\nusername:s:ann\r\nalternate shell:s:${program}\r\n`));
  const { running, browser } = await app([file]);
  const { page } = browser;
  await page.goto(running.url);
  const dialog = page.getByRole('dialog', { name: 'Caution: unknown remote connection' });
  await dialog.getByText(program.slice(0, 120)).waitFor();
  await dialog.getByText('over 255 characters long, which RDP cannot send').waitFor();
  const tick = dialog.getByRole('checkbox', { name: 'Run this program on the remote computer instead of its desktop' });
  assert.equal(await tick.isChecked(), false);
  await tick.check();
  await dialog.getByRole('button', { name: 'Connect' }).click();
  const alert = sessionView(page).getByRole('alert');
  await alert.waitFor({ timeout: 10_000 });
  const text = (await alert.textContent()) ?? '';
  assert.ok(text.includes("The file's start program is over 255 characters long, which RDP cannot send, so DeskBridge did not connect rather than open the whole desktop."), text);
  assert.ok(!/settings|could not take the program/.test(text), text);
  await running.stop();
});

test('connections imported before start programs were taken: the program is read from the kept file and xrdp runs it; one whose file is gone says to enter it again', async () => {
  // The server's desktop would be #2e6b4f; the file's program paints #6b2e5a.
  const server = await startXrdpFor(cleanups, { background: '#2e6b4f' });
  const dir = await tempDir();
  const program = `xsetroot -solid '#6b2e5a'; exec sleep infinity`;
  // One data folder for both starts (removed with its keys' folder beside it).
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-data-'));
  cleanups.push(() => removeDataDir(dataDir));
  const start = async () => {
    const running = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' }, dataDir });
    cleanups.push(() => running.stop());
    const browser = await openBrowser({ origin: running.origin });
    cleanups.push(() => browser.close());
    await browser.page.goto(running.url);
    return { running, page: browser.page };
  };
  const first = await start();
  for (const name of ['Ledger', 'Books']) {
    const file = path.join(dir, `${name}.rdp`);
    // Not the same bytes twice (that would be "already imported").
    await writeFile(file, utf16(`full address:s:127.0.0.1:${server.port}\r\nusername:s:${server.user}\r\nalternate shell:s:${program}\r\nx-books:s:${name}\r\n`));
    await first.page.getByLabel('Import connection file').setInputFiles(file);
    await first.page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name, exact: true }).waitFor();
  }
  await first.running.stop();
  // As an older DeskBridge saved them: the program only a label, which refused Connect; the Books file's copy gone.
  const profilesFile = path.join(dataDir, 'profiles.json');
  const stored = JSON.parse(await readFile(profilesFile, 'utf8')) as { profiles: Record<string, unknown>[] };
  for (const profile of stored.profiles) {
    profile.unsupportedFeatures = [`Start program (${program})`];
    delete profile.startProgram;
    delete profile.startFolder;
  }
  await writeFile(profilesFile, JSON.stringify(stored));
  const books = stored.profiles.find((p) => p.name === 'Books')!;
  await rm(path.join(dataDir, 'imported', `${books.id as string}.rdp`));

  const { page } = await start();
  const connections = page.getByRole('navigation', { name: 'Connections' });
  await connections.getByRole('button', { name: 'Books', exact: true }).click();
  await page.getByText('This connection\u2019s file asked to start a program in place of the desktop'.replace('\u2019', "'")).waitFor();
  // What Connect does with it, told as it is (it runs the kept file's program where it can, else refuses).
  await page.getByText('It is not in the settings below: connecting starts it from the copy of the file DeskBridge kept where it can, and refuses where it cannot').waitFor({ timeout: 5_000 });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  const alert = sessionView(page).getByRole('alert');
  await alert.waitFor({ timeout: 10_000 });
  const text = (await alert.textContent()) ?? '';
  assert.ok(text.includes("Open the connection's settings and enter the start program again."), text);
  assert.ok(text.includes(`The file asked for: Start program (${program}). DeskBridge no longer has a copy of its file.`), text);
  assert.equal(await alert.getByRole('button', { name: 'Reconnect' }).count(), 0);
  await alert.getByRole('button', { name: 'Close', exact: true }).click();

  await connections.getByRole('button', { name: 'Ledger', exact: true }).click();
  assert.equal(await page.getByLabel('Start program', { exact: true }).inputValue(), program);
  assert.equal(await page.getByText(/does not support yet|connecting will refuse/).count(), 0, 'nothing said to be unsupported');
  await page.getByLabel('Password', { exact: true }).fill(server.password);
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Trust once' }).click();
  await waitForState(page, 'Connected', 20_000);
  await waitForCanvasColour(page, 600, 400, hexColour('#6b2e5a'), 15_000);
});

test('a .vv ticket connects once with its one-time password and is not kept', async () => {
  const server = await startXvnc({ password: 'vv-ticket', background: '#6b3d99', xterm: false });
  cleanups.push(() => disposeXvnc(server));
  const dir = await tempDir();
  const file = path.join(dir, 'console.vv');
  await writeFile(file, `[virt-viewer]\ntype=vnc\nhost=127.0.0.1\nport=${server.port}\npassword=vv-ticket\ntitle=Ticket VM\ndelete-this-file=1\n`);
  const { running, browser } = await app();
  const { page } = browser;
  await page.goto(running.url);
  await page.getByLabel('Import connection file').setInputFiles(file);
  await page.getByRole('dialog').getByRole('button', { name: 'Connect now' }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 400, hexColour('#6b3d99'), 15_000);
  assert.equal(await page.getByRole('dialog', { name: 'Password required' }).count(), 0, 'the ticket\u2019s password signed in');
  await page.getByRole('tab', { name: 'Connections' }).click();
  assert.equal(await page.getByRole('navigation', { name: 'Connections' }).getByRole('listitem').count(), 0, 'nothing was saved');
  assert.equal(existsSync(path.join(running.dataDir, 'profiles.json')), false);
  const secrets = await readFile(path.join(running.dataDir, 'secrets.enc.json'), 'utf8').catch(() => '');
  assert.equal(secrets, '', 'no password was stored');

  // "Save as connection" keeps the connection, never its password.
  await page.getByLabel('Import connection file').setInputFiles(file);
  await page.getByRole('dialog').getByRole('button', { name: 'Save as connection' }).click();
  await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: 'Ticket VM', exact: true }).waitFor();
  assert.ok(((await page.locator('.banner[role="status"]').textContent()) ?? '').includes('one-time password was not saved'));
  const listed = await apiFromPage(page, 'GET', '/api/profiles');
  assert.equal(listed.status, 200);
  assert.ok(Buffer.from(listed.bytes).toString().includes('Ticket VM'));
  assert.equal(Buffer.from(listed.bytes).toString().includes('vv-ticket'), false);
  // The broker's next ticket for the same machine (only its password new) saved again adds no copy, and says why.
  await writeFile(file, `[virt-viewer]\ntype=vnc\nhost=127.0.0.1\nport=${server.port}\npassword=next-ticket\ntitle=Ticket VM\ndelete-this-file=1\n`);
  await page.getByLabel('Import connection file').setInputFiles(file);
  await page.getByRole('dialog').getByRole('button', { name: 'Save as connection' }).click();
  await page.locator('.banner[role="status"]').filter({ hasText: '“Ticket VM” is already in the library: console.vv makes the same connection. Nothing was added.' }).waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Connections' }).getByRole('listitem').count(), 1);
});

test('the command line: --import of a .vv honours delete-this-file; an .rdp with passwords in plain text is imported, kept and exported without them', async () => {
  const dir = await tempDir();
  const dataDir = path.join(dir, 'data');
  const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'deskbridge.mjs'), '--data-dir', dataDir, ...args], { encoding: 'utf8', env: { ...process.env, DESKBRIDGE_SECRETS: 'file', DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys') } });
  const vv = path.join(dir, 'ticket.vv');
  await writeFile(vv, '[virt-viewer]\ntype=spice\nhost=vm-7.example\nport=5900\npassword=ticket-secret\ntitle=Ticket VM\ndelete-this-file=1\n');
  const kept = path.join(dir, 'kept.vv');
  await writeFile(kept, '[virt-viewer]\ntype=spice\nhost=vm-8.example\nport=5900\ntitle=Kept VM\n');
  const vvImported = cli('--import', vv);
  assert.equal(vvImported.status, 0, vvImported.stderr);
  assert.match(vvImported.stdout, /Imported "Ticket VM"/);
  assert.equal(existsSync(vv), false, 'delete-this-file was honoured by --import');
  assert.equal(cli('--import', kept).status, 0);
  assert.equal(existsSync(kept), true, 'a .vv without delete-this-file stays');
  // virt-viewer reads the key as a number: any but 0 deletes, wherever the line is (an oVirt file's long [ovirt] group first).
  const late = path.join(dir, 'late.vv');
  await writeFile(late, `[ovirt]\n${'jsessionid=' + 'x'.repeat(5000)}\n[virt-viewer]\ntype=spice\nhost=vm-9.example\nport=5900\npassword=late-secret\ntitle=Late VM\ndelete-this-file=2\n`);
  assert.equal(cli('--import', late).status, 0);
  assert.equal(existsSync(late), false, 'delete-this-file=2 after 5 KB was honoured');
  const zero = path.join(dir, 'zero.vv');
  await writeFile(zero, '[virt-viewer]\ntype=spice\nhost=vm-10.example\nport=5900\ntitle=Zero VM\ndelete-this-file=0\n');
  assert.equal(cli('--import', zero).status, 0);
  assert.equal(existsSync(zero), true, 'delete-this-file=0 keeps the file');

  const rdp = path.join(dir, 'Desk.rdp');
  await writeFile(rdp, utf16('full address:s:desk-3.corp.example\r\nusername:s:ann\r\npassword:s:Winter2026!\r\ngatewaypassword:s:GwSecret1\r\nx-keep:i:7\r\n'));
  const imported = cli('--import', rdp);
  assert.equal(imported.status, 0, imported.stderr);
  assert.match(imported.stdout, /Note: The file contains a password in plain text; it was not imported/);
  const id = /id ([\w-]+)\)/.exec(imported.stdout)?.[1];
  assert.ok(id, imported.stdout);
  const original = (await readFile(path.join(dataDir, 'imported', `${id}.rdp`))).subarray(2).toString('utf16le');
  assert.equal(original.includes('Winter2026') || original.includes('GwSecret1'), false, original);
  const out = path.join(dir, 'out.rdp');
  const exported = cli('--export', id, out);
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /\(no password\)/);
  const written = (await readFile(out)).subarray(2).toString('utf16le');
  assert.doesNotMatch(written, /password/i);
  assert.match(written, /^x-keep:i:7\r$/m);
});

test('the command line: --import, --export, and opening a .vv file (delete-this-file honoured)', async () => {
  const server = await startXvnc({ password: 'cli-ticket', background: '#996b3d', xterm: false });
  cleanups.push(() => disposeXvnc(server));
  const dir = await tempDir();
  const dataDir = path.join(dir, 'data');
  const rdp = path.join(dir, 'Branch.rdp');
  await writeFile(rdp, 'full address:s:branch-7.corp.example:3391\r\nusername:s:ann\r\nx-keep:i:7\r\n');
  const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'bin', 'deskbridge.mjs'), '--data-dir', dataDir, ...args], { encoding: 'utf8', env: { ...process.env, DESKBRIDGE_SECRETS: 'file', DESKBRIDGE_SECRETS_KEY_DIR: path.join(dir, 'keys') } });
  const imported = cli('--import', rdp);
  assert.equal(imported.status, 0, imported.stderr);
  const id = /id ([\w-]+)\)/.exec(imported.stdout)?.[1];
  assert.ok(id, imported.stdout);
  const out = path.join(dir, 'out.rdp');
  const exported = cli('--export', id, out);
  assert.equal(exported.status, 0, exported.stderr);
  // Exports are written as mstsc writes them: UTF-16LE with a BOM and CRLF.
  assert.match((await readFile(out)).subarray(2).toString('utf16le'), /^x-keep:i:7\r$/m);
  const broken = path.join(dir, 'broken.remmina');
  await writeFile(broken, 'server=x\n');
  const refused = cli('--import', broken);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /Line 1: .*before any \[group\].*Nothing was imported/);

  const vv = path.join(dir, 'ticket.vv');
  await writeFile(vv, `[virt-viewer]\ntype=vnc\nhost=127.0.0.1\nport=${server.port}\npassword=cli-ticket\ntitle=CLI ticket\ndelete-this-file=1\n`);
  const { running, browser } = await (async () => {
    const r = await startApp({ env: { ...process.env, DESKBRIDGE_SECRETS: 'file' }, args: [vv] });
    cleanups.push(async () => {
      await r.stop();
      await removeDataDir(r.dataDir);
    });
    const b = await openBrowser({ origin: r.origin });
    cleanups.push(() => b.close());
    return { running: r, browser: b };
  })();
  assert.equal(existsSync(vv), false, 'delete-this-file was honoured');
  await browser.page.goto(running.url);
  await waitForState(browser.page, 'Connected');
  await waitForCanvasColour(browser.page, 500, 400, hexColour('#996b3d'), 15_000);
  assert.equal(await sessionView(browser.page).locator('.session-title').textContent(), 'CLI ticket');
});

test('an .rdp or .remmina opened from outside the app asks first (where it goes, the clipboard and full screen unticked): Cancel connects nothing; Connect connects, sharing no clipboard, in the window', async () => {
  const dir = await tempDir();
  // Cancel: an .rdp as a phishing e-mail would bring it.
  const rdp = path.join(dir, 'Payroll review.rdp');
  await writeFile(rdp, 'full address:s:127.0.0.1:3399\r\nusername:s:ann\r\ndomain:s:CORP\r\nredirectclipboard:i:1\r\n');
  {
    const { running, browser } = await app([rdp]);
    const page = browser.page;
    await page.goto(running.url);
    const dialog = page.getByRole('dialog', { name: 'Caution: unknown remote connection' });
    await dialog.getByText('Payroll review.rdp').waitFor();
    await dialog.getByText('127.0.0.1:3399 (RDP)').waitFor();
    await dialog.getByText('CORP\\ann').waitFor();
    // A screen reader hears the warning, the file and where it goes as the dialog opens (the focus is on Cancel).
    const described = await page.locator(`[id="${await dialog.getAttribute('aria-describedby')}"]`).textContent();
    assert.match(described ?? '', /Payroll review\.rdp.*cannot be verified.*127\.0\.0\.1:3399/);
    assert.equal(await dialog.getByRole('checkbox', { name: 'Clipboard' }).isChecked(), false, 'what the file asks to share is off until ticked');
    assert.equal(await page.locator('.session-tab').count(), 0, 'nothing connects while the question is open');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('status').filter({ hasText: 'Not connected to' }).waitFor();
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await page.locator('.session-tab').count(), 0);
  }

  // Connect, leaving the clipboard unticked: the desktop shows, and nothing crosses the clipboard either way.
  const server = await startXvnc({ background: '#2d6a4f', xterm: false });
  cleanups.push(() => disposeXvnc(server));
  const remoteClipboard = () => server.x('xclip', ['-o', '-selection', 'clipboard']).catch(() => '');
  const remmina = path.join(dir, 'Invoice.remmina');
  // viewmode=4: full screen, as a stranger's file would ask, to draw a lock screen of its own over this one.
  await writeFile(remmina, `[remmina]\nprotocol=VNC\nserver=127.0.0.1:${server.port}\nname=Invoice desk\ndisableclipboard=0\nviewmode=4\n`);
  const { running, browser } = await app([remmina]);
  const page = browser.page;
  await page.goto(running.url);
  const dialog = page.getByRole('dialog', { name: 'Caution: unknown remote connection' });
  await dialog.getByText(`127.0.0.1:${server.port} (VNC)`).waitFor();
  assert.equal(await page.locator('.session-tab').count(), 0);
  assert.equal(await dialog.getByRole('checkbox', { name: 'Start in full screen' }).isChecked(), false, 'full screen only if ticked');
  await dialog.getByRole('button', { name: 'Connect' }).click();
  await waitForState(page, 'Connected');
  await waitForCanvasColour(page, 500, 400, hexColour('#2d6a4f'), 15_000);
  assert.equal(await page.evaluate(() => document.fullscreenElement === null), true, 'unticked: the session stays in the window');
  assert.equal(await sessionView(page).getByRole('button', { name: 'Full screen' }).count(), 1);
  await server.x('sh', ['-c', `printf '%s' "$0" | xclip -selection clipboard -i >/dev/null 2>&1`, 'remote secret']);
  await waitFor(async () => (await remoteClipboard()) === 'remote secret', 'the remote copy on the remote clipboard');
  await page.evaluate(() => navigator.clipboard.writeText('copied here'));
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(await remoteClipboard(), 'remote secret', 'the local clipboard did not reach the remote');
  // A copy made there after the one made here: it stays there too.
  await server.x('sh', ['-c', `printf '%s' "$0" | xclip -selection clipboard -i >/dev/null 2>&1`, 'second remote secret']);
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'copied here', 'the remote clipboard did not reach this computer');
});
