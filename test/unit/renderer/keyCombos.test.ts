import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_COMBOS, pressesAndReleases } from '../../../renderer/session/keyCombos';
import { xtScancode } from '../../../renderer/session/scancodes';
import { sendScancodes } from '../../../renderer/protocols/rdp/rdpKeys';

test('keys are pressed in order and released in reverse', () => {
  assert.deepEqual(pressesAndReleases(['ControlLeft', 'AltLeft', 'F2']), [
    { key: 'ControlLeft', down: true },
    { key: 'AltLeft', down: true },
    { key: 'F2', down: true },
    { key: 'F2', down: false },
    { key: 'AltLeft', down: false },
    { key: 'ControlLeft', down: false },
  ]);
});

test('every "Send keys" entry is a key every protocol can send (a scan code for SPICE and RDP), with a label of its own', () => {
  for (const combo of KEY_COMBOS) for (const code of combo.codes) assert.notEqual(xtScancode(code), null, `${combo.label}: ${code}`);
  assert.equal(new Set(KEY_COMBOS.map((c) => c.label)).size, KEY_COMBOS.length);
  assert.equal(new Set(KEY_COMBOS.map((c) => c.id)).size, KEY_COMBOS.length);
  assert.deepEqual(KEY_COMBOS.find((c) => c.label === 'Ctrl+Alt+F12')?.codes, ['ControlLeft', 'AltLeft', 'F12']);
});

test('RDP scan codes as IronRDP takes them: one byte, or 0xE0 and the byte', () => {
  assert.equal(xtScancode('ControlLeft'), 0x1d);
  assert.equal(xtScancode('F12'), 0x58);
  assert.equal(xtScancode('Delete'), 0xe053);
  assert.equal(xtScancode('MetaLeft'), 0xe05b);
  assert.equal(xtScancode('NoSuchKey'), null);
});

test('RDP: the keys go to IronRDP\u2019s session as one input transaction', () => {
  class FakeTransaction {
    events: string[] = [];
    addEvent(event: string) {
      this.events.push(event);
    }
  }
  const DeviceEvent = { keyPressed: (s: number) => `down ${s.toString(16)}`, keyReleased: (s: number) => `up ${s.toString(16)}` };
  const applied: FakeTransaction[] = [];
  const backend = { Backend: { DeviceEvent, InputTransaction: FakeTransaction } } as never;
  sendScancodes({ applyInputs: (t) => applied.push(t as FakeTransaction) }, backend, [0x38, 0x0f]);
  assert.equal(applied.length, 1);
  assert.deepEqual(applied[0]!.events, ['down 38', 'down f', 'up f', 'up 38']);
});
