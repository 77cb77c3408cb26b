// The deletes the library can still take back. The gateway keeps each deleted connection for its own
// undo window (ProfileLibrary.remove), so the page keeps each on its own clock too: a second delete
// within the minute does not hide the first, and Undo takes them back the newest first, as a file
// manager's or a mail client's Undo does.
import { useEffect, useRef, useState } from 'react';

/** At most this much of the gateway's time is not offered: an Undo clicked at the last moment still reaches it in time. */
const UNDO_MARGIN_MS = 5_000;

/**
 * How long the page offers Undo for a delete the gateway can put back for `undoableForMs` (its answer,
 * DeletedProfile or RestoreErrorBody): a little less, never more, so that an Undo offered always finds it. A
 * short window (a test's) loses a quarter, not the whole margin.
 */
export function undoOfferMs(undoableForMs: number): number {
  return Math.max(0, undoableForMs - Math.min(UNDO_MARGIN_MS, undoableForMs / 4));
}

/** A connection deleted from the page, while Undo can still put it back (API.restore). */
export interface UndoableDelete {
  id: string;
  name: string;
}

export interface UndoableDeletes {
  /** Every delete still offered, the newest last. */
  offered: readonly UndoableDelete[];
  /** Offers Undo for `deleted` for `offerMs` (undoOfferMs()), from now. */
  offer(deleted: UndoableDelete, offerMs: number): void;
  /** The newest delete, no longer offered (the caller puts it back); undefined when none is. */
  take(): UndoableDelete | undefined;
}

/** `onLastExpired` runs when the last offer runs out, before it leaves the page. */
export function useUndoableDeletes(onLastExpired: () => void): UndoableDeletes {
  const [offered, setOffered] = useState<readonly UndoableDelete[]>([]);
  /** One timer per delete offered: INVARIANT: its keys are the ids in `offered`. */
  const timers = useRef(new Map<string, ReturnType<typeof setTimeout>>());
  const lastExpired = useRef(onLastExpired);
  lastExpired.current = onLastExpired;
  useEffect(() => {
    const running = timers.current;
    return () => {
      for (const timer of running.values()) clearTimeout(timer);
      running.clear();
    };
  }, []);

  const drop = (id: string) => {
    clearTimeout(timers.current.get(id));
    timers.current.delete(id);
    setOffered((list) => list.filter((d) => d.id !== id));
  };

  return {
    offered,
    offer: (deleted, offerMs) => {
      // The same connection again (put back, then deleted anew): one offer, on the new delete's clock.
      drop(deleted.id);
      setOffered((list) => [...list, { id: deleted.id, name: deleted.name }]);
      timers.current.set(
        deleted.id,
        setTimeout(() => {
          timers.current.delete(deleted.id);
          if (timers.current.size === 0) lastExpired.current();
          setOffered((list) => list.filter((d) => d.id !== deleted.id));
        }, offerMs),
      );
    },
    take: () => {
      const newest = offered.at(-1);
      if (newest) drop(newest.id);
      return newest;
    },
  };
}
