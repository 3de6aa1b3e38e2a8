/**
 * `--pass-env A,B --pass-env C` (or `--pass-env=C`) → `['A', 'B', 'C']`, read from the raw arguments:
 * citty keeps only the last value of a repeated flag.
 */
export function passEnvNames(rawArgs: readonly string[]): string[] {
  const values: string[] = [];
  rawArgs.forEach((arg, i) => {
    if (arg === '--pass-env' && rawArgs[i + 1] !== undefined) values.push(rawArgs[i + 1]!);
    else if (arg.startsWith('--pass-env=')) values.push(arg.slice('--pass-env='.length));
  });
  return values.flatMap((v) => v.split(',')).map((name) => name.trim()).filter(Boolean);
}
