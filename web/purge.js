// Cuts the stylesheets the book takes from its theme and extensions to the rules its pages
// can use, when the book is built (_ext/stylesheets.py runs it).
//
// Reads JSON from stdin: {"css": [stylesheet, ...], "content": [file, ...], "variables":
// [name, ...] (optional)}: the pages and the scripts that may write markup (the theme's,
// the widget manager's), and the custom properties anything reads. Each stylesheet is
// rewritten in place without the rules whose classes, ids and element names none of the
// content names, and, given `variables`, without the custom properties nothing reads,
// with PurgeCSS (pinned in package.json). Writes one JSON line: {stylesheet: [bytes
// before, bytes after], ...}.
//
//     node web/purge.js < files.json

const fs = require("fs");
const {PurgeCSS} = require("purgecss");

async function main({css, content, variables}) {
  const before = Object.fromEntries(css.map((file) => [file, fs.statSync(file).size]));
  const results = await new PurgeCSS().purge({
    css, content,
    // with `variables`, a custom property goes when nothing reads it: they are the ones
    // that any stylesheet reads (one may read another's, and PurgeCSS cuts them one at
    // a time) or a page or script names
    variables: Boolean(variables),
    safelist: {variables: variables || []},
  });
  const sizes = {};
  for (const {file, css: kept} of results) {
    fs.writeFileSync(file, kept);
    sizes[file] = [before[file], Buffer.byteLength(kept)];
  }
  process.stdout.write(JSON.stringify(sizes) + "\n");
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => main(JSON.parse(input)).catch((error) => {
  console.error(error);
  process.exit(1);
}));
