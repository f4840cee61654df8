// What the Marketplace listing and the walkthrough show from the package: the README's images and the
// walkthrough's media files. tools/package.mjs requires each of them in the .vsix; tests check they exist.

/** The image sources of a Markdown text, in order: `![alt](src "title")` and `<img src="…">`. */
export function readmeImages(markdown) {
  const out = [];
  for (const m of markdown.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    out.push({ at: m.index, src: m[1] });
  for (const m of markdown.matchAll(/<img\b[^>]*\bsrc=["']([^"']+)["']/gi)) out.push({ at: m.index, src: m[1] });
  return out.sort((a, b) => a.at - b.at).map((x) => x.src);
}

/** Files the walkthroughs of a package.json show (step media), as repository paths. */
export function walkthroughMedia(pkg) {
  const steps = (pkg.contributes?.walkthroughs ?? []).flatMap((w) => w.steps ?? []);
  return steps.flatMap((s) => [s.media?.image, s.media?.svg, s.media?.markdown]).filter((f) => typeof f === 'string');
}

/** Repository paths the listing and the walkthrough need inside the package (README images that are not URLs). */
export function listingFiles(pkg, readme) {
  const local = readmeImages(readme)
    .filter((src) => !/^[a-z][\w+.-]*:/i.test(src))
    .map((src) => src.replace(/^\.?\//, ''));
  return [...new Set([...local, ...walkthroughMedia(pkg)])];
}
