// "Send keys" for RDP (keyCombos.ts): scan codes through IronRDP's live session.
import type { RdpBackendModule } from './ironRdpModule';
import { pressesAndReleases } from '../../session/keyCombos';

/** What "Send keys" needs of IronRDP's live session (its Session). */
export interface InputSession {
  applyInputs(transaction: unknown): void;
  /** Puts this on the remote clipboard (IronRDP's Session). */
  onClipboardPaste(data: unknown): Promise<void>;
}

/**
 * Presses the keys (RDP scan codes) in order and releases them in reverse, as
 * one input transaction, the way IronRDP sends its own Ctrl+Alt+Del (its
 * public interface offers that and the Windows key alone).
 */
export function sendScancodes(session: Pick<InputSession, 'applyInputs'>, backend: Pick<RdpBackendModule, 'Backend'>, scancodes: readonly number[]): void {
  const { DeviceEvent, InputTransaction } = backend.Backend;
  const transaction = new InputTransaction();
  for (const { key, down } of pressesAndReleases(scancodes)) transaction.addEvent(down ? DeviceEvent.keyPressed(key) : DeviceEvent.keyReleased(key));
  session.applyInputs(transaction);
}
