import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CTRL_ALT_DEL, spiceScancode } from '../../../renderer/session/scancodes';

test('SPICE keys: one-byte scan codes by physical key, the release bit on release', () => {
  assert.equal(spiceScancode('KeyA', true), 0x1e);
  assert.equal(spiceScancode('KeyA', false), 0x9e);
  assert.equal(spiceScancode('ShiftLeft', true), 0x2a);
  assert.equal(spiceScancode('Period', true), 0x34);
  assert.equal(spiceScancode('Enter', false), 0x9c);
  assert.equal(spiceScancode('Digit0', true), 0x0b);
  assert.equal(spiceScancode('F12', true), 0x58);
});

test('SPICE keys: extended keys are 0xE0 then the code, least significant byte first; the release bit on the second byte', () => {
  assert.equal(spiceScancode('ArrowUp', true), 0x48e0);
  assert.equal(spiceScancode('ArrowUp', false), 0xc8e0);
  assert.equal(spiceScancode('AltRight', true), 0x38e0);
  assert.equal(spiceScancode('NumpadEnter', true), 0x1ce0);
  assert.equal(spiceScancode('Delete', false), 0xd3e0);
});

test('SPICE keys: a key with no scan code is not sent, and every mapped key is distinct', () => {
  assert.equal(spiceScancode('', true), null);
  assert.equal(spiceScancode('Fn', true), null);
  const codes = ['KeyA', 'KeyZ', 'Digit1', 'Minus', 'Slash', 'ShiftRight', 'ControlRight', 'ControlLeft', 'Home', 'Numpad7', 'MetaLeft'];
  const presses = codes.map((code) => spiceScancode(code, true));
  assert.equal(new Set(presses).size, codes.length);
  assert.deepEqual([...CTRL_ALT_DEL], ['ControlLeft', 'AltLeft', 'Delete']);
});
