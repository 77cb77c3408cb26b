// A SPICE connection's HTTP proxy (virt-viewer's `proxy`, Proxmox VE's
// spiceproxy on port 3128): "http://host:port", no user name or password in
// it (a secret would end up in the profile file), no path.

export interface HttpProxy {
  host: string;
  port: number;
}

/** Proxmox's spiceproxy listens here, and virt-viewer assumes it when the address has no port. */
export const DEFAULT_PROXY_PORT = 3128;

/** The proxy an address names, or why it names none a SPICE client can use. */
export function parseHttpProxy(text: string): { ok: true; proxy: HttpProxy } | { ok: false; reason: string } {
  const trimmed = text.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(trimmed);
  if (!scheme) return { ok: false, reason: 'Enter the proxy as http://host:port (for Proxmox VE, http://node:3128).' };
  if (scheme[1]!.toLowerCase() !== 'http') return { ok: false, reason: `Only HTTP proxies (http://…) are supported, not ${scheme[1]}.` };
  const rest = trimmed.slice(scheme[0].length);
  if (/^[^/?#]*@/.test(rest)) return { ok: false, reason: 'Leave the user name and password out of the proxy address: they would be stored in the connection file.' };
  const match = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::(\d{1,5}))?\/?$/.exec(rest);
  if (!match) return { ok: false, reason: 'Enter the proxy as http://host:port, without a path.' };
  const port = match[2] === undefined ? DEFAULT_PROXY_PORT : Number(match[2]);
  if (port < 1 || port > 65535) return { ok: false, reason: 'The proxy\'s port must be from 1 to 65535.' };
  return { ok: true, proxy: { host: match[1]!.replace(/^\[|\]$/g, ''), port } };
}

/**
 * A host only a proxy understands: Proxmox's console files name the virtual
 * machine by a ticket ("pvespiceproxy:5f6a9c21:101:pve::1b3c…"), which its
 * spiceproxy checks and resolves. Letters, digits and . _ : + = ~ - only.
 */
export const PROXY_TARGET_PATTERN = /^[A-Za-z0-9._:+=~-]{1,253}$/;
