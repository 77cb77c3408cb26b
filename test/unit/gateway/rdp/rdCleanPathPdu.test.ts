import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DerError, probeLength } from '../../../../electron/gateway/bridges/rdcleanpath/der';
import { MAX_REQUEST_BYTES, RDCLEANPATH_VERSION, asRequest, decodePdu, encodePdu, type RdCleanPathPdu } from '../../../../electron/gateway/bridges/rdcleanpath/rdCleanPathPdu';
import { connectionRequest, parseConnectionConfirm, requestedProtocols, PROTOCOL } from '../../../../electron/gateway/bridges/rdp/x224';

// A request as IronRDP's web client sends it, byte by byte:
const REQUEST = Uint8Array.from([
  0x30, 0x38, //                               SEQUENCE, 56 bytes
  0xa0, 0x04, 0x02, 0x02, 0x0d, 0x3e, //       [0] INTEGER 3390 (version)
  0xa2, 0x11, 0x0c, 0x0f, ...Buffer.from('127.0.0.1:33891'), // [2] UTF8String destination
  0xa3, 0x06, 0x0c, 0x04, ...Buffer.from('tick'), //           [3] UTF8String proxy_auth
  0xa6, 0x15, 0x04, 0x13, //                   [6] OCTET STRING, 19 bytes: X.224 Connection Request
  0x03, 0x00, 0x00, 0x13, //                     TPKT, length 19
  0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, //   X.224 CR: LI 14, CR CDT, DST-REF, SRC-REF, class 0
  0x01, 0x00, 0x08, 0x00, 0x0b, 0x00, 0x00, 0x00, // RDP_NEG_REQ: SSL | HYBRID | HYBRID_EX
]);

test('decodes a request as IronRDP sends it', () => {
  const request = asRequest(decodePdu(REQUEST));
  assert.equal(request.destination, '127.0.0.1:33891');
  assert.equal(request.proxyAuth, 'tick');
  assert.equal(requestedProtocols(request.x224ConnectionRequest), PROTOCOL.SSL | PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX);
  assert.deepEqual(encodePdu(decodePdu(REQUEST)), REQUEST);
});

test('our own X.224 request is the same bytes IronRDP sends', () => {
  assert.deepEqual(connectionRequest(PROTOCOL.SSL | PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX), REQUEST.subarray(REQUEST.length - 19));
});

test('our request for a user is the bytes IronRDP 0.11 sends for that user (its routing cookie first), for NLA and for TLS only', () => {
  // Read off the RDCleanPath requests of IronRDP's web client for user "ann" (profile security negotiate, then tls).
  const nla = Buffer.from('0300002924e00000000000436f6f6b69653a206d737473686173683d616e6e0d0a010008000b000000', 'hex');
  const tlsOnly = Buffer.from('0300002924e00000000000436f6f6b69653a206d737473686173683d616e6e0d0a0100080001000000', 'hex');
  assert.deepEqual(Buffer.from(connectionRequest(PROTOCOL.SSL | PROTOCOL.HYBRID | PROTOCOL.HYBRID_EX, 'ann')), nla);
  assert.deepEqual(Buffer.from(connectionRequest(PROTOCOL.SSL, 'ann')), tlsOnly);
  assert.equal(requestedProtocols(connectionRequest(PROTOCOL.SSL, 'ann')), PROTOCOL.SSL);
  // A name too long for the one-byte length indicator is left out rather than corrupting the PDU.
  const long = connectionRequest(PROTOCOL.SSL, 'x'.repeat(300));
  assert.deepEqual(long, connectionRequest(PROTOCOL.SSL));
});

test('X.224 confirms: selected protocol, failure code, legacy', () => {
  assert.deepEqual(parseConnectionConfirm(Uint8Array.from([3, 0, 0, 19, 14, 0xd0, 0, 0, 0, 0, 0, 2, 0, 8, 0, 2, 0, 0, 0])), { kind: 'selected', protocol: 2, flags: 0 });
  assert.deepEqual(parseConnectionConfirm(Uint8Array.from([3, 0, 0, 19, 14, 0xd0, 0, 0, 0, 0, 0, 3, 0, 8, 0, 5, 0, 0, 0])), { kind: 'failure', failureCode: 5 });
  assert.deepEqual(parseConnectionConfirm(Uint8Array.from([3, 0, 0, 11, 6, 0xd0, 0, 0, 0, 0, 0])), { kind: 'legacy' });
});

const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => Uint8Array.from(b));
const text = fc.string({ maxLength: 80 });
const u16 = fc.integer({ min: 0, max: 65535 });
const pduArb: fc.Arbitrary<RdCleanPathPdu> = fc.record(
  {
    version: fc.integer({ min: 0, max: 2 ** 40 }),
    error: fc.record({ errorCode: u16, httpStatusCode: u16, wsaLastError: u16, tlsAlertCode: fc.integer({ min: 0, max: 255 }) }, { requiredKeys: ['errorCode'] }),
    destination: text,
    proxyAuth: text,
    serverAuth: text,
    preconnectionBlob: text,
    x224ConnectionPdu: bytes,
    serverCertChain: fc.array(bytes, { maxLength: 4 }),
    serverAddr: text,
  },
  { requiredKeys: ['version'] },
);

test('decode(encode(pdu)) = pdu for any PDU', () => {
  fc.assert(
    fc.property(pduArb, (pdu) => {
      // fast-check builds null-prototype records; structuredClone gives plain objects to compare with.
      assert.deepEqual(decodePdu(encodePdu(pdu)), structuredClone(pdu));
    }),
    { numRuns: 1000 },
  );
});

test('garbage gives a DerError, never another exception', () => {
  fc.assert(
    fc.property(bytes, (garbage) => {
      try {
        decodePdu(garbage);
      } catch (error) {
        assert.ok(error instanceof DerError, `unexpected ${(error as Error).name}: ${(error as Error).message}`);
      }
    }),
    { numRuns: 3000 },
  );
});

test('mutated valid requests give a DerError or a well-formed PDU, never a crash', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: REQUEST.length - 1 }), fc.integer({ min: 0, max: 255 }), (at, value) => {
      const mutated = Uint8Array.from(REQUEST);
      mutated[at] = value;
      try {
        decodePdu(mutated);
      } catch (error) {
        assert.ok(error instanceof DerError);
      }
    }),
    { numRuns: 3000 },
  );
});

test('an oversized PDU is refused from its header alone', () => {
  const header = Uint8Array.from([0x30, 0x83, 0x01, 0x00, 0x00]); // SEQUENCE of 65536 bytes
  const probe = probeLength(header, MAX_REQUEST_BYTES);
  assert.equal(probe.kind, 'invalid');
  assert.equal(probeLength(Uint8Array.from([0x30, 0x80]), MAX_REQUEST_BYTES).kind, 'invalid', 'indefinite length');
  assert.equal(probeLength(Uint8Array.from([0x30]), MAX_REQUEST_BYTES).kind, 'incomplete');
});

test('a request must carry destination, auth and X.224, at version 3390', () => {
  assert.throws(() => asRequest({ version: RDCLEANPATH_VERSION, proxyAuth: 'x', x224ConnectionPdu: new Uint8Array(19) }), DerError);
  assert.throws(() => asRequest({ version: 1, destination: 'a:1', proxyAuth: 'x', x224ConnectionPdu: new Uint8Array(19) }), DerError);
  assert.throws(() => asRequest({ version: RDCLEANPATH_VERSION, destination: 'a:1', proxyAuth: 'x', x224ConnectionPdu: new Uint8Array(19), serverAddr: 'x' }), DerError);
});
