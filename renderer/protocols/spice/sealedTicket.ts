// The password spice-html5 seals for the server (RSA-OAEP with the server's
// 1024-bit key, SPICE_TICKET_KEY_PAIR_LENGTH) must be sent as exactly 128
// bytes, most significant first. spice-html5 0.2.1 turns the sealed number
// into bytes through its hex string, which drops leading zero bytes, and its
// SpiceLinkAuthTicket then pads the short array with zeros at the end: about
// one sealing in 256 reaches the server as another number, which it refuses
// ("Permission denied"), on any channel of any connect. Put back at the
// front, the zeros are the same number again.
export const SEALED_TICKET_BYTES = 1024 / 8;

export function sealedTicketBytes(sealed: number[]): number[] {
  return sealed.length >= SEALED_TICKET_BYTES ? sealed : [...new Array<number>(SEALED_TICKET_BYTES - sealed.length).fill(0), ...sealed];
}
