// The connection form and the app's dialogs as a keyboard and mouse user meets
// them: unsaved changes are not thrown away without asking, a refused Save
// shows the field to mend, and a dialog keeps the keyboard until it is answered.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startAppWithBrowser } from '../support/app';
import { apiFromPage } from '../support/browser';
import { createProfile, sessionView, waitFor } from '../support/ui';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const listed = (page: Page, name: string) => page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name, exact: true });
const host = (page: Page) => page.getByLabel('Host', { exact: true });

test('changes not saved: choosing another connection, "New connection" or an import asks first; "Keep editing" keeps them, "Discard changes" goes on', async () => {
  const { page } = (await startAppWithBrowser(cleanups)).browser;
  await createProfile(page, { name: 'Alpha', host: 'alpha.corp.example', port: 5900 });
  await createProfile(page, { name: 'Beta', host: 'beta.corp.example', port: 5901 });
  await listed(page, 'Alpha').click();
  await host(page).fill('alpha-new.corp.example');

  const question = page.getByRole('dialog', { name: 'Discard your changes?' });
  await listed(page, 'Beta').click();
  await question.waitFor();
  assert.match((await question.textContent()) ?? '', /The changes to “Alpha” are not saved/);
  await question.getByRole('button', { name: 'Keep editing' }).click();
  await question.waitFor({ state: 'detached' });
  assert.equal(await host(page).inputValue(), 'alpha-new.corp.example', 'the change is still there');

  // Escape is "Keep editing" too.
  await page.getByRole('button', { name: 'New connection' }).click();
  await question.waitFor();
  await page.keyboard.press('Escape');
  await question.waitFor({ state: 'detached' });
  assert.equal(await host(page).inputValue(), 'alpha-new.corp.example');

  // An import would show the imported connection in its place.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-forms-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'Gamma.rdp');
  await writeFile(file, 'full address:s:gamma.corp.example:3389\r\n');
  await page.getByLabel('Import connection file').setInputFiles(file);
  await question.waitFor();
  await question.getByRole('button', { name: 'Discard changes' }).click();
  await listed(page, 'Gamma').waitFor();
  assert.equal(await host(page).inputValue(), 'gamma.corp.example', 'the import went on');
  await listed(page, 'Alpha').click();
  assert.equal(await host(page).inputValue(), 'alpha.corp.example', 'the discarded change was not saved');
  // Nothing changed, nothing asked.
  await listed(page, 'Beta').click();
  assert.equal(await host(page).inputValue(), 'beta.corp.example');
  assert.equal(await question.count(), 0);
});

test('a refused Save puts the focus on the first field to mend', async () => {
  const { page } = (await startAppWithBrowser(cleanups)).browser;
  await page.getByRole('button', { name: 'New connection' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Incomplete');
  await page.getByLabel('Port', { exact: true }).fill('99999');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForFunction(() => (document.activeElement as HTMLElement | null)?.getAttribute('aria-invalid') === 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id === document.querySelector('label[for]:is([for$="-host"])')?.getAttribute('for')), true, 'the focus is on Host, the first field with an error');
});

test('a dialog keeps the keyboard: Tab and Shift+Tab go round inside it, Escape answers Cancel wherever the focus is, and the focus goes back to where it was', async () => {
  const { page } = (await startAppWithBrowser(cleanups)).browser;
  await createProfile(page, { name: 'To delete', host: 'old.corp.example', port: 5900 });
  const del = page.getByRole('button', { name: 'Delete', exact: true });
  await del.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Delete “To delete”?' });
  await dialog.waitFor();
  const focusInDialog = () => page.evaluate(() => document.activeElement?.closest('[role="dialog"]') !== null);
  for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    assert.equal(await focusInDialog(), true, `after ${key} the focus left the dialog`);
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  await listed(page, 'To delete').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Delete', 'the focus is back on Delete');

  // The .vv question, which had no Escape: asked, Tab stays, Escape cancels, nothing imported.
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-forms-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'console.vv');
  await writeFile(file, '[virt-viewer]\ntype=vnc\nhost=127.0.0.1\nport=5999\ntitle=Ticket VM\n');
  await page.getByLabel('Import connection file').setInputFiles(file);
  const ticket = page.getByRole('dialog', { name: 'Open “console.vv”?' });
  await ticket.waitFor();
  assert.equal(await focusInDialog(), true, 'the question has the focus');
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press('Tab');
    assert.equal(await focusInDialog(), true);
  }
  await page.keyboard.press('Escape');
  await ticket.waitFor({ state: 'detached' });
  assert.equal(await listed(page, 'Ticket VM').count(), 0);
});

