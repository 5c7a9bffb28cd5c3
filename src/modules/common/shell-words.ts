import { TsibleError } from "../../errors.js";

/**
 * Splits a command line into words like Python's `shlex.split` (POSIX mode, no comments), which is
 * how Ansible's command module reads its free-form text: quotes group, backslashes escape, and no
 * other shell feature (variables, globs, pipes) has any meaning.
 */
export function shellSplit(text: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw unclosed(text);
      current += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw unclosed(text);
        const d = text[i]!;
        if (d === '"') break;
        if (d === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) {
          current += text[i + 1];
          i += 2;
        } else {
          current += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new TsibleError("no escaped character", { kind: "module" });
      current += text[i + 1];
      inWord = true;
      i += 2;
    } else {
      current += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(current);
  return words;
}

function unclosed(text: string): TsibleError {
  return new TsibleError(`no closing quotation in: ${text}`, {
    kind: "module",
    hint: "balance the quotes in the command",
  });
}

/** Quotes one word for POSIX sh so that it reaches the program exactly as given. */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'"'"'`)}'`;
}

/** Quotes every word and joins them: a command line with no shell features left in it. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}

/**
 * Quotes a word so that the shell expands only what Python's `os.path.expandvars` and
 * `os.path.expanduser` would (Ansible's command module runs them on every argument): `$NAME` and
 * `${NAME}` (left as written when unset, like Python) and a leading `~` or `~user`.
 */
export function shellQuoteExpandingVars(word: string): string {
  let out = "";
  let rest = word;
  const tilde = /^~[A-Za-z0-9._-]*(?=\/|$)/.exec(rest);
  if (tilde) {
    out += tilde[0];
    rest = rest.slice(tilde[0].length);
  }
  const variable = /\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})/g;
  let last = 0;
  for (const match of rest.matchAll(variable)) {
    const name = match[1] ?? match[2]!;
    if (match.index > last) out += shellQuote(rest.slice(last, match.index));
    // inside "${NAME-word}" only $ and } need a backslash; an escaped { would keep its backslash
    const asWritten = match[0].replace(/[$}]/g, (c) => `\\${c}`);
    out += `"\${${name}-${asWritten}}"`;
    last = match.index + match[0].length;
  }
  if (last < rest.length || out === "") out += shellQuote(rest.slice(last));
  return out;
}
