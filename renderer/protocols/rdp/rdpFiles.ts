// Files copied to and from an RDP desktop through its clipboard, as with
// mstsc's copy and paste: MS-RDPECLIP's file lists and file streams, done by
// IronRDP's RdpFileTransferProvider. This maps what the provider reports to
// the session interface's events ('transfer', 'remoteFiles') in a user's
// words.
//
// - To the remote computer (sendFiles): the files are put on the remote
//   clipboard; they are copied when something pastes them there (a file
//   manager's Paste), which may be at once or never. Until then they wait,
//   and the list says where they are; files sent after them take their place
//   on the clipboard.
// - From it: files copied on the remote computer are offered ('remoteFiles')
//   until its clipboard holds something else; saving one copies it here
//   (saveRemoteFile), and the view hands it to the browser's download.
import type { DroppedFile, FileInfo, FileTransferError, TransferProgress, UploadHandle, DownloadHandle } from '@devolutions/iron-remote-desktop-rdp';
import type { FileTransferUpdate, RemoteFile, SessionEmitter } from '../../session/remoteSession';

/** What this needs of IronRDP's RdpFileTransferProvider (a fake in unit tests). */
export interface FileTransferProviderLike {
  on(event: 'files-available', handler: (files: FileInfo[]) => void): void;
  on(event: 'upload-progress' | 'download-progress', handler: (progress: TransferProgress) => void): void;
  on(event: 'upload-complete', handler: (file: File, fileIndex: number, transferId: number) => void): void;
  on(event: 'error', handler: (error: FileTransferError) => void): void;
  uploadFiles(files: File[] | DroppedFile[]): UploadHandle;
  handleDrop(event: DragEvent): Promise<DroppedFile[]>;
  downloadFile(file: FileInfo, fileIndex: number): DownloadHandle;
}

/** While a file sent waits on the remote clipboard. */
export const WAITING_FOR_PASTE = 'on the remote clipboard: paste it into a folder there';
const REPLACED = 'files sent after it took its place on the remote clipboard';
const NO_LONGER_OFFERED = 'the remote computer no longer offers it (something else was copied there)';
/** As SPICE's (guestAgent.ts). */
export const SESSION_ENDED = 'the session ended';

export class RdpFiles {
  /** The remote clipboard's file list, as IronRDP gave it (indexes are its own). */
  private offered: FileInfo[] = [];
  private readonly transfers = new Map<number, FileTransferUpdate>();
  /** Rejected when the session ends: IronRDP leaves a download's promise pending then, and the list at "0 %". */
  private readonly ended: Promise<never>;
  private end!: (error: Error) => void;

  constructor(
    private readonly provider: FileTransferProviderLike,
    private readonly events: Pick<SessionEmitter, 'emit'>,
    readonly ways: { upload: boolean; download: boolean },
  ) {
    this.ended = new Promise<never>((_resolve, reject) => (this.end = reject));
    this.ended.catch(() => undefined);
    provider.on('files-available', (files) => {
      if (!ways.download) return;
      this.offered = files;
      this.events.emit('remoteFiles', remoteFiles(files));
    });
    provider.on('upload-progress', (p) => this.progress(p, 'to-remote'));
    provider.on('download-progress', (p) => this.progress(p, 'from-remote'));
    provider.on('upload-complete', (_file, _index, transferId) => this.update(transferId, { state: 'done', detail: undefined }));
    // A download's end is save()'s: it awaits the file.
    provider.on('error', (error) => {
      if (error.transferId !== undefined) this.update(error.transferId, { state: 'failed', detail: failureWords(error.message) });
    });
  }

  /** What was dropped on the desktop, folders walked (their entries are taken during the drop event), then as send(). */
  sendDrop(event: DragEvent): void {
    if (!this.ways.upload) return;
    void this.provider.handleDrop(event).then(
      (dropped) => this.send(dropped),
      () => undefined,
    );
  }

  /** Puts files (and folders, from a drop) on the remote clipboard; each file is listed as waiting until pasted there. */
  send(files: File[] | DroppedFile[]): void {
    if (!this.ways.upload || files.length === 0) return;
    let handle: UploadHandle;
    try {
      handle = this.provider.uploadFiles(files);
    } catch (error) {
      // Files not yet pasted there are still on the remote clipboard: the newest copy takes their place, as with mstsc.
      if (!abandonWaitingUpload(this.provider)) {
        this.events.emit('warning', `Files cannot be sent now: ${error instanceof Error ? error.message : String(error)}. Paste the files waiting on the remote clipboard first.`);
        return;
      }
      handle = this.provider.uploadFiles(files);
    }
    for (const t of this.transfers.values()) {
      if (t.direction === 'to-remote' && (t.state === 'waiting' || t.state === 'sending')) this.update(t.id, { state: 'failed', detail: REPLACED });
    }
    for (const [index, id] of handle.transferIds) {
      const file = files[index];
      if (!file || ('isDirectory' in file && file.isDirectory)) continue;
      const folder = 'path' in file && typeof file.path === 'string' ? `${file.path.split('\\').join('/')}/` : '';
      this.put({ id, name: folder + file.name, size: file.size, sent: 0, state: 'waiting', direction: 'to-remote', detail: WAITING_FOR_PASTE });
    }
    handle.completion.catch((error: unknown) => {
      for (const id of handle.transferIds.values()) {
        const t = this.transfers.get(id);
        if (t && t.state !== 'done' && t.state !== 'failed') this.update(id, { state: 'failed', detail: failureWords(error instanceof Error ? error.message : String(error)) });
      }
    });
  }

