// The browser-shell kiosk's page stops the browser's own action for keys that would leave the session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kioskBlocksKey } from '../../../shared/session/kioskKeys';

const key = (k: string, m: Partial<{ ctrl: boolean; alt: boolean; shift: boolean }> = {}) => ({ key: k, ctrl: false, alt: false, shift: false, ...m });

test('keys whose browser action leaves the session are stopped', () => {
  const left = [
    key('u', { ctrl: true }), // view source
    key('F5'),
    key('r', { ctrl: true }),
    key('F5', { ctrl: true }),
    key('O', { ctrl: true, shift: true }), // bookmark manager
    key('B', { ctrl: true, shift: true }),
    key('M', { ctrl: true, shift: true }), // profile / guest switcher
    key('Home', { alt: true }), // home page
    key('ArrowLeft', { alt: true }),
    key('F4', { alt: true }),
    key('l', { ctrl: true }),
    key('h', { ctrl: true }),
    key('j', { ctrl: true }),
    key('I', { ctrl: true, shift: true }),
    key('F12'),
    key('F11'),
    key('BrowserBack'),
  ];
  for (const input of left) assert.equal(kioskBlocksKey(input), true, JSON.stringify(input));
});

test('typing, copy and paste and the remote desktop\u2019s own keys are left alone', () => {
  for (const input of [key('a'), key('A', { shift: true }), key('Escape'), key('Enter'), key('Tab', { alt: true }), key('c', { ctrl: true }), key('v', { ctrl: true }), key('x', { ctrl: true }), key('z', { ctrl: true }), key('a', { ctrl: true }), key('Delete', { ctrl: true, alt: true }), key('F2'), key('ArrowLeft')]) {
    assert.equal(kioskBlocksKey(input), false, JSON.stringify(input));
  }
});
