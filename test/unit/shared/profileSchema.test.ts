import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { splitHostAndPort, validateProfileDraft, profileDraftSchema } from '../../../shared/profiles/profileSchema';
import { DEFAULT_PROXY_PORT, parseHttpProxy } from '../../../shared/profiles/spiceProxy';

const good = { name: 'Office', protocol: 'vnc', host: '127.0.0.1', port: 5901, username: '', scaling: 'fit' };

test('a good draft validates and gets defaults', () => {
  const result = validateProfileDraft({ name: 'Office', protocol: 'vnc', host: 'desk-12.corp.example', port: 5900 });
  assert.equal(result.ok, true);
  if (result.ok) {
    assert.equal(result.value.scaling, 'fit');
    assert.deepEqual(result.value.tags, []);
  }
});

test('empty host and out-of-range port give messages for those fields', () => {
  const result = validateProfileDraft({ ...good, host: '  ', port: 70000 });
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.match(result.errors.host ?? '', /host name or address/);
    assert.match(result.errors.port ?? '', /1 to 65535/);
    assert.equal(result.errors.name, undefined);
  }
});

test('a URL instead of a host is refused with a hint', () => {
  const result = validateProfileDraft({ ...good, host: 'vnc://desk/x' });
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.errors.host ?? '', /without spaces/);
});

test('an IPv4 address written so that it reads as another (leading zeros are octal, one number is the whole address) is refused in words', () => {
  for (const host of ['010.0.0.1', '0x7f.0.0.1', '2130706433', '127.1', '10.0.1']) {
    const result = validateProfileDraft({ ...good, host });
    assert.equal(result.ok, false, host);
    if (!result.ok) assert.equal(result.errors.host, 'Write an IPv4 address as four numbers from 0 to 255 without leading zeros, such as 10.0.0.1.');
  }
  for (const host of ['10.0.0.1', '0.0.0.0', '255.255.255.255', 'desk-01.corp.example', 'host1', '7zip.example', 'fe80::1']) assert.equal(validateProfileDraft({ ...good, host }).ok, true, host);
});

test('a host typed with its port (mstsc\u2019s and Remmina\u2019s way) is split; for VNC a number under 100 is a display', () => {
  assert.deepEqual(splitHostAndPort('desk.corp.example:3390', 'rdp'), { host: 'desk.corp.example', port: 3390 });
  assert.deepEqual(splitHostAndPort(' desk:1 ', 'vnc'), { host: 'desk', port: 5901 });
  assert.deepEqual(splitHostAndPort('desk:5901', 'vnc'), { host: 'desk', port: 5901 });
  assert.deepEqual(splitHostAndPort('desk::22', 'vnc'), { host: 'desk', port: 22 }, 'TigerVNC\u2019s host::port is a port');
  assert.deepEqual(splitHostAndPort('desk:1', 'rdp'), { host: 'desk', port: 1 });
  assert.deepEqual(splitHostAndPort('[fe80::1]:5901', 'spice'), { host: 'fe80::1', port: 5901 });
  assert.deepEqual(splitHostAndPort('10.0.0.5:5900', 'vnc'), { host: '10.0.0.5', port: 5900 });
  assert.deepEqual(splitHostAndPort('desk:0', 'vnc'), { host: 'desk', port: 5900 });
  assert.equal(splitHostAndPort('desk:0', 'rdp'), null);
  for (const text of ['desk', 'fe80::1', 'fe80::5901', '[fe80::1]', 'desk:0x10', 'desk:70000', 'a b:1', 'vnc://desk:1', 'pvespiceproxy:1:101:pve::ab', 'desk:']) assert.equal(splitHostAndPort(text, 'vnc'), null, text);
});

test('a draft never keeps a password field', () => {
  const parsed = profileDraftSchema.parse({ ...good, password: 'hunter2' });
  assert.equal('password' in parsed, false);
});

test('any input gives a typed result, never an exception', () => {
  fc.assert(
    fc.property(fc.anything(), (input) => {
      const result = validateProfileDraft(input);
      assert.equal(typeof result.ok, 'boolean');
    }),
    { numRuns: 500 },
  );
});

