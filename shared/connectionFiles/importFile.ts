// One entry point for imports: picks the format by extension, then by content.
import { fail, type ImportedConnection, type ParseResult } from './fileResult';
import { importRdp } from './rdpFile';
import { importRemmina } from './remminaFile';
import { importVv } from './vvFile';

export const CONNECTION_FILE_EXTENSIONS = ['.rdp', '.vv', '.remmina'] as const;

export function detectFormat(fileName: string, bytes: Uint8Array): 'rdp' | 'vv' | 'remmina' | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.rdp')) return 'rdp';
  if (lower.endsWith('.vv')) return 'vv';
  if (lower.endsWith('.remmina')) return 'remmina';
  const head = Array.from(bytes.subarray(0, 400)).filter((b) => b !== 0).map((b) => String.fromCharCode(b)).join('');
  if (head.includes('[virt-viewer]')) return 'vv';
  if (head.includes('[remmina]')) return 'remmina';
  if (/full address:s:/i.test(head)) return 'rdp';
  return null;
}

export function importConnectionFile(fileName: string, bytes: Uint8Array): ParseResult<ImportedConnection> {
  const MAX = 1024 * 1024;
  if (bytes.length > MAX) return fail('The file is too large to be a connection file (over 1 MB).');
  try {
    switch (detectFormat(fileName, bytes)) {
      case 'rdp':
        return importRdp(bytes, fileName);
      case 'vv':
        return importVv(bytes, fileName);
      case 'remmina':
        return importRemmina(bytes, fileName);
      default:
        return fail('This is not a connection file DeskBridge knows (.rdp, .vv or .remmina).');
    }
  } catch (error) {
    // INVARIANT: an import never throws; a bug here still gives the user a message.
    return fail(`The file could not be read (${error instanceof Error ? error.message : String(error)}).`);
  }
}
