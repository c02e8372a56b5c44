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

/** Tags typed on one line ("Acme Ltd, monthly plan"): split at commas, trimmed, empty and repeated ones dropped. */
export function tagsFromText(text: string): string[] {
  return uniqueTags(text.split(','));
}

/** Tags as given (repeated options, a list): trimmed, empty and repeated ones dropped, in their order. */
export function uniqueTags(tags: readonly string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter((t) => t.length > 0))];
}