test('SPICE proxy: http://host:port (3128 by default), nothing else; a proxy ticket as host only with a SPICE proxy', () => {
  assert.deepEqual(parseHttpProxy('http://pve1.corp.example:3128'), { ok: true, proxy: { host: 'pve1.corp.example', port: 3128 } });
  assert.deepEqual(parseHttpProxy(' http://10.0.0.5/ '), { ok: true, proxy: { host: '10.0.0.5', port: DEFAULT_PROXY_PORT } });
  assert.deepEqual(parseHttpProxy('HTTP://[2001:db8::1]:8080'), { ok: true, proxy: { host: '2001:db8::1', port: 8080 } });
  for (const [text, reason] of [
    ['pve1:3128', /http:\/\/host:port/],
    ['socks5://proxy:1080', /not socks5/],
    ['http://user:pw@proxy:3128', /user name and password/],
    ['http://proxy:3128/path', /without a path/],
    ['http://proxy:70000', /1 to 65535/],
  ] as const) {
    const parsed = parseHttpProxy(text);
    assert.equal(parsed.ok, false, text);
    if (!parsed.ok) assert.match(parsed.reason, reason, text);
  }
  const ticket = 'pvespiceproxy:65a3e1f2:101:pve1::7c1d2e3f';
  const base = { name: 'VM', protocol: 'spice', host: ticket, port: 61000 };
  assert.equal(validateProfileDraft({ ...base, spiceProxy: 'http://pve1:3128' }).ok, true);
  const withoutProxy = validateProfileDraft(base);
  assert.equal(withoutProxy.ok, false);
  if (!withoutProxy.ok) assert.match(withoutProxy.errors.host ?? '', /host name or IP address only/);
  assert.equal(validateProfileDraft({ ...base, protocol: 'vnc', spiceProxy: 'http://pve1:3128' }).ok, false, 'only SPICE goes through the proxy');
  const badProxy = validateProfileDraft({ ...base, spiceProxy: 'https://pve1' });
  assert.equal(badProxy.ok, false);
  if (!badProxy.ok) assert.match(badProxy.errors.spiceProxy ?? '', /Only HTTP proxies/);
  assert.equal(validateProfileDraft({ ...base, host: 'a b', spiceProxy: 'http://pve1:3128' }).ok, false, 'still no spaces');
});

test('an international host name is kept in the ASCII form a name lookup needs; one with a space or a path is still refused', () => {
  const base = { name: 'Café', protocol: 'rdp', port: 3389 } as const;
  assert.equal(profileDraftSchema.parse({ ...base, host: 'café.example' }).host, 'xn--caf-dma.example');
  assert.equal(profileDraftSchema.parse({ ...base, host: 'BÜRO.corp.example' }).host, 'xn--bro-hoa.corp.example');
  assert.equal(profileDraftSchema.safeParse({ ...base, host: 'café example' }).success, false);
  assert.equal(profileDraftSchema.safeParse({ ...base, host: 'café.example/path' }).success, false);
});

test('start program and its folder: empty by default, 255 characters at most (the Client Info PDU\u2019s room), on one line, no NUL', () => {
  const rdp = { name: 'Ledger', protocol: 'rdp', host: 'apps.corp.example', port: 3389 };
  const plain = validateProfileDraft(rdp);
  assert.ok(plain.ok && plain.value.startProgram === '' && plain.value.startFolder === '');
  const set = validateProfileDraft({ ...rdp, startProgram: ' C:\\Program Files\\Ledger\\ledger.exe /ro ', startFolder: 'D:\\Books' });
  assert.ok(set.ok);
  assert.equal(set.value.startProgram, 'C:\\Program Files\\Ledger\\ledger.exe /ro');
  assert.ok(validateProfileDraft({ ...rdp, startProgram: 'x'.repeat(255), startFolder: 'y'.repeat(255) }).ok);
  const cases: [Record<string, string>, keyof typeof set.value, RegExp][] = [
    [{ startProgram: 'x'.repeat(256) }, 'startProgram', /^The start program is too long \(255 characters at most\)\.$/],
    [{ startFolder: 'y'.repeat(256) }, 'startFolder', /^The start folder is too long/],
    [{ startProgram: 'ledger.exe\0/ro' }, 'startProgram', /^Write the start program on one line\.$/],
    [{ startProgram: 'ledger.exe\n/ro' }, 'startProgram', /one line/],
    [{ startFolder: 'D:\\\r\nBooks' }, 'startFolder', /^Write the start folder on one line\.$/],
  ];
  for (const [fields, field, message] of cases) {
    const result = validateProfileDraft({ ...rdp, ...fields });
    assert.ok(!result.ok, JSON.stringify(fields));
    assert.match(result.errors[field] ?? '', message);
  }
});

