// A profiles.json record as the app stores it, for tests that start the app on a library written beforehand
// (thousands of connections, or a list of a given shape). Only what a test names differs from these values.
export interface StoredProfile {
  id: string;
  name: string;
  protocol: 'vnc' | 'rdp' | 'spice';
  host: string;
  port: number;
  folder?: string;
  favourite?: boolean;
  tags?: string[];
  lastConnectedAt?: string | null;
}

export function storedProfile(profile: StoredProfile, now = new Date().toISOString()): Record<string, unknown> {
  return {
    username: '',
    scaling: 'fit',
    viewOnly: false,
    domain: '',
    rdpSecurity: 'negotiate',
    desktopSize: 'fit-window',
    desktopWidth: 1280,
    desktopHeight: 800,
    keyboardLayout: 'en-US',
    keyboardMode: 'scancode',
    pinnedCertificate: null,
    unsupportedFeatures: [],
    createdAt: now,
    updatedAt: now,
    ...profile,
    folder: profile.folder ?? '',
    favourite: profile.favourite ?? false,
    tags: profile.tags ?? [],
    lastConnectedAt: profile.lastConnectedAt ?? null,
  };
}

/** The profiles file's contents for these records. */
export function profilesFile(profiles: Record<string, unknown>[]): string {
  return JSON.stringify({ schemaVersion: 1, profiles });
}
