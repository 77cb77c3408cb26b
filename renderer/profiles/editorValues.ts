// The profile form's values: a profile (or IT's profileDefaults, for a new
// connection) as the form shows it, and the draft the form sends. No React, so
// unit tests read it.
import type { ProfileView } from '../../shared/api/contract';
import { DEFAULT_PORTS, type Protocol, type SpiceSecurity, type VncQuality } from '../../shared/profiles/profileSchema';
import type { KeyboardLayoutTag } from '../../shared/profiles/keyboardLayouts';

export interface EditorValues {
  name: string;
  protocol: Protocol;
  host: string;
  port: string;
  username: string;
  domain: string;
  password: string;
  scaling: 'fit' | 'actual';
  rdpSecurity: 'negotiate' | 'nla' | 'tls';
  keyboardMode: 'scancode' | 'unicode';
  keyboardLayout: KeyboardLayoutTag;
  vncQuality: VncQuality;
  vncDesktopSize: 'server' | 'fit-window';
  highDpi: boolean;
  fullscreen: boolean;
  spiceSecurity: SpiceSecurity;
  spiceProxy: string;
  untrustedCertificate: 'ask' | 'refuse';
  desktopSize: 'fit-window' | 'fixed';
  /** As typed; numbers once validated. */
  desktopWidth: string;
  desktopHeight: string;
  folder: string;
  /** Comma-separated, as typed. */
  tags: string;
  favourite: boolean;
  shareClipboard: boolean;
  /** RDP: the program started in place of the desktop, and its folder. */
  startProgram: string;
  startFolder: string;
}

export function valuesFrom(profile: ProfileView | null, defaults: Partial<EditorValues> = {}): EditorValues {
  return {
    name: profile?.name ?? defaults.name ?? '',
    protocol: profile?.protocol ?? defaults.protocol ?? 'vnc',
    host: profile?.host ?? defaults.host ?? '',
    port: String(profile?.port ?? defaults.port ?? DEFAULT_PORTS[profile?.protocol ?? defaults.protocol ?? 'vnc']),
    username: profile?.username ?? defaults.username ?? '',
    domain: profile?.domain ?? defaults.domain ?? '',
    password: '',
    scaling: profile?.scaling ?? defaults.scaling ?? 'fit',
    rdpSecurity: profile?.rdpSecurity ?? defaults.rdpSecurity ?? 'negotiate',
    keyboardMode: profile?.keyboardMode ?? defaults.keyboardMode ?? 'scancode',
    keyboardLayout: profile?.keyboardLayout ?? defaults.keyboardLayout ?? 'local',
    vncQuality: profile?.vncQuality ?? defaults.vncQuality ?? 'good',
    vncDesktopSize: profile?.vncDesktopSize ?? defaults.vncDesktopSize ?? 'server',
    highDpi: profile?.highDpi ?? defaults.highDpi ?? false,
    fullscreen: profile?.fullscreen ?? defaults.fullscreen ?? false,
    spiceSecurity: profile?.spiceSecurity ?? defaults.spiceSecurity ?? 'plain',
    spiceProxy: profile?.spiceProxy ?? defaults.spiceProxy ?? '',
    untrustedCertificate: profile?.untrustedCertificate ?? defaults.untrustedCertificate ?? 'ask',
    desktopSize: profile?.desktopSize ?? defaults.desktopSize ?? 'fit-window',
    desktopWidth: String(profile?.desktopWidth ?? defaults.desktopWidth ?? 1280),
    desktopHeight: String(profile?.desktopHeight ?? defaults.desktopHeight ?? 800),
    folder: profile?.folder ?? defaults.folder ?? '',
    // IT's profileDefaults carry tags as a list (the API's shape); a form's value is the text.
    tags: profile ? profile.tags.join(', ') : Array.isArray(defaults.tags) ? (defaults.tags as string[]).join(', ') : (defaults.tags ?? ''),
    favourite: profile?.favourite ?? false,
    shareClipboard: profile?.shareClipboard ?? defaults.shareClipboard ?? true,
    startProgram: profile?.startProgram ?? defaults.startProgram ?? '',
    startFolder: profile?.startFolder ?? defaults.startFolder ?? '',
  };
}

/** The draft to send: the form's fields over the profile's other settings. */
export function draftFrom(values: EditorValues, profile: ProfileView | null): Record<string, unknown> {
  const base: Record<string, unknown> = {};
  if (profile) {
    const { id: _i, createdAt: _c, updatedAt: _u, lastConnectedAt: _l, hasSavedPassword: _h, managed: _m, ...rest } = profile;
    Object.assign(base, rest);
  }
  return {
    ...base,
    name: values.name,
    protocol: values.protocol,
    host: values.host.trim(),
    port: values.port.trim() === '' ? Number.NaN : Number(values.port),
    username: values.username,
    domain: values.domain,
    scaling: values.scaling,
    rdpSecurity: values.rdpSecurity,
    keyboardMode: values.keyboardMode,
    keyboardLayout: values.keyboardLayout,
    vncQuality: values.vncQuality,
    vncDesktopSize: values.vncDesktopSize,
    highDpi: values.highDpi,
    fullscreen: values.fullscreen,
    spiceSecurity: values.spiceSecurity,
    spiceProxy: values.spiceProxy.trim(),
    untrustedCertificate: values.untrustedCertificate,
    desktopSize: values.desktopSize,
    desktopWidth: values.desktopWidth.trim() === '' ? Number.NaN : Number(values.desktopWidth),
    desktopHeight: values.desktopHeight.trim() === '' ? Number.NaN : Number(values.desktopHeight),
    folder: values.folder,
    tags: values.tags
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean),
    favourite: values.favourite,
    shareClipboard: values.shareClipboard,
    startProgram: values.startProgram.trim(),
    startFolder: values.startFolder.trim(),
  };
}

