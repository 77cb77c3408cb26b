// Whether a profile can be written in a given connection-file format without
// changing where the connection goes. A file that drops an SSH tunnel, an RD
// Gateway or RemoteApp sends mstsc or Remmina straight to the host, which
// DeskBridge itself refuses to do; so such an export is refused instead, with
// words naming what is missing and the format that can carry it.
//
// The profile keeps those settings only as labels (unsupportedFeatures, made by
// featureLabel: "RD Gateway (gw.corp.example)"); the lines themselves stay in
// the original file, which an export in the same format is written over.
import { remoteAppWithStartProgram, type ProfileDraft, type Protocol } from '../profiles/profileSchema';

export type ExportFormat = 'rdp' | 'remmina';

const FILE_NAMES: Record<ExportFormat, string> = { rdp: 'an .rdp file', remmina: 'a .remmina file' };
const EXTENSIONS: Record<ExportFormat, string> = { rdp: '.rdp', remmina: '.remmina' };
const PROTOCOL_NAMES: Record<Protocol, string> = { rdp: 'an RDP', vnc: 'a VNC', spice: 'a SPICE' };
/** Which protocols each format describes (.rdp: RDP only; Remmina has a plugin for each of ours). */
const PROTOCOLS_OF: Record<ExportFormat, readonly Protocol[]> = { rdp: ['rdp'], remmina: ['rdp', 'vnc', 'spice'] };

interface FeatureKind {
  /** Formats that have settings for it; an empty list means neither does (a .vv's VNC proxy). */
  formats: readonly ExportFormat[];
  /** Formats a writer can fill in from the label alone, without the original file's lines. */
  fromLabel: readonly ExportFormat[];
  /** "goes through the SSH tunnel bastion:22", to follow "This connection ". */
  words: (detail: string) => string;
}

const FEATURE_KINDS: Record<string, FeatureKind> = {
  'SSH tunnel': { formats: ['remmina'], fromLabel: [], words: (d) => `goes through the SSH tunnel ${d || '(no server named)'}` },
  'RD Gateway': { formats: ['rdp', 'remmina'], fromLabel: ['rdp', 'remmina'], words: (d) => `goes through the RD Gateway ${d}` },
  RemoteApp: { formats: ['rdp'], fromLabel: [], words: (d) => `opens the RemoteApp program ${d || 'named in its file'}` },
  'Start program': { formats: ['rdp', 'remmina'], fromLabel: [], words: (d) => `starts the program ${d} instead of a desktop` },
  'Connection broker load-balance info': { formats: ['rdp', 'remmina'], fromLabel: [], words: () => 'is routed by a connection broker (load-balance info)' },
  'Preconnection blob': { formats: ['rdp'], fromLabel: [], words: (d) => `is handed to a virtual machine by its preconnection blob ${d} (pcb)` },
  'Alternate address': { formats: ['rdp'], fromLabel: [], words: (d) => `connects to the alternate address ${d}` },
  'VNC repeater': { formats: ['remmina'], fromLabel: [], words: (d) => `goes through the VNC repeater ${d}` },
  'SPICE proxy': { formats: ['remmina'], fromLabel: [], words: (d) => `goes through the SPICE proxy ${d}` },
  'VNC through a proxy': { formats: [], fromLabel: [], words: (d) => `goes through the proxy ${d}` },
};

/** "RD Gateway (gw.corp.example)" → { label: 'RD Gateway', detail: 'gw.corp.example' }. */
export function splitFeatureLabel(feature: string): { label: string; detail: string } {
  const match = /^(.*?) \((.*)\)$/.exec(feature);
  return match ? { label: match[1] as string, detail: match[2] as string } : { label: feature, detail: '' };
}

/** The RD Gateway a writer must put in the file itself (no original of that format holds it), or null. */
export function gatewayToWrite(draft: Pick<ProfileDraft, 'unsupportedFeatures'>): string | null {
  for (const feature of draft.unsupportedFeatures) {
    const { label, detail } = splitFeatureLabel(feature);
    if (label === 'RD Gateway' && detail && !detail.endsWith('…')) return detail;
  }
  return null;
}

function otherFormats(kind: FeatureKind, target: ExportFormat): string {
  return kind.formats.filter((f) => f !== target).map((f) => EXTENSIONS[f]).join(' or ');
}

/** Why one feature cannot go into the target file, or null when it goes. */
function featureProblem(feature: string, target: ExportFormat, originalFormat: ExportFormat | null): string | null {
  const { label, detail } = splitFeatureLabel(feature);
  const kind = FEATURE_KINDS[label];
  if (!kind) return `This connection uses ${feature}, which DeskBridge cannot write into ${FILE_NAMES[target]}.`;
  const subject = `This connection ${kind.words(detail)}`;
  // Exported over the file it came from, its lines stay as they were.
  if (originalFormat === target) return null;
  const truncated = detail.endsWith('…');
  if (kind.fromLabel.includes(target) && !truncated) return null;
  if (!kind.formats.includes(target)) {
    const other = otherFormats(kind, target);
    return other ? `${subject}, which ${FILE_NAMES[target]} cannot describe: export it as ${other}.` : `${subject}, which neither an .rdp nor a .remmina file can describe.`;
  }
  if (originalFormat !== null) return `${subject}; DeskBridge can write that only into the ${EXTENSIONS[originalFormat]} file it was imported from: export it as ${EXTENSIONS[originalFormat]}.`;
  return `${subject}; that is kept only in the file this connection was imported from, which DeskBridge does not have for it, so it cannot be exported.`;
}

/**
 * Why the profile cannot be exported as `target`, in words for the user, or
 * null when it can. `originalFormat` is the format of the imported file kept
 * with the profile (its lines carry what the profile only labels), if any.
 */
export function exportRefusal(draft: Pick<ProfileDraft, 'protocol' | 'unsupportedFeatures'> & Partial<Pick<ProfileDraft, 'startProgram'>>, target: ExportFormat, originalFormat: ExportFormat | null): string | null {
  if (!PROTOCOLS_OF[target].includes(draft.protocol)) {
    return `This is ${PROTOCOL_NAMES[draft.protocol]} connection, which ${FILE_NAMES[target]} cannot describe (it holds only RDP connections): export it as .remmina.`;
  }
  // A RemoteApp with a start program (saved before the settings refused the pair): written, the file would open one
  // or the other, never what the connection says; the settings' own words say what to change.
  const remoteApp = remoteAppWithStartProgram({ ...draft, startProgram: draft.startProgram ?? '' });
  if (remoteApp) return `This connection opens ${remoteApp} from its file and also has a start program, which cannot go with a RemoteApp: clear the start program in its settings, then export it.`;
  const problems = draft.unsupportedFeatures.map((feature) => featureProblem(feature, target, originalFormat)).filter((p): p is string => p !== null);
  return problems.length > 0 ? problems.join(' ') : null;
}
