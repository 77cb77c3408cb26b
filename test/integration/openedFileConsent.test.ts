// An .rdp or .remmina opened from outside the app (double-clicked, the command line) reaches no host before the user
// says yes, and shares nothing it asks to share until the user ticks it (mstsc's dialog since April 2026).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { API } from '../../shared/api/contract';
import { startGatewayHarness } from './gatewayHarness';

const bytes = (text: string) => new TextEncoder().encode(text);
const RDP = 'full address:s:127.0.0.1:3399\r\nusername:s:ann\r\nredirectclipboard:i:1\r\n';

test('an .rdp opened from outside waits for the user: no session before the yes, the clipboard off until ticked', async (t) => {
  const h = await startGatewayHarness({ openFile: { fileName: '/home/ann/Downloads/Payroll.rdp', bytes: bytes(RDP) } });
  t.after(() => h.close());
  const state = (await h.call('GET', API.state)).json;
  const id: string = state.autoConnectProfileId;
  assert.match(id, /^oneshot-/);
  assert.deepEqual(state.autoConnectConsent, { fileName: 'Payroll.rdp', format: 'rdp', clipboardRequested: true, fullscreenRequested: false });
  assert.equal(state.autoConnectProfile.shareClipboard, false, 'nothing shared before the user ticks it');

  const early = await h.call('POST', API.sessions, { profileId: id });
  assert.equal(early.status, 409);
  assert.equal(early.json.error, 'consent-needed');

  const yes = await h.call('POST', API.consent(id), { shareClipboard: false });
  assert.equal(yes.status, 200);
  assert.equal(yes.json.shareClipboard, false, 'the box left unticked: no clipboard');
  const again = await h.call('POST', API.consent(id), { shareClipboard: true });
  assert.equal(again.json.shareClipboard, false, 'a yes given is not widened afterwards');
  assert.notEqual((await h.call('POST', API.sessions, { profileId: id })).status, 409, 'after the yes it may connect');
});

test('the clipboard ticked is shared; a file that did not ask for it cannot be given it; a .vv ticket and the library\u2019s own "Connect now" do not ask', async (t) => {
  const h = await startGatewayHarness({ openFile: { fileName: 'Desk.remmina', bytes: bytes('[remmina]\nprotocol=VNC\nserver=127.0.0.1:5999\nname=Desk\ndisableclipboard=0\n') } });
  t.after(() => h.close());
  const id: string = (await h.call('GET', API.state)).json.autoConnectProfileId;
  assert.equal((await h.call('POST', API.consent(id), { shareClipboard: true })).json.shareClipboard, true);

  const noClipboard = await h.gateway.openFile({ fileName: 'Quiet.rdp', bytes: bytes('full address:s:127.0.0.1:3399\r\nredirectclipboard:i:0\r\n') });
  assert.deepEqual(noClipboard, { ok: true });
  const quiet = (await h.call('GET', API.state)).json;
  assert.equal(quiet.autoConnectConsent.clipboardRequested, false);
  assert.equal((await h.call('POST', API.consent(quiet.autoConnectProfileId), { shareClipboard: true })).json.shareClipboard, false);

  assert.deepEqual(await h.gateway.openFile({ fileName: 'ticket.vv', bytes: bytes('[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5930\n') }), { ok: true });
  assert.equal((await h.call('GET', API.state)).json.autoConnectConsent, null, 'a broker\u2019s ticket connects as virt-viewer does');

  const inApp = await h.call('POST', API.importFile, { fileName: 'Inside.rdp', contentBase64: Buffer.from(RDP).toString('base64'), mode: 'open' });
  assert.equal(inApp.status, 201);
  assert.equal(inApp.json.profile.shareClipboard, true, 'opened from inside the app: the user chose it there');
  assert.notEqual((await h.call('POST', API.sessions, { profileId: inApp.json.profile.id })).status, 409);
});

