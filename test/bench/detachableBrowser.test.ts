import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sizeWindow } from './detachableBrowser';

/**
 * A window whose page reports new bounds only after `lag` reads, and, when
 * `dropFirst`, ignores the first request for them (as Chromium on a busy machine).
 */
function fakeWindow(options: { lag: number; dropFirst?: boolean }) {
  const chrome = { width: 0, height: 143 };
  let bounds = { width: 1424, height: 968 };
  let shown = { ...bounds };
  let readsSinceRequest = 0;
  const requests: { width: number; height: number }[] = [];
  const page = {
    evaluate: async () => {
      readsSinceRequest++;
      if (readsSinceRequest > options.lag) shown = { ...bounds };
      return { width: shown.width - chrome.width, height: shown.height - chrome.height };
    },
  };
  const context = {
    newCDPSession: async () => ({
      send: async (method: string, params?: { bounds: { width: number; height: number } }) => {
        if (method === 'Browser.getWindowForTarget') return { windowId: 1, bounds: { ...bounds } };
        requests.push({ ...params!.bounds });
        if (!(options.dropFirst && requests.length === 1)) bounds = { ...params!.bounds };
        readsSinceRequest = 0;
        return {};
      },
      detach: async () => undefined,
    }),
  };
  return { page, context, requests };
}

const asked = { width: 1424, height: 968 };

test('the window size is waited for when the page reports it late', async () => {
  const { page, context, requests } = fakeWindow({ lag: 3 });
  await sizeWindow(context as never, page as never, asked);
  assert.deepEqual(requests, [{ width: 1424, height: 1111 }]);
});

test('a request for the window size that is lost is made again, with the same bounds', async () => {
  const { page, context, requests } = fakeWindow({ lag: 0, dropFirst: true });
  await sizeWindow(context as never, page as never, asked, 600);
  assert.deepEqual(requests, [{ width: 1424, height: 1111 }, { width: 1424, height: 1111 }]);
});

test('a page that never gets the size asked for fails with both sizes named', async () => {
  const { page, context } = fakeWindow({ lag: Infinity });
  await assert.rejects(sizeWindow(context as never, page as never, asked, 300), /the page is 1424x825, not the 1424x968 asked for/);
});
