// The connection library: search as you type, grouped by folder, favourites
// first in each folder, then sorted as the user chose (name, recently used, host).
// Click or Space selects; double-click or Enter connects.
// The list is one stop for Tab (roving tabindex): Up, Down, Home and End move, a typed name's first letters find
// it, Delete asks to delete, and Down from Search goes into the results (as Remmina's and mstsc's lists).
import { useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { ProfileView } from '../../shared/api/contract';
import { LIBRARY_SORTS, LIBRARY_SORT_LABELS, isLibrarySort, lastUsed, libraryOrder, type LibrarySort } from '../../shared/profiles/libraryOrder';
import { LockIcon } from '../app/LockIcon';

/** Every row (folder heading or profile) is this tall, so the list can render only what is in view. */
export const ROW_HEIGHT = 44;
const OVERSCAN = 6;

type FolderRow = { kind: 'folder'; folder: string };
type ProfileRow = { kind: 'profile'; profile: ProfileView; recent?: boolean };
type Row = FolderRow | ProfileRow;
const RECENT_COUNT = 5;

export interface ProfileListProps {
  profiles: ProfileView[];
  selectedId: string | null;
  canCreate: boolean;
  onSelect: (id: string) => void;
  /** Asks first if the editor holds unsaved changes to another connection; connects only once the user chose. */
  onConnect: (id: string) => void;
  /**
   * The Delete key on a row: asks (the app's confirmation) before anything is removed. `listedNext` is the connection
   * listed after it (else before it), or null where it is the only one listed: where the user's place goes once it is gone.
   */
  onDelete?: (id: string, listedNext: string | null) => void;
  onNew: () => void;
  /** One file or several (chosen or dropped together). */
  onImport: (files: File[]) => void;
  /** What the list is sorted by within each folder, after its favourites. */
  sort: LibrarySort;
  onSortChange: (sort: LibrarySort) => void;
  /** Asks for a connection's row to be scrolled into view, and with `focus` to take the keys. */
  rowRequest?: RowRequest | null;
}

/**
 * A connection's row to show (after a save: wherever it went) or to give the keys to (after a delete, an undo). No id:
 * the selected connection's. One not listed (a search hides it) gives the keys to Search; `seq` tells requests apart.
 */
export interface RowRequest {
  id: string | null;
  focus: boolean;
  seq: number;
}

export function matchesQuery(profile: ProfileView, query: string): boolean {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return true;
  return [profile.name, profile.host, profile.folder, ...profile.tags].some((text) => text.toLocaleLowerCase().includes(q));
}

/** A row's key: a connection listed under Recent is there twice. */
const rowKey = (row: Row) => (row.kind === 'folder' ? `folder:${row.folder}` : row.recent ? `recent:${row.profile.id}` : row.profile.id);

/** What a row's name leaves out, for its description: "VNC, 10.0.0.5 port 5900, favourite, managed by your organisation". */
export function rowDescription(profile: ProfileView): string {
  return [`${profile.protocol.toUpperCase()}, ${profile.host} port ${profile.port}`, ...(profile.favourite ? ['favourite'] : []), ...(profile.managed ? ['managed by your organisation'] : [])].join(', ');
}

export function ProfileList({ profiles, selectedId, canCreate, onSelect, onConnect, onDelete, onNew, onImport, sort, onSortChange, rowRequest = null }: ProfileListProps) {
  const [query, setQuery] = useState('');
  const [scroll, setScroll] = useState({ top: 0, height: 800 });
  const scroller = useRef<HTMLDivElement>(null);
  const listId = useId();
  useEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const measure = () => setScroll({ top: element.scrollTop, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const visible = useMemo(() => profiles.filter((p) => matchesQuery(p, query)), [profiles, query]);
  // The library's one order (libraryOrder, as `deskbridge --list` prints it by name), cut where the folder changes.
  const groups = useMemo(() => {
    const byFolder = new Map<string, ProfileView[]>();
    for (const profile of libraryOrder(visible, sort)) {
      const items = byFolder.get(profile.folder);
      if (items) items.push(profile);
      else byFolder.set(profile.folder, [profile]);
    }
    return [...byFolder.entries()];
  }, [visible, sort]);
  // Virtualised: thousands of profiles stay as fast as ten, because only the rows in view exist in the DOM.
  // The last few connections opened, at the top while not searching (as Remmina and mstsc list them).
  const recent = useMemo(
    () =>
      query.trim()
        ? []
        : // Read as times (as the "Recently used" sort reads them): one that is not a time (a hand-edited file) is not recent.
          profiles
            .flatMap((p) => {
              const at = lastUsed(p);
              return at === null ? [] : [{ p, at }];
            })
            .sort((a, b) => b.at - a.at)
            .slice(0, RECENT_COUNT)
            .map(({ p }) => p),
    [profiles, query],
  );
  const rows = useMemo<Row[]>(
    () => [
      ...(recent.length > 0 ? [{ kind: 'folder' as const, folder: 'Recent' }, ...recent.map((profile) => ({ kind: 'profile' as const, profile, recent: true }))] : []),
      ...groups.flatMap(([folder, items]) => [...(folder || recent.length > 0 ? [{ kind: 'folder' as const, folder: folder || 'All connections' }] : []), ...items.map((profile) => ({ kind: 'profile' as const, profile }))]),
    ],
    [groups, recent],
  );
  const first = Math.max(0, Math.floor(scroll.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scroll.top + scroll.height) / ROW_HEIGHT) + OVERSCAN);
  /** Each row's heading (its index in `rows`), -1 for the rows no heading is over. */
  const headingOf = useMemo(() => {
    let heading = -1;
    return rows.map((row, index) => (row.kind === 'folder' ? (heading = index) : heading));
  }, [rows]);
  /**
   * Each row's place in the list it is an item of, for aria-posinset and aria-setsize (only the rows in view exist,
   * so a screen reader cannot count them): a connection among its folder's connections ("2 of 3" in a folder of 3);
   * a folder (its item holding the heading and its list) and a connection no heading is over among the outer list's items.
   */
  const places = useMemo(() => {
    const listOf = (index: number) => (rows[index]!.kind === 'folder' ? -1 : headingOf[index]!);
    const counts = new Map<number, number>();
    const positions = rows.map((_, index) => {
      const count = (counts.get(listOf(index)) ?? 0) + 1;
      counts.set(listOf(index), count);
      return count;
    });
    return rows.map((_, index) => ({ posinset: positions[index]!, setsize: counts.get(listOf(index))! }));
  }, [rows, headingOf]);

  // The one row Tab stops at: the one the keys last moved to while it is listed, else the selected connection, else the first.
  const [activeKey, setActiveKey] = useState<string | null>(null);
  const rowIndex = (key: string | null) => (key === null ? -1 : rows.findIndex((row) => row.kind === 'profile' && rowKey(row) === key));
  let activeIndex = rowIndex(activeKey);
  if (activeIndex < 0) activeIndex = rows.findIndex((row) => row.kind === 'profile' && !row.recent && row.profile.id === selectedId);
  if (activeIndex < 0) activeIndex = rows.findIndex((row) => row.kind === 'profile');
  const active = activeIndex >= 0 ? rowKey(rows[activeIndex]!) : null;
  // The focus is asked to move to `active` once it is rendered (and scrolled into view).
  const focusPending = useRef(false);
  // Another sort moves the rows: the one Tab stops at (the same connection as before) is scrolled into view, so the
  // user sees where it went; the focus stays where it is (on the "Sort by" control).
  const revealPending = useRef(false);
  const list = useRef<HTMLUListElement>(null);
  useLayoutEffect(() => {
    if ((!focusPending.current && !revealPending.current) || active === null) return;
    const focus = focusPending.current;
    focusPending.current = false;
    revealPending.current = false;
    const element = scroller.current;
    if (element) {
      const top = activeIndex * ROW_HEIGHT;
      if (top < element.scrollTop) element.scrollTop = top;
      else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
    }
    if (focus) list.current?.querySelector<HTMLElement>(`[data-row="${CSS.escape(active)}"]`)?.focus({ preventScroll: true });
  });
  const focusRow = (index: number) => {
    const row = rows[index];
    if (!row || row.kind !== 'profile') return;
    focusPending.current = true;
    setActiveKey(rowKey(row));
    // Already active: the effect above still runs after this render.
    if (rowKey(row) === active) setScroll((s) => ({ ...s }));
  };
  /** The connection rows' indexes in `rows`, in order. */
  const profileIndexes = useMemo(() => rows.flatMap((row, index) => (row.kind === 'profile' ? [index] : [])), [rows]);
  // The library's requests (rowRequest): run once each, on the rows as they are once rendered with the library's change.
  useEffect(() => {
    if (!rowRequest) return;
    const id = rowRequest.id ?? selectedId;
    // Its own folder's row, else its place under Recent.
    const byId = (recent: boolean) => rows.findIndex((row) => row.kind === 'profile' && !row.recent === !recent && row.profile.id === id);
    const own = byId(false);
    const index = own >= 0 ? own : byId(true);
    if (index < 0) {
      if (rowRequest.focus) searchBox.current?.focus();
      return;
    }
    if (rowRequest.focus) return focusRow(index);
    revealPending.current = true;
    setActiveKey(rowKey(rows[index]!));
    setScroll((s) => ({ ...s }));
  }, [rowRequest?.seq]); // eslint-disable-line react-hooks/exhaustive-deps
  const typed = useRef({ text: '', at: 0 });
  const onRowsKeyDown = (event: ReactKeyboardEvent<HTMLUListElement>) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const here = profileIndexes.indexOf(activeIndex);
    const go = (index: number | undefined) => {
      event.preventDefault();
      typed.current = { text: '', at: 0 };
      if (index !== undefined) focusRow(index);
    };
    const pageRows = Math.max(1, Math.floor(scroll.height / ROW_HEIGHT) - 1);
    switch (event.key) {
      case 'ArrowDown':
        return go(profileIndexes[Math.min(here + 1, profileIndexes.length - 1)]);
      case 'ArrowUp':
        if (here <= 0) {
          event.preventDefault();
          searchBox.current?.focus();
          return;
        }
        return go(profileIndexes[here - 1]);
      case 'Home':
        return go(profileIndexes[0]);
      case 'End':
        return go(profileIndexes[profileIndexes.length - 1]);
      case 'PageDown':
        return go(profileIndexes[Math.min(here + pageRows, profileIndexes.length - 1)]);
      case 'PageUp':
        return go(profileIndexes[Math.max(here - pageRows, 0)]);
    }
    // Type to find: the next connection whose name starts with what was typed (within a second); one letter again and again goes on through them.
    if (event.key.length !== 1 || (event.key === ' ' && typed.current.text === '')) return;
    const now = Date.now();
    const text = (now - typed.current.at < 1000 ? typed.current.text : '') + event.key.toLocaleLowerCase();
    typed.current = { text, at: now };
    event.preventDefault();
    const repeated = [...text].every((c) => c === text[0]);
    const order = [...profileIndexes.slice(here + 1), ...profileIndexes.slice(0, here + 1)];
    const startsWith = (prefix: string) => (index: number) => {
      const row = rows[index]!;
      return row.kind === 'profile' && row.profile.name.toLocaleLowerCase().startsWith(prefix);
    };
    // "aa…": the next one starting with "a"; otherwise the current one still matches as the user types on.
    const found = repeated && text.length > 1 ? order.find(startsWith(text[0]!)) : (text.length > 1 ? [...profileIndexes.slice(here), ...profileIndexes.slice(0, here)] : order).find(startsWith(text));
    if (found !== undefined) focusRow(found);
  };
  const searchBox = useRef<HTMLInputElement>(null);
  // Read out while searching: how many connections match, or that none does.
  const resultCount = !query.trim() ? '' : visible.length === 0 ? `Nothing matches “${query}”.` : visible.length === 1 ? '1 connection matches.' : `${visible.length} connections match.`;
  const listLabel = recent.length > 0 ? `${visible.length} connections, and ${recent.length} recent` : `${visible.length} connections`;
  // The active row stays rendered (and so keeps the focus) when it is scrolled out of view.
  const rendered = rows.slice(first, last).map((row, i) => ({ row, index: first + i }));
  if (activeIndex >= 0 && (activeIndex < first || activeIndex >= last)) rendered.push({ row: rows[activeIndex]!, index: activeIndex });
  // A <ul> holds only <li>: each folder is an item of the list holding its heading and a list of its own, named by
  // its folder; the connections no heading is over (the unfiled, with nothing recent) are the outer list's items. Whatever
  // part of a folder is rendered comes with its heading, so a screen reader can always jump to it.
  const sections: { heading: { row: FolderRow; index: number } | null; items: { row: ProfileRow; index: number }[] }[] = [];
  for (const { index } of [...rendered].sort((a, b) => a.index - b.index)) {
    const row = rows[index]!;
    if (row.kind === 'folder') continue;
    const headingIndex = headingOf[index]!;
    const heading = headingIndex >= 0 ? { row: rows[headingIndex] as FolderRow, index: headingIndex } : null;
    const current = sections[sections.length - 1];
    if (current && current.heading?.index === heading?.index) current.items.push({ row, index });
    else sections.push({ heading, items: [{ row, index }] });
  }

  const renderRow = ({ row, index }: { row: ProfileRow; index: number }) => {
    const top = index * ROW_HEIGHT;
    const key = rowKey(row);
    const profile = row.profile;
    return (
      <li key={key} style={{ top }} aria-setsize={places[index]!.setsize} aria-posinset={places[index]!.posinset}>
        <button
          type="button"
          data-row={key}
          tabIndex={key === active ? 0 : -1}
          aria-label={row.recent ? `${profile.name} (recent)` : profile.name}
          aria-describedby={`${listId}-${index}`}
          aria-current={profile.id === selectedId ? 'true' : undefined}
          className={profile.id === selectedId ? 'profile-item selected' : 'profile-item'}
          onFocus={() => setActiveKey(key)}
          onClick={() => onSelect(profile.id)}
          onDoubleClick={() => onConnect(profile.id)}
          onKeyDown={(event) => {
            // Enter connects, as double-click does (the app asks first about unsaved changes); Space (a plain click) only selects.
            if (event.key === 'Enter') {
              event.preventDefault();
              event.stopPropagation();
              onConnect(profile.id);
            } else if (event.key === 'Delete' && onDelete && !profile.managed) {
              event.preventDefault();
              event.stopPropagation();
              // The row after it in the list as shown (a search may hide others), else the one before it.
              const listed = profileIndexes.map((i) => ({ i, id: (rows[i] as ProfileRow).profile.id })).filter((other) => other.id !== profile.id);
              const next = listed.find((other) => other.i > index) ?? listed.filter((other) => other.i < index).at(-1);
              onDelete(profile.id, next?.id ?? null);
            }
          }}
        >
          <span id={`${listId}-${index}`} className="visually-hidden">
            {rowDescription(profile)}
          </span>
          <span className="profile-name">
            {profile.favourite && (
              <span className="star" title="Favourite" aria-hidden="true">
                ★{' '}
              </span>
            )}
            {profile.managed && (
              <span className="lock" title="Managed by your organisation" aria-hidden="true">
                <LockIcon />{' '}
              </span>
            )}
            {profile.name}
          </span>
          <span className="profile-host">
            {profile.protocol.toUpperCase()} · {profile.host}:{profile.port}
          </span>
        </button>
      </li>
    );
  };

  return (
    <nav className="profile-list" aria-label="Connections">
      <div className="list-header">
        <button type="button" className="primary" onClick={onNew} disabled={!canCreate} title={canCreate ? undefined : 'Your organisation provides the connections.'}>
          New connection
        </button>
        <label className="import-button">
          Import…
          <input
            type="file"
            aria-label="Import connection file"
            accept=".rdp,.vv,.remmina"
            multiple
            onChange={(e) => {
              const files = [...(e.target.files ?? [])];
              if (files.length > 0) onImport(files);
              e.target.value = '';
            }}
          />
        </label>
        <input
          ref={searchBox}
          type="search"
          aria-label="Search connections"
          placeholder="Search by name, host or tag"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(event) => {
            // Down goes into the results, at their first connection.
            if (event.key === 'ArrowDown' && profileIndexes.length > 0) {
              event.preventDefault();
              focusRow(profileIndexes[0]!);
            }
          }}
        />
        <label className="sort-by">
          Sort by
          <select
            value={sort}
            onChange={(e) => {
              if (!isLibrarySort(e.target.value)) return;
              revealPending.current = true;
              onSortChange(e.target.value);
            }}
          >
            {LIBRARY_SORTS.map((choice) => (
              <option key={choice} value={choice}>
                {LIBRARY_SORT_LABELS[choice]}
              </option>
            ))}
          </select>
        </label>
      </div>
      {profiles.length === 0 && canCreate && <p className="empty">No connections yet: fill in the form to add one, or import a file.</p>}
      {/* Always there, so that screen readers announce what it comes to say (a live region added with its text is often not read). */}
      <p role="status" className={profiles.length > 0 && visible.length === 0 ? 'empty' : 'visually-hidden'}>
        {profiles.length > 0 ? resultCount : ''}
      </p>
      <div
        className="profile-rows"
        ref={scroller}
        onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
      >
        <ul ref={list} style={{ height: rows.length * ROW_HEIGHT }} aria-label={listLabel} onKeyDown={onRowsKeyDown}>
          {sections.map(({ heading, items }) =>
            heading === null ? (
              items.map(renderRow)
            ) : (
              <li key={rowKey(heading.row)} className="folder-group" aria-setsize={places[heading.index]!.setsize} aria-posinset={places[heading.index]!.posinset}>
                {/* A heading for the rows under it ("Recent", a folder), which screen readers can jump between. */}
                {/* Named as the folder is spelt, the heading and its list: a name taken from the text would come in its CSS capitals ("LAB"), read out so. */}
                <div className="folder" style={{ top: heading.index * ROW_HEIGHT }} role="heading" aria-level={2} aria-label={heading.row.folder}>
                  {heading.row.folder}
                </div>
                <ul aria-label={heading.row.folder}>{items.map(renderRow)}</ul>
              </li>
            ),
          )}
        </ul>
      </div>
    </nav>
  );
}
