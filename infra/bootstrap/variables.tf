variable "aws_region" {
  description = "AWS region of the state bucket (use the region the environments run in)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region code such as eu-west-1."
  }
}

variable "project" {
  description = "Project name: prefix of the bucket name and value of the Project tag."
  type        = string
  default     = "hello-birthday"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,20}$", var.project))
    error_message = <<-EOT
      project must be 3-21 characters of lowercase letters, digits and hyphens, starting with a
      letter.
    EOT
  }
}

variable "owner" {
  description = "Team that owns the stack, the value of the Owner tag (for example platform-team)."
  type        = string
  nullable    = false

  validation {
    condition     = length(trimspace(var.owner)) > 0
    error_message = "owner must not be empty."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days an overwritten state file version is kept (the way back from a bad apply)."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition = (
      var.noncurrent_version_retention_days >= 30
      && var.noncurrent_version_retention_days <= 3653
    )
    error_message = "noncurrent_version_retention_days must be from 30 to 3653."
  }
}
