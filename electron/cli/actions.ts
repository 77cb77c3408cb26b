// The options that do one thing and exit (--help, --version, --check-policy, --diagnostics, --save-password, --list,
// --import, --export), for both ways DeskBridge is run: the `deskbridge` command, and the Electron binary run by
// itself (a packaged install's DeskBridge.exe or AppImage in a deployment script). Both do them here, so that they
// print the same words and exit with the same codes. Plain Node: never 'electron', and nothing here ends the
// process: each action returns its exit code, and each shell exits its own way (process.exitCode; app.exit).
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { checkPolicyFile, collectDiagnostics, exportProfile, machinePolicyPath, notFoundOrAmbiguous, openOfflineLibrary, packageVersion, importIntoLibrary, PolicyRefusal } from '../gateway/index';
import { USAGE, type CliOptions } from './options';
import { describeFileError, honourDeleteThisFile, readNamedFile } from '../gateway/profiles/namedFiles';
import { listedConnections, formatList, lookUpPasswords } from './libraryListing';

/**
 * Does what the options ask, if they ask for an action, and gives the exit code (0 done; 1 refused or failed, said on
 * standard error; 130 a password prompt interrupted). Null: they ask for none, so the caller starts the app.
 * An unexpected failure (a file that cannot be written) is said in one line, as the command always said it.
 */
export async function runAction(options: CliOptions): Promise<number | null> {
  try {
    return await dispatch(options);
  } catch (error) {
    process.stderr.write(`deskbridge: ${(error as Error).message}\n`);
    return 1;
  }
}

