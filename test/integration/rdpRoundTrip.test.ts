// The round trip to an RDP server as the gateway times it while connecting
// (shown in the session's readout): the link's, not the server's work on its
// first answer. freerdp-shadow takes 35–45 ms to send its X.224 Confirm, so
// that exchange alone made a 20 ms link read 52–67 ms; with the TLS
// handshake's time over its round trips as the other measure, 23–29.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startFreerdpShadow } from '../servers/freerdpShadow';
import { startFaultRelay } from '../servers/faultRelay';
import { openRdpTransport, requestedProtocolsFor } from '../../electron/gateway/bridges/rdp/rdpTransport';
import { connectionRequest } from '../../electron/gateway/bridges/rdp/x224';

const DELAY_MS = 10;

test('through a relay 10 ms each way, the round trip reads at least the link\u2019s 20 ms and not much more', async (t) => {
  const shadow = await startFreerdpShadow({ security: 'tls' });
  t.after(() => shadow.stop());
  const relay = await startFaultRelay(shadow.port, '127.0.0.1', { delayMs: DELAY_MS });
  t.after(() => relay.close());
  const readings: number[] = [];
  for (let i = 0; i < 3; i++) {
    const transport = await openRdpTransport({ host: '127.0.0.1', port: relay.port, x224Request: connectionRequest(requestedProtocolsFor('negotiate')) });
    assert.equal(transport.kind, 'secured');
    if (transport.kind !== 'secured') return;
    readings.push(transport.roundTripMs);
    transport.socket.destroy();
  }
  assert.ok(Math.min(...readings) >= 2 * DELAY_MS - 0.5, `readings ${readings.map((r) => r.toFixed(1))} ms`);
  assert.ok(Math.min(...readings) < 2 * DELAY_MS + 25, `readings ${readings.map((r) => r.toFixed(1))} ms: the server's work taken for distance`);
});
