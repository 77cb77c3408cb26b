// Keyboard layouts an RDP profile can ask the server for: the input locale
// identifiers (KLID) of MS-RDPBCGR 2.2.1.3.2 keyboardLayout, by a stable tag.
// "auto" sends none (0): the server uses its own default input locale.
// "local" sends this computer's layout, as mstsc and Remmina do: a page cannot
// read the operating system's layout id, so it is recognised from what each key
// types (navigator.keyboard.getLayoutMap(), detectKeyboardLayout below) and sent
// with the session request; one not recognised is the server's default.

export interface KeyboardLayout {
  tag: string;
  label: string;
  /** Input locale identifier; 0 for the server's default. */
  klid: number;
}

export const KEYBOARD_LAYOUTS = [
  { tag: 'local', label: "This computer's layout", klid: 0 },
  { tag: 'auto', label: 'Server default', klid: 0 },
  { tag: 'en-US', label: 'English (US)', klid: 0x00000409 },
  { tag: 'en-US-dvorak', label: 'English (US, Dvorak)', klid: 0x00010409 },
  { tag: 'en-GB', label: 'English (UK)', klid: 0x00000809 },
  { tag: 'da-DK', label: 'Danish', klid: 0x00000406 },
  { tag: 'nl-NL', label: 'Dutch', klid: 0x00000413 },
  { tag: 'nl-BE', label: 'Dutch (Belgium)', klid: 0x00000813 },
  { tag: 'fi-FI', label: 'Finnish', klid: 0x0000040b },
  { tag: 'fr-FR', label: 'French', klid: 0x0000040c },
  { tag: 'fr-BE', label: 'French (Belgium)', klid: 0x0000080c },
  { tag: 'fr-CH', label: 'French (Switzerland)', klid: 0x0000100c },
  { tag: 'de-DE', label: 'German', klid: 0x00000407 },
  { tag: 'de-CH', label: 'German (Switzerland)', klid: 0x00000807 },
  { tag: 'it-IT', label: 'Italian', klid: 0x00000410 },
  { tag: 'ja-JP', label: 'Japanese', klid: 0x00000411 },
  { tag: 'ko-KR', label: 'Korean', klid: 0x00000412 },
  { tag: 'nb-NO', label: 'Norwegian', klid: 0x00000414 },
  { tag: 'pl-PL', label: 'Polish', klid: 0x00000415 },
  { tag: 'pt-BR', label: 'Portuguese (Brazil)', klid: 0x00000416 },
  { tag: 'pt-PT', label: 'Portuguese (Portugal)', klid: 0x00000816 },
  { tag: 'ru-RU', label: 'Russian', klid: 0x00000419 },
  { tag: 'es-ES', label: 'Spanish', klid: 0x0000040a },
  { tag: 'es-MX', label: 'Spanish (Latin America)', klid: 0x0000080a },
  { tag: 'sv-SE', label: 'Swedish', klid: 0x0000041d },
] as const satisfies readonly KeyboardLayout[];

export type KeyboardLayoutTag = (typeof KEYBOARD_LAYOUTS)[number]['tag'];

export const KEYBOARD_LAYOUT_TAGS = KEYBOARD_LAYOUTS.map((layout) => layout.tag) as [KeyboardLayoutTag, ...KeyboardLayoutTag[]];

/** A layout's label by its tag ("" for none). */
export function keyboardLayoutLabel(tag: string): string {
  return KEYBOARD_LAYOUTS.find((layout) => layout.tag === tag)?.label ?? '';
}

/**
 * Which of the layouts above a keyboard is, from the character each physical key types without modifiers (a
 * KeyboardLayoutMap: code such as "KeyQ" → "q") and the user's languages, for layouts whose keys are the same
 * (Finnish and Swedish; Korean and Polish programmers' keyboards are US ones). null when it is none of them
 * (Czech, Colemak…) or nothing could be read: the server's default is then the honest choice.
 */
export function detectKeyboardLayout(keys: ReadonlyMap<string, string>, languages: readonly string[] = []): KeyboardLayoutTag | null {
  const at = (code: string) => (keys.get(code) ?? '').toLowerCase();
  const speaks = (language: string) => languages.some((tag) => tag.toLowerCase().split('-')[0] === language);
  const q = at('KeyQ');
  if (!q) return null;
  if (/[\u0400-\u04ff]/.test(q)) return q === 'й' ? 'ru-RU' : null;
  if (q === "'" && at('KeyW') === ',') return 'en-US-dvorak';
  if (q === 'a' && at('KeyA') === 'q') {
    // AZERTY: the Belgian one has µ where the French has *; Flemish speakers use the Belgian one too.
    if (at('Backslash') === 'µ') return speaks('nl') ? 'nl-BE' : 'fr-BE';
    return at('Digit1') === '&' ? 'fr-FR' : null;
  }
  if (at('KeyY') === 'z' && at('KeyZ') === 'y') {
    if (at('Semicolon') === 'é') return 'fr-CH';
    if (at('Semicolon') !== 'ö') return null;
    if (at('Minus') === 'ß') return 'de-DE';
    return at('Minus') === "'" ? 'de-CH' : null;
  }
  if (q !== 'q' || at('KeyY') !== 'y') return null;
  if (at('Quote') === ':' && at('BracketLeft') === '@') return 'ja-JP';
  switch (at('Semicolon')) {
    case 'ñ':
      return at('Quote') === '{' ? 'es-MX' : 'es-ES';
    case 'ò':
      return 'it-IT';
    case 'ç':
      return at('BracketLeft') === '+' ? 'pt-PT' : 'pt-BR';
    case 'ö':
      return at('Quote') === 'ä' ? (speaks('fi') ? 'fi-FI' : 'sv-SE') : null;
    case 'ø':
      return 'nb-NO';
    case 'æ':
      return 'da-DK';
    case '+':
      return 'nl-NL';
    case ';':
      if (at('Backslash') === '#') return 'en-GB';
      if (speaks('ko')) return 'ko-KR';
      if (speaks('pl')) return 'pl-PL';
      return 'en-US';
    default:
      return null;
  }
}

/** The KLID to announce for a tag; null for "auto" and "local" (resolved to a tag first) (leave the client's own, 0). */
export function keyboardLayoutId(tag: string): number | null {
  const found = KEYBOARD_LAYOUTS.find((layout) => layout.tag === tag);
  return found && found.klid !== 0 ? found.klid : null;
}
