# Account-wide pieces both environments share: the image registry (an image is built once and
# the same digest runs in staging and prod) and the GitHub OIDC provider with the publish role.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      Project     = var.project
      Environment = "shared"
      Owner       = var.owner
      ManagedBy   = "terraform"
      Repository  = var.github_repository
    }
  }
}

################################################################################
# Registry
################################################################################

module "registry" {
  source = "../../modules/ecr"

  name             = var.project
  keep_image_count = var.keep_image_count
}

################################################################################
# CI access: main branch may push images to this one repository
################################################################################

#trivy:ignore:AVD-AWS-0057
data "aws_iam_policy_document" "publish" {
  # ecr:GetAuthorizationToken has no resource type in IAM: AWS accepts only "*" for it. The
  # token opens no repository by itself; the push actions below are limited to one.
  statement {
    sid       = "RegistryToken"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushServiceImages"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:CompleteLayerUpload",
      "ecr:DescribeImageScanFindings",
      "ecr:DescribeImages",
      "ecr:InitiateLayerUpload",
      "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [module.registry.arn]
  }
}

module "ci_publish" {
  source = "../../modules/github-oidc"

  create_oidc_provider = true
  github_repository    = var.github_repository
  role_name            = "${var.project}-publish"
  subjects             = ["ref:refs/heads/main"]
  policy_json          = data.aws_iam_policy_document.publish.json
}
