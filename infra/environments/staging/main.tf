provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = var.project
      Environment = local.environment
      Owner       = var.owner
      ManagedBy   = "terraform"
      Repository  = var.github_repository
    }
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

data "aws_ecr_repository" "service" {
  name = var.ecr_repository_name
}

locals {
  environment = "staging"
  name        = "${var.project}-${local.environment}"
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  region      = data.aws_region.current.name

  # Prefix of the ARNs of this account's task definitions in the region.
  task_def_arns = "arn:${local.partition}:ecs:${local.region}:${local.account_id}:task-definition"

  # One drain period for both sides of a task's exit: the target group keeps a deregistered
  # task's in-flight requests this long (deregistration delay), and the service, after SIGTERM,
  # answers /readyz 503 but keeps serving this long (HELLO_DRAIN_SECONDS).
  drain_seconds            = 10
  shutdown_timeout_seconds = 15
  # ECS sends SIGKILL only after stopTimeout; it must exceed drain + shutdown (10 + 15 < 30).
  stop_timeout_seconds = 30

  availability_zone_count = 3
  min_tasks_per_zone      = 1
  max_capacity            = 6
  deletion_protection     = false # staging may be torn down and rebuilt
  log_retention_days      = 30
}

################################################################################
# Network
################################################################################

# Tasks reach S3 only for image layers (ECR keeps them in this AWS-owned bucket).
data "aws_iam_policy_document" "s3_endpoint" {
  statement {
    sid       = "EcrImageLayers"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::prod-${local.region}-starport-layer-bucket/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }
  }
}

# Through the VPC, DynamoDB answers only this account's callers and only on the users table.
data "aws_iam_policy_document" "dynamodb_endpoint" {
  statement {
    sid = "UsersTableOnly"
    actions = [
      "dynamodb:DeleteItem",
      "dynamodb:DescribeTable",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
    ]
    resources = [module.data.table_arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalAccount"
      values   = [local.account_id]
    }
  }
}

module "network" {
  source = "../../modules/network"

  name                          = local.name
  cidr                          = var.vpc_cidr
  availability_zone_count       = local.availability_zone_count
  enable_nat_gateway            = false
  s3_endpoint_policy_json       = data.aws_iam_policy_document.s3_endpoint.json
  dynamodb_endpoint_policy_json = data.aws_iam_policy_document.dynamodb_endpoint.json
  log_bucket_force_destroy      = !local.deletion_protection
}

################################################################################
# Load balancer
################################################################################

module "alb" {
  source = "../../modules/alb"

  name                         = local.name
  vpc_id                       = module.network.vpc_id
  public_subnet_ids            = module.network.public_subnet_ids
  target_security_group_id     = module.service.security_group_id
  deregistration_delay_seconds = local.drain_seconds
  domain_name                  = var.domain_name
  route53_zone_id              = var.route53_zone_id
  certificate_arn              = var.certificate_arn
  deletion_protection          = local.deletion_protection
  log_bucket_force_destroy     = !local.deletion_protection
  enable_waf                   = true
}

################################################################################
# Data
################################################################################

module "data" {
  source = "../../modules/dynamodb"

  table_name          = "${local.name}-users"
  deletion_protection = local.deletion_protection
  key_user_arns       = [module.service.task_role_arn]
}

################################################################################
# Service
################################################################################

module "service" {
  source = "../../modules/ecs-service"

  name                             = local.name
  image                            = var.image
  ecr_repository_arn               = data.aws_ecr_repository.service.arn
  vpc_id                           = module.network.vpc_id
  vpc_cidr                         = module.network.vpc_cidr
  private_subnet_ids               = module.network.private_subnet_ids
  gateway_endpoint_prefix_list_ids = module.network.gateway_endpoint_prefix_list_ids
  load_balancer_security_group_id  = module.alb.security_group_id
  target_group_arn                 = module.alb.target_group_arn
  request_count_resource_label     = module.alb.request_count_resource_label
  table_name                       = module.data.table_name
  table_arn                        = module.data.table_arn
  drain_seconds                    = local.drain_seconds
  shutdown_timeout_seconds         = local.shutdown_timeout_seconds
  stop_timeout_seconds             = local.stop_timeout_seconds
  availability_zone_count          = local.availability_zone_count
  min_tasks_per_zone               = local.min_tasks_per_zone
  max_capacity                     = local.max_capacity
  log_retention_days               = local.log_retention_days
}

################################################################################
# Monitoring
################################################################################

module "monitoring" {
  source = "../../modules/monitoring"

  name                     = local.name
  alarm_emails             = var.alarm_emails
  load_balancer_arn_suffix = module.alb.arn_suffix
  target_group_arn_suffix  = module.alb.target_group_arn_suffix
  cluster_name             = module.service.cluster_name
  service_name             = module.service.service_name
  table_name               = module.data.table_name
  min_running_tasks        = module.service.min_capacity
}

################################################################################
# CI access: the deploy workflow's job in this GitHub environment rolls this service
################################################################################

#trivy:ignore:AVD-AWS-0057
data "aws_iam_policy_document" "deploy" {
  # RegisterTaskDefinition and DescribeTaskDefinition have no resource type in IAM: AWS accepts
  # only "*" for them. What a registered revision can do is bounded by the PassRole statement.
  statement {
    sid       = "TaskDefinitionRevisions"
    actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "TagNewRevisions"
    actions   = ["ecs:TagResource"]
    resources = ["${local.task_def_arns}/${module.service.task_definition_family}:*"]

    condition {
      test     = "StringEquals"
      variable = "ecs:CreateAction"
      values   = ["RegisterTaskDefinition"]
    }
  }

  statement {
    sid       = "RollTheService"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = [module.service.service_arn]
  }

  statement {
    sid       = "PassOnlyTheServiceRoles"
    actions   = ["iam:PassRole"]
    resources = [module.service.task_role_arn, module.service.execution_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }
}

module "ci_deploy" {
  source = "../../modules/github-oidc"

  create_oidc_provider = false # created once per account by the shared configuration
  github_repository    = var.github_repository
  role_name            = "${local.name}-deploy"
  subjects             = ["environment:${local.environment}"]
  policy_json          = data.aws_iam_policy_document.deploy.json
}
