import escapeHtml from 'escape-html';

/**
 * HTML built only through the `html` tagged template: every interpolated value is escaped
 * (escape-html) unless it is already {@link SafeHtml} — the result of another `html` template,
 * or markup a library produced ({@link trustedMarkup}, for Vega's SVG). User data can never be
 * concatenated into markup, so a title like `<script>` shows as text.
 */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** A template whose interpolations are escaped; arrays are joined, null/undefined/false omitted. */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, at) => {
    out += render(value) + (strings[at + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Markup produced by a library from our data (Vega's SVG renderer escapes its own text). */
export function trustedMarkup(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
