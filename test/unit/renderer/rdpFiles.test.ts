// RdpFiles (renderer/protocols/rdp/rdpFiles.ts): what IronRDP's file transfer
// provider reports, as the session's 'transfer' and 'remoteFiles' events. The
// provider is a fake here; test/e2e/xrdp.test.ts copies real files both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RdpFiles, SESSION_ENDED, WAITING_FOR_PASTE, failureWords, remoteFiles, type FileTransferProviderLike } from '../../../renderer/protocols/rdp/rdpFiles';
import type { FileTransferUpdate, RemoteFile } from '../../../renderer/session/remoteSession';

class FakeProvider {
  handlers = new Map<string, ((...args: never[]) => void)[]>();
  nextId = 1;
  uploads: File[][] = [];
  downloads: { resolve: (b: Blob) => void; reject: (e: Error) => void; index: number }[] = [];
  on(event: string, handler: (...args: never[]) => void): void {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), handler]);
  }
  fire(event: string, ...args: unknown[]): void {
    for (const h of this.handlers.get(event) ?? []) (h as (...a: unknown[]) => void)(...args);
  }
  /** As IronRDP 0.7's: one batch at a time, until pasted in full. */
  uploadState: { reject: (e: Error) => void; readerTimeouts: Map<number, ReturnType<typeof setTimeout>>; activeReaders: Map<number, { abort(): void }> } | undefined;
  /** An IronRDP without that shape: abandonWaitingUpload must leave it alone. */
  opaque = false;
  private opaqueBusy = false;
  uploadFiles(files: File[]) {
    if (this.uploadState || this.opaqueBusy) throw new Error('Upload already in progress');
    this.uploads.push(files);
    const completion = new Promise<void>((_resolve, reject) => {
      if (this.opaque) this.opaqueBusy = true;
      else this.uploadState = { reject, readerTimeouts: new Map(), activeReaders: new Map() };
    });
    completion.catch(() => undefined);
    return { transferIds: new Map(files.map((_f, i) => [i, this.nextId++] as [number, number])), completion };
  }
  dropped: unknown[] = [];
  handleDrop() {
    return Promise.resolve(this.dropped);
  }
  downloadFile(_file: unknown, index: number) {
    const transferId = this.nextId++;
    return { transferId, completion: new Promise<Blob>((resolve, reject) => this.downloads.push({ resolve, reject, index })) };
  }
}

function setUp(ways = { upload: true, download: true }) {
  const provider = new FakeProvider();
  const transfers: FileTransferUpdate[] = [];
  const offered: RemoteFile[][] = [];
  const warnings: string[] = [];
  const files = new RdpFiles(provider as unknown as FileTransferProviderLike, {
    emit: ((event: string, value: unknown) => {
      if (event === 'transfer') transfers.push(value as FileTransferUpdate);
      if (event === 'remoteFiles') offered.push(value as RemoteFile[]);
      if (event === 'warning') warnings.push(value as string);
    }) as never,
  }, ways);
  return { provider, files, transfers, offered, warnings };
}

test('files sent wait on the remote clipboard until pasted there, then are copied; files sent after them take their place', () => {
  const { provider, files, transfers } = setUp();
  files.send([new File(['abc'], 'a.txt'), new File(['defg'], 'b.txt')]);
  assert.deepEqual(transfers.map((t) => [t.id, t.name, t.size, t.state, t.detail]), [
    [1, 'a.txt', 3, 'waiting', WAITING_FOR_PASTE],
    [2, 'b.txt', 4, 'waiting', WAITING_FOR_PASTE],
  ]);
  provider.fire('upload-progress', { transferId: 1, fileIndex: 0, fileName: 'a.txt', bytesTransferred: 2, totalBytes: 3, percentage: 66 });
  provider.fire('upload-complete', new File(['abc'], 'a.txt'), 0, 1);
  assert.deepEqual(transfers.slice(2).map((t) => [t.id, t.state, t.sent, t.direction]), [
    [1, 'sending', 2, 'to-remote'],
    [1, 'done', 2, 'to-remote'],
  ]);
  // b.txt was never pasted: IronRDP still holds the batch and refuses the next; the waiting one is ended for it.
  const waiting = provider.uploadState!;
  let rejected: Error | null = null;
  waiting.reject = (e) => (rejected = e);
  files.send([new File(['x'], 'c.txt')]);
  assert.match(String(rejected), /took its place/);
  assert.equal(transfers.at(-1)?.name, 'c.txt');
  assert.equal(transfers.at(-1)?.state, 'waiting');
  const replaced = transfers.find((t) => t.id === 2 && t.state === 'failed');
  assert.match(replaced?.detail ?? '', /took its place/);
  assert.equal(transfers.filter((t) => t.id === 1 && t.state === 'failed').length, 0, 'a copied file is not undone');
  assert.equal(provider.uploads.length, 2);
});

