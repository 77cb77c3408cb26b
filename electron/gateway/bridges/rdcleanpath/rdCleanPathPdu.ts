// RDCleanPath, the proxy protocol of IronRDP's web client: the client sends
// its X.224 Connection Request with the destination and an authorisation
// token; the proxy connects, forwards it, does the TLS handshake itself and
// answers with the server's X.224 Connection Confirm and certificate chain.
// Layout (every field an explicit context tag, DER):
//   RDCleanPathPdu ::= SEQUENCE {
//     version [0] INTEGER (3390), error [1] RDCleanPathErr OPTIONAL,
//     destination [2] UTF8String OPTIONAL, proxyAuth [3] UTF8String OPTIONAL,
//     serverAuth [4] UTF8String OPTIONAL, preconnectionBlob [5] UTF8String OPTIONAL,
//     x224ConnectionPdu [6] OCTET STRING OPTIONAL,
//     serverCertChain [7] SEQUENCE OF OCTET STRING OPTIONAL,
//     serverAddr [9] UTF8String OPTIONAL }
//   RDCleanPathErr ::= SEQUENCE { errorCode [0] INTEGER, httpStatusCode [1] INTEGER OPTIONAL,
//     wsaLastError [2] INTEGER OPTIONAL, tlsAlertCode [3] INTEGER OPTIONAL }
import {
  DerError,
  TAG,
  contextTag,
  decodeUnsigned,
  decodeUtf8,
  encodeOctets,
  encodeSequence,
  encodeUnsigned,
  encodeUtf8,
  expectTag,
  explicit,
  readChildren,
  readTlv,
  type Tlv,
} from './der';

export const RDCLEANPATH_VERSION = 3390;
/** A request carries an X.224 request of a few dozen bytes; nothing legitimate comes near this. */
export const MAX_REQUEST_BYTES = 16 * 1024;

export const RDCLEANPATH_ERROR = { general: 1, negotiation: 2 } as const;

export interface RdCleanPathErrorBody {
  errorCode: number;
  httpStatusCode?: number;
  wsaLastError?: number;
  tlsAlertCode?: number;
}

export interface RdCleanPathPdu {
  version: number;
  error?: RdCleanPathErrorBody;
  destination?: string;
  proxyAuth?: string;
  serverAuth?: string;
  preconnectionBlob?: string;
  x224ConnectionPdu?: Uint8Array;
  serverCertChain?: Uint8Array[];
  serverAddr?: string;
}

export interface RdCleanPathRequest {
  destination: string;
  proxyAuth: string;
  serverAuth?: string;
  preconnectionBlob?: string;
  x224ConnectionRequest: Uint8Array;
}

function fieldsOf(content: Uint8Array, what: string): Map<number, Tlv> {
  const fields = new Map<number, Tlv>();
  let last = -1;
  for (const child of readChildren(content)) {
    if ((child.tag & 0xe0) !== 0xa0) throw new DerError(`${what}: expected a context-specific field, got tag 0x${child.tag.toString(16)}`);
    const n = child.tag & 0x1f;
    if (n <= last) throw new DerError(`${what}: field [${n}] out of order or repeated`);
    last = n;
    const inner = readTlv(child.value, 0);
    if (inner.end !== child.value.length) throw new DerError(`${what}: field [${n}] has trailing bytes`);
    fields.set(n, inner);
  }
  return fields;
}

function decodeError(tlv: Tlv): RdCleanPathErrorBody {
  const fields = fieldsOf(expectTag(tlv, TAG.SEQUENCE, 'error'), 'error');
  const code = fields.get(0);
  if (!code) throw new DerError('error: missing error code');
  const number = (n: number) => {
    const f = fields.get(n);
    return f ? decodeUnsigned(expectTag(f, TAG.INTEGER, `error [${n}]`), `error [${n}]`) : undefined;
  };
  return {
    errorCode: decodeUnsigned(expectTag(code, TAG.INTEGER, 'error code'), 'error code'),
    ...(fields.has(1) ? { httpStatusCode: number(1) } : {}),
    ...(fields.has(2) ? { wsaLastError: number(2) } : {}),
    ...(fields.has(3) ? { tlsAlertCode: number(3) } : {}),
  };
}