test('a start program is refused in a connection its file made a RemoteApp, in words for the Start program field; without one it saves as before', () => {
  const remoteApp = { name: 'Excel', protocol: 'rdp', host: 'apps.corp.example', port: 3389, unsupportedFeatures: ['RemoteApp (Excel)', 'Connection broker load-balance info'] };
  assert.ok(validateProfileDraft(remoteApp).ok, 'the RemoteApp as imported still saves (Connect refuses it)');
  const withProgram = validateProfileDraft({ ...remoteApp, startProgram: 'notepad.exe' });
  assert.ok(!withProgram.ok);
  assert.equal(withProgram.errors.startProgram, 'This connection opens the RemoteApp program Excel from its file, and a start program cannot go with a RemoteApp: leave this empty.');
  const unnamed = validateProfileDraft({ ...remoteApp, unsupportedFeatures: ['RemoteApp'], startProgram: 'notepad.exe' });
  assert.match(unnamed.ok ? '' : (unnamed.errors.startProgram ?? ''), /opens a RemoteApp program from its file/);
  assert.ok(validateProfileDraft({ ...remoteApp, unsupportedFeatures: ['RD Gateway (gw.corp.example)'], startProgram: 'notepad.exe' }).ok, 'only RemoteApp excludes a start program');
});

test('every field says in words what is wrong, however it fails: no zod message ("Invalid input: expected int, received number") reaches the form', () => {
  const long = 'x'.repeat(70_000);
  // Each field is given what the form and a hand-written API call could send it: other types, NaN (a number field
  // holding text), fractions, out of range, too long, too many.
  const bad: unknown[] = [null, 42, -1, 1280.5, Number.NaN, 1e9, true, '', 'abc', '   ', long, 'a\nb', {}, [], [42], [long], Array.from({ length: 200 }, (_, i) => `t${i}`)];
  const fields = Object.keys(profileDraftSchema.shape) as (keyof typeof profileDraftSchema.shape)[];
  assert.ok(fields.length >= 30, 'the schema\u2019s fields are walked');
  for (const field of fields) {
    let refused = 0;
    for (const value of bad) {
      const result = validateProfileDraft({ ...good, protocol: 'rdp', [field]: value });
      if (result.ok) continue;
      const message = result.errors[field];
      if (message === undefined) continue;
      refused += 1;
      assert.doesNotMatch(message, /^Invalid|expected|received/i, `${field} = ${JSON.stringify(value)?.slice(0, 40)}: ${message}`);
    }
    assert.ok(refused > 0, `${field} refuses some bad value`);
  }
});

test('the fixed desktop size, as the form sends what was typed: a fraction and text are refused in words', () => {
  for (const [value, message] of [
    [1280.5, 'Enter the width as a whole number of pixels, 200 to 8192.'],
    [Number.NaN, 'Enter the width as a whole number of pixels, 200 to 8192.'],
    [99_999, 'The width must be 200 to 8192 pixels.'],
  ] as const) {
    const result = validateProfileDraft({ ...good, protocol: 'rdp', desktopSize: 'fixed', desktopWidth: value, desktopHeight: value });
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.errors.desktopWidth, message);
      assert.equal(result.errors.desktopHeight, message.replace('width', 'height'));
    }
  }
});
