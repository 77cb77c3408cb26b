// spice-html5 0.2.1 ships no types; this declares the part of it we use.
declare module '@spice-project/spice-html5/src/main.js' {
  export interface SpiceSurface {
    canvas: HTMLCanvasElement;
  }
  export interface SpiceChannel {
    ws?: WebSocket;
    state: string;
    send_msg(message: { buffer_size(): number; to_buffer(buffer: ArrayBuffer, at?: number): number }): void;
    process_channel_message(message: { type: number }): boolean;
  }
  export interface SpiceInputsChannel extends SpiceChannel {
    waiting_for_ack: number;
  }
  export interface SpiceDisplayChannel extends SpiceChannel {
    primary_surface?: number;
    surfaces: Record<number, SpiceSurface>;
    hook_events(): void;
    unhook_events(): void;
    delete_surface(surfaceId: number): void;
  }
  export interface SpiceMainOptions {
    uri: string;
    screen_id: string;
    password: string;
    onerror?: (error: Error | Event) => void;
    onsuccess?: (message: string) => void;
  }
  export class SpiceMainConn implements SpiceChannel {
    constructor(options: SpiceMainOptions);
    ws?: WebSocket;
    state: string;
    mouse_mode: number;
    display?: SpiceDisplayChannel;
    inputs?: SpiceInputsChannel;
    send_msg(message: { buffer_size(): number; to_buffer(buffer: ArrayBuffer, at?: number): number }): void;
    process_channel_message(message: { type: number; data?: ArrayBuffer }): boolean;
    /** Sends one agent message: adds its header, cuts it into pieces and waits for the server's tokens. */
    send_agent_message(type: number, payload: { buffer_size(): number; to_buffer(buffer: ArrayBuffer, at?: number): number }): void;
    /** Called when the agent connects (request 1) and when it asks for the client's capabilities (request 0). */
    announce_agent_capabilities(request: number): void;
    /** Agent messages (2 KB pieces) waiting for the server's tokens. */
    agent_msg_queue?: unknown[];
    stop(): void;
  }
}
