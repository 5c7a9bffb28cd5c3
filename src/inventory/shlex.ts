/**
 * Splits a line the way Python's `shlex.split(line, comments=True)` does (POSIX mode), which is
 * how Ansible's INI parser reads host lines: quotes group words and are removed, a backslash
 * escapes the next character, and `#` outside quotes starts a comment.
 */
export function shlexSplit(line: string): string[] {
  const tokens: string[] = [];
  let token = "";
  let inToken = false;
  let i = 0;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === " " || ch === "\t" || ch === "\n" || ch === "\r") {
      if (inToken) tokens.push(token);
      token = "";
      inToken = false;
      i++;
    } else if (ch === "#") {
      break;
    } else if (ch === "\\") {
      if (i + 1 >= line.length) throw new Error("No escaped character");
      token += line[i + 1];
      inToken = true;
      i += 2;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error("No closing quotation");
      token += line.slice(i + 1, end);
      inToken = true;
      i = end + 1;
    } else if (ch === '"') {
      i = readDoubleQuoted(line, i + 1, (text) => {
        token += text;
      });
      inToken = true;
    } else {
      token += ch;
      inToken = true;
      i++;
    }
  }
  if (inToken) tokens.push(token);
  return tokens;
}

/** Inside double quotes a backslash escapes only `"` and `\`; elsewhere it stays. */
function readDoubleQuoted(line: string, start: number, emit: (text: string) => void): number {
  let text = "";
  let i = start;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === '"') {
      emit(text);
      return i + 1;
    }
    if (ch === "\\" && i + 1 < line.length) {
      const next = line[i + 1]!;
      text += next === '"' || next === "\\" ? next : `\\${next}`;
      i += 2;
      continue;
    }
    text += ch;
    i++;
  }
  throw new Error("No closing quotation");
}
