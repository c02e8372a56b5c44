/** Object storage bills per request: fewer, larger packs (the format allows any size). */
export const S3_PACK_TARGET_BYTES = 64 * 1024 * 1024;
/** Objects larger than one part go up as a multipart upload, parts in parallel. */
export const S3_PART_BYTES = 16 * 1024 * 1024;
