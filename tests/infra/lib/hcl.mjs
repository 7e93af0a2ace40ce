// Loads every Terraform configuration under a folder into plain objects (HCL2 -> JSON through
// @cdktf/hcl2json) and evaluates the small subset of expressions the policy rules need.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const require = createRequire(path.join(repoRoot, 'package.json'));

/** The hcl2json parser from the repository's node_modules, or a clear error naming the fix. */
export function hclParser() {
  try {
    return require('@cdktf/hcl2json');
  } catch {
    throw new Error('@cdktf/hcl2json is missing: run `npm ci` in the repository root');
  }
}

/** Every file below `dir` whose name ends with `suffix`, relative to `dir`, in a stable order. */
export function listFiles(dir, suffix) {
  const out = [];
  const walk = (rel) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(suffix)) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** Every .tf file below `dir`, relative to it, in a stable order. */
export function listTfFiles(dir) {
  return listFiles(dir, '.tf');
}

/** Every `terraform test` file (.tftest.hcl) below `dir`, relative to it, in a stable order. */
export function listTestFiles(dir) {
  return listFiles(dir, '.tftest.hcl');
}

// Parsed JSON by file text: the mutation tests parse many copies that differ in one file only.
const parsedByText = new Map();

/** Parses one file; rejects with "file:line,col: message" on a syntax error. */
export async function parseFile(file) {
  const text = fs.readFileSync(file, 'utf8');
  const key = `${path.basename(file)}\0${text}`;
  if (!parsedByText.has(key)) parsedByText.set(key, await hclParser().parse(file, text));
  // A deep copy, so no caller can change what another one reads.
  return structuredClone(parsedByText.get(key));
}

// Blocks that hcl2json gives as { type: { name: [body] } } (resource, data) or { name: [body] }.
const kTwoLabel = ['resource', 'data'];
const kOneLabel = ['variable', 'output', 'module', 'provider'];

/**
 * One configuration folder (a module or a root): its blocks, each remembering the file it came
 * from. `locals` is the merged object of every locals block.
 */
export class TfDir {
  constructor(rel) {
    this.rel = rel;
    this.files = {};
    this.blocks = { resource: [], data: [], variable: [], output: [], module: [], provider: [] };
    this.locals = {};
    this.terraform = [];
  }

  add(file, json) {
    this.files[file] = json;
    for (const kind of kTwoLabel) {
      for (const [type, byName] of Object.entries(json[kind] ?? {})) {
        for (const [name, bodies] of Object.entries(byName)) {
          for (const body of bodies) this.blocks[kind].push({ type, name, body, file });
        }
      }
    }
    for (const kind of kOneLabel) {
      for (const [name, bodies] of Object.entries(json[kind] ?? {})) {
        for (const body of bodies) this.blocks[kind].push({ name, body, file });
      }
    }
    for (const block of json.locals ?? []) Object.assign(this.locals, block);
    for (const block of json.terraform ?? []) this.terraform.push({ body: block, file });
  }

  resources(type) {
    return this.blocks.resource.filter((r) => type === undefined || r.type === type);
  }

  resource(type, name) {
    return this.blocks.resource.find((r) => r.type === type && r.name === name);
  }

  data(type, name) {
    return this.blocks.data.find((d) => d.type === type && (name === undefined || d.name === name));
  }

  variable(name) {
    return this.blocks.variable.find((v) => v.name === name);
  }

  output(name) {
    return this.blocks.output.find((o) => o.name === name);
  }

  /** Is this folder a root configuration (it configures the aws provider itself)? */
  get isRoot() {
    return this.blocks.provider.some((p) => p.name === 'aws');
  }
}

/** Parses every .tf file under `infraDir` into a Map of folder (relative path) -> TfDir. */
export async function loadInfra(infraDir) {
  const dirs = new Map();
  for (const rel of listTfFiles(infraDir)) {
    const dirRel = path.dirname(rel);
    if (!dirs.has(dirRel)) dirs.set(dirRel, new TfDir(dirRel));
    dirs.get(dirRel).add(path.basename(rel), await parseFile(path.join(infraDir, rel)));
  }
  return { root: infraDir, dirs };
}

/** The folder a module call's `source` points at, relative to the infra folder. */
export function moduleTarget(callerRel, source) {
  return path.normalize(path.join(callerRel, source));
}

/**
 * Every instance of a module: one per call in a root, with the caller folder and arguments.
 * Modules are only ever called from roots here, so one level is enough.
 */