test('full screen from a file opened from outside (mstsc writes screen mode id:i:2 in every file) only if ticked; a .vv ticket connected at once never takes it; saved or opened in the app, the file\'s setting stands', async (t) => {
  const mstsc = 'screen mode id:i:2\r\nfull address:s:127.0.0.1:3399\r\nusername:s:ann\r\n';
  const h = await startGatewayHarness({ openFile: { fileName: 'Invoice.rdp', bytes: bytes(mstsc) } });
  t.after(() => h.close());
  const state = (await h.call('GET', API.state)).json;
  assert.equal(state.autoConnectConsent.fullscreenRequested, true, 'the question offers it');
  assert.equal(state.autoConnectProfile.fullscreen, false, 'not before the user ticks it');
  const unticked = await h.call('POST', API.consent(state.autoConnectProfileId), { shareClipboard: false });
  assert.deepEqual([unticked.status, unticked.json.fullscreen], [200, false], 'the box left unticked: in the window');

  assert.deepEqual(await h.gateway.openFile({ fileName: 'Invoice again.rdp', bytes: bytes(mstsc.replace('ann', 'bob')) }), { ok: true });
  const again = (await h.call('GET', API.state)).json;
  assert.equal((await h.call('POST', API.consent(again.autoConnectProfileId), { shareClipboard: false, fullscreen: true })).json.fullscreen, true, 'ticked: full screen');

  assert.deepEqual(await h.gateway.openFile({ fileName: 'Windowed.rdp', bytes: bytes(mstsc.replace(':i:2', ':i:1')) }), { ok: true });
  const windowed = (await h.call('GET', API.state)).json;
  assert.equal(windowed.autoConnectConsent.fullscreenRequested, false);
  assert.equal((await h.call('POST', API.consent(windowed.autoConnectProfileId), { shareClipboard: false, fullscreen: true })).json.fullscreen, false, 'never more than the file asked for');

  const vv = '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5930\nfullscreen=1\n';
  assert.deepEqual(await h.gateway.openFile({ fileName: 'ticket.vv', bytes: bytes(vv) }), { ok: true });
  assert.equal((await h.call('GET', API.state)).json.autoConnectProfile.fullscreen, false, 'a ticket opened from outside: in the window');
  const connectNow = await h.call('POST', API.importFile, { fileName: 'ticket.vv', contentBase64: Buffer.from(vv).toString('base64'), mode: 'open' });
  assert.deepEqual([connectNow.status, connectNow.json.profile.fullscreen], [201, false], 'the ticket\'s Connect now: in the window');
  const saved = await h.call('POST', API.importFile, { fileName: 'ticket.vv', contentBase64: Buffer.from(vv).toString('base64'), mode: 'save' });
  assert.deepEqual([saved.status, saved.json.profile.fullscreen], [201, true], 'saved as a connection: the setting is in its editor');
  const inApp = await h.call('POST', API.importFile, { fileName: 'Inside.rdp', contentBase64: Buffer.from(mstsc).toString('base64'), mode: 'open' });
  assert.equal(inApp.json.profile.fullscreen, true, 'opened from inside the app: the user chose it there');
});

test('an .rdp opened from outside whose program is too long to send: unticked, the desktop opens (nothing refuses it); ticked, Connect refuses at once in one sentence', async (t) => {
  const long = `full address:s:127.0.0.1:1\r\nusername:s:ann\r\nalternate shell:s:${'x'.repeat(300)}\r\n`;
  const h = await startGatewayHarness({ openFile: { fileName: 'Long.rdp', bytes: bytes(long) } });
  t.after(() => h.close());
  const state = (await h.call('GET', API.state)).json;
  // What the dialog shows: the program only as its label (the field holds 255 at most).
  assert.equal(state.autoConnectProfile.startProgram, '');
  assert.match(state.autoConnectProfile.unsupportedFeatures.join(), /^Start program \(x+…\)$/);
  const unticked = await h.call('POST', API.consent(state.autoConnectProfileId), { shareClipboard: false, runStartProgram: false });
  assert.deepEqual([unticked.status, unticked.json.startProgram, unticked.json.unsupportedFeatures], [200, '', []]);
  const desktop = await h.call('POST', API.sessions, { profileId: state.autoConnectProfileId });
  assert.ok(!['start-program-unread', 'start-program-too-long', 'feature-unsupported', 'consent-needed'].includes(desktop.json?.error), JSON.stringify(desktop.json));

  assert.deepEqual(await h.gateway.openFile({ fileName: 'Long again.rdp', bytes: bytes(long.replace('ann', 'bob')) }), { ok: true });
  const again = (await h.call('GET', API.state)).json;
  assert.notEqual(again.autoConnectProfileId, state.autoConnectProfileId);
  const ticked = await h.call('POST', API.consent(again.autoConnectProfileId), { shareClipboard: false, runStartProgram: true });
  assert.equal(ticked.status, 200);
  const refused = await h.call('POST', API.sessions, { profileId: again.autoConnectProfileId });
  assert.deepEqual([refused.status, refused.json.error, refused.json.message], [422, 'start-program-too-long', "The file's start program is over 255 characters long, which RDP cannot send, so DeskBridge did not connect rather than open the whole desktop."]);
});

test('a policy with "confirmOpenedFiles": false lets opened files connect straight, sharing what they ask', async (t) => {
  const h = await startGatewayHarness({ machinePolicy: { schemaVersion: 1, confirmOpenedFiles: false }, openFile: { fileName: 'Branch.rdp', bytes: bytes(RDP) } });
  t.after(() => h.close());
  const state = (await h.call('GET', API.state)).json;
  assert.equal(state.autoConnectConsent, null);
  assert.equal(state.autoConnectProfile.shareClipboard, true);
});

test('a kiosk opens no connection file, at start or later: it shows IT\u2019s connection and says why', async (t) => {
  const policy = { schemaVersion: 1, profiles: [{ id: 'lab', name: 'Lab', protocol: 'vnc', host: '127.0.0.1', port: 5901 }], kiosk: { enabled: true, profile: 'lab' } };
  const h = await startGatewayHarness({ machinePolicy: policy, openFile: { fileName: 'Payroll.rdp', bytes: bytes(RDP) } });
  t.after(() => h.close());
  const state = (await h.call('GET', API.state)).json;
  assert.equal(state.autoConnectProfile.name, 'Lab');
  assert.equal(state.autoConnectConsent, null);
  assert.ok(state.notices.some((n: string) => /Payroll\.rdp was not opened: this computer is a kiosk/.test(n)), JSON.stringify(state.notices));
  const later = await h.gateway.openFile({ fileName: 'Other.rdp', bytes: bytes(RDP) });
  assert.equal(later.ok, false);
  assert.match(!later.ok ? later.message : '', /kiosk/);
  assert.equal((await h.call('GET', API.state)).json.autoConnectProfile.name, 'Lab');
});
