// How far back a list has looked, in words: a search walks a bounded slice of the window per
// request, so while it is not done the page says where it has got to.
const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hour12: false });

/** "searched back to 3 Nov, 14:02" (locale order), or null when there is nothing to say. */
export function searchedBackTo(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return `searched back to ${dayFmt.format(d)}, ${timeFmt.format(d)}`;
}
