// The test of the policy tests: a copy of infra/ broken in one place per case must make the
// named rule report a violation (and the unbroken copy must not). A rule no mutation can break
// would be a test that cannot fail, so every rule needs at least one case here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadInfra, repoRoot } from './lib/hcl.mjs';
import { rules } from './lib/rules.mjs';

const infra = path.join(repoRoot, 'infra');

/** Each case: the rule it must break, the file, the exact text to replace (once) and by what. */
export const kMutations = [
  // deployment
  { rule: 'deployment', why: 'minimum healthy below 100%', file: 'modules/ecs-service/ecs.tf',
    find: 'deployment_minimum_healthy_percent = 100', replace: 'deployment_minimum_healthy_percent = 50' },
  { rule: 'deployment', why: 'circuit breaker without rollback', file: 'modules/ecs-service/ecs.tf',
    find: 'rollback = true', replace: 'rollback = false' },
  { rule: 'deployment', why: 'maximum percent 100 (stop before start)', file: 'modules/ecs-service/ecs.tf',
    find: 'deployment_maximum_percent         = 200', replace: 'deployment_maximum_percent         = 100' },
  // private-tasks
  { rule: 'private-tasks', why: 'public IP on tasks', file: 'modules/ecs-service/ecs.tf',
    find: 'assign_public_ip = false', replace: 'assign_public_ip = true' },
  { rule: 'private-tasks', why: 'prod passes the public subnets', file: 'environments/prod/main.tf',
    find: 'private_subnet_ids               = module.network.private_subnet_ids',
    replace: 'private_subnet_ids               = module.network.public_subnet_ids' },
  { rule: 'private-tasks', why: 'private route table sent to the internet gateway', file: 'modules/network/vpc.tf',
    find: '  route_table_id         = aws_route_table.public.id\n  destination_cidr_block = "0.0.0.0/0"\n  gateway_id ',
    replace: '  route_table_id         = aws_route_table.private[0].id\n  destination_cidr_block = "0.0.0.0/0"\n  gateway_id ' },
  // task-security-group
  { rule: 'task-security-group', why: 'tasks open to the internet', file: 'modules/ecs-service/security_group.tf',
    find: 'resource "aws_vpc_security_group_egress_rule" "endpoints" {',
    replace: 'resource "aws_vpc_security_group_ingress_rule" "anywhere" {\n  security_group_id = aws_security_group.task.id\n  ip_protocol       = "tcp"\n  from_port         = 8080\n  to_port           = 8080\n  cidr_ipv4         = "0.0.0.0/0"\n}\n\nresource "aws_vpc_security_group_egress_rule" "endpoints" {' },
  { rule: 'task-security-group', why: 'all ports from the load balancer', file: 'modules/ecs-service/security_group.tf',
    find: '  from_port                    = var.container_port\n  to_port                      = var.container_port\n  referenced_security_group_id = var.load_balancer_security_group_id',
    replace: '  from_port                    = 0\n  to_port                      = 65535\n  referenced_security_group_id = var.load_balancer_security_group_id' },
  { rule: 'task-security-group', why: 'staging admits the tasks\' own group instead of the load balancer', file: 'environments/staging/main.tf',
    find: 'load_balancer_security_group_id  = module.alb.security_group_id',
    replace: 'load_balancer_security_group_id  = module.network.vpc_id' },
  // tls
  { rule: 'tls', why: 'a TLS 1.0 policy by default', file: 'modules/alb/variables.tf',
    find: 'default     = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"', replace: 'default     = "ELBSecurityPolicy-2016-08"' },
  { rule: 'tls', why: 'HTTP forwards instead of redirecting', file: 'modules/alb/listeners.tf',
    find: '    type = "redirect"\n', replace: '    type = "forward"\n' },
  { rule: 'tls', why: 'invalid header fields passed on', file: 'modules/alb/alb.tf',
    find: 'drop_invalid_header_fields = true', replace: 'drop_invalid_header_fields = false' },
  // drain
  { rule: 'drain', why: 'deregistration delay differs from the drain', file: 'environments/staging/main.tf',
    find: 'deregistration_delay_seconds = local.drain_seconds', replace: 'deregistration_delay_seconds = 30' },
  { rule: 'drain', why: 'stop timeout not above drain + shutdown', file: 'environments/prod/main.tf',
    find: 'stop_timeout_seconds = 30', replace: 'stop_timeout_seconds = 25' },
  { rule: 'drain', why: 'health check on /healthz', file: 'modules/alb/variables.tf',
    find: 'default     = "/readyz"', replace: 'default     = "/healthz"' },
  // container
  { rule: 'container', why: 'writable root filesystem', file: 'modules/ecs-service/main.tf',
    find: 'readonlyRootFilesystem = true', replace: 'readonlyRootFilesystem = false' },
  { rule: 'container', why: 'runs as root', file: 'modules/ecs-service/main.tf',
    find: 'user                   = "10001"', replace: 'user                   = "0"' },
  { rule: 'container', why: 'health check through a shell', file: 'modules/ecs-service/main.tf',
    find: 'command     = ["CMD", "/usr/local/bin/hello-birthday", "healthcheck"]',
    replace: 'command     = ["CMD-SHELL", "curl -f http://localhost:8080/healthz"]' },
  { rule: 'container', why: 'a privileged container', file: 'modules/ecs-service/main.tf',
    find: '    readonlyRootFilesystem = true\n', replace: '    readonlyRootFilesystem = true\n    privileged             = true\n' },
  { rule: 'container', why: 'capabilities kept', file: 'modules/ecs-service/main.tf',
    find: 'drop = ["ALL"]', replace: 'drop = []' },
  // iam-wildcards
  { rule: 'iam-wildcards', why: 'wildcard action on the table', file: 'modules/ecs-service/iam.tf',
    find: '      "dynamodb:PutItem",\n', replace: '      "dynamodb:*",\n' },
  { rule: 'iam-wildcards', why: 'image pull on every repository', file: 'modules/ecs-service/iam.tf',
    find: 'resources = [var.ecr_repository_arn]', replace: 'resources = ["*"]' },
  { rule: 'iam-wildcards', why: 'the AWS managed execution policy', file: 'modules/ecs-service/iam.tf',
    find: 'resource "aws_iam_role_policy" "execution" {',
    replace: 'resource "aws_iam_role_policy_attachment" "managed" {\n  role       = aws_iam_role.execution.name\n  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"\n}\n\nresource "aws_iam_role_policy" "execution" {' },
  { rule: 'iam-wildcards', why: 'inline JSON policy the rules cannot read', file: 'modules/github-oidc/main.tf',
    find: '  policy = var.policy_json', replace: '  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }] })' },
  { rule: 'iam-wildcards', why: 'log delivery to every bucket', file: 'modules/network/flow_logs.tf',
    find: '"${aws_s3_bucket.flow_logs.arn}/${local.flow_prefix}/AWSLogs/${local.account_id}/*"',
    replace: '"arn:aws:s3:::*"' },
  { rule: 'iam-wildcards', why: 'key policy with kms:*', file: 'modules/dynamodb/main.tf',
    find: '      "kms:CancelKeyDeletion",\n', replace: '      "kms:*",\n' },
  { rule: 'iam-wildcards', why: 'deploy role may update every service', file: 'environments/prod/main.tf',
    find: 'resources = [module.service.service_arn]', replace: 'resources = ["arn:aws:ecs:*:*:service/*"]' },
  // task-role
  { rule: 'task-role', why: 'task role may scan the table', file: 'modules/ecs-service/iam.tf',
    find: '      "dynamodb:GetItem",\n', replace: '      "dynamodb:GetItem",\n      "dynamodb:Scan",\n' },
  { rule: 'task-role', why: 'task role on another table', file: 'environments/staging/main.tf',
    find: 'table_arn                        = module.data.table_arn',
    replace: 'table_arn                        = "arn:aws:dynamodb:eu-west-1:123456789012:table/other"' },
  // table
  { rule: 'table', why: 'point-in-time recovery off', file: 'modules/dynamodb/main.tf',
    find: 'point_in_time_recovery {\n    enabled = true', replace: 'point_in_time_recovery {\n    enabled = false' },
  { rule: 'table', why: 'prod table without deletion protection', file: 'environments/prod/main.tf',
    find: '  deletion_protection     = true\n', replace: '  deletion_protection     = false\n' },
  // log-retention
  { rule: 'log-retention', why: 'service logs kept forever', file: 'modules/ecs-service/ecs.tf',
    find: '  retention_in_days = var.log_retention_days\n', replace: '' },
  { rule: 'log-retention', why: 'access logs never expire', file: 'modules/alb/logs.tf',
    find: '    expiration {\n      days = var.access_log_retention_days\n    }\n', replace: '' },
  // variables
  { rule: 'variables', why: 'variable without description', file: 'modules/network/variables.tf',
    find: '  description = <<-EOT\n    Number of availability zones to spread the subnets over (the first N zones of the region that\n'
      + '    need no opt-in).\n  EOT\n',
    replace: '' },
  { rule: 'variables', why: 'variable without type', file: 'modules/ecr/variables.tf',
    find: '  description = "Allow Terraform to delete the repository while it still holds images."\n  type        = bool\n',
    replace: '  description = "Allow Terraform to delete the repository while it still holds images."\n' },
  { rule: 'variables', why: 'output without description', file: 'modules/ecr/outputs.tf',
    find: '  description = "Name of the repository."\n', replace: '' },
  // tags
  { rule: 'tags', why: 'prod without default_tags', file: 'environments/prod/main.tf',
    find: '  default_tags {', replace: '  ignore_tags {' },
  { rule: 'tags', why: 'table without tags', file: 'modules/dynamodb/main.tf',
    find: '    kms_key_arn = aws_kms_key.this.arn\n  }\n\n  tags = merge({ Name = var.table_name }, var.tags)\n',
    replace: '    kms_key_arn = aws_kms_key.this.arn\n  }\n' },
  // layout
  { rule: 'layout', why: 'state without locking', file: 'environments/prod/versions.tf',
    find: 'use_lockfile = true', replace: 'use_lockfile = false' },
  { rule: 'layout', why: 'provider version unpinned', file: 'modules/network/versions.tf',
    find: '      version = ">= 5.82, < 6.0"\n', replace: '' },
  // production
  { rule: 'production', why: 'one task per zone in prod', file: 'environments/prod/main.tf',
    find: 'min_tasks_per_zone      = 2', replace: 'min_tasks_per_zone      = 1' },
  { rule: 'production', why: 'prod without WAF', file: 'environments/prod/main.tf',
    find: 'enable_waf                   = true', replace: 'enable_waf                   = false' },
  // ci-access
  { rule: 'ci-access', why: 'trust by pattern instead of exact subject', file: 'modules/github-oidc/main.tf',
    find: '      test     = "StringEquals"\n      variable = "${local.oidc_host}:sub"',
    replace: '      test     = "StringLike"\n      variable = "${local.oidc_host}:sub"' },
  { rule: 'ci-access', why: 'any branch may deploy prod', file: 'environments/prod/main.tf',
    find: 'subjects             = ["environment:${local.environment}"]', replace: 'subjects             = ["ref:refs/heads/*"]' },
];

/** A temporary copy of infra/ with one mutation applied; the caller removes it. */
export function mutatedCopy(m) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-mutation-'));
  fs.cpSync(infra, dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform`) });
  const file = path.join(dir, m.file);
  const text = fs.readFileSync(file, 'utf8');
  const count = text.split(m.find).length - 1;
  if (count !== 1) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`mutation "${m.why}": the text to replace occurs ${count} times in ${m.file}, want once`);
  }
  fs.writeFileSync(file, text.replace(m.find, m.replace));
  return dir;
}

const byId = new Map(rules.map((r) => [r.id, r]));

test('mutation: every policy rule has at least one breaking mutation', () => {
  const covered = new Set(kMutations.map((m) => m.rule));
  assert.deepEqual(rules.map((r) => r.id).filter((id) => !covered.has(id)), []);
  for (const m of kMutations) assert.ok(byId.has(m.rule), `unknown rule ${m.rule}`);
});

for (const m of kMutations) {
  test(`mutation: ${m.why} breaks rule ${m.rule}`, async () => {
    const dir = mutatedCopy(m);
    try {
      const violations = byId.get(m.rule).check(await loadInfra(dir));
      assert.ok(violations.length > 0, `rule ${m.rule} still holds after: ${m.why}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
