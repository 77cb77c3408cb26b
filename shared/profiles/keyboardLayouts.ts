// Keyboard layouts an RDP profile can ask the server for: the input locale
// identifiers (KLID) of MS-RDPBCGR 2.2.1.3.2 keyboardLayout, by a stable tag.
// "auto" sends none (0): the server uses its own default input locale.

export interface KeyboardLayout {
  tag: string;
  label: string;
  /** Input locale identifier; 0 for the server's default. */
  klid: number;
}

export const KEYBOARD_LAYOUTS = [
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

/** The KLID to announce for a tag; null for "auto" (leave the client's own, 0). */
export function keyboardLayoutId(tag: string): number | null {
  const found = KEYBOARD_LAYOUTS.find((layout) => layout.tag === tag);
  return found && found.klid !== 0 ? found.klid : null;
}
