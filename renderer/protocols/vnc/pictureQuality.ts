// What each picture-quality preset asks a VNC server for: Tight's JPEG quality
// level (pseudo-encodings -32…-23: 9 sharpest, 0 smallest) and compression level
// (-256…-247: 0 least CPU, 9 least data). Best, Medium and Poor are Remmina's
// (plugins/vnc: 9/1, 5/3, 1/9; Remmina's Poor also drops to 8-bit colour, which
// noVNC cannot show). Good is noVNC's own default (6/2; Remmina's Good asks 7/2),
// so a profile left at the default shows what noVNC's page shows.
//
// In TigerVNC these levels map to JPEG quality 15, 29, 41, 42, 62, 77, 79, 86, 92,
// 100 with chroma subsampled 4:2:0 up to level 2, 4:2:2 up to 5, none from 6. A
// TigerVNC server sends a changed area again without loss once it has been still
// for a moment, so the preset matters for what moves (video, scrolling, dragging):
// lower presets send less per frame and take less work to decode, so more frames
// reach the screen where the link or the CPU is the limit.
import type { VncQuality } from '../../../shared/profiles/profileSchema';

export interface VncPictureSettings {
  qualityLevel: number;
  compressionLevel: number;
}

export const VNC_PICTURE_SETTINGS: Record<VncQuality, VncPictureSettings> = {
  best: { qualityLevel: 9, compressionLevel: 1 },
  good: { qualityLevel: 6, compressionLevel: 2 },
  medium: { qualityLevel: 5, compressionLevel: 3 },
  poor: { qualityLevel: 1, compressionLevel: 9 },
};

/** The labels users see, in the profile editor and the session toolbar. */
export const VNC_QUALITY_LABELS: Record<VncQuality, string> = {
  best: 'Best (sharpest)',
  good: 'Good',
  medium: 'Medium',
  poor: 'Poor (least data)',
};
