#!/usr/bin/env node
// Writes the Requirements, Providers, Modules, Resources, Inputs and Outputs tables of every
// Terraform folder's README.md between the BEGIN_TF_DOCS / END_TF_DOCS markers, from the parsed
// configuration (terraform-docs is not packaged for Debian or npm).
//
// Usage: node infra/tools/terraform-docs.mjs [--check] [INFRA_DIR]
//   --check  change nothing; exit 1 and name every README whose tables are stale
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const kBegin = '<!-- BEGIN_TF_DOCS -->';
const kEnd = '<!-- END_TF_DOCS -->';
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'package.json'));

function usage() {
  console.error('usage: terraform-docs.mjs [--check] [INFRA_DIR]');
  process.exit(2);
}

function loadParser() {
  try {
    return require('@cdktf/hcl2json');
  } catch {
    console.error('error: @cdktf/hcl2json is missing: run `npm ci` in the repository root');
    process.exit(1);
  }
}

/** Folders holding .tf files, relative to `root`. */
function tfFolders(root) {
  const out = new Set();
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      if (e.isDirectory()) walk(path.join(rel, e.name));
      else if (e.name.endsWith('.tf')) out.add(rel);
    }
  };
  walk('');
  return [...out].sort();
}

async function parseFolder(parser, dir) {
  const merged = { variable: {}, output: {}, resource: [], data: [], module: {}, terraform: [] };
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.tf')).sort();
  for (const f of files) {
    const json = await parser.parse(f, fs.readFileSync(path.join(dir, f), 'utf8'));
    for (const [name, [body]] of Object.entries(json.variable ?? {})) merged.variable[name] = body;
    for (const [name, [body]] of Object.entries(json.output ?? {})) merged.output[name] = body;
    for (const [name, [body]] of Object.entries(json.module ?? {})) merged.module[name] = body;
    for (const [type, byName] of Object.entries(json.resource ?? {})) {
      for (const name of Object.keys(byName)) merged.resource.push(`${type}.${name}`);
    }
    for (const [type, byName] of Object.entries(json.data ?? {})) {
      for (const name of Object.keys(byName)) merged.data.push(`${type}.${name}`);
    }
    merged.terraform.push(...(json.terraform ?? []));
  }
  return merged;
}

// Heredoc descriptions end with a newline and wrap over several lines: fold them onto one.
const cell = (text) => String(text).trim().replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
const code = (text) => '`' + String(text).replace(/`/g, "'") + '`';

/** "${map(string)}" -> map(string); multi-line object types are folded onto one line. */
function typeText(type) {
  if (typeof type !== 'string') return 'any';
  return type.replace(/^\$\{/, '').replace(/\}$/, '').replace(/\s+/g, ' ').trim();
}

function defaultText(v) {
  if (!('default' in v)) return 'n/a';
  const d = v.default;
  if (typeof d === 'string') return code(`"${d}"`);
  return code(JSON.stringify(d));
}

function table(header, rows) {
  if (rows.length === 0) return 'None.\n';
  const line = (cols) => `| ${cols.join(' | ')} |\n`;
  return line(header) + line(header.map(() => '---')) + rows.map(line).join('');
}

function render(cfg) {
  const tf = cfg.terraform.find((t) => t.required_version) ?? {};
  const providers = (tf.required_providers ?? [])[0] ?? {};
  let md = '';
  md += '## Requirements\n\n';
  md += table(['Name', 'Version'], [
    ['terraform', code(tf.required_version ?? 'any')],
    ...Object.entries(providers).sort().map(([name, p]) => [name, code(p.version ?? 'any')]),
  ]);
  const modules = Object.entries(cfg.module).sort(([a], [b]) => a.localeCompare(b));
  if (modules.length > 0) {
    md += '\n## Modules\n\n';
    md += table(['Name', 'Source'], modules.map(([name, m]) => [name, code(m.source)]));
  }
  md += '\n## Resources\n\n';
  md += table(['Name', 'Type'], [
    ...cfg.resource.sort().map((r) => [code(r), 'resource']),
    ...cfg.data.sort().map((d) => [code(d), 'data source']),
  ]);
  md += '\n## Inputs\n\n';
  md += table(['Name', 'Description', 'Type', 'Default', 'Required'],
    Object.entries(cfg.variable).sort(([a], [b]) => a.localeCompare(b)).map(([name, v]) => [
      name, cell(v.description ?? ''), code(typeText(v.type)), cell(defaultText(v)),
      'default' in v ? 'no' : 'yes',
    ]));
  md += '\n## Outputs\n\n';
  md += table(['Name', 'Description'],
    Object.entries(cfg.output).sort(([a], [b]) => a.localeCompare(b))
      .map(([name, o]) => [name, cell(o.description ?? '')]));
  return md;
}

/** README text with the generated section replaced (or null when the markers are missing). */
function withTables(readme, generated) {
  const b = readme.indexOf(kBegin);
  const e = readme.indexOf(kEnd);
  if (b < 0 || e < b) return null;
  return `${readme.slice(0, b)}${kBegin}\n${generated}${readme.slice(e)}`;
}

async function main(argv) {
  const args = argv.filter((a) => a !== '--check');
  const check = argv.includes('--check');
  if (args.length > 1 || args.some((a) => a.startsWith('-'))) usage();
  const root = path.resolve(args[0] ?? path.join(here, '..'));
  const parser = loadParser();
  const stale = [];
  for (const rel of tfFolders(root)) {
    const dir = path.join(root, rel);
    const readmePath = path.join(dir, 'README.md');
    const generated = render(await parseFolder(parser, dir));
    const current = fs.existsSync(readmePath) ? fs.readFileSync(readmePath, 'utf8') : '';
    const next = withTables(current, generated);
    if (next === null) {
      stale.push(`${rel}/README.md: no ${kBegin} ... ${kEnd} markers`);
    } else if (next !== current) {
      if (check) stale.push(`${rel}/README.md: input/output tables are stale`);
      else {
        fs.writeFileSync(readmePath, next);
        console.log(`updated ${rel}/README.md`);
      }
    }
  }
  for (const line of stale) console.error(`error: ${line}`);
  if (stale.length > 0) {
    if (check) console.error('run `make infra-docs` to regenerate the tables');
    process.exit(1);
  }
}

await main(process.argv.slice(2));
