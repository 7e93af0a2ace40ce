// Offline checks of the modules' `terraform test` files (modules/<module>/tests/*.tftest.hcl):
// each parses as HCL2, mocks the AWS provider and only plans, so the workflow runs them without
// an AWS account; the modules where a wrong value matters most have one.
import fs from 'node:fs';
import path from 'node:path';
import { listTestFiles, parseFile } from './hcl.mjs';

/** Modules that must keep plan-only tests: deployment, listeners and the table. */
export const kModulesNeedingTests = ['modules/alb', 'modules/dynamodb', 'modules/ecs-service'];

/** Modules (relative to the infra folder, "modules/<name>") with a tests/*.tftest.hcl file. */
export function modulesWithTests(infraDir) {
  const modules = path.join(infraDir, 'modules');
  if (!fs.existsSync(modules)) return [];
  return fs.readdirSync(modules, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => `modules/${e.name}`)
    .filter((rel) => {
      const tests = path.join(infraDir, rel, 'tests');
      return fs.existsSync(tests) && fs.readdirSync(tests).some((f) => f.endsWith('.tftest.hcl'));
    })
    .sort();
}

/**
 * Every .tftest.hcl below `infraDir`: where it lives, that it parses, that it mocks the AWS
 * provider instead of configuring a real one, and that every run is a plan. Returns the files
 * found and the violations ("<file>: what is wrong").
 */
export async function checkTestFiles(infraDir) {
  const files = listTestFiles(infraDir);
  const errors = [];
  if (files.length === 0) errors.push('no .tftest.hcl files found');
  let expectFailures = 0;

  for (const rel of files) {
    if (!/^modules\/[^/]+\/tests\/[^/]+\.tftest\.hcl$/.test(rel)) {
      errors.push(`${rel}: test files belong in modules/<module>/tests/`);
    }
    let json;
    try {
      json = await parseFile(path.join(infraDir, rel));
    } catch (e) {
      errors.push(`${rel}: ${e}`);
      continue;
    }
    if (!json.mock_provider?.aws) errors.push(`${rel}: no mock_provider "aws" (a real one needs an AWS account)`);
    if (json.provider?.aws) errors.push(`${rel}: configures a real aws provider`);
    const runs = Object.entries(json.run ?? {});
    if (runs.length === 0) errors.push(`${rel}: no run blocks`);
    for (const [name, bodies] of runs) {
      for (const body of bodies) {
        // Without `command = plan` a run applies, which would create real resources.
        if (body.command !== '${plan}') errors.push(`${rel}: run "${name}" is not plan-only (command = plan)`);
        if (body.expect_failures) expectFailures++;
      }
    }
  }

  if (files.length > 0 && expectFailures === 0) {
    errors.push('no run checks that a variable validation rejects a bad value (expect_failures)');
  }
  const tested = modulesWithTests(infraDir);
  for (const rel of kModulesNeedingTests) {
    if (!tested.includes(rel)) errors.push(`${rel}: has no tests/*.tftest.hcl`);
  }
  return { files, errors };
}
