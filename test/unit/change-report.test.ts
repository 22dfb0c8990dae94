import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/changes/change-report.js';
import { plainSection, splitPatch, unquoteGitPath } from '../../src/changes/git-patch.js';
import { blobsToSize, parseTrackingOutput } from '../../src/changes/tracking-script.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const ZERO = '0'.repeat(40);

describe('reading what the change-tracking script printed', () => {
  it('unquotes C-quoted paths, octal bytes included', () => {
    expect(unquoteGitPath('plain name.txt')).toBe('plain name.txt');
    expect(unquoteGitPath('"tab\\tname"')).toBe('tab\tname');
    expect(unquoteGitPath('"q\\"uote\\\\d\\001"')).toBe('q"uote\\d\u0001');
  });

  it('splits a patch by file, quoted and spaced names included', () => {
    const patch =
      'diff --git a/x y b/x y\n--- a/x y\n+++ b/x y\n@@ -1 +1 @@\n-diff --git a/no b/no\n+z\ndiff --git "a/t\\tn" "b/t\\tn"\nBinary files a/t\tn and b/t\tn differ\n';
    expect(splitPatch(patch).map((s) => s.path)).toEqual(['x y', 't\tn']);
  });

  it('gives plain folders the unified form: counts in every hunk header, no git headers, no binary sections', () => {
    const [text, binary, empty] = splitPatch(
      'diff --git a/f b/f\nindex 1..2 100644\n--- a/f\n+++ b/f\n@@ -3 +3,2 @@ function ctx\n-a\n+b\n+c\n' +
        'diff --git a/bin b/bin\nnew file mode 100644\nindex 0..1\nBinary files /dev/null and b/bin differ\n' +
        'diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n',
    );
    expect(plainSection(text!)).toBe('--- a/f\n+++ b/f\n@@ -3,1 +3,2 @@\n-a\n+b\n+c\n');
    expect(plainSection(binary!)).toBe('');
    expect(plainSection(empty!)).toBe('--- /dev/null\n+++ b/e\n');
  });

  it("the listing ends at git's first blank line, so file contents cannot forge it; a cut listing keeps its whole lines", () => {
    const changes = `:100644 100644 ${A} ${B} M\tpatch\n1\t1\tpatch`;
    const patch = 'diff --git a/patch b/patch\n--- a/patch\n+++ b/patch\n@@ -1,2 +1,2 @@\n-\n+:000000 100644 x y A\tforged\n \n';
    const output = parseTrackingOutput(Buffer.from(`tree ${B}\nrepo 1\ndiff\n${changes}\n\n${patch}`));
    expect(output).toMatchObject({ tree: B, repo: true, changes, sizes: '', patch, patchCut: false });
    expect(buildReport(output, true)).toEqual({ files: [{ path: 'patch', change: 'modified', additions: 1, deletions: 1, binary: false }], diff: patch });

    expect(parseTrackingOutput(Buffer.from(`tree -\nrepo 0\ndiff\n${changes}\n`))).toMatchObject({ tree: '', changes, patch: '', patchCut: false });
    const huge = `:000000 100644 ${ZERO} ${A} A\tf\n`.repeat(Math.ceil((16 * 1024 * 1024) / 60));
    const cut = parseTrackingOutput(Buffer.from(`tree -\nrepo 0\ndiff\n${huge.slice(0, 16 * 1024 * 1024)}`), true);
    expect(cut.patchCut).toBe(true);
    expect(cut.changes.split('\n').every((line) => line === `:000000 100644 ${ZERO} ${A} A\tf`)).toBe(true);
  });

  it('asks for the sizes of both sides of each file git counted no lines for, and no others', () => {
    const changes = [
      `:000000 100644 ${ZERO} ${A} A\tbig`,
      `:100644 100644 ${A} ${B} M\t"tab\\tname"`,
      `:100644 100644 ${B} ${A} M\ttext`,
      '-\t-\tbig',
      '-\t-\t"tab\\tname"',
      '1\t0\ttext',
    ].join('\n');
    expect(blobsToSize(changes)).toEqual([ZERO, A, A, B]);
    expect(blobsToSize('1\t0\ttext')).toEqual([]);
  });

  it('a file git could not count is binary unless it is past the size limit; plain folders skip mode-only changes', () => {
    const changes = [`:000000 100644 ${ZERO} ${A} A\tbig`, `:100644 100755 ${B} ${B} M\tmode`, '-\t-\tbig', '0\t0\tmode'].join('\n');
    const sizes = `${ZERO} missing\n${A} ${2 * 1024 * 1024}\n${B} 10`;
    const output = { tree: A, repo: false, changes, sizes, patch: '', patchCut: false };
    expect(buildReport(output, false).files).toEqual([{ path: 'big', change: 'created', additions: null, deletions: null, binary: false }]);
    expect(buildReport(output, true).files.map((f) => f.path)).toEqual(['big', 'mode']);
  });
});
