// The system diagram and the Terraform describe the same system: every resource type a node of
// docs/diagrams/system.dot stands for exists in infra/, every main type of infra/ is drawn, and
// every other type is a listed detail. The committed SVG is the render of the current source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadInfra, repoRoot } from './lib/hcl.mjs';

const dotFile = path.join(repoRoot, 'docs', 'diagrams', 'system.dot');
const svgFile = path.join(repoRoot, 'docs', 'diagrams', 'system.svg');
const pngFile = path.join(repoRoot, 'docs', 'diagrams', 'system.png');

/** The building blocks a reader of the diagram must find there. */
export const kMainTypes = [
  'aws_acm_certificate', 'aws_appautoscaling_target', 'aws_cloudwatch_dashboard',
  'aws_cloudwatch_log_group', 'aws_cloudwatch_metric_alarm', 'aws_dynamodb_table',
  'aws_ecr_repository', 'aws_ecs_cluster', 'aws_ecs_service', 'aws_ecs_task_definition',
  'aws_flow_log', 'aws_iam_openid_connect_provider', 'aws_iam_role', 'aws_internet_gateway',
  'aws_kms_key', 'aws_lb', 'aws_lb_listener', 'aws_lb_target_group', 'aws_nat_gateway',
  'aws_route53_record', 'aws_s3_bucket', 'aws_security_group', 'aws_sns_topic', 'aws_subnet',
  'aws_vpc', 'aws_vpc_endpoint', 'aws_wafv2_web_acl',
];

/** Parts of a drawn thing (rules, policies, associations, bucket settings): not drawn alone. */
export const kDetailTypes = new Set([
  'aws_acm_certificate_validation', 'aws_appautoscaling_policy', 'aws_default_security_group',
  'aws_ecr_lifecycle_policy', 'aws_eip', 'aws_iam_role_policy', 'aws_kms_alias',
  'aws_kms_key_policy', 'aws_route', 'aws_route_table', 'aws_route_table_association',
  'aws_s3_bucket_lifecycle_configuration', 'aws_s3_bucket_ownership_controls',
  'aws_s3_bucket_policy', 'aws_s3_bucket_public_access_block',
  'aws_s3_bucket_server_side_encryption_configuration', 'aws_s3_bucket_versioning',
  'aws_sns_topic_policy', 'aws_sns_topic_subscription', 'aws_vpc_security_group_egress_rule',
  'aws_vpc_security_group_ingress_rule', 'aws_wafv2_web_acl_association',
]);

/** Resource types named in the `class` attributes of the diagram's nodes. */
export function diagramTypes(dotText) {
  const types = new Set();
  for (const m of dotText.matchAll(/\bclass="([^"]*)"/g)) {
    for (const t of m[1].split(/\s+/).filter(Boolean)) types.add(t);
  }
  return types;
}

/** Violations between a diagram source and a parsed infra/. */
export function compare(dotText, config) {
  const out = [];
  const drawn = diagramTypes(dotText);
  const inTerraform = new Set();
  for (const dir of config.dirs.values()) for (const r of dir.resources()) inTerraform.add(r.type);
  for (const t of drawn) {
    if (!inTerraform.has(t)) out.push(`the diagram shows ${t}, which infra/ does not create`);
  }
  for (const t of kMainTypes) {
    if (inTerraform.has(t) && !drawn.has(t)) out.push(`infra/ creates ${t}, which the diagram does not show`);
    if (!inTerraform.has(t)) out.push(`main type ${t} is missing from infra/`);
  }
  for (const t of inTerraform) {
    if (!drawn.has(t) && !kDetailTypes.has(t)) out.push(`${t} is neither drawn nor a listed detail: add it to the diagram`);
  }
  return out;
}

const config = await loadInfra(path.join(repoRoot, 'infra'));
const dotText = fs.readFileSync(dotFile, 'utf8');

test('diagram: every drawn resource type exists in the Terraform, and the reverse', () => {
  assert.deepEqual(compare(dotText, config), []);
});

test('diagram: a node for a resource infra/ lacks is caught', () => {
  const broken = dotText.replace('class="aws_dynamodb_table"', 'class="aws_dynamodb_table aws_rds_cluster"');
  assert.notEqual(broken, dotText);
  assert.match(compare(broken, config).join('\n'), /shows aws_rds_cluster, which infra\/ does not create/);
});

test('diagram: a main resource missing from the diagram is caught', () => {
  const broken = dotText.replace('class="aws_sns_topic"', 'class=""');
  assert.notEqual(broken, dotText);
  assert.match(compare(broken, config).join('\n'), /creates aws_sns_topic, which the diagram does not show/);
});

test('diagram: a new kind of resource in infra/ must be drawn', () => {
  const dir = [...config.dirs.values()].find((d) => d.rel === 'modules/dynamodb');
  dir.blocks.resource.push({ type: 'aws_elasticache_cluster', name: 'cache', body: {}, file: 'main.tf' });
  try {
    assert.match(compare(dotText, config).join('\n'), /aws_elasticache_cluster is neither drawn nor a listed detail/);
  } finally {
    dir.blocks.resource.pop();
  }
});

test('diagram: the committed SVG and PNG are renders of the current source', (t) => {
  assert.ok(fs.statSync(pngFile).size > 10000, 'system.png is missing or empty');
  assert.equal(fs.readFileSync(pngFile).subarray(1, 4).toString(), 'PNG');
  if (spawnSync('sh', ['-c', 'command -v dot'], { encoding: 'utf8' }).status !== 0) {
    t.skip('SKIP: Graphviz dot is not installed (Debian package graphviz); cannot re-render');
    return;
  }
  const render = spawnSync('dot', ['-Tsvg', dotFile], { encoding: 'utf8' });
  assert.equal(render.status, 0, render.stderr);
  // The generator comment names the Graphviz version; layout is compared, not the banner.
  const strip = (svg) => svg.replace(/<!-- Generated by graphviz version[^>]*-->/, '');
  assert.equal(strip(fs.readFileSync(svgFile, 'utf8')), strip(render.stdout), 'docs/diagrams/system.svg is stale: run `make diagram`');
});
