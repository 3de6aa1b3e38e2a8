/**
 * Counts for people: 1234567 → "1,234,567" (en-US grouping, as the CLI has always printed them).
 * Written out instead of `Intl.NumberFormat` because the first `Intl` call maps a few MB of the Node
 * binary's ICU data into the process, which is the engine of every run (issue 13: its peak RSS).
 *
 * @param n a finite number; a fraction keeps its decimals as `String(n)` writes them (1234.5 → "1,234.5").
 */
export function formatCount(n: number): string {
  const text = String(n);
  const point = text.indexOf('.');
  const whole = point === -1 ? text : text.slice(0, point);
  const sign = whole.startsWith('-') ? '-' : '';
  const digits = sign ? whole.slice(1) : whole;
  let grouped = '';
  for (let end = digits.length; end > 0; end -= 3) grouped = `${digits.slice(Math.max(0, end - 3), end)}${grouped === '' ? '' : ','}${grouped}`;
  return `${sign}${grouped}${point === -1 ? '' : text.slice(point)}`;
}
