// The one object the renderer gets from the Electron shell. Sandboxed preload:
// CommonJS, only contextBridge and ipcRenderer are available.
import { contextBridge } from 'electron';

export interface DeskBridgeShell {
  shell: 'electron';
  platform: string;
  capabilities: { kioskWindow: boolean };
}

const bridge: DeskBridgeShell = { shell: 'electron', platform: process.platform, capabilities: { kioskWindow: true } };
contextBridge.exposeInMainWorld('deskbridge', bridge);
