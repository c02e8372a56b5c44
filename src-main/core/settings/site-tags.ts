import { z } from 'zod';

/** A site's tags: a few short labels, trimmed, without control characters. */
export const siteTagsSchema = z
  .array(
    z
      .string()
      .trim()
      .min(1, 'A tag cannot be empty.')
      .max(40, 'A tag has at most 40 characters.')
      .regex(/^[^\p{Cc}]+$/u, 'A tag cannot hold control characters.'),
  )
  .max(20, 'A site has at most 20 tags.');
