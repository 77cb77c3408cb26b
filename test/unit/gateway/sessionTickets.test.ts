import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TicketBook, formatTarget, type TicketGrant } from '../../../electron/gateway/tickets/sessionTickets';

const grant: TicketGrant = { sessionId: 's1', profileId: 'p1', protocol: 'vnc', endpoint: 'relay', host: '127.0.0.1', port: 5901, connections: 1 };

test('a ticket opens its own target once', () => {
  const book = new TicketBook();
  const ticket = book.mint(grant);
  const first = book.redeem(ticket, 'relay', '127.0.0.1:5901');
  assert.equal(first.ok, true);
  assert.deepEqual(book.redeem(ticket, 'relay', '127.0.0.1:5901'), { ok: false, reason: 'unknown' });
});

test('a ticket for another target is refused and stays unused', () => {
  const book = new TicketBook();
  const ticket = book.mint(grant);
  assert.deepEqual(book.redeem(ticket, 'relay', '127.0.0.1:22'), { ok: false, reason: 'wrong-target' });
  assert.deepEqual(book.redeem(ticket, 'relay', '10.0.0.1:5901'), { ok: false, reason: 'wrong-target' });
  assert.equal(book.redeem(ticket, 'relay', '127.0.0.1:5901').ok, true);
});

test('a ticket for another endpoint is refused', () => {
  const book = new TicketBook();
  const ticket = book.mint(grant);
  assert.deepEqual(book.redeem(ticket, 'rdcleanpath', '127.0.0.1:5901'), { ok: false, reason: 'wrong-endpoint' });
});

test('an unused ticket expires', () => {
  let now = 1_000;
  const book = new TicketBook(() => now, 15_000);
  const ticket = book.mint(grant);
  now += 15_001;
  assert.deepEqual(book.redeem(ticket, 'relay', '127.0.0.1:5901'), { ok: false, reason: 'expired' });
});

test('a ticket with several connections (SPICE channels) counts them down', () => {
  const book = new TicketBook();
  const ticket = book.mint({ ...grant, protocol: 'spice', connections: 3 });
  for (let i = 0; i < 3; i++) assert.equal(book.redeem(ticket, 'relay', '127.0.0.1:5901').ok, true);
  assert.equal(book.redeem(ticket, 'relay', '127.0.0.1:5901').ok, false);
});

test('revoking a session drops its tickets', () => {
  const book = new TicketBook();
  const ticket = book.mint(grant);
  book.revokeSession('s1');
  assert.equal(book.redeem(ticket, 'relay', '127.0.0.1:5901').ok, false);
});

test('IPv6 targets are bracketed', () => {
  assert.equal(formatTarget('::1', 5900), '[::1]:5900');
  assert.equal(formatTarget('host.example', 5900), 'host.example:5900');
});

test('a SPICE ticket is renewed at each connection it opens, and still ends unused or used up', () => {
  let now = 1_000;
  const book = new TicketBook(() => now, 15_000);
  const ticket = book.mint({ ...grant, protocol: 'spice', connections: 3, renewedTtlMs: 60_000 });
  // Its own TTL, not the book's: a password typed after a refusal comes later than 15 s.
  now += 59_000;
  assert.equal(book.redeem(ticket, 'relay', '127.0.0.1:5901').ok, true);
  now += 59_000;
  assert.equal(book.redeem(ticket, 'relay', '127.0.0.1:5901').ok, true);
  now += 60_001;
  assert.deepEqual(book.redeem(ticket, 'relay', '127.0.0.1:5901'), { ok: false, reason: 'expired' });
  // A plain ticket with several connections is not renewed.
  const plain = book.mint({ ...grant, connections: 3 });
  now += 10_000;
  assert.equal(book.redeem(plain, 'relay', '127.0.0.1:5901').ok, true);
  now += 6_000;
  assert.deepEqual(book.redeem(plain, 'relay', '127.0.0.1:5901'), { ok: false, reason: 'expired' });
});
