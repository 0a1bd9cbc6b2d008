// opentype.js ships no types; the one call the glyph test makes.
declare module 'opentype.js' {
  interface Font {
    charToGlyphIndex(c: string): number;
  }
  const opentype: { parse(buffer: ArrayBuffer): Font };
  export default opentype;
}
