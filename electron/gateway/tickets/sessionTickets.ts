// Session tickets (ARCHITECTURE.md, "One path for the pixels"): the gateway
// never opens a connection that no ticket names. A ticket binds one host and
// its port, one endpoint kind, a number of connections (SPICE needs one per
// channel), and expires in seconds if unused.
// Tickets whose first use may wait for a person last longer: RDP's
// credentials are asked for after the session exists (IronRDP needs them
// before it connects), and SPICE asks for a password after the server refused
// none, opening the main channel again; a person may type for longer than
// 15 s. SPICE's are also renewed at each use, as its channels open one after
// another. They still bind one target and end with their session.
import { randomBytes } from 'node:crypto';
import type { Protocol } from '../../../shared/profiles/profileSchema';

export const TICKET_TTL_MS = 15_000;
/** RDP and SPICE (a person may answer a prompt first): how long a ticket lasts since it was minted or last used. */
export const PROMPT_TICKET_TTL_MS = 5 * 60_000;
/** SPICE: connections one ticket may open (main, display, inputs, cursor, playback, record, ports… for a few sign-in attempts). */
export const SPICE_TICKET_CONNECTIONS = 32;

export type BridgeEndpoint = 'relay' | 'rdcleanpath';

export interface TicketGrant {
  sessionId: string;
  profileId: string;
  protocol: Protocol;
  endpoint: BridgeEndpoint;
  host: string;
  port: number;
  /** How many connections the ticket may open (1 for VNC and RDP). */
  connections: number;
  /** SHA-256 fingerprint of the accepted server certificate, for TLS protocols. */
  certificateFingerprint?: string;
  /** How long the ticket lasts unused, renewed at each connection it opens (SPICE); else the book's TTL, not renewed. */
  renewedTtlMs?: number;
}

export type TicketRefusal = 'unknown' | 'expired' | 'used-up' | 'wrong-endpoint' | 'wrong-target';

interface TicketRecord extends TicketGrant {
  expiresAt: number;
  remaining: number;
}

export function formatTarget(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * A target as logs and the diagnostics bundle show it: a Proxmox VE proxy
 * ticket ("pvespiceproxy:<time>:<vm>:<node>::<signature>") keeps its time,
 * machine and node but not its signature, which lets whoever holds it through
 * the proxy (with the console's one-time password) while it is fresh.
 */
export function targetForLogs(host: string, port: number): string {
  return formatTarget(/^pvespiceproxy:/i.test(host) ? host.replace(/::.*$/, '::…') : host, port);
}

export class TicketBook {
  private readonly tickets = new Map<string, TicketRecord>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = TICKET_TTL_MS,
  ) {}

  mint(grant: TicketGrant): string {
    this.prune();
    const ticket = randomBytes(24).toString('base64url');
    this.tickets.set(ticket, { ...grant, expiresAt: this.now() + (grant.renewedTtlMs ?? this.ttlMs), remaining: grant.connections });
    return ticket;
  }

  /**
   * Redeems one connection of a ticket for an endpoint and a target
   * ("host:port"). The target must equal the one the ticket binds: the client
   * names it so that a mismatch is refused rather than silently redirected.
   */
  redeem(ticket: string, endpoint: BridgeEndpoint, target: string): { ok: true; grant: TicketGrant } | { ok: false; reason: TicketRefusal } {
    const record = this.tickets.get(ticket);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.expiresAt < this.now()) {
      this.tickets.delete(ticket);
      return { ok: false, reason: 'expired' };
    }
    if (record.endpoint !== endpoint) return { ok: false, reason: 'wrong-endpoint' };
    if (formatTarget(record.host, record.port) !== target) return { ok: false, reason: 'wrong-target' };
    record.remaining -= 1;
    if (record.remaining <= 0) this.tickets.delete(ticket);
    else if (record.renewedTtlMs !== undefined) record.expiresAt = this.now() + record.renewedTtlMs;
    const { expiresAt: _e, remaining: _r, ...grant } = record;
    return { ok: true, grant };
  }

  /** Drops every ticket of a session (it ended before using them). */
  revokeSession(sessionId: string): void {
    for (const [ticket, record] of this.tickets) if (record.sessionId === sessionId) this.tickets.delete(ticket);
  }

  private prune(): void {
    const now = this.now();
    for (const [ticket, record] of this.tickets) if (record.expiresAt < now) this.tickets.delete(ticket);
  }
}
