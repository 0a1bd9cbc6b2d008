/** The model both hosts load first when none is named (a bundled one). */
export const DEFAULT_MODEL = 'ast-tiny-esc10-cmkd';
