// Reading fixtures and checking results, shared by the connection-file tests.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileError } from '../../../shared/connectionFiles/fileResult';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'connectionFiles');

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(fixtures, name)));
}

/** Unwraps an ok result, failing the test with the parser's own message otherwise. */
export function expectOk<T extends { ok: true }>(result: T | { ok: false; error: FileError }): T {
  if (!result.ok) assert.fail(`expected ok, got: ${result.error.message}`);
  return result;
}

export function expectError(result: { ok: true } | { ok: false; error: FileError }): FileError {
  if (result.ok) assert.fail('expected an error, got ok');
  return result.error;
}

export function bytesEqual(actual: Uint8Array, expected: Uint8Array, message?: string): void {
  assert.deepEqual(Buffer.from(actual), Buffer.from(expected), message);
}

export function utf16(bytes: Uint8Array): string {
  return new TextDecoder('utf-16le').decode(bytes.subarray(2));
}

export function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}