test('the same connection opened twice: the tabs are told apart ("Lab", "Lab (2)"), and a Fixed size\'s width and height stay side by side', async () => {
  const { page } = (await startAppWithBrowser(cleanups)).browser;
  // Nothing listens there: each tab says so, which is all this needs.
  await createProfile(page, { name: 'Lab', protocol: 'RDP', host: '127.0.0.1', port: 9, fixedSize: { width: 1280, height: 720 } });
  const width = await page.getByLabel('Width', { exact: true }).boundingBox();
  const height = await page.getByLabel('Height', { exact: true }).boundingBox();
  assert.ok(width && height && Math.abs(width.y - height.y) < 1 && height.x > width.x, `Width ${JSON.stringify(width)} and Height ${JSON.stringify(height)} on one line`);
  // Each ends (nothing listens): a connection whose tab has ended opens anew (an open one would be shown instead).
  for (let i = 0; i < 2; i++) {
    await page.getByRole('tab', { name: 'Connections' }).click();
    await listed(page, 'Lab').dblclick();
    await sessionView(page).getByText(/refused the connection/).first().waitFor();
  }
  const tabs = await page.getByRole('tab').allTextContents();
  assert.deepEqual(tabs, ['Connections', 'Lab', 'Lab (2)']);
  // Closing the tab shown gives way to its neighbour, as in a browser; the last one to Connections.
  await page.getByRole('tab', { name: 'Lab', exact: true }).click();
  await sessionView(page).getByRole('button', { name: 'Close tab' }).click();
  // The one left is now the only "Lab".
  await page.getByRole('tab', { name: 'Lab', exact: true, selected: true }).waitFor();
  assert.deepEqual(await page.getByRole('tab').allTextContents(), ['Connections', 'Lab']);
  await sessionView(page).getByRole('button', { name: 'Close tab' }).click();
  await page.getByRole('tab', { name: 'Connections', selected: true }).waitFor();
  assert.deepEqual(await page.getByRole('tab').allTextContents(), ['Connections']);
});

test('many tabs: each on one line (a long name cut, whole in its title), the header keeps its height, the tab shown stays in sight; a middle click closes a tab', async () => {
  const { page } = (await startAppWithBrowser(cleanups)).browser;
  const name = 'Accounts payable desktop, second floor';
  await createProfile(page, { name, protocol: 'RDP', host: '127.0.0.1', port: 9 });
  const header = async () => (await page.locator('.app-header').boundingBox())?.height ?? 0;
  const before = await header();
  for (let i = 0; i < 8; i++) {
    await page.getByRole('tab', { name: 'Connections' }).click();
    await listed(page, name).dblclick();
    await sessionView(page).getByText(/refused the connection/).first().waitFor();
  }
  const tabs = page.getByRole('tab');
  assert.equal(await tabs.count(), 9);
  assert.ok(Math.abs((await header()) - before) <= 1, `the header was ${before} px high, now ${await header()}`);
  const oneLine = (await page.getByRole('tab', { name: 'Connections' }).boundingBox())?.height ?? 0;
  for (let i = 1; i < 9; i++) assert.ok(Math.abs(((await tabs.nth(i).boundingBox())?.height ?? 0) - oneLine) <= 1, `tab ${i} on one line`);
  assert.equal(await tabs.nth(8).getAttribute('title'), `${name} (8)`);
  const strip = (await page.getByRole('tablist').boundingBox())!;
  const shown = (await page.getByRole('tab', { selected: true }).boundingBox())!;
  assert.ok(shown.x >= strip.x - 1 && shown.x + shown.width <= strip.x + strip.width + 1, `the tab shown ${JSON.stringify(shown)} inside the strip ${JSON.stringify(strip)}`);
  await tabs.nth(3).click({ button: 'middle' });
  await page.waitForFunction('document.querySelectorAll(\'[role="tab"]\').length === 8');
});

