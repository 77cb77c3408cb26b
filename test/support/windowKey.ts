// The window key the start address's page carries (renderer/app/windowKey.ts reads it), for tests that sign in
// without a browser.
import { WINDOW_KEY_META } from '../../shared/api/contract';

export function windowKeyIn(page: string): string {
  return new RegExp(`<meta name="${WINDOW_KEY_META}" content="([^"]+)">`).exec(page)?.[1] ?? '';
}
