// Typesets the book's maths when the book is built, so that no page loads MathJax.
//
// Reads JSON from stdin: a list of pages, each a list of [tex, display] pairs. Writes JSON
// to stdout: for each page {"maths": [markup, ...], "glyphs": svg}, where each markup is
// an <mjx-container> holding an SVG and, for screen readers, the same formula as MathML,
// and `glyphs` is one hidden SVG with the outline of every glyph the page's maths uses
// (each formula draws them with <use>, so a glyph is written once per page and no font
// is fetched). Then one line more: {"css": ...}, the stylesheet every such page needs.
//
// Uses mathjax-full (pinned in package.json), the library MathJax's own browser
// components are built from, so the result is what the browser drew before.
//
//     node web/typeset.js < pages.json > typeset.json      (_ext/maths.py runs it)

const {mathjax} = require("mathjax-full/js/mathjax.js");
const {TeX} = require("mathjax-full/js/input/tex.js");
const {SVG} = require("mathjax-full/js/output/svg.js");
const {liteAdaptor} = require("mathjax-full/js/adaptors/liteAdaptor.js");
const {RegisterHTMLHandler} = require("mathjax-full/js/handlers/html.js");
const {AssistiveMmlHandler} = require("mathjax-full/js/a11y/assistive-mml.js");
const {AllPackages} = require("mathjax-full/js/input/tex/AllPackages.js");

const adaptor = liteAdaptor();
AssistiveMmlHandler(RegisterHTMLHandler(adaptor));

// What an SVG inside an HTML page does without, about 40% of MathJax's markup: the
// attributes only MathJax's own menu and explorer read, the XML namespaces (the HTML
// parser puts <svg> in its namespace), xlink: (SVG 2 reads href), an attribute for
// Internet Explorer, and groups that carry no attribute.
const UNUSED = / (?:data-(?:mml-node|c|mjx-texclass)="[^"]*"|xmlns(?::xlink)?="[^"]*"|focusable="false")/g;

function unwrapPlainGroups(svg) {
  const kept = [];
  return svg.replace(/<g>|<g\s[^>]*>|<\/g>/g, (tag) => {
    if (tag === "</g>") return kept.pop() ? tag : "";
    kept.push(tag !== "<g>");
    return kept[kept.length - 1] ? tag : "";
  });
}

// A page's glyphs are named MJX-TEX-I-1D465 and the like, a name written at each use:
// short names (mj-0, mj-1, ...) for each page instead.
function shortNames(maths, glyphs) {
  const names = new Map();
  const rename = (id) => {
    if (!names.has(id)) names.set(id, `mj-${names.size.toString(36)}`);
    return names.get(id);
  };
  return {
    maths: maths.map((m) => m.replace(/xlink:href="#([^"]+)"/g, (_, id) => `href="#${rename(id)}"`)),
    glyphs: glyphs.replace(/ id="([^"]+)"/g, (_, id) => ` id="${rename(id)}"`),
  };
}

// What every formula would repeat, set once in the page's stylesheet instead (STYLE): the
// container's attributes, and the top group's colour and flip (MathJax's glyphs are drawn
// with y upwards). A role the screen reader never sees (the SVG is aria-hidden; it reads
// the MathML), an attribute for Internet Explorer and `display="inline"` (the default of
// MathML and of the container's rules) go too.
const REPEATED = / (?:class="MathJax"|jax="SVG"|style="position: relative;"|unselectable="on"|role="img"|display="inline")/g;
const TOP_GROUP = /(<svg[^>]*>)<g stroke="currentColor" fill="currentColor" stroke-width="0" transform="scale\(1,-1\)">/;
const STYLE = `mjx-container { position: relative }
mjx-container > svg > g { fill: currentColor; stroke: currentColor; stroke-width: 0;
  transform: scale(1, -1); transform-origin: 0 0 }
`;

// Then what reads the same: empty elements closed by "/>" (an SVG element may be),
// "translate(x)" for "translate(x,0)", groups that hold nothing, and a MathML <mrow>
// around a single token (\mathbf{x} writes one), which MathML infers.
function shorten(markup) {
  let short = markup.replace(/<(use|path|rect|line)([^>]*)><\/\1>/g, "<$1$2/>")
    .replace(/translate\(([-\d.]+),0\)/g, "translate($1)")
    .replace(/<mrow>(<(m[ino])\b[^>]*>[^<]*<\/\2>)<\/mrow>/g, "$1");
  for (let before = ""; before !== short;) {
    before = short;
    short = short.replace(/<g[^>]*><\/g>/g, "");
  }
  return short;
}

function compact(markup) {
  const lean = unwrapPlainGroups(markup.replace(UNUSED, "").replace(REPEATED, ""));
  return shorten(lean.replace(TOP_GROUP, "$1<g>"));
}

function typesetter() {
  // the packages MathJax's browser component loads or autoloads (\boldsymbol, \cancel, ...)
  const tex = new TeX({packages: AllPackages.filter((p) => p !== "autoload" && p !== "require")});
  const svg = new SVG({fontCache: "global"});
  return {svg, document: mathjax.document("", {InputJax: tex, OutputJax: svg})};
}

function main(pages) {
  const {svg, document} = typesetter();
  const out = [];
  for (const page of pages) {
    svg.fontCache.clearCache();
    const maths = page.map(([tex, display]) => {
      const node = document.convert(tex, {display, em: 16, ex: 8, containerWidth: 1280});
      const error = adaptor.tags(node, "mjx-merror")[0] || adaptor.tags(node, "merror")[0];
      if (error) {
        throw new Error(`TeX error in ${JSON.stringify(tex)}: ${adaptor.textContent(error)}`);
      }
      const markup = compact(adaptor.outerHTML(node));
      if (!display) return markup;
      // A display formula: its own width, which custom.css lets a narrow column shrink it
      // from, and a place in the tab order (as MathJax in the browser gives it), so that
      // a formula too wide even so can be scrolled from the keyboard.
      return markup
        .replace(/<svg style="([^"]*)"([^>]*) width="([^"]+)"/,
                 '<svg style="--width: $3; $1"$2 width="$3"')
        .replace("<mjx-container ", '<mjx-container tabindex="0" ');
    });
    // (out of the layout rather than display: none, which some browsers draw no <use> from)
    const glyphs = '<svg aria-hidden="true" style="position: absolute; width: 0; height: 0">' +
      compact(adaptor.outerHTML(svg.fontCache.getCache())) + "</svg>";
    out.push(shortNames(maths, glyphs));
  }
  process.stdout.write(JSON.stringify(out) + "\n");
  // (the rules that named the attributes left out apply to the elements themselves)
  const css = STYLE + adaptor.textContent(svg.styleSheet(document))
    .replace(/g\[data-mml-node="mtable"\] > /g, "").replace(/\[data-c\]/g, "")
    .replace(/\[jax="SVG"\]/g, "");
  process.stdout.write(JSON.stringify({css}) + "\n");
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => main(JSON.parse(input)));
