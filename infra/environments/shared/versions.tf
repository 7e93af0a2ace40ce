terraform {
  required_version = ">= 1.10"

  # Partial configuration: bucket and region come from `terraform init -backend-config=backend.hcl`
  # (the bootstrap prints that file), so nothing account-specific is committed.
  backend "s3" {
    key          = "shared/terraform.tfstate"
    encrypt      = true
    use_lockfile = true # S3-native state locking (Terraform >= 1.10), no DynamoDB lock table
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.82, < 6.0"
    }
  }
}
