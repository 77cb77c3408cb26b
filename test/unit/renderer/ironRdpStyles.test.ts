import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { componentStyleCount, componentStyles } from '../../../renderer/protocols/rdp/ironRdpStyles';

const require = createRequire(import.meta.url);
const FRONTEND = readFileSync(require.resolve('@devolutions/iron-remote-desktop'), 'utf8');

test('the IronRDP build we ship: the style sheet its screen component adds is found, its text whole', () => {
  const styles = componentStyles(FRONTEND);
  assert.ok(styles.length >= 1, 'at least the screen component’s');
  assert.equal(componentStyleCount(FRONTEND), styles.length, 'every one seen is read whole (else the build stops)');
  for (const { id, css } of styles) {
    assert.match(id, /^svelte-\w+$/);
    // Svelte scopes every rule of a component by its class: the text is that component's sheet, not a fragment.
    assert.ok(css.includes(`.${id}`), `${id}: ${css.slice(0, 80)}`);
    assert.equal((css.match(/\{/g) ?? []).length, (css.match(/\}/g) ?? []).length, 'balanced');
  }
});

test('the text is the string’s value: escapes undone, so its hash is that of what the page will hold', () => {
  const code = 'const a = {\n  hash: "svelte-x1",\n  code: ".a.svelte-x1 {content:\\"\\\\2014\\";}"\n};';
  assert.deepEqual(componentStyles(code), [{ id: 'svelte-x1', css: '.a.svelte-x1 {content:"\\2014";}' }]);
});

test('anything else is not taken for a style sheet', () => {
  assert.deepEqual(componentStyles('export const x = { hash: "abc", code: "p{}" };'), []);
  assert.deepEqual(componentStyles('const s = { hash: "svelte-y", code: "" };'), []);
  const jsEscape = 'const s = { hash: "svelte-y", code: "\\x41{}" };';
  assert.deepEqual(componentStyles(jsEscape), [], 'a JavaScript-only escape: not parsed as JSON, left out');
  assert.equal(componentStyleCount(jsEscape), 1, '…but seen, so the build stops instead of shipping a page whose CSP refuses it');
});