async function dispatch(options: CliOptions): Promise<number | null> {
  if (options.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (options.version) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (options.checkPolicy) return runCheckPolicy(options.checkPolicy);
  if (options.diagnostics) {
    const files = await collectDiagnostics({
      dataDir: options.dataDir,
      outDir: options.diagnostics,
      version: packageVersion(),
      policyFile: options.policy,
      machinePolicyFile: machinePolicyPath(),
    });
    process.stdout.write(`Wrote ${files.length} files to ${options.diagnostics}: ${files.join(', ')}\n`);
    return 0;
  }
  if (options.savePassword !== null) return runSavePassword(options, options.savePassword);
  if (options.list) return runList(options, options.list);
  if (options.importFiles.length > 0 || options.exportProfile) return runImportExport(options);
  return null;
}

/** `--save-password NAME_OR_ID`: the password from standard input into the keychain (or the encrypted file), as policy allows. */
async function runSavePassword(options: CliOptions, nameOrId: string): Promise<number> {
  // A store that does not open (its key file damaged) is said after the name and the policy: where policy saves no
  // password, or the name is wrong, the key file is not what stops it, and blaming it would send IT to mend the wrong thing.
  const library = await openOfflineLibrary({ dataDir: options.dataDir, policyFile: options.policy, machinePolicyFile: machinePolicyPath(), unreadableSecrets: 'tolerate' });
  const matches = library.matching(nameOrId);
  const profile = matches.length === 1 ? matches[0]! : null;
  if (!profile) {
    process.stderr.write(`deskbridge: ${notFoundOrAmbiguous(nameOrId, matches, 'so no password was saved')}\n`);
    return 1;
  }
  const refusal = library.passwordSavingRefusal();
  if (refusal) {
    process.stderr.write(`deskbridge: ${refusal.message} No password was saved.\n`);
    return 1;
  }
  if (library.secretsUnusable) {
    process.stderr.write(`deskbridge: ${library.secretsUnusable} No password was saved.\n`);
    return 1;
  }
  const password = await readPasswordLine(`Password for "${profile.name}": `);
  if (password === null) return 130;
  if (password === '') {
    process.stderr.write('deskbridge: no password was given on standard input, so none was saved.\n');
    return 1;
  }
  try {
    await library.savePassword(profile.id, password);
  } catch (error) {
    if (!(error instanceof PolicyRefusal)) throw error;
    process.stderr.write(`deskbridge: ${error.message} No password was saved.\n`);
    return 1;
  }
  process.stdout.write(`Saved the password of "${profile.name}" (id ${profile.id}) in ${library.secretsBackend === 'keychain' ? 'the system keychain' : 'the encrypted file store'}.\n`);
  return 0;
}

/** `--import FILE...` and/or `--export NAME_OR_ID FILE` (imported first, then exported). */
async function runImportExport(options: CliOptions): Promise<number> {
  // Files carry no password kept by an import, so saved passwords that cannot be read do not stop one (said below).
  const library = await openOfflineLibrary({ dataDir: options.dataDir, policyFile: options.policy, machinePolicyFile: machinePolicyPath(), unreadableSecrets: 'tolerate' });
  let code = 0;
  const single = options.importFiles.length === 1;
  const results: ImportResult[] = [];
  // Each file in turn, each saved as it is imported: a file refused (malformed, unreadable, refused by policy) does
  // not stop the others, and those imported stay. One file alone fails as it always did (its error thrown).
  for (const file of options.importFiles) results.push(await importOne(library, options.dataDir, file, single));
  // What the app would show in its banners (a connections file set aside, an invalid policy): a script must see it too,
  // once: an import refused for that very reason (an invalid policy) says it as the refusal.
  const refusals = new Set(results.map((r) => r.refusal));
  for (const notice of library.notices) if (!refusals.has(notice)) process.stderr.write(`deskbridge: warning: ${notice}\n`);
  if (library.secretsUnusable) process.stderr.write(`deskbridge: warning: ${library.secretsUnusable}\n`);
  if (single) {
    const [{ file, outcome, refusal, deleted }] = results as [ImportResult];
    if (refusal !== null || !outcome?.ok) {
      process.stderr.write(`deskbridge: ${path.basename(file)}: ${refusal} Nothing was imported.${deleted ? ` ${DELETED_AS_ASKED}` : ''}\n`);
      // With --export the export still runs (as after several files, one refused): the exit status says it.
      if (!options.exportProfile) return 1;
      code = 1;
    } else {
      const notes = deleted ? [...outcome.notes, DELETED_AS_ASKED] : outcome.notes;
      // A .vv is a new ticket each time: not "this file", but the connection it makes, is in the library already.
      if (outcome.sameConnection) process.stdout.write(`Already in the library: "${outcome.profile.name}" (id ${outcome.profile.id}) is the connection this file makes. Nothing was added.\n${deleted ? `Note: ${DELETED_AS_ASKED}\n` : ''}`);
      else if (outcome.alreadyImported) process.stdout.write(`Already imported from this file: "${outcome.profile.name}" (id ${outcome.profile.id}). Nothing was added.\n`);
      else process.stdout.write(`Imported "${outcome.profile.name}" (id ${outcome.profile.id}).\n${notes.map((n) => `Note: ${n}\n`).join('')}`);
    }
  } else if (results.length > 1) {
    let failed = 0;
    for (const { file, outcome, refusal, unreadable, deleted } of results) {
      const label = shownPath(file);
      if (unreadable !== null) {
        failed++;
        process.stderr.write(`deskbridge: ${unreadable}\n`);
      } else if (refusal !== null || !outcome?.ok) {
        failed++;
        process.stderr.write(`deskbridge: ${label}: refused: ${refusal}${deleted ? ` ${DELETED_AS_ASKED}` : ''}\n`);
      } else if (outcome.alreadyImported) {
        process.stdout.write(`${label}: already in the library as "${outcome.profile.name}" (id ${outcome.profile.id}); nothing was added.\n${deleted ? `${label}: note: ${DELETED_AS_ASKED}\n` : ''}`);
      } else {
        const notes = deleted ? [...outcome.notes, DELETED_AS_ASKED] : outcome.notes;
        process.stdout.write(`${label}: imported as "${outcome.profile.name}" (id ${outcome.profile.id}).\n${notes.map((n) => `${label}: note: ${n}\n`).join('')}`);
      }
    }
    const imported = results.filter((r) => r.outcome?.ok && !r.outcome.alreadyImported && r.refusal === null).length;
    const already = results.length - imported - failed;
    process.stdout.write(`${results.length} files: ${imported} imported, ${already} already in the library, ${failed} refused.\n`);
    // A refused file makes the run's status 1, but what was asked besides (the export) is still done.
    if (failed > 0) code = 1;
  }
  if (options.exportProfile) {
    const { nameOrId, file } = options.exportProfile;
    const matches = library.matching(nameOrId);
    const profile = matches.length === 1 ? matches[0]! : null;
    if (!profile) {
      process.stderr.write(`deskbridge: ${notFoundOrAmbiguous(nameOrId, matches, 'so nothing was written')}\n`);
      return 1;
    }
    const format = file.toLowerCase().endsWith('.remmina') ? 'remmina' : 'rdp';
    const exported = await exportProfile(profile, options.dataDir, format);
    if (!exported.ok) {
      process.stderr.write(`deskbridge: ${exported.message} Nothing was written.\n`);
      return 1;
    }
    await writeFile(file, exported.bytes).catch((error: unknown) => {
      throw describeFileError(error, file, 'write');
    });
    process.stdout.write(`Wrote "${profile.name}" to ${file} (no password).\n`);
  }
  return code;
}

/**
 * One line of standard input, without its line end: a script's pipe, or a person at a terminal (asked on standard
 * error, what is typed not shown). Null: the person pressed Ctrl+C.
 */
async function readPasswordLine(question: string): Promise<string | null> {
  const input = process.stdin;
  if (!input.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  process.stderr.write(question);
  input.setRawMode(true);
  input.resume();
  let typed = '';
  try {
    for await (const chunk of input) {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n') return typed;
        if (char === '\u0003') return null; // Ctrl+C: the action ends with 130, as a shell's interrupted command does
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    }
    return typed;
  } finally {
    input.setRawMode(false);
    input.pause();
    process.stderr.write('\n');
  }
}

/** `--check-policy FILE`: "valid", an outline and any warnings, or every problem; the exit code for scripts (0 valid, 1 not). */
async function runCheckPolicy(file: string): Promise<number> {
  const check = await checkPolicyFile(file);
  if (check.valid) {
    process.stdout.write(`valid: ${check.outline}\n${check.warnings.map((w) => `warning: ${w}\n`).join('')}`);
    return 0;
  }
  if (check.missing) {
    // What no file means depends on where it would be: none at the machine-wide path is no policy; a --policy file that is not there blocks.
    process.stdout.write(`invalid: there is no such file as ${file}. (Where no machine-wide policy file exists the app applies no policy; a --policy file that does not exist blocks connections.)\n`);
    return 1;
  }
  const count = check.problems.length;
  process.stdout.write(`invalid: ${file} has ${count} problem${count === 1 ? '' : 's'}; the app would block connections (or keep its last valid policy) until they are fixed:\n${check.problems.map((p) => `  ${p}\n`).join('')}`);
  return 1;
}

/** What --import did with one file: its outcome, or why it was not imported (refused by the parser or policy, or unreadable). */
interface ImportResult {
  file: string;
  outcome: Awaited<ReturnType<typeof importIntoLibrary>> | null;
  refusal: string | null;
  /** The file could not be read (no such file, a folder, no permission): the sentence that says so, naming it. */
  unreadable: string | null;
  /** A .vv that asked to be deleted once read (virt-viewer's delete-this-file), and was: imported or not. */
  deleted: boolean;
}

/** Said of a .vv deleted once read, as it asked: imported or refused, it is gone (as virt-viewer leaves it). */
const DELETED_AS_ASKED = 'The file asked to be deleted once read (a broker\u2019s one-time ticket) and was.';

/**
 * Imports one file of --import: a .vv's delete-this-file honoured once it is read, its one-time password not kept
 * (importIntoLibrary's 'save'). `alone`: the only file, whose unexpected errors end the command as they always did;
 * one of several is refused with the reason instead, and the others go on.
 */
async function importOne(library: Awaited<ReturnType<typeof openOfflineLibrary>>, dataDir: string, file: string, alone: boolean): Promise<ImportResult> {
  let bytes: Uint8Array;
  try {
    bytes = alone ? await readNamedFile(file) : new Uint8Array(await readFile(file));
  } catch (error) {
    if (alone) throw error;
    return { file, outcome: null, refusal: null, unreadable: describeFileError(error, shownPath(file), 'read').message, deleted: false };
  }
  const deleted = await honourDeleteThisFile(file, bytes);
  try {
    const outcome = await importIntoLibrary(library, dataDir, path.basename(file), bytes, 'save');
    return { file, outcome, refusal: outcome.ok ? null : outcome.error.message, unreadable: null, deleted };
  } catch (error) {
    if (alone && !(error instanceof PolicyRefusal)) throw error;
    return { file, outcome: null, refusal: (error as Error).message, unreadable: null, deleted };
  }
}

/** A file as the user named it: relative to the current folder where it is inside it (a shell glob's), else in full. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * `--list`: the library (IT's connections and the user's own, as policy shows them) in the app's order, sorted as
 * `sort` says in each folder (--sort, by name without it: never the page's kept choice), or as a JSON array (`json`).
 * An empty library says so on standard error and exits 0 ("[]" in JSON). Never prints a password.
 */
async function runList(options: CliOptions, { json, sort }: NonNullable<CliOptions['list']>): Promise<number> {
  const library = await openOfflineLibrary({ dataDir: options.dataDir, policyFile: options.policy, machinePolicyFile: machinePolicyPath(), unreadableSecrets: 'tolerate' });
  for (const notice of library.notices) process.stderr.write(`deskbridge: warning: ${notice}\n`);
  const profiles = library.list();
  const store = library.secretsBackend === 'keychain' ? 'the keychain' : 'the encrypted password file';
  const looked = await lookUpPasswords(
    profiles.map((profile) => profile.id),
    (id) => library.passwordSavedOrUnreadable(id),
    store,
  );
  for (const warning of looked.warnings) process.stderr.write(`deskbridge: warning: ${warning}\n`);
  // The flags just read are known to the library (no second read); where the store could not be read it is not
  // asked again for the view (null): listed as unknown.
  const views = [];
  for (const profile of profiles) views.push(await library.view(profile, looked.unknown.has(profile.id) ? null : undefined));
  const connections = listedConnections(views, looked.unknown, sort);
  if (connections.length === 0) process.stderr.write(`deskbridge: the library has no connections (data folder ${options.dataDir}).\n`);
  if (json) process.stdout.write(JSON.stringify(connections, null, 2) + '\n');
  else if (connections.length > 0) process.stdout.write(formatList(connections));
  return 0;
}

