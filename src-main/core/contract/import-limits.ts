/**
 * An import file (`site:import`) is read whole and parsed on the main thread: beyond this it is
 * refused before it is parsed. 500 sites of a FileZilla export take about 350 KB; 1 MB of XML
 * took 1.2–4 s to parse on a busy 2-core machine (so 5 MB would hold the app for up to 18 s).
 */
export const MAX_IMPORT_BYTES = 1024 * 1024;
/** Sites taken from one import file; the rest are skipped with a reason. */
export const MAX_IMPORT_ENTRIES = 500;
