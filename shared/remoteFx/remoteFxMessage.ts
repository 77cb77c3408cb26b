// The block structure of a RemoteFX message (MS-RDPRFX 2.2.2): what the
// gateway checks before it hands a message to the page's decoder, and what the
// decoder (renderer/protocols/rdp/remoteFxDecoder.ts) walks. Reads, checks
// every length against the bytes there, copies nothing: tiles are offsets into
// the message.

export class RemoteFxError extends Error {}

export const ENTROPY_RLGR1 = 0x01;
export const ENTROPY_RLGR3 = 0x04;
export const TILE_SIZE = 64;

/** MS-RDPRFX 2.2.2 block types. */
export const WBT_SYNC = 0xccc0;
export const WBT_CODEC_VERSIONS = 0xccc1;
export const WBT_CHANNELS = 0xccc2;
export const WBT_CONTEXT = 0xccc3;
export const WBT_FRAME_BEGIN = 0xccc4;
export const WBT_FRAME_END = 0xccc5;
export const WBT_REGION = 0xccc6;
export const WBT_EXTENSION = 0xccc7;
export const CBT_TILE = 0xcac3;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One coded tile: its place in tiles, its components' quantisation values and where their bytes are in the message. */
export interface CodedTile {
  xIdx: number;
  yIdx: number;
  /** Quantisation values (LL3 LH3 HL3 HH3 LH2 HL2 HH2 LH1 HL1 HH1, one 4-bit value each) of Y, Cb, Cr. */
  quant: [Uint8Array, Uint8Array, Uint8Array];
  /** Offset of the Y data in the message; Cb and Cr follow. */
  dataStart: number;
  lengths: [number, number, number];
}

export interface RemoteFxMessage {
  /** The desktop's size, when the message carries the channels block. */
  channel: { width: number; height: number } | null;
  /** The entropy coding, when the message carries the context block. */
  entropy: number | null;
  frameIndex: number | null;
  /** The region's rectangles, relative to the destination; null without a region block. */
  region: Rect[] | null;
  tiles: CodedTile[];
}

/** Reads a message's blocks; throws RemoteFxError on anything it cannot read. */
export function parseRemoteFxMessage(data: Uint8Array): RemoteFxMessage {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const message: RemoteFxMessage = { channel: null, entropy: null, frameIndex: null, region: null, tiles: [] };
  let at = 0;
  while (at + 6 <= data.length) {
    const type = view.getUint16(at, true);
    const length = view.getUint32(at + 2, true);
    if (length < 6 || at + length > data.length) throw new RemoteFxError(`RemoteFX block 0x${type.toString(16)} of ${length} bytes at ${at} overruns the ${data.length} bytes`);
    const body = at + 6;
    const end = at + length;
    switch (type) {
      case WBT_SYNC:
      case WBT_CODEC_VERSIONS:
      case WBT_FRAME_END:
        break;
      case WBT_CHANNELS: {
        // numChannels, then channelId (1), width (2), height (2) each.
        if (body + 1 + 5 > end || data[body]! < 1) throw new RemoteFxError('RemoteFX channels block without a channel');
        message.channel = { width: view.getUint16(body + 2, true), height: view.getUint16(body + 4, true) };
        break;
      }
      case WBT_CONTEXT: {
        // codecId, channelId, ctxId, tileSize (2), properties (2): entropy in bits 9-12.
        if (body + 7 > end) throw new RemoteFxError('RemoteFX context block too short');
        const entropy = (view.getUint16(body + 5, true) >> 9) & 0xf;
        if (entropy !== ENTROPY_RLGR1 && entropy !== ENTROPY_RLGR3) throw new RemoteFxError(`RemoteFX entropy coding ${entropy} unknown`);
        message.entropy = entropy;
        break;
      }
      case WBT_FRAME_BEGIN:
        // codecId, channelId, frameIdx (4), numRegions (2).
        if (body + 6 <= end) message.frameIndex = view.getUint32(body + 2, true);
        break;
      case WBT_REGION: {
        // codecId, channelId, regionFlags, numRects (2), rects (8 each), regionType, numTilesets.
        if (body + 5 > end) throw new RemoteFxError('RemoteFX region block too short');
        const count = view.getUint16(body + 3, true);
        if (body + 5 + count * 8 > end) throw new RemoteFxError('RemoteFX region block too short');
        message.region = [];
        for (let r = 0, p = body + 5; r < count; r++, p += 8) {
          message.region.push({ x: view.getUint16(p, true), y: view.getUint16(p + 2, true), width: view.getUint16(p + 4, true), height: view.getUint16(p + 6, true) });
        }
        break;
      }
      case WBT_EXTENSION: {
        // TS_RFX_TILESET: codecId, channelId, subtype (2), idx (2), properties (2), numQuant, tileSize,
        // numTiles (2), tilesDataSize (4), quantVals (5 each), tiles.
        if (body + 16 > end) throw new RemoteFxError('RemoteFX tile set too short');
        const quantCount = data[body + 8]!;
        const tileCount = view.getUint16(body + 10, true);
        let p = body + 16;
        if (p + quantCount * 5 > end) throw new RemoteFxError('RemoteFX quantisation values overrun the tile set');
        const quants: Uint8Array[] = [];
        for (let q = 0; q < quantCount; q++, p += 5) {
          const values = new Uint8Array(10);
          for (let b = 0; b < 5; b++) {
            values[2 * b] = data[p + b]! & 0xf;
            values[2 * b + 1] = data[p + b]! >> 4;
          }
          quants.push(values);
        }
        for (let t = 0; t < tileCount; t++) {
          if (p + 19 > end) throw new RemoteFxError('RemoteFX tile header overruns the tile set');
          const blockType = view.getUint16(p, true);
          const blockLength = view.getUint32(p + 2, true);
          if (blockType !== CBT_TILE || blockLength < 19 || p + blockLength > end) throw new RemoteFxError('RemoteFX tile block malformed');
          const quant = [quants[data[p + 6]!], quants[data[p + 7]!], quants[data[p + 8]!]];
          if (!quant[0] || !quant[1] || !quant[2]) throw new RemoteFxError('RemoteFX tile names a quantisation value that is not there');
          const lengths: [number, number, number] = [view.getUint16(p + 13, true), view.getUint16(p + 15, true), view.getUint16(p + 17, true)];
          if (p + 19 + lengths[0] + lengths[1] + lengths[2] > p + blockLength) throw new RemoteFxError('RemoteFX tile data overruns its block');
          message.tiles.push({ xIdx: view.getUint16(p + 9, true), yIdx: view.getUint16(p + 11, true), quant: quant as [Uint8Array, Uint8Array, Uint8Array], dataStart: p + 19, lengths });
          p += blockLength;
        }
        break;
      }
      default:
        throw new RemoteFxError(`RemoteFX block type 0x${type.toString(16)} unknown`);
    }
    at = end;
  }
  return message;
}