/** Decodes one whole PDU. Any malformed input is a DerError. */
export function decodePdu(buf: Uint8Array): RdCleanPathPdu {
  const outer = readTlv(buf, 0);
  if (outer.end !== buf.length) throw new DerError('trailing bytes after the PDU');
  const fields = fieldsOf(expectTag(outer, TAG.SEQUENCE, 'PDU'), 'PDU');
  const version = fields.get(0);
  if (!version) throw new DerError('PDU: missing version');
  const text = (n: number, what: string) => {
    const f = fields.get(n);
    return f ? decodeUtf8(expectTag(f, TAG.UTF8_STRING, what), what) : undefined;
  };
  const pdu: RdCleanPathPdu = { version: decodeUnsigned(expectTag(version, TAG.INTEGER, 'version'), 'version') };
  const error = fields.get(1);
  if (error) pdu.error = decodeError(error);
  const destination = text(2, 'destination');
  if (destination !== undefined) pdu.destination = destination;
  const proxyAuth = text(3, 'proxy auth');
  if (proxyAuth !== undefined) pdu.proxyAuth = proxyAuth;
  const serverAuth = text(4, 'server auth');
  if (serverAuth !== undefined) pdu.serverAuth = serverAuth;
  const pcb = text(5, 'preconnection blob');
  if (pcb !== undefined) pdu.preconnectionBlob = pcb;
  const x224 = fields.get(6);
  if (x224) pdu.x224ConnectionPdu = Uint8Array.from(expectTag(x224, TAG.OCTET_STRING, 'X.224 PDU'));
  const chain = fields.get(7);
  if (chain) pdu.serverCertChain = readChildren(expectTag(chain, TAG.SEQUENCE, 'certificate chain')).map((c) => Uint8Array.from(expectTag(c, TAG.OCTET_STRING, 'certificate')));
  const addr = text(9, 'server address');
  if (addr !== undefined) pdu.serverAddr = addr;
  for (const n of fields.keys()) if (![0, 1, 2, 3, 4, 5, 6, 7, 9].includes(n)) throw new DerError(`PDU: unknown field [${n}]`);
  return pdu;
}

export function encodePdu(pdu: RdCleanPathPdu): Uint8Array {
  const parts: Uint8Array[] = [explicit(0, encodeUnsigned(pdu.version))];
  if (pdu.error) {
    const e = pdu.error;
    const body = [explicit(0, encodeUnsigned(e.errorCode))];
    if (e.httpStatusCode !== undefined) body.push(explicit(1, encodeUnsigned(e.httpStatusCode)));
    if (e.wsaLastError !== undefined) body.push(explicit(2, encodeUnsigned(e.wsaLastError)));
    if (e.tlsAlertCode !== undefined) body.push(explicit(3, encodeUnsigned(e.tlsAlertCode)));
    parts.push(explicit(1, encodeSequence(body)));
  }
  if (pdu.destination !== undefined) parts.push(explicit(2, encodeUtf8(pdu.destination)));
  if (pdu.proxyAuth !== undefined) parts.push(explicit(3, encodeUtf8(pdu.proxyAuth)));
  if (pdu.serverAuth !== undefined) parts.push(explicit(4, encodeUtf8(pdu.serverAuth)));
  if (pdu.preconnectionBlob !== undefined) parts.push(explicit(5, encodeUtf8(pdu.preconnectionBlob)));
  if (pdu.x224ConnectionPdu !== undefined) parts.push(explicit(6, encodeOctets(pdu.x224ConnectionPdu)));
  if (pdu.serverCertChain !== undefined) parts.push(explicit(7, encodeSequence(pdu.serverCertChain.map(encodeOctets))));
  if (pdu.serverAddr !== undefined) parts.push(explicit(9, encodeUtf8(pdu.serverAddr)));
  return encodeSequence(parts);
}

/** Checks a decoded PDU is a client request and returns its fields. */
export function asRequest(pdu: RdCleanPathPdu): RdCleanPathRequest {
  if (pdu.version !== RDCLEANPATH_VERSION) throw new DerError(`unsupported RDCleanPath version ${pdu.version}`);
  if (pdu.error || pdu.serverCertChain || pdu.serverAddr) throw new DerError('a request must not carry response fields');
  if (!pdu.destination) throw new DerError('request without destination');
  if (pdu.proxyAuth === undefined) throw new DerError('request without proxy auth');
  if (!pdu.x224ConnectionPdu) throw new DerError('request without X.224 connection request');
  return {
    destination: pdu.destination,
    proxyAuth: pdu.proxyAuth,
    x224ConnectionRequest: pdu.x224ConnectionPdu,
    ...(pdu.serverAuth !== undefined ? { serverAuth: pdu.serverAuth } : {}),
    ...(pdu.preconnectionBlob !== undefined ? { preconnectionBlob: pdu.preconnectionBlob } : {}),
  };
}

export function responsePdu(x224Confirm: Uint8Array, chain: Uint8Array[], serverAddr: string): Uint8Array {
  return encodePdu({ version: RDCLEANPATH_VERSION, x224ConnectionPdu: x224Confirm, serverCertChain: chain, serverAddr });
}

export function errorPdu(error: RdCleanPathErrorBody, x224Confirm?: Uint8Array): Uint8Array {
  return encodePdu({ version: RDCLEANPATH_VERSION, error, ...(x224Confirm ? { x224ConnectionPdu: x224Confirm } : {}) });
}

export { contextTag };
