// Session tickets (ARCHITECTURE.md, "One path for the pixels"): the gateway
// never opens a connection that no ticket names. A ticket binds one host and
// its port, one endpoint kind, a number of connections (SPICE needs one per
// channel), and expires in seconds if unused.
import { randomBytes } from 'node:crypto';
import type { Protocol } from '../../../shared/profiles/profileSchema';

export const TICKET_TTL_MS = 15_000;

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
}

export type TicketRefusal = 'unknown' | 'expired' | 'used-up' | 'wrong-endpoint' | 'wrong-target';

interface TicketRecord extends TicketGrant {
  expiresAt: number;
  remaining: number;
}

export function formatTarget(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
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
    this.tickets.set(ticket, { ...grant, expiresAt: this.now() + this.ttlMs, remaining: grant.connections });
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
