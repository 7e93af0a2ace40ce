################################################################################
# Identity provider
################################################################################

variable "create_oidc_provider" {
  description = <<-EOT
    Create the account's GitHub Actions OIDC identity provider (once per account); false looks the
    existing one up.
  EOT
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# Role
################################################################################

variable "github_repository" {
  description = "Repository whose workflows may assume the role, as owner/name."
  type        = string
  nullable    = false

  validation {
    condition = can(regex(
      "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$",
      var.github_repository
    ))
    error_message = "github_repository must be owner/name, for example octo-org/hello-birthday."
  }
}

variable "role_name" {
  description = "Name of the IAM role the workflow assumes."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "subjects" {
  description = <<-EOT
    Token subjects allowed, after repo:<owner>/<name>: exact branch refs (ref:refs/heads/main) or
    GitHub environments (environment:prod). No wildcards.
  EOT
  type        = list(string)
  nullable    = false

  validation {
    condition = (
      length(var.subjects) > 0
      && alltrue([
        for subject in var.subjects :
        can(regex("^(ref:refs/heads/[A-Za-z0-9._/-]+|environment:[A-Za-z0-9._-]+)$", subject))
      ])
    )
    error_message = <<-EOT
      subjects must be a non-empty list of ref:refs/heads/<branch> or environment:<name> values,
      without wildcards.
    EOT
  }
}

variable "policy_json" {
  description = "IAM policy document (JSON) of what the role may do."
  type        = string
  nullable    = false
}

variable "max_session_duration_seconds" {
  description = "Longest session a workflow gets from one assume-role call."
  type        = number
  default     = 3600
  nullable    = false

  validation {
    condition = (
      var.max_session_duration_seconds >= 3600
      && var.max_session_duration_seconds <= 43200
    )
    error_message = "max_session_duration_seconds must be from 3600 to 43200."
  }
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
  nullable    = false
}
