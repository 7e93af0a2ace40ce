locals {
  oidc_host = "token.actions.githubusercontent.com"
  oidc_url  = "https://${local.oidc_host}"
  provider_arn = one(concat(
    aws_iam_openid_connect_provider.this[*].arn,
    data.aws_iam_openid_connect_provider.this[*].arn
  ))
}

################################################################################
# GitHub Actions OIDC identity provider
################################################################################

resource "aws_iam_openid_connect_provider" "this" {
  count = var.create_oidc_provider ? 1 : 0

  url            = local.oidc_url
  client_id_list = ["sts.amazonaws.com"]

  # AWS checks GitHub's tokens against its own trusted root CAs; the argument is still
  # required by the API, so it carries GitHub's published intermediate thumbprints.
  thumbprint_list = [
    "6938fd4d98bab03faadb97b34396831e3780aea1",
    "1c58a3a8518e8759bf075b76b750d4f2df264fcd",
  ]

  tags = merge({ Name = local.oidc_host }, var.tags)
}

data "aws_iam_openid_connect_provider" "this" {
  count = var.create_oidc_provider ? 0 : 1

  url = local.oidc_url
}

################################################################################
# Role: only this repository, only the listed branch or environments
################################################################################

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "GitHubActionsOfThisRepository"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = [for subject in var.subjects : "repo:${var.github_repository}:${subject}"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.role_name
  description          = "GitHub Actions of ${var.github_repository} (${join(", ", var.subjects)})"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration_seconds

  tags = merge({ Name = var.role_name }, var.tags)
}

resource "aws_iam_role_policy" "this" {
  name   = "workflow"
  role   = aws_iam_role.this.id
  policy = var.policy_json
}
