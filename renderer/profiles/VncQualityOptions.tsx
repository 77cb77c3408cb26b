// The picture-quality presets as <option>s, for the profile editor and the session toolbar.
import { VNC_QUALITIES } from '../../shared/profiles/profileSchema';
import { VNC_QUALITY_LABELS } from '../protocols/vnc/pictureQuality';

export function VncQualityOptions() {
  return (
    <>
      {VNC_QUALITIES.map((quality) => (
        <option key={quality} value={quality}>
          {VNC_QUALITY_LABELS[quality]}
        </option>
      ))}
    </>
  );
}
