import { z } from 'zod';

/** The largest logo a report carries (the image itself, before base64). */
export const REPORT_LOGO_MAX_BYTES = 256 * 1024;

const DATA_URL = /^data:image\/(png|jpeg);base64,([A-Za-z0-9+/]*={0,2})$/;
const MAGIC: Record<'png' | 'jpeg', number[]> = { png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], jpeg: [0xff, 0xd8, 0xff] };

/**
 * Why a logo is refused, or null when it is a PNG or JPEG data URL within the size limit whose
 * bytes start as its type says. SVG is never accepted: it can carry scripts and links, and the
 * report page is shown in the app and printed.
 */
export function logoProblem(dataUrl: string): string | null {
  // base64 takes 4 characters per 3 bytes: a longer string cannot hold an image within the limit.
  if (dataUrl.length > Math.ceil(REPORT_LOGO_MAX_BYTES / 3) * 4 + 30) return `The logo is larger than ${REPORT_LOGO_MAX_BYTES / 1024} KB; choose a smaller image.`;
  const match = DATA_URL.exec(dataUrl);
  if (!match) return 'The logo must be a PNG or JPEG image.';
  const type = match[1] as 'png' | 'jpeg';
  let bytes: string;
  try {
    bytes = atob(match[2]!);
  } catch {
    return 'The logo is not a readable image.';
  }
  if (bytes.length > REPORT_LOGO_MAX_BYTES) return `The logo is larger than ${REPORT_LOGO_MAX_BYTES / 1024} KB; choose a smaller image.`;
  if (!MAGIC[type].every((byte, i) => bytes.charCodeAt(i) === byte)) return `The logo's content is not a ${type === 'png' ? 'PNG' : 'JPEG'} image.`;
  return null;
}

/** A report's logo in the preferences: a checked data URL, or null for none. */
export const reportLogoSchema = z
  .string()
  .nullable()
  .superRefine((value, ctx) => {
    const problem = value === null ? null : logoProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** The freelancer's or agency's name on reports. */
export const reportNameSchema = z.string().trim().max(80, 'The name on reports has at most 80 characters.');
