// Compiles the RemoteFX tile decoder (wasm/remoteFx.ts, AssemblyScript) to
// WebAssembly with SIMD: for the renderer's build (vite.config.ts) and the
// decoder's unit tests. No runtime: the decoder allocates nothing.
import asc from 'assemblyscript/asc';
import { fileURLToPath } from 'node:url';

const SOURCE = fileURLToPath(new URL('../wasm/remoteFx.ts', import.meta.url));

/** The module's bytes; throws with the compiler's messages on an error. */
export async function compileTileDecoder() {
  let wasm = null;
  let messages = '';
  const { error } = await asc.main([SOURCE, '-O3', '--runtime', 'stub', '--noAssert', '--enable', 'simd', '--initialMemory', '64', '--outFile', 'remoteFx.wasm'], {
    writeFile: (name, contents) => {
      if (name.endsWith('.wasm')) wasm = contents;
    },
    stdout: { write: (text) => (messages += text) },
    stderr: { write: (text) => (messages += text) },
  });
  if (error || !wasm) throw new Error(`wasm/remoteFx.ts did not compile: ${error?.message ?? 'no output'}\n${messages}`);
  return wasm;
}
