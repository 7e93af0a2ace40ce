variable "aws_region" {
  description = "AWS region of the registry (the same region as the environments)."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region code such as eu-west-1."
  }
}

variable "project" {
  description = "Project name: repository name, role name prefix and value of the Project tag."
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
  description = "Team that owns the stack, the value of the Owner tag."
  type        = string
  nullable    = false

  validation {
    condition     = length(trimspace(var.owner)) > 0
    error_message = "owner must not be empty."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose main branch may push images."
  type        = string
  nullable    = false

  validation {
    condition = can(regex(
      "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$",
      var.github_repository
    ))
    error_message = "github_repository must be owner/name."
  }
}

variable "keep_image_count" {
  description = "Images the registry keeps (deploys and rollbacks can use only these)."
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.keep_image_count >= 10
    error_message = "keep_image_count must be at least 10."
  }
}
