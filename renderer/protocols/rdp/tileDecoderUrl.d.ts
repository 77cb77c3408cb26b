/** The URL of the RemoteFX tile decoder's WebAssembly (vite.config.ts, remoteFxTileDecoder). */
declare module 'virtual:remotefx-tile-decoder' {
  const url: string;
  export default url;
}
