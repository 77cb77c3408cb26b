// A setting saved to the gateway as the user changes it (the library's sort): one request at a time, so that two
// quick changes cannot reach the data folder in the other order (each request reads the folder again and writes a
// whole file; the last rename wins), and only the newest of the changes made meanwhile is sent after it.

/**
 * Returns a function that saves `value` with `send`, one request at a time: a value given while one is on its way
 * waits, and replaces any other waiting, so the last value given is the last one sent. `onError` hears each failure.
 */
export function latestOnly<T>(send: (value: T) => Promise<unknown>, onError: (error: unknown) => void): (value: T) => void {
  let sending = false;
  let waiting: { value: T } | null = null;
  const start = (value: T): void => {
    sending = true;
    void send(value)
      .catch(onError)
      .finally(() => {
        sending = false;
        const next = waiting;
        waiting = null;
        if (next) start(next.value);
      });
  };
  return (value) => {
    if (sending) waiting = { value };
    else start(value);
  };
}
