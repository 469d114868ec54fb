// wikiparser-node's self-contained browser bundle: a script that, when it runs, registers the parser as
// globalThis.Parser (its types are the package's own, imported from "wikiparser-node"). See wikitext.ts.
declare module "wikiparser-node/bundle/bundle.min.js" {}
