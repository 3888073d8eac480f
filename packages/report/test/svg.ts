// SVG checks for the chart tests: parse strictly (sax) and count the marks vega drew.
import sax from 'sax';

export interface SvgSummary {
  /** Root element name. */
  root: string;
  width: number;
  height: number;
  /** For every `<g class="mark-TYPE role-mark …">`: TYPE → number of drawn items (direct children), summed. */
  marks: Record<string, number>;
  /** Text content of every `<text>` element. */
  texts: string[];
}

/** Parses an SVG document strictly; throws on malformed XML. */
export function parseSvg(svg: string): SvgSummary {
  const p = sax.parser(true, {});
  const out: SvgSummary = { root: '', width: 0, height: 0, marks: {}, texts: [] };
  const stack: { name: string; mark: string | null }[] = [];
  let inText = false;
  p.onerror = (e) => {
    throw e;
  };
  p.onopentag = (node) => {
    const attrs = node.attributes as Record<string, string>;
    if (!out.root) {
      out.root = node.name;
      out.width = Number(attrs.width);
      out.height = Number(attrs.height);
    }
    const parent = stack[stack.length - 1];
    if (parent?.mark) out.marks[parent.mark] = (out.marks[parent.mark] ?? 0) + 1;
    const m = /\bmark-([a-z]+) role-mark\b/.exec(attrs.class ?? '');
    stack.push({ name: node.name, mark: node.name === 'g' && m ? m[1] : null });
    if (node.name === 'text') inText = true;
  };
  p.ontext = (t) => {
    if (inText) out.texts.push(t);
  };
  p.onclosetag = (name) => {
    stack.pop();
    if (name === 'text') inText = false;
  };
  p.write(svg).close();
  return out;
}
