// The connection library: search as you type, grouped by folder, favourites
// first in each folder. Click or Space selects; double-click or Enter connects.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ProfileView } from '../../shared/api/contract';
import { LockIcon } from '../app/LockIcon';

/** Every row (folder heading or profile) is this tall, so the list can render only what is in view. */
export const ROW_HEIGHT = 44;
const OVERSCAN = 6;

type Row = { kind: 'folder'; folder: string } | { kind: 'profile'; profile: ProfileView; recent?: boolean };
const RECENT_COUNT = 5;

export interface ProfileListProps {
  profiles: ProfileView[];
  selectedId: string | null;
  canCreate: boolean;
  onSelect: (id: string) => void;
  /** Asks first if the editor holds unsaved changes to another connection; connects only once the user chose. */
  onConnect: (id: string) => void;
  onNew: () => void;
  /** One file or several (chosen or dropped together). */
  onImport: (files: File[]) => void;
}

export function matchesQuery(profile: ProfileView, query: string): boolean {
  const q = query.trim().toLocaleLowerCase();
  if (!q) return true;
  return [profile.name, profile.host, profile.folder, ...profile.tags].some((text) => text.toLocaleLowerCase().includes(q));
}

export function ProfileList({ profiles, selectedId, canCreate, onSelect, onConnect, onNew, onImport }: ProfileListProps) {
  const [query, setQuery] = useState('');
  const [scroll, setScroll] = useState({ top: 0, height: 800 });
  const scroller = useRef<HTMLDivElement>(null);
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
  const groups = useMemo(() => {
    const byFolder = new Map<string, ProfileView[]>();
    for (const profile of visible) {
      const key = profile.folder || '';
      byFolder.set(key, [...(byFolder.get(key) ?? []), profile]);
    }
    for (const items of byFolder.values()) items.sort((a, b) => Number(b.favourite) - Number(a.favourite) || a.name.localeCompare(b.name));
    return [...byFolder.entries()].sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  }, [visible]);
  // Virtualised: thousands of profiles stay as fast as ten, because only the rows in view exist in the DOM.
  // The last few connections opened, at the top while not searching (as Remmina and mstsc list them).
  const recent = useMemo(
    () =>
      query.trim()
        ? []
        : profiles
            .filter((p) => p.lastConnectedAt)
            .sort((a, b) => (b.lastConnectedAt ?? '').localeCompare(a.lastConnectedAt ?? ''))
            .slice(0, RECENT_COUNT),
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
        <input type="search" aria-label="Search connections" placeholder="Search by name, host or tag" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      {profiles.length === 0 && canCreate && <p className="empty">No connections yet: fill in the form to add one, or import a file.</p>}
      {profiles.length > 0 && visible.length === 0 && <p className="empty">Nothing matches “{query}”.</p>}
      <div
        className="profile-rows"
        ref={scroller}
        onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
      >
        <ul style={{ height: rows.length * ROW_HEIGHT }} aria-label={`${visible.length} connections`}>
          {rows.slice(first, last).map((row, i) => {
            const top = (first + i) * ROW_HEIGHT;
            if (row.kind === 'folder') {
              return (
                <li key={`folder:${row.folder}`} className="folder" style={{ top }} role="presentation">
                  {row.folder}
                </li>
              );
            }
            const profile = row.profile;
            return (
              <li key={row.recent ? `recent:${profile.id}` : profile.id} style={{ top }}>
                <button
                  type="button"
                  aria-label={row.recent ? `${profile.name} (recent)` : profile.name}
                  aria-current={profile.id === selectedId ? 'true' : undefined}
                  className={profile.id === selectedId ? 'profile-item selected' : 'profile-item'}
                  onClick={() => onSelect(profile.id)}
                  onDoubleClick={() => onConnect(profile.id)}
                  onKeyDown={(event) => {
                    // Enter connects, as double-click does (the app asks first about unsaved changes); Space (a plain click) only selects.
                    if (event.key === 'Enter') {
                      event.preventDefault();
                      onConnect(profile.id);
                    }
                  }}
                >
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
          })}
        </ul>
      </div>
    </nav>
  );
}
