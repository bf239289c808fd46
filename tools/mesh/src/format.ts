/** How `mesh` prints times for people: a clock time with its zone, a duration with units. */

/** `17:40:02 UTC`: the rotation's waits are minutes long, so the date is left out unless it is not today. */
export function formatClock(at: Date, now = new Date()): string {
  const iso = at.toISOString();
  const time = `${iso.slice(11, 19)} UTC`;
  return iso.slice(0, 10) === now.toISOString().slice(0, 10) ? time : `${iso.slice(0, 10)} ${time}`;
}

/** `3.0 s`, `10 min`, `1 h 30 min`: seconds with a decimal below a minute, whole units above. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(totalSeconds / 3600), Math.floor((totalSeconds % 3600) / 60), totalSeconds % 60];
  return [h ? `${h} h` : '', m ? `${m} min` : '', s ? `${s} s` : ''].filter(Boolean).join(' ');
}
