################################################################################
# Account, ownership and source
################################################################################

variable "aws_region" {
  description = "AWS region of the environment."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region must be a region code such as eu-west-1."
  }
}

variable "project" {
  description = "Project name: prefix of every resource name and value of the Project tag."
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
  description = "Team that owns the environment, the value of the Owner tag."
  type        = string
  nullable    = false

  validation {
    condition     = length(trimspace(var.owner)) > 0
    error_message = "owner must not be empty."
  }
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose deploy workflow may roll this environment."
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

################################################################################
# Image
################################################################################

variable "ecr_repository_name" {
  description = "Name of the image repository created by the shared configuration."
  type        = string
  default     = "hello-birthday"
  nullable    = false
}

variable "image" {
  description = <<-EOT
    Image of the first task definition revision, pinned by digest
    (<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>); later revisions come
    from the deploy workflow.
  EOT
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("@sha256:[0-9a-f]{64}$", var.image))
    error_message = "image must be pinned by digest (ending in @sha256:<64 hex digits>)."
  }
}

################################################################################
# Network, DNS and notification
################################################################################

variable "vpc_cidr" {
  description = "IPv4 CIDR of the environment's VPC."
  type        = string
  default     = "10.10.0.0/16"
  nullable    = false

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0))
    error_message = "vpc_cidr must be a valid IPv4 CIDR."
  }
}

variable "domain_name" {
  description = "Public DNS name of the service in this environment (for example api.example.com)."
  type        = string
  default     = null
}

variable "route53_zone_id" {
  description = <<-EOT
    Public hosted zone of domain_name, for the certificate validation and alias records.
  EOT
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "Existing ACM certificate to serve instead of issuing one for domain_name."
  type        = string
  default     = null
}

variable "alarm_emails" {
  description = "Email addresses notified by the alarms."
  type        = list(string)
  default     = []
  nullable    = false
}
