export function compileTileDecoder(): Promise<Uint8Array<ArrayBuffer>>;
