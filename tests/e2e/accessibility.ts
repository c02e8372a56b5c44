import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

type Result = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

const THEMES = ['light', 'dark'] as const;

/** One line per failing element: what is wrong, where, and why (axe's own summary). */
function describe(violation: Result): string[] {
  return violation.nodes.map((node) => `${violation.impact} ${violation.id}: ${node.target.join(' ')}: ${node.failureSummary?.replace(/\s+/g, ' ') ?? violation.help}`);
}

/**
 * The app is one page that never reloads: axe-core (about 550 kB of script) is put into it once,
 * and later checks reuse it instead of evaluating it again, twice, for every check.
 */
async function axeSourceFor(page: Page): Promise<string | undefined> {
  return (await page.evaluate("'axe' in window")) === true ? 'void 0' : undefined;
}

// Scripts as text: these tests are type-checked without the DOM's types.
const readTheme = (page: Page) => page.evaluate('document.documentElement.dataset.theme ?? null') as Promise<string | null>;
const setTheme = (page: Page, theme: string | null) => page.evaluate(theme === null ? 'delete document.documentElement.dataset.theme' : `document.documentElement.dataset.theme = ${JSON.stringify(theme)}`);

/**
 * Runs axe-core (WCAG 2.1 A and AA, and axe's best practices) on the page as it is, and its
 * colour-contrast check again in the dark theme; any serious or critical violation fails the
 * test (softly: every screen is still checked), each element listed.
 * The theme is switched on the page only (not saved), and put back afterwards.
 */
export async function expectNoSeriousViolations(page: Page, screenName: string): Promise<void> {
  const saved = await readTheme(page);
  try {
    for (const theme of THEMES) {
      await setTheme(page, theme);
      // The themes differ only in colours: the second theme is checked for contrast alone, which
      // costs less. Legacy mode runs axe in the page itself (the app has no frames), without
      // the blank page per check that the frame-aware mode opens.
      const builder = new AxeBuilder({ page, axeSource: await axeSourceFor(page) }).setLegacyMode(true);
      const { violations } = await (theme === THEMES[0] ? builder.withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']) : builder.withRules(['color-contrast'])).analyze();
      const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap(describe);
      expect.soft(serious, `accessibility of ${screenName} in the ${theme} theme`).toEqual([]);
    }
  } finally {
    await setTheme(page, saved);
  }
}
