/**
 * Reading what git prints about a comparison of two trees: C-quoted paths, the per-file
 * sections of a patch, and the plain unified form that workspaces without a repository have
 * always been given.
 */

const NAMED_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** A path as git prints it: quoted C-style when it holds control characters, quotes or backslashes. */
export function unquoteGitPath(text: string): string {
  if (!text.startsWith('"') || !text.endsWith('"') || text.length < 2) return text;
  const bytes: number[] = [];
  const body = text.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const next = body[i + 1] ?? '';
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1, i + 4));
    if (octal) {
      bytes.push(parseInt(octal[0], 8));
      i += 3;
    } else if (next in NAMED_ESCAPES) {
      bytes.push(NAMED_ESCAPES[next]!);
      i += 1;
    } else {
      bytes.push(92);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** One file's part of a patch: from its `diff --git` line to the next one. */
export interface PatchSection {
  path: string;
  text: string;
}

/** The path named by a `diff --git a/<p> b/<p>` line (renames are off, so both names are the same). */
function sectionPath(header: string): string {
  const rest = header.slice('diff --git '.length);
  if (rest.startsWith('"')) {
    const end = /^"(?:[^"\\]|\\.)*"/.exec(rest)?.[0] ?? rest;
    return unquoteGitPath(end).slice(2);
  }
  const length = (rest.length - 5) / 2;
  return rest.slice(2, 2 + length);
}

/**
 * A patch split by file. Content lines all start with ' ', '+', '-' or '\', so only git's own
 * header can start a line with `diff --git `.
 */
export function splitPatch(patch: string): PatchSection[] {
  const sections: PatchSection[] = [];
  const starts: number[] = [];
  if (patch.startsWith('diff --git ')) starts.push(0);
  for (let at = patch.indexOf('\ndiff --git '); at >= 0; at = patch.indexOf('\ndiff --git ', at + 1)) starts.push(at + 1);
  for (let i = 0; i < starts.length; i++) {
    const text = patch.slice(starts[i], starts[i + 1] ?? patch.length);
    const headerEnd = text.indexOf('\n');
    sections.push({ path: sectionPath(headerEnd < 0 ? text : text.slice(0, headerEnd)), text });
  }
  return sections;
}

/** `@@ -a +c @@ context` as `@@ -a,1 +c,1 @@`: counts always written, no function context. */
function plainHunkHeader(line: string): string {
  const match = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
  if (!match) return line;
  return `@@ -${match[1]},${match[2] ?? '1'} +${match[3]},${match[4] ?? '1'} @@`;
}

/**
 * A git patch section in the plain unified form (no `diff --git`, `index` or mode lines, and no
 * sections for binary files), the form used for workspaces that are not repositories.
 */
export function plainSection(section: PatchSection): string {
  const lines = section.text.split('\n');
  if (lines.some((line) => line.startsWith('Binary files '))) return '';
  const start = lines.findIndex((line) => line.startsWith('--- '));
  if (start < 0) {
    // An empty file created or deleted: git prints no ---/+++ lines for it.
    const header = lines.slice(0, 4);
    if (header.some((line) => line.startsWith('new file mode '))) return `--- /dev/null\n+++ b/${section.path}\n`;
    if (header.some((line) => line.startsWith('deleted file mode '))) return `--- a/${section.path}\n+++ /dev/null\n`;
    return '';
  }
  const body = lines.slice(start).map((line) => (line.startsWith('@@ ') ? plainHunkHeader(line) : line));
  return body.join('\n');
}
