/**
 * Issue 19, finding 9: text the panel did not write is shown bidi-isolated, so a
 * right-to-left name cannot reorder the panel's words around it. A real browser reads
 * the computed style of the element that holds the name.
 */
import { expect, test } from './fixtures';

test('a right-to-left account name renders isolated, and a bidi override is refused with words', async ({ page, accounts }) => {
  const name = `محمد ${Date.now() % 100_000}`;
  const accountId = await accounts.add(name);
  const holder = page.getByTestId(`account-open-${accountId}`).locator('bdi');
  await expect(holder).toHaveText(name);
  const style = await holder.evaluate((el) => {
    const g = globalThis as unknown as { getComputedStyle(el: unknown): { unicodeBidi: string; direction: string } };
    const computed = g.getComputedStyle(el);
    return { unicodeBidi: computed.unicodeBidi, direction: computed.direction, dir: (el as { getAttribute(n: string): string | null }).getAttribute('dir') };
  });
  expect(style).toEqual({ unicodeBidi: 'isolate', direction: 'rtl', dir: 'auto' });

  // "\u202eevil" would show as "live": refused where it is typed.
  await page.getByLabel('Account name').fill('\u202eevil');
  await page.getByRole('button', { name: 'Add account' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'right-to-left override' })).toBeVisible();
  await accounts.remove(name);
});
