/**
 * The StartupMessage's `options` parameter (libpq's PGOPTIONS, `options=-c x=y` in a
 * connection string): command-line style settings for the session. PostgreSQL splits it
 * on unescaped white space (a backslash escapes the next character: pg_split_opts in
 * postinit.c) and reads `-c name=value`, `-cname=value` and `--name=value` (dashes in the
 * name become underscores, as process_postgres_switches / ParseLongOption do).
 */

/** Splits on white space; `\x` stands for x (so `\ ` is a space inside a value). */
function splitOptions(options: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < options.length; i++) {
    const ch = options[i];
    if (ch === '\\' && i + 1 < options.length) {
      cur += options[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

function nameValue(s: string): [string, string] | null {
  const eq = s.indexOf('=');
  if (eq <= 0) return null;
  return [s.slice(0, eq).replace(/-/g, '_'), s.slice(eq + 1)];
}

/** The settings an `options` string assigns, in order; words it does not understand are skipped. */
export function parseStartupOptions(options: string): Array<[string, string]> {
  const words = splitOptions(options);
  const out: Array<[string, string]> = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    let nv: [string, string] | null = null;
    if (w === '-c' && i + 1 < words.length) nv = nameValue(words[++i]);
    else if (w.startsWith('-c')) nv = nameValue(w.slice(2));
    else if (w.startsWith('--')) nv = nameValue(w.slice(2));
    if (nv !== null) out.push(nv);
  }
  return out;
}