test('export from the editor: a file that would drop the SSH tunnel is refused in words; the format that carries it is downloaded', async () => {
  const { page } = (await startAppWithBrowser(cleanups)).browser;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-forms-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'Jump to db.remmina');
  await writeFile(file, '[remmina]\nname=Jump to db\nprotocol=RDP\nserver=10.0.0.5\nssh_tunnel_enabled=1\nssh_tunnel_server=bastion.corp.example:22\n');
  await page.getByLabel('Import connection file').setInputFiles(file);
  await listed(page, 'Jump to db').waitFor();
  await page.getByRole('button', { name: 'Export as .rdp' }).click();
  const refusal = page.locator('.banner[role="alert"]').filter({ hasText: 'SSH tunnel' });
  await refusal.waitFor();
  assert.match((await refusal.textContent()) ?? '', /goes through the SSH tunnel bastion\.corp\.example:22, which an \.rdp file cannot describe: export it as \.remmina/);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export as .remmina' }).click();
  const saved = await download;
  assert.equal(saved.suggestedFilename(), 'Jump to db.remmina');
  assert.match(await readFile((await saved.path())!, 'utf8'), /^ssh_tunnel_server=bastion\.corp\.example:22$/m);
});

test('several files imported at once (chosen together, or dropped): each is saved or said why not, by name; a .vv among them is saved, without its password', async () => {
  const { page } = (await startAppWithBrowser(cleanups)).browser;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'deskbridge-forms-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const files = {
    'Branch office.rdp': 'full address:s:branch.corp.example\r\n',
    'Lab.remmina': '[remmina]\nname=Lab\nprotocol=VNC\nserver=lab.corp.example:5901\n',
    'empty.rdp': '',
    'ticket.vv': '[virt-viewer]\ntype=spice\nhost=vm.corp.example\nport=5900\ntitle=Finance VM\npassword=one-time-9f3k\ndelete-this-file=1\n',
  };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  await page.getByLabel('Import connection file').setInputFiles(Object.keys(files).map((name) => path.join(dir, name)));
  await listed(page, 'Branch office').waitFor();
  await listed(page, 'Lab').waitFor();
  await listed(page, 'Finance VM').waitFor();
  // The banners are written once every file has been answered: waited for, not read as the list shows the first.
  await page.locator('.banner.info').filter({ hasText: 'Lab.remmina' }).filter({ hasText: 'Branch office.rdp' }).waitFor();
  await page.locator('.banner[role="alert"]').filter({ hasText: '1 of 4 files' }).waitFor();
  const said = (await page.locator('.banner.info').textContent()) ?? '';
  assert.match(said, /Imported “Branch office” from Branch office\.rdp\./);
  assert.match(said, /Imported “Lab” from Lab\.remmina\./);
  // The .vv as its "Save as connection" saves it: kept, its one-time password not, and the banner says both.
  assert.match(said, /Imported “Finance VM” from ticket\.vv\./);
  assert.match(said, /ticket\.vv: saved as a connection \(a \.vv opened on its own can connect once instead, without being kept\)\./);
  assert.match(said, /ticket\.vv: The file’s one-time password was not saved\./);
  const refused = (await page.locator('.banner[role="alert"]').textContent()) ?? '';
  assert.match(refused, /^1 of 4 files was not imported:\nempty\.rdp: [^\n]+$/);
  assert.equal(await page.getByRole('navigation', { name: 'Connections' }).getByRole('listitem').count(), 3);
  const profiles = await apiFromPage(page, 'GET', '/api/profiles');
  assert.equal(profiles.status, 200);
  assert.equal(Buffer.from(profiles.bytes).toString().includes('one-time-9f3k'), false, 'the ticket\u2019s password is not kept');
  // The same file again adds no copy: it says where the connection is, and shows it.
  await page.getByLabel('Import connection file').setInputFiles(path.join(dir, 'Branch office.rdp'));
  await page.locator('.banner.info').filter({ hasText: '“Branch office” was imported from Branch office.rdp before: nothing was added.' }).waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Connections' }).getByRole('listitem').count(), 3);
  // The editor shows it once the selection has reached it (read at once, under load it could still show the one before).
  const host = page.getByLabel('Host', { exact: true });
  await waitFor(async () => (await host.inputValue()) === 'branch.corp.example', 'the editor to show “Branch office”', 5000).catch(async () => assert.equal(await host.inputValue(), 'branch.corp.example'));
});
