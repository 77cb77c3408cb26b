/**
 * The certificate's dates with the month in words (12/6/2026 reads two ways), and whether today is outside them:
 * "6 Dec 2026 to 5 Dec 2027", "… (expired)", "… (not valid yet)".
 */
export function validity(from: string, to: string, now = Date.now(), locale?: string): string {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
  const start = new Date(from);
  const end = new Date(to);
  const text = `${format.format(start)} to ${format.format(end)}`;
  if (now > end.getTime()) return `${text} (expired)`;
  if (now < start.getTime()) return `${text} (not valid yet)`;
  return text;
}
