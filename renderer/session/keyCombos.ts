// "Send keys": shortcuts a user cannot type into a remote desktop because the
// local computer takes them first (Ctrl+Alt+F2 switches the local console on
// Linux, Alt+Tab and the Windows key go to the local desktop outside full
// screen), sent as physical keys (KeyboardEvent.code), pressed in order and
// released in reverse, as virt-viewer's and Remmina's "Send key" menus do.

export interface KeyCombo {
  id: string;
  /** As the menu shows it. */
  label: string;
  codes: readonly string[];
}

const ctrlAltF = (n: number): KeyCombo => ({ id: `ctrl-alt-f${n}`, label: `Ctrl+Alt+F${n}`, codes: ['ControlLeft', 'AltLeft', `F${n}`] });

export const KEY_COMBOS: readonly KeyCombo[] = [
  { id: 'ctrl-alt-backspace', label: 'Ctrl+Alt+Backspace', codes: ['ControlLeft', 'AltLeft', 'Backspace'] },
  ...Array.from({ length: 12 }, (_, i) => ctrlAltF(i + 1)),
  { id: 'alt-tab', label: 'Alt+Tab', codes: ['AltLeft', 'Tab'] },
  { id: 'alt-f4', label: 'Alt+F4', codes: ['AltLeft', 'F4'] },
  { id: 'windows', label: 'Windows key', codes: ['MetaLeft'] },
  { id: 'print-screen', label: 'Print Screen', codes: ['PrintScreen'] },
];

/** Each key's press, in order, then each key's release, in reverse. */
export function pressesAndReleases<K>(keys: readonly K[]): { key: K; down: boolean }[] {
  return [...keys.map((key) => ({ key, down: true })), ...[...keys].reverse().map((key) => ({ key, down: false }))];
}
