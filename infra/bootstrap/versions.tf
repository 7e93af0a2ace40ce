terraform {
  required_version = ">= 1.10"

  # The bootstrap creates the bucket every other configuration keeps its state in, so its own
  # (small) state stays local: keep terraform.tfstate of this folder safe, or re-import the
  # bucket with `terraform import aws_s3_bucket.state <name>` if it is lost.

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.82, < 6.0"
    }
  }
}
