// The app's colours, light and dark, read from its stylesheet: every text
// colour on every surface it is drawn on reaches WCAG 2's 4.5:1 for body text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const css = readFileSync(path.join(import.meta.dirname, '../../../renderer/app/app.css'), 'utf8');

/** The custom properties of the first rule whose selector is `selector` (within the dark-scheme media query for dark). */
function variables(block: string): Record<string, string> {
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})/g)].map((m) => [m[1]!, m[2]!.toLowerCase()]));
}
const light = variables(/:root\s*\{([^}]*)\}/.exec(css)![1]!);
const dark = { ...light, ...variables(/@media \(prefers-color-scheme: dark\)\s*\{\s*:root\s*\{([^}]*)\}/.exec(css)![1]!) };

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}
function contrast(a: string, b: string): number {
  const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (high! + 0.05) / (low! + 0.05);
}

/** Text colour → the surfaces it appears on (links also in the warning banners). */
const PAIRS: Array<[string, string[]]> = [
  ['text', ['bg', 'panel']],
  ['muted', ['bg', 'panel']],
  ['danger', ['bg', 'panel']],
  ['link', ['bg', 'panel', 'warn-bg']],
  ['warn-text', ['warn-bg']],
];

test('the contrast helper agrees with WCAG: black on white 21:1, a colour on itself 1:1', () => {
  assert.equal(Math.round(contrast('#000000', '#ffffff')), 21);
  assert.equal(contrast('#2f6fdb', '#2f6fdb'), 1);
});

for (const [scheme, colours] of [['light', light], ['dark', dark]] as const) {
  test(`${scheme} scheme: text, hints, errors and links reach 4.5:1 on what they are drawn on`, () => {
    const low: string[] = [];
    for (const [fg, surfaces] of PAIRS) {
      for (const bg of surfaces) {
        assert.ok(colours[fg] && colours[bg], `--${fg} and --${bg} are defined`);
        const ratio = contrast(colours[fg]!, colours[bg]!);
        if (ratio < 4.5) low.push(`--${fg} ${colours[fg]} on --${bg} ${colours[bg]}: ${ratio.toFixed(2)}:1`);
      }
    }
    assert.deepEqual(low, []);
  });
}