export function moduleInstances(config, moduleRel) {
  const out = [];
  for (const dir of config.dirs.values()) {
    for (const call of dir.blocks.module) {
      if (moduleTarget(dir.rel, call.body.source) === moduleRel) {
        out.push({ caller: dir, call, module: config.dirs.get(moduleRel) });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

/** The expression inside a whole-string interpolation "${...}", or null for anything else. */
export function exprOf(value) {
  if (typeof value !== 'string') return null;
  const m = /^\$\{([\s\S]*)\}$/.exec(value);
  if (!m) return null;
  // "${a}-${b}" also matches the pattern above; a whole-string interpolation has no "${" inside.
  return m[1].includes('${') ? null : m[1].trim();
}

export const kUnknown = Symbol('unknown');

/**
 * Evaluates `value` statically. Scope: { dir, vars: name -> value | kUnknown }. Understands
 * literals, var.x, local.x, tostring(x), !x and plain string templates of those; anything else
 * is kUnknown, so a rule that needs the value fails instead of guessing.
 */
export function evaluate(value, scope, depth = 0) {
  if (depth > 20) return kUnknown;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => evaluate(v, scope, depth + 1));
  if (typeof value !== 'string') return kUnknown;

  const expr = exprOf(value);
  if (expr === null) {
    if (!value.includes('${')) return value;
    // A template: evaluate each interpolation, give up on anything unknown.
    let unknown = false;
    const text = value.replace(/\$\{([^}]*)\}/g, (_, inner) => {
      const v = evaluate('${' + inner + '}', scope, depth + 1);
      if (v === kUnknown || typeof v === 'object') unknown = true;
      return String(v);
    });
    return unknown ? kUnknown : text;
  }

  let m;
  if (/^-?\d+(\.\d+)?$/.test(expr)) return Number(expr);
  if (expr === 'true' || expr === 'false') return expr === 'true';
  if ((m = /^"([^"$]*)"$/.exec(expr))) return m[1];
  if ((m = /^var\.([A-Za-z0-9_]+)$/.exec(expr))) return scope.vars(m[1], depth + 1);
  if ((m = /^local\.([A-Za-z0-9_]+)$/.exec(expr))) {
    if (!(m[1] in scope.dir.locals)) return kUnknown;
    return evaluate(scope.dir.locals[m[1]], scope, depth + 1);
  }
  if ((m = /^tostring\((.+)\)$/.exec(expr))) {
    const v = evaluate('${' + m[1] + '}', scope, depth + 1);
    return v === kUnknown ? kUnknown : String(v);
  }
  if ((m = /^!(.+)$/.exec(expr))) {
    const v = evaluate('${' + m[1] + '}', scope, depth + 1);
    return typeof v === 'boolean' ? !v : kUnknown;
  }
  return kUnknown;
}

/** Scope of a root folder: variables resolve to their defaults (kUnknown when required). */
export function rootScope(dir) {
  const scope = {
    dir,
    vars: (name, depth) => {
      const v = dir.variable(name);
      if (!v || !('default' in v.body)) return kUnknown;
      return evaluate(v.body.default, scope, depth);
    },
  };
  return scope;
}

/** Scope of a module instance: arguments of the call, else the module variable's default. */
export function instanceScope(instance) {
  const callerScope = instance.caller.isRoot ? rootScope(instance.caller) : null;
  const scope = {
    dir: instance.module,
    vars: (name, depth) => {
      if (name in instance.call.body && callerScope) {
        return evaluate(instance.call.body[name], callerScope, depth);
      }
      const v = instance.module.variable(name);
      if (!v || !('default' in v.body)) return kUnknown;
      return evaluate(v.body.default, scope, depth);
    },
  };
  return scope;
}

/** The raw expression a module instance passes for `name` (null when it relies on the default). */
export function argumentOf(instance, name) {
  return name in instance.call.body ? instance.call.body[name] : null;
}

/** Name of the module call in `dir` whose source is `moduleRel`, or null. */
export function callNameFor(dir, moduleRel) {
  const call = dir.blocks.module.find((c) => moduleTarget(dir.rel, c.body.source) === moduleRel);
  return call ? call.name : null;
}

/** A nested block of a body (hcl2json gives blocks as arrays), first occurrence or undefined. */
export function block(body, name) {
  const v = body?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/** All occurrences of a nested block. */
export function blocks(body, name) {
  const v = body?.[name];
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}
