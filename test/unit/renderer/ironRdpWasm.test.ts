import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { splitInlineWasm } from '../../../renderer/protocols/rdp/ironRdpWasm';

const require = createRequire(import.meta.url);
const GLUE = readFileSync(require.resolve('@devolutions/iron-remote-desktop-rdp'), 'utf8');

test('the IronRDP build we ship: its inline WebAssembly comes out whole, and only the literal changes', async () => {
  const split = splitInlineWasm(GLUE);
  assert.ok(split, 'the data: URL was found');
  // A module WebAssembly accepts, with the imports the glue provides (names checked, not instantiated).
  const module = await WebAssembly.compile(split.wasm);
  assert.ok(WebAssembly.Module.imports(module).length > 0);
  assert.ok(WebAssembly.Module.exports(module).some((e) => e.name === '__wbindgen_start'));
  const changed = split.withUrl('WASM_URL');
  assert.ok(!changed.includes('data:application/wasm'));
  assert.equal(changed.match(/\bWASM_URL\b/g)?.length, 1);
  assert.ok(GLUE.length - changed.length > 5_000_000, 'the 6 MB string is gone from the JavaScript');
  // Everything around the literal is as it was.
  const at = changed.indexOf('WASM_URL');
  assert.equal(changed.slice(0, at), GLUE.slice(0, at));
  assert.equal(changed.slice(at + 'WASM_URL'.length), GLUE.slice(GLUE.length - (changed.length - at - 'WASM_URL'.length)));
});

test('a module without exactly one inline WebAssembly, or with something else in it, is left alone', () => {
  assert.equal(splitInlineWasm('export const x = 1;'), null);
  const one = `"data:application/wasm;base64,${Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]).toString('base64')}"`;
  assert.ok(splitInlineWasm(`const a = ${one};`));
  assert.equal(splitInlineWasm(`const a = ${one}, b = ${one};`), null, 'two: which one is meant is not clear');
  assert.equal(splitInlineWasm(`const a = "data:application/wasm;base64,${Buffer.from('not wasm').toString('base64')}";`), null);
});
