/**
 * Type-checks every ```ts example in the TSDoc of src/ (`npm run typecheck` runs it): an example
 * on an export is what users copy, so it must compile against the package as users import it
 * (`sluice`, `sluice/bullmq`, `sluice/testing`, `sluice/timeline`); an internal module's example
 * imports it by its place in src/ (`sluice/internal/cache/hash.js`), which no user can import. Each
 * example is its own module and may use top-level await. Also fails when an export of those entry
 * points has no example.
 *
 *   npx tsx scripts/check-examples.ts
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'node_modules', '.cache', 'sluice-examples');

/** What an extracted example came from. */
interface Example {
  readonly file: string;
  /** The line of the example's first code line in its source file (1-based). */
  readonly line: number;
  readonly code: string;
}

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourcesUnder(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** The ```ts blocks of a file's doc comments, with the line each starts on. */
function examplesOf(file: string): Example[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: Example[] = [];
  let open: { line: number; code: string[] } | undefined;
  lines.forEach((raw, index) => {
    // Inside a doc comment a line is ` * text`.
    const text = raw.replace(/^\s*\* ?/, '');
    if (open === undefined) {
      if (/^\s*\*\s*```ts\s*$/.test(raw)) open = { line: index + 2, code: [] };
      return;
    }
    if (/^\s*\*\s*```\s*$/.test(raw)) {
      found.push({ file: path.relative(ROOT, file), line: open.line, code: open.code.join('\n') });
      open = undefined;
      return;
    }
    open.code.push(text);
  });
  return found;
}

const examples = sourcesUnder(path.join(ROOT, 'src')).flatMap(examplesOf);
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
// `export {}` first, so that each example is a module (imports, top-level await): on the line
// before the example's own, so line numbers map back with one offset.
const files = examples.map((example, index) => {
  const name = path.join(OUT, `example-${String(index + 1).padStart(3, '0')}.ts`);
  writeFileSync(name, `export {};\n${example.code}\n`);
  return name;
});

const base = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
if (base === undefined) throw new Error('tsconfig.json could not be read');
const options: ts.CompilerOptions = {
  ...base.options,
  noEmit: true,
  declaration: false,
  sourceMap: false,
  rootDir: ROOT,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // As users import the package (its exports map), pointed at the sources.
  baseUrl: ROOT,
  paths: {
    sluice: ['src/index.ts'],
    'sluice/bullmq': ['src/bullmq.ts'],
    'sluice/testing': ['src/testing/index.ts'],
    'sluice/timeline': ['src/timeline.ts'],
    // An internal module's example names it by its place in src/ (the package blocks ./internal/*).
    'sluice/internal/*': ['src/*'],
  },
};
const program = ts.createProgram(files, options);
const problems = ts.getPreEmitDiagnostics(program).filter((d) => d.file !== undefined && files.includes(path.normalize(d.file.fileName)));
for (const diagnostic of problems) {
  const file = diagnostic.file as ts.SourceFile;
  const example = examples[files.indexOf(path.normalize(file.fileName))] as Example;
  const { line } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
  console.error(`${example.file}:${example.line + line - 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
}

// Every export of every entry point has an example.
const ENTRIES = ['src/index.ts', 'src/bullmq.ts', 'src/testing/index.ts', 'src/timeline.ts'].map((entry) => path.join(ROOT, entry));
const api = ts.createProgram(ENTRIES, { ...base.options, noEmit: true });
const checker = api.getTypeChecker();
const undocumented: string[] = [];
for (const entry of ENTRIES) {
  const moduleSymbol = checker.getSymbolAtLocation(api.getSourceFile(entry) as ts.SourceFile);
  for (const exported of moduleSymbol === undefined ? [] : checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (!symbol.getJsDocTags(checker).some((tag) => tag.name === 'example')) undocumented.push(`${path.relative(ROOT, entry)}: ${exported.name}`);
  }
}
for (const what of undocumented) console.error(`${what} has no @example in its TSDoc`);

if (problems.length > 0 || undocumented.length > 0) {
  console.error(`\n${problems.length} problem(s) in the TSDoc examples of src/ (${examples.length} examples checked), ${undocumented.length} export(s) without one`);
  process.exit(1);
}
console.log(`${examples.length} TSDoc examples type-check; every export has one`);
