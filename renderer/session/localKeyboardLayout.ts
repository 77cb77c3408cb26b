// "This computer's layout" for RDP: recognised from what each key types here
// (Chromium's navigator.keyboard.getLayoutMap(); shared/profiles/keyboardLayouts.ts
// says how), read at each connect, since the user may switch layouts between two.
import { detectKeyboardLayout, type KeyboardLayoutTag } from '../../shared/profiles/keyboardLayouts';

interface LayoutMapKeyboard {
  getLayoutMap?: () => Promise<ReadonlyMap<string, string>>;
}

/** The layout of this computer's keyboard, or null where the browser cannot tell or it is none in the list. */
export async function localKeyboardLayout(): Promise<KeyboardLayoutTag | null> {
  const keyboard = (navigator as Navigator & { keyboard?: LayoutMapKeyboard }).keyboard;
  if (!keyboard?.getLayoutMap) return null;
  try {
    return detectKeyboardLayout(await keyboard.getLayoutMap(), navigator.languages);
  } catch {
    return null;
  }
}
