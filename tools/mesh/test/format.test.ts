import { formatClock, formatDuration } from '@portcullis/mesh';

describe('how mesh prints times', () => {
  it('gives durations with their units', () => {
    expect(formatDuration(0)).toBe('0.0 s');
    expect(formatDuration(2_640)).toBe('2.6 s');
    expect(formatDuration(10 * 60_000)).toBe('10 min');
    expect(formatDuration(599_400)).toBe('9 min 59 s');
    expect(formatDuration(90 * 60_000)).toBe('1 h 30 min');
  });

  it('gives a clock time in UTC, with the date only when it is not today', () => {
    const now = new Date('2026-11-25T17:40:02.400Z');
    expect(formatClock(new Date('2026-11-25T17:50:02.900Z'), now)).toBe('17:50:02 UTC');
    expect(formatClock(new Date('2026-11-26T00:05:00Z'), now)).toBe('2026-11-26 00:05:00 UTC');
  });
});