test('files copied on the remote computer are offered (not its folders), saved on request, and no longer offered once it copies something else', async () => {
  const { provider, files, transfers, offered } = setUp();
  const list = [
    { name: 'docs', size: 0, lastModified: 0, isDirectory: true },
    { name: 'report.pdf', path: 'docs', size: 2048, lastModified: 0 },
    { name: 'a.txt', size: 3, lastModified: 0 },
  ];
  provider.fire('files-available', list);
  assert.deepEqual(offered.at(-1), [
    { index: 1, name: 'report.pdf', folder: 'docs', size: 2048 },
    { index: 2, name: 'a.txt', size: 3 },
  ]);
  const saving = files.save(2);
  assert.equal(provider.downloads[0]!.index, 2);
  provider.downloads[0]!.resolve(new Blob(['abc']));
  const saved = await saving;
  assert.equal(saved.name, 'a.txt');
  assert.equal(await saved.blob.text(), 'abc');
  assert.deepEqual(transfers.map((t) => [t.name, t.state, t.direction]), [
    ['a.txt', 'sending', 'from-remote'],
    ['a.txt', 'done', 'from-remote'],
  ]);
  // A failed copy says why, in words.
  const failing = files.save(1);
  provider.downloads[1]!.reject(new Error('Clipboard lock expired'));
  await assert.rejects(failing, /no longer offers it/);
  assert.equal(transfers.at(-1)?.state, 'failed');
  files.remoteClipboardChanged();
  assert.deepEqual(offered.at(-1), []);
  await assert.rejects(files.save(2), /no longer offers it/);
});

test('the session ends: a Save under way fails (IronRDP leaves its promise pending), files waiting on the remote clipboard are no longer there, nothing is offered, and what was copied stays copied', async () => {
  const { provider, files, transfers, offered } = setUp();
  files.send([new File(['abc'], 'waiting.txt'), new File(['de'], 'pasted.txt')]);
  provider.fire('upload-complete', new File(['de'], 'pasted.txt'), 1, 2);
  provider.fire('files-available', [{ name: 'big.iso', size: 1 << 30, lastModified: 0 }]);
  const saving = files.save(0);
  provider.fire('download-progress', { transferId: 3, fileIndex: 0, fileName: 'big.iso', bytesTransferred: 4096, totalBytes: 1 << 30, percentage: 0 });
  files.sessionEnded();
  await assert.rejects(saving, new RegExp(SESSION_ENDED));
  const last = new Map(transfers.map((t) => [t.name, [t.state, t.detail]]));
  assert.deepEqual(Object.fromEntries(last), {
    'waiting.txt': ['failed', SESSION_ENDED],
    'pasted.txt': ['done', undefined],
    'big.iso': ['failed', SESSION_ENDED],
  });
  assert.deepEqual(offered.at(-1), []);
  // The provider's own end of the upload, later, changes nothing.
  provider.uploadState!.reject(new Error('disposed'));
  await new Promise((r) => setImmediate(r));
  assert.equal(transfers.filter((t) => t.name === 'waiting.txt').at(-1)?.detail, SESSION_ENDED);
});

test('an IronRDP not shaped as expected is left alone: the user is asked to paste the waiting files first, and they stay waiting', () => {
  const { provider, files, transfers, warnings } = setUp();
  provider.opaque = true;
  files.send([new File(['abc'], 'a.txt')]);
  files.send([new File(['x'], 'c.txt')]);
  assert.equal(provider.uploads.length, 1);
  assert.match(warnings[0] ?? '', /Paste the files waiting on the remote clipboard first/);
  assert.deepEqual(transfers.map((t) => [t.name, t.state]), [['a.txt', 'waiting']]);
});

test('a drop: folders walked by IronRDP are not listed themselves, the files in them are, with their folders', async () => {
  const { provider, files, transfers } = setUp();
  provider.dropped = [
    { file: null, name: 'Project', size: 0, lastModified: 0, isDirectory: true },
    { file: new File(['a'], 'a.txt'), name: 'a.txt', size: 1, lastModified: 0, path: 'Project' },
    { file: new File(['bb'], 'b.bin'), name: 'b.bin', size: 2, lastModified: 0, path: 'Project\\sub' },
  ];
  provider.nextId = 10;
  files.sendDrop({} as DragEvent);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(transfers.map((t) => [t.name, t.size, t.state]), [
    ['Project/a.txt', 1, 'waiting'],
    ['Project/sub/b.bin', 2, 'waiting'],
  ]);
  assert.equal(provider.uploads[0]!.length, 3, 'the folder goes too: the remote side makes it');
});

test('one way only: no offers where files may not come here, nothing sent where they may not go there', () => {
  const { provider, files, offered } = setUp({ upload: false, download: false });
  provider.fire('files-available', [{ name: 'a.txt', size: 3, lastModified: 0 }]);
  assert.deepEqual(offered, []);
  files.send([new File(['abc'], 'a.txt')]);
  assert.equal(provider.uploads.length, 0);
});

test('remoteFiles and failureWords', () => {
  assert.deepEqual(remoteFiles([{ name: 'x', path: 'a\\b', size: 1, lastModified: 0 }]), [{ index: 0, name: 'x', folder: 'a/b', size: 1 }]);
  assert.match(failureWords('file too large'), /2 GB/);
  assert.equal(failureWords('RdpFileTransferProvider disposed'), SESSION_ENDED);
  assert.equal(failureWords('boom'), 'boom');
  assert.equal(failureWords(''), 'failed');
});
