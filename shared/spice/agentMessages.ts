// The SPICE guest agent's message types (spice-protocol's vd_agent.h,
// VDAgentMessage.type) that DeskBridge sends or reads: the page's agent
// (renderer/protocols/spice/guestAgent.ts) and the gateway's policy filter
// (electron/gateway/bridges/spiceAgentFilter.ts).
export const AgentMessage = {
  MONITORS_CONFIG: 2,
  REPLY: 3,
  CLIPBOARD: 4,
  ANNOUNCE_CAPABILITIES: 6,
  CLIPBOARD_GRAB: 7,
  CLIPBOARD_REQUEST: 8,
  CLIPBOARD_RELEASE: 9,
  FILE_XFER_START: 10,
  FILE_XFER_STATUS: 11,
  FILE_XFER_DATA: 12,
  MAX_CLIPBOARD: 14,
} as const;