  /** Copies one offered file here. */
  async save(index: number): Promise<{ name: string; blob: Blob }> {
    const file = this.offered[index];
    if (!this.ways.download || !file || file.isDirectory) throw new Error(NO_LONGER_OFFERED);
    const { transferId, completion } = this.provider.downloadFile(file, index);
    this.put({ id: transferId, name: file.name, size: file.size, sent: 0, state: 'sending', direction: 'from-remote' });
    try {
      const blob = await Promise.race([completion, this.ended]);
      this.update(transferId, { state: 'done', sent: blob.size, detail: undefined });
      return { name: file.name, blob };
    } catch (error) {
      const detail = failureWords(error instanceof Error ? error.message : String(error));
      this.update(transferId, { state: 'failed', detail });
      throw new Error(detail);
    }
  }

  /**
   * The session ended: nothing is offered, files waiting on the remote clipboard go with it, and what was being
   * copied either way failed (a Save under way rejects).
   */
  sessionEnded(): void {
    this.remoteClipboardChanged();
    for (const t of this.transfers.values()) {
      if (t.state !== 'done' && t.state !== 'failed') this.update(t.id, { state: 'failed', detail: SESSION_ENDED });
    }
    this.end(new Error(SESSION_ENDED));
  }

  /** The remote clipboard now holds something other than files: nothing is offered any more. */
  remoteClipboardChanged(): void {
    if (this.offered.length === 0) return;
    this.offered = [];
    this.events.emit('remoteFiles', []);
  }

  private progress(p: TransferProgress, direction: 'to-remote' | 'from-remote'): void {
    const known = this.transfers.get(p.transferId);
    this.put({ id: p.transferId, name: known?.name ?? p.fileName, size: p.totalBytes, sent: p.bytesTransferred, state: known?.state === 'done' ? 'done' : 'sending', direction });
  }

  private update(id: number, change: Partial<FileTransferUpdate>): void {
    const known = this.transfers.get(id);
    if (known) this.put({ ...known, ...change });
  }

  private put(t: FileTransferUpdate): void {
    this.transfers.set(t.id, t);
    if (this.transfers.size > 64) this.transfers.delete(this.transfers.keys().next().value!);
    this.events.emit('transfer', t);
  }
}

/**
 * IronRDP 0.7 takes no new files while the last ones wait on the remote
 * clipboard to be pasted in full ("Upload already in progress"), which may be
 * never: a user who sent files and did not paste them could send no more in
 * that session. This ends the waiting batch as the provider's own dispose()
 * does for it (its timers cleared, its readers aborted, its promise
 * rejected), so the next uploadFiles() starts afresh. False where the
 * provider is not shaped as expected (another IronRDP version): nothing is
 * touched, and the user is asked to paste the waiting files first.
 */
export function abandonWaitingUpload(provider: object): boolean {
  const holder = provider as {
    uploadState?: { reject?: unknown; readerTimeouts?: unknown; activeReaders?: unknown };
  };
  const state = holder.uploadState;
  if (!state || typeof state.reject !== 'function' || !(state.readerTimeouts instanceof Map) || !(state.activeReaders instanceof Map)) return false;
  for (const timer of state.readerTimeouts.values()) clearTimeout(timer as ReturnType<typeof setTimeout>);
  state.readerTimeouts.clear();
  for (const reader of state.activeReaders.values()) (reader as { abort?: () => void }).abort?.();
  state.activeReaders.clear();
  holder.uploadState = undefined;
  (state.reject as (e: Error) => void)(new Error(REPLACED));
  return true;
}

/** The files of a remote file list a user can save: its folders are where they are, not something to save. */
export function remoteFiles(files: FileInfo[]): RemoteFile[] {
  const list: RemoteFile[] = [];
  files.forEach((f, index) => {
    if (f.isDirectory) return;
    list.push({ index, name: f.name, size: f.size, ...(f.path ? { folder: f.path.split('\\').join('/') } : {}) });
  });
  return list;
}

/** IronRDP's error messages, in a user's words where they are known. */
export function failureWords(message: string): string {
  if (/lock expired|no longer|not available|unlock/i.test(message)) return NO_LONGER_OFFERED;
  if (/too large|exceeds/i.test(message)) return 'too large to copy (2 GB at most)';
  // IronRDP's provider gone with its session ("RdpFileTransferProvider disposed"): no class names on screen.
  if (/disposed|shut ?down|session (?:closed|ended)/i.test(message)) return SESSION_ENDED;
  return message || 'failed';
}
