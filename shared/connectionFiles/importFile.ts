// Compatibility with the gateway's first wiring (electron/gateway/profiles/
// connectionFileImport.ts), which expects { ok, value } and a flat
// oneTimePassword. New code calls parseConnectionFile in connectionFile.ts;
// remove this file once the gateway does.
import { parseConnectionFile } from './connectionFile';
import type { ConnectionFileFormat, FileFailure } from './fileResult';
import type { ProfileDraft } from '../profiles/profileSchema';

/** @deprecated Use ConnectionFileImport from connectionFile.ts. */
export interface ImportedConnection {
  format: ConnectionFileFormat;
  draft: ProfileDraft;
  notes: string[];
  oneTimePassword: string | null;
  deleteThisFile: boolean;
}

/** @deprecated Use parseConnectionFile. */
export function importConnectionFile(fileName: string, bytes: Uint8Array): { ok: true; value: ImportedConnection } | FileFailure {
  const result = parseConnectionFile(fileName, bytes);
  if (!result.ok) return result;
  return {
    ok: true,
    value: {
      format: result.format,
      draft: result.draft,
      notes: result.notes,
      oneTimePassword: result.format === 'vv' ? (result.oneTimeSecret?.password ?? null) : null,
      deleteThisFile: result.format === 'vv' ? result.deleteThisFile : false,
    },
  };
}
