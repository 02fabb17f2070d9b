// Minifies the theme's and extensions' scripts and stylesheets when the book is built
// (_ext/stylesheets.py runs it, after the stylesheets are cut): their comments and
// indentation were about 36 kB of what every page loads before it draws.
//
// Reads JSON from stdin: a list of .js and .css files, each rewritten in place by esbuild
// (pinned in package.json), which keeps top-level names (other scripts call them) and
// license comments. Writes one JSON line: {file: [bytes before, bytes after], ...}.
//
//     node web/minify.js < files.json

const fs = require("fs");
const esbuild = require("esbuild");

function main(files) {
  const sizes = {};
  for (const file of files) {
    const source = fs.readFileSync(file, "utf8");
    const loader = file.endsWith(".css") ? "css" : "js";
    // (what is not ASCII is written as an escape, as the icon rules' code points are)
    const {code} = esbuild.transformSync(source, {minify: true, loader, legalComments: "inline"});
    const kept = code.length < source.length ? code : source;
    fs.writeFileSync(file, kept);
    sizes[file] = [Buffer.byteLength(source), Buffer.byteLength(kept)];
  }
  process.stdout.write(JSON.stringify(sizes) + "\n");
}

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => main(JSON.parse(input)));
