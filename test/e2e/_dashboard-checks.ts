/**
 * @module Layout checks the dashboard test runs inside the page (functions, not strings: the page's CSP forbids
 * eval). The test project has no DOM types, so the page is reached through a minimal structural type.
 */

interface Rect {
  left: number
  right: number
  top: number
  bottom: number
  width: number
  height: number
}
interface El {
  id: string
  tagName: string
  textContent: string | null
  getAttribute(name: string): string | null
  getBoundingClientRect(): Rect
  querySelectorAll(selector: string): Iterable<El>
}
interface Dom {
  document: { documentElement: { scrollWidth: number; clientWidth: number }; querySelectorAll(selector: string): Iterable<El> }
  getComputedStyle(e: El): { fontSize: string; backgroundColor: string; display: string; visibility: string }
}

/** Where the page overflows: descendants outside their card, and a page wider than the viewport. */
export interface LayoutReport {
  /** `<card id> <tag>#id "text": [left, right, top, bottom] outside [card]`, one per escaping element. */
  outside: string[]
  cards: number
  scrollWidth: number
  clientWidth: number
}

/** Every visible element inside a `main > section` card must lie within the card's border box (0.5 px slack). */
export function layoutReport(): LayoutReport {
  const w = globalThis as unknown as Dom
  const outside: string[] = []
  let cards = 0
  for (const card of w.document.querySelectorAll('main > section')) {
    cards++
    const c = card.getBoundingClientRect()
    for (const e of card.querySelectorAll('*')) {
      const r = e.getBoundingClientRect()
      if (r.width === 0 && r.height === 0) continue // hidden (display: none) or empty
      if (r.left < c.left - 0.5 || r.right > c.right + 0.5 || r.top < c.top - 0.5 || r.bottom > c.bottom + 0.5)
        outside.push(`${card.id} ${e.tagName}#${e.id} "${(e.textContent ?? '').slice(0, 30)}": ${[r.left, r.right, r.top, r.bottom].map(Math.round)} outside ${[c.left, c.right, c.top, c.bottom].map(Math.round)}`)
    }
  }
  return { outside, cards, scrollWidth: w.document.documentElement.scrollWidth, clientWidth: w.document.documentElement.clientWidth }
}

/** Whether every chart was last drawn at its current width (the viewBox is the SVG's own pixel size). */
export function chartsFit(): boolean {
  const w = globalThis as unknown as Dom
  return [...w.document.querySelectorAll('main svg')].every((svg) => Math.abs(Number((svg.getAttribute('viewBox') ?? '').split(' ')[2]) - svg.getBoundingClientRect().width) <= 1)
}

/** Each chart's text: its computed font size and the height it is drawn at (a stretched SVG shrinks the latter). */
export function chartText(): { chart: string; cls: string | null; text: string; fontPx: number; drawnPx: number }[] {
  const w = globalThis as unknown as Dom
  const out = []
  for (const svg of w.document.querySelectorAll('main svg'))
    for (const t of svg.querySelectorAll('text'))
      out.push({ chart: svg.id, cls: t.getAttribute('class'), text: t.textContent ?? '', fontPx: parseFloat(w.getComputedStyle(t).fontSize), drawnPx: t.getBoundingClientRect().height })
  return out
}

/** The status-class legends: per legend, its classes and whether each swatch is painted. */
export function statusLegends(): { card: string; classes: (string | null)[]; painted: boolean[] }[] {
  const w = globalThis as unknown as Dom
  const out = []
  for (const card of w.document.querySelectorAll('main > section'))
    for (const legend of card.querySelectorAll('.status-legend')) {
      const items = [...legend.querySelectorAll('[data-class]')]
      const painted = items.map((i) => [...i.querySelectorAll('i')].some((sw) => !/rgba\(0, 0, 0, 0\)|transparent/.test(w.getComputedStyle(sw).backgroundColor)))
      out.push({ card: card.id, classes: items.map((i) => i.getAttribute('data-class')), painted })
    }
  return out
}
