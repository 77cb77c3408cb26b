// The one object the renderer gets from the Electron shell, as
// `window.deskbridge`. Sandboxed preload: bundled to CommonJS, and only
// contextBridge, ipcRenderer and a reduced `process` are available. It carries
// no secret and no gateway address: the window is opened on the gateway's
// start address, and everything else goes through the gateway's API, exactly
// as in the browser shell.
import { contextBridge } from 'electron';

/**
 * What the Electron shell adds over the browser shell. The renderer reads it
 * as `window.deskbridge`, which is undefined in the browser shell.
 * (Candidate for shared/api/contract.ts once the renderer uses it.)
 */
export interface DeskBridgeShell {
  readonly shell: 'electron';
  /** process.platform of the machine: 'linux', 'darwin', 'win32'. */
  readonly platform: string;
  readonly capabilities: {
    /** A real kiosk window (no way out through browser UI or shortcuts). */
    readonly kioskWindow: boolean;
    /** A native application menu (full screen, diagnostics for IT, quit). */
    readonly applicationMenu: boolean;
  };
}

const bridge: DeskBridgeShell = {
  shell: 'electron',
  platform: process.platform,
  capabilities: { kioskWindow: true, applicationMenu: true },
};
contextBridge.exposeInMainWorld('deskbridge', bridge);
