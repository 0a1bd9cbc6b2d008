/**
 * Every character the UI writes is in the bundled font (renderer/src/styles/fonts.css): no empty
 * boxes on a system whose own fonts lack arrows, ✓ ✕ ✗ or ≥. The characters come from the
 * renderer's sources as the compiler sees them (string and template literals, JSX text), so
 * comments do not count, and from the style sheets' `content:` values.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import opentype from 'opentype.js';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';

const SRC = resolve(import.meta.dirname, '../renderer/src');
const require = createRequire(import.meta.url);

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

/** The text of every literal in a TS/TSX file as the compiler parses it (comments left out). */
export function literalText(source: string, tsx: boolean): string {
  const file = ts.createSourceFile(tsx ? 'x.tsx' : 'x.ts', source, ts.ScriptTarget.Latest, false, tsx ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  let out = '';
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isJsxText(node)) out += node.text;
    ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

function usedCharacters(): Map<string, string> {
  const where = new Map<string, string>();
  const note = (text: string, file: string) => {
    for (const c of text) if (c.codePointAt(0)! > 0x7e && !where.has(c)) where.set(c, file.slice(SRC.length + 1));
  };
  for (const f of files(SRC, /\.tsx?$/)) note(literalText(readFileSync(f, 'utf8'), f.endsWith('.tsx')), f);
  for (const f of files(SRC, /\.css$/)) for (const m of readFileSync(f, 'utf8').matchAll(/content:\s*(['"])(.*?)\1/g)) note(m[2], f);
  return where;
}

describe('the bundled font', () => {
  const used = usedCharacters();

  test('the scan finds the UI strings (arrows, ticks, comparison signs)', () => {
    // The scan itself could silently find nothing: these are written in the UI today.
    for (const c of ['←', '→', '≥', '✕', '…', '·']) expect(used.has(c), c).toBe(true);
    expect(literalText("const a = '✓'; // ⌖ in a comment\nconst b = <p>📁 x</p>;", true)).toBe('✓📁 x');
  });

  test('has a glyph for every character the UI writes', () => {
    for (const face of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']) {
      const bytes = readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${face}`));
      const font = opentype.parse(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const missing = [...used].filter(([c]) => font.charToGlyphIndex(c) === 0).map(([c, file]) => `${c} (U+${c.codePointAt(0)!.toString(16).toUpperCase()}, ${file})`);
      expect(missing, face).toEqual([]);
    }
  });

  test('the style sheet and the canvases use it', () => {
    expect(readFileSync(join(SRC, 'styles/fonts.css'), 'utf8')).toMatch(/url\('dejavu-fonts-ttf\/ttf\/DejaVuSans\.ttf'\)/);
    expect(readFileSync(join(SRC, 'styles/base.css'), 'utf8')).toMatch(/font: 13px\/1\.35 'FastAST Sans'/);
    const systemFonts = files(SRC, /\.tsx?$/).filter((f) => /ctx\.font = .*system-ui/.test(readFileSync(f, 'utf8')));
    expect(systemFonts).toEqual([]);
  });
});
