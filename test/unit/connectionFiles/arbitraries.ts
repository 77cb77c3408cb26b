// fast-check generators for connection-file tests: drafts that any format can
// carry, and text without the control characters that make a file binary.
import fc from 'fast-check';
import { profileDraftSchema, type ProfileDraft } from '../../../shared/profiles/profileSchema';

export const words = fc.stringMatching(/^[a-z][a-z0-9]{0,8}( [a-z0-9]{1,8}){0,2}$/);
export const safeText = (max: number) =>
  fc.string({ unit: 'grapheme', maxLength: max }).map((s) => s.replace(/[\u0000-\u001f\u007f\ufeff]/g, ''));

const hostArbitrary = fc
  .oneof(fc.domain(), fc.ipV4(), fc.constantFrom('fd00::42', '2001:db8::1', '::1', 'desk-042.corp.example'))
  .filter((host) => profileDraftSchema.shape.host.safeParse(host).success);

export const draftArbitrary = (protocols: readonly ('rdp' | 'vnc' | 'spice')[]) =>
  fc
    .record({
      name: words,
      protocol: fc.constantFrom(...protocols),
      host: hostArbitrary,
      port: fc.integer({ min: 100, max: 65535 }),
      username: fc.stringMatching(/^[a-z][a-z0-9._-]{0,12}$|^$/),
      domain: fc.stringMatching(/^[A-Z][A-Z0-9-]{0,8}$|^$/),
      scaling: fc.constantFrom('fit', 'actual'),
      rdpSecurity: fc.constantFrom('negotiate', 'tls'),
      desktopSize: fc.constantFrom('fit-window', 'fixed'),
      desktopWidth: fc.integer({ min: 200, max: 8192 }),
      desktopHeight: fc.integer({ min: 200, max: 8192 }),
      viewOnly: fc.boolean(),
      fullscreen: fc.boolean(),
      shareClipboard: fc.boolean(),
      vncQuality: fc.constantFrom('best', 'good', 'medium', 'poor'),
      folder: fc.array(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _-]{0,8}[A-Za-z0-9]$/), { maxLength: 3 }).map((parts) => parts.join('/')),
      tags: fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9 -]{0,8}[a-z0-9]$/), { maxLength: 4 }),
      // RDP's start program: a Windows path with arguments, a Unix command line, or none.
      startProgram: fc.oneof(fc.constant(''), fc.constant('C:\\Program Files\\Ledger\\ledger.exe /ro "D:\\Books 2026"'), safeText(80)),
      startFolder: fc.oneof(fc.constant(''), fc.constant('%USERPROFILE%\\Documents'), safeText(80)),
    })
    .filter((record) => record.startProgram.length <= 255 && record.startFolder.length <= 255)
    .map((record) => profileDraftSchema.parse({ ...record, ...(record.protocol === 'rdp' ? {} : { startProgram: '', startFolder: '' }) }) as ProfileDraft);

