/**
 * The bundled UI font (styles/fonts.css) for what CSS does not reach: canvas text and the Lab's
 * exported SVG. DejaVu Sans by its own name comes second so that an exported SVG opened outside
 * the app still finds the same face where it is installed.
 */
export const UI_FONT = "'FastAST Sans', 'DejaVu Sans', sans-serif";
