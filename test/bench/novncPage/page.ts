// The peer for VNC with the noVNC version DeskBridge ships (node_modules/@novnc/novnc):
// the smallest page that shows a session, with noVNC's defaults (no scaling,
// quality 6, compression 2), connecting through websockify on the same origin.
import RFB from '@novnc/novnc';

const screen = document.getElementById('screen') as HTMLDivElement;
const rfb = new RFB(screen, `ws://${location.host}/websockify`, { shared: true });
rfb.scaleViewport = false;
rfb.resizeSession = false;
(window as unknown as { rfb: unknown }).rfb = rfb;
