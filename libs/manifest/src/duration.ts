const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

// `ms` for the handshake deadlines of `limits:`; listed first so that `500ms` is not read as minutes.
export const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)$/;

/** Parses `500ms`, `90s`, `30m`, `24h`, `365d` into milliseconds. The schema has already checked the shape. */
export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration like 30m, 24h or 365d`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
