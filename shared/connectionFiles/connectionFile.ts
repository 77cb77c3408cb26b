// One entry point for opening a connection file of any format DeskBridge
// knows, for the file picker, drag and drop, `--import FILE` and
// `deskbridge FILE`: picks the parser by extension and content.
// INVARIANT: never throws; a bug in a parser still gives the user a message.
import { fileError, type ConnectionFileFormat, type FileFailure } from './fileResult';
import { parseRdpFile, type RdpImport } from './rdpFile';
import { parseRemminaFile, type RemminaImport } from './remminaFile';
import { decodeConnectionFileText } from './textEncoding';
import { parseVvFile, type VvImport } from './vvFile';

export const CONNECTION_FILE_EXTENSIONS: Record<ConnectionFileFormat, string> = { rdp: '.rdp', vv: '.vv', remmina: '.remmina' };

/** Connection files are a few kilobytes; anything far larger is not one, and is not worth decoding. */
export const MAX_CONNECTION_FILE_BYTES = 1024 * 1024;

export type ConnectionFileImport = RdpImport | VvImport | RemminaImport;

function formatFromContent(bytes: Uint8Array): ConnectionFileFormat | null {
  const decoded = decodeConnectionFileText(bytes.subarray(0, Math.min(bytes.length, 64 * 1024) & ~1), { ansiFallback: true });
  const text = decoded.ok ? decoded.text : '';
  if (/^[ \t]*\[virt-viewer\][ \t]*\r?$/m.test(text)) return 'vv';
  if (/^[ \t]*\[remmina\][ \t]*\r?$/m.test(text)) return 'remmina';
  if (/^[^:\r\n[=]+:[sib]:/im.test(text)) return 'rdp';
  return null;
}

/**
 * The format of a file: its content when that is unmistakable (a .vv group
 * heading, a Remmina group heading, an .rdp setting line), else its extension.
 * Content first, because browsers and mail clients rename downloads.
 */
export function detectFormat(fileName: string, bytes: Uint8Array): ConnectionFileFormat | null {
  const byContent = formatFromContent(bytes);
  if (byContent) return byContent;
  const lower = fileName.toLowerCase();
  for (const [format, extension] of Object.entries(CONNECTION_FILE_EXTENSIONS) as [ConnectionFileFormat, string][]) {
    if (lower.endsWith(extension)) return format;
  }
  return null;
}

export function parseConnectionFile(fileName: string, bytes: Uint8Array): ConnectionFileImport | FileFailure {
  if (bytes.length > MAX_CONNECTION_FILE_BYTES) return fileError('not-text', null, 'the file is too large to be a connection file (over 1 MB).');
  try {
    switch (detectFormat(fileName, bytes)) {
      case 'rdp':
        return parseRdpFile(bytes, { fileName });
      case 'vv':
        return parseVvFile(bytes, { fileName });
      case 'remmina':
        return parseRemminaFile(bytes, { fileName });
      default:
        return fileError('unknown-format', null, 'this is not a connection file DeskBridge can open (.rdp, .vv or .remmina).');
    }
  } catch (error) {
    return fileError('not-text', null, `the file could not be read (${error instanceof Error ? error.message : String(error)}).`);
  }
}
