// Recognising this computer's keyboard layout from what its keys type (what
// Chromium's navigator.keyboard.getLayoutMap() gives a page), for RDP's
// "This computer's layout".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectKeyboardLayout, keyboardLayoutId, KEYBOARD_LAYOUTS } from '../../../shared/profiles/keyboardLayouts';

/** A US keyboard's unshifted characters, with some keys changed: a layout as getLayoutMap reports it. */
function layout(changes: Record<string, string> = {}): Map<string, string> {
  const keys = new Map<string, string>();
  for (const letter of 'abcdefghijklmnopqrstuvwxyz') keys.set(`Key${letter.toUpperCase()}`, letter);
  for (const digit of '0123456789') keys.set(`Digit${digit}`, digit);
  const rest: Record<string, string> = { Minus: '-', Equal: '=', BracketLeft: '[', BracketRight: ']', Backslash: '\\', Semicolon: ';', Quote: "'", Backquote: '`', Comma: ',', Period: '.', Slash: '/' };
  for (const [code, key] of Object.entries({ ...rest, ...changes })) keys.set(code, key);
  return keys;
}

const GERMAN = layout({ KeyY: 'z', KeyZ: 'y', Minus: 'ß', Equal: '´', BracketLeft: 'ü', BracketRight: '+', Semicolon: 'ö', Quote: 'ä', Backslash: '#', Backquote: '^', Slash: '-' });
const FRENCH = layout({ KeyQ: 'a', KeyA: 'q', KeyW: 'z', KeyZ: 'w', KeyM: ',', Semicolon: 'm', Quote: 'ù', Digit1: '&', Digit2: 'é', Minus: ')', Backslash: '*' });

test('the layouts people have are recognised from their keys', () => {
  const cases: [string, Map<string, string>, string[], string][] = [
    ['US', layout(), ['en-US'], 'en-US'],
    ['US, whatever the language', layout(), ['de-DE'], 'en-US'],
    ['UK', layout({ Backslash: '#', IntlBackslash: '\\' }), ['en-GB'], 'en-GB'],
    ['German', GERMAN, ['de-DE'], 'de-DE'],
    ['Swiss German', layout({ KeyY: 'z', KeyZ: 'y', Minus: "'", Equal: '^', BracketLeft: 'ü', Semicolon: 'ö', Quote: 'ä' }), ['de-CH'], 'de-CH'],
    ['Swiss French', layout({ KeyY: 'z', KeyZ: 'y', Minus: "'", BracketLeft: 'è', Semicolon: 'é', Quote: 'à' }), ['fr-CH'], 'fr-CH'],
    ['French', FRENCH, ['fr-FR'], 'fr-FR'],
    ['Belgian', layout({ KeyQ: 'a', KeyA: 'q', KeyW: 'z', KeyZ: 'w', Digit1: '&', Backslash: 'µ' }), ['fr-BE'], 'fr-BE'],
    ['Belgian, in Flemish', layout({ KeyQ: 'a', KeyA: 'q', KeyW: 'z', KeyZ: 'w', Digit1: '&', Backslash: 'µ' }), ['nl-BE', 'en'], 'nl-BE'],
    ['Spanish', layout({ Semicolon: 'ñ', Quote: '´', Minus: "'" }), ['es-ES'], 'es-ES'],
    ['Latin American', layout({ Semicolon: 'ñ', Quote: '{', Minus: "'" }), ['es-MX'], 'es-MX'],
    ['Italian', layout({ Semicolon: 'ò', Quote: 'à', BracketLeft: 'è' }), ['it-IT'], 'it-IT'],
    ['Portuguese', layout({ Semicolon: 'ç', Quote: 'º', BracketLeft: '+' }), ['pt-PT'], 'pt-PT'],
    ['Brazilian', layout({ Semicolon: 'ç', Quote: '~', BracketLeft: '´' }), ['pt-BR'], 'pt-BR'],
    ['Swedish', layout({ Semicolon: 'ö', Quote: 'ä', BracketLeft: 'å', Minus: '+' }), ['sv-SE'], 'sv-SE'],
    ['Finnish (the same keys)', layout({ Semicolon: 'ö', Quote: 'ä', BracketLeft: 'å', Minus: '+' }), ['fi-FI'], 'fi-FI'],
    ['Norwegian', layout({ Semicolon: 'ø', Quote: 'æ', BracketLeft: 'å' }), ['nb-NO'], 'nb-NO'],
    ['Danish', layout({ Semicolon: 'æ', Quote: 'ø', BracketLeft: 'å' }), ['da-DK'], 'da-DK'],
    ['Dutch', layout({ Semicolon: '+', Quote: '´', BracketLeft: '¨' }), ['nl-NL'], 'nl-NL'],
    ['Japanese', layout({ Quote: ':', BracketLeft: '@', Equal: '^' }), ['ja-JP'], 'ja-JP'],
    ['Korean (a US keyboard)', layout(), ['ko-KR'], 'ko-KR'],
    ['Polish programmers (a US keyboard)', layout(), ['pl'], 'pl-PL'],
    ['Russian', layout({ KeyQ: 'й', KeyW: 'ц', KeyA: 'ф', KeyY: 'н', KeyZ: 'я' }), ['ru-RU'], 'ru-RU'],
    ['US Dvorak', layout({ KeyQ: "'", KeyW: ',', KeyE: '.', KeyY: 'f', KeyZ: ';' }), ['en-US'], 'en-US-dvorak'],
  ];
  for (const [name, keys, languages, expected] of cases) assert.equal(detectKeyboardLayout(keys, languages), expected, name);
});

test('a layout not in the list, or nothing to read, is not guessed: the server default', () => {
  assert.equal(detectKeyboardLayout(new Map(), ['de-DE']), null, 'no map (a browser without getLayoutMap gives none)');
  assert.equal(detectKeyboardLayout(layout({ KeyY: 'z', KeyZ: 'y', Semicolon: 'ů', Minus: '=' }), ['cs-CZ']), null, 'Czech');
  assert.equal(detectKeyboardLayout(layout({ KeyQ: 'ς', KeyW: 'ε', KeyY: 'υ' }), ['el-GR']), null, 'Greek');
  assert.equal(detectKeyboardLayout(layout({ KeyQ: 'й', KeyW: 'ц' }).set('KeyQ', 'я'), ['uk-UA']), null, 'another Cyrillic layout');
  assert.equal(detectKeyboardLayout(layout({ KeyE: 'f', KeyR: 'p', KeyS: 'r', KeyY: 'j', KeyD: 's' }).set('KeyY', 'j'), ['en-US']), null, 'Colemak');
});

test('"This computer\'s layout" and "Server default" announce no layout of their own; a tag names its KLID', () => {
  assert.equal(keyboardLayoutId('local'), null);
  assert.equal(keyboardLayoutId('auto'), null);
  assert.equal(keyboardLayoutId('de-DE'), 0x407);
  assert.equal(keyboardLayoutId('made-up'), null);
  // Every tag detection can give is one a session request may name.
  const tags = new Set(KEYBOARD_LAYOUTS.map((l) => l.tag));
  for (const tag of ['en-US', 'en-GB', 'de-DE', 'de-CH', 'fr-CH', 'fr-FR', 'fr-BE', 'nl-BE', 'es-ES', 'es-MX', 'it-IT', 'pt-PT', 'pt-BR', 'sv-SE', 'fi-FI', 'nb-NO', 'da-DK', 'nl-NL', 'ja-JP', 'ko-KR', 'pl-PL', 'ru-RU', 'en-US-dvorak']) assert.ok(tags.has(tag as never), tag);
});
