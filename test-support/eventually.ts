/**
 * Waits until `holds()` is true: for what happens on its own a moment later
 * (a file watch, a renewal round, a reload). A fixed sleep would fail on a
 * busy machine and waste time on an idle one. Fails naming `what`.
 */
export async function eventually(what: string, holds: () => boolean | Promise<boolean>, options: { withinMs?: number; everyMs?: number } = {}): Promise<void> {
  const { withinMs = 15_000, everyMs = 50 } = options;
  const deadline = Date.now() + withinMs;
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
