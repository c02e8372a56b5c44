/** An import file (`site:import`) is read whole into memory: beyond this it is refused before it is parsed. */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
/** Sites taken from one import file; the rest are skipped with a reason. */
export const MAX_IMPORT_ENTRIES = 500;
