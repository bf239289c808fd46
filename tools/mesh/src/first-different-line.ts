/** Where two versions of a derived file part: its 1-based line and both texts, or undefined when they agree. */
export function firstDifferentLine(actual: string, expected: string): { number: number; actual: string; expected: string } | undefined {
  const [a, e] = [actual.split('\n'), expected.split('\n')];
  for (let index = 0; index < Math.max(a.length, e.length); index++) {
    if (a[index] !== e[index]) return { number: index + 1, actual: a[index] ?? '(end of file)', expected: e[index] ?? '(end of file)' };
  }
  return undefined;
}
