################################################################################
# Table
################################################################################

variable "table_name" {
  description = "Name of the DynamoDB table of users."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.table_name))
    error_message = <<-EOT
      table_name must be 3-255 characters of letters, digits, underscore, dot and hyphen.
    EOT
  }
}

variable "hash_key_name" {
  description = <<-EOT
    Name of the partition key attribute (a string: the case-folded user name). Must match the
    service's DynamoDB adapter.
  EOT
  type        = string
  default     = "pk"
  nullable    = false

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]{0,254}$", var.hash_key_name))
    error_message = "hash_key_name must be an attribute name of letters, digits and underscores."
  }
}

variable "deletion_protection" {
  description = "Refuse DeleteTable until this is turned off (keep true in production)."
  type        = bool
  default     = true
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# Encryption key
################################################################################

variable "key_user_arns" {
  description = <<-EOT
    IAM roles allowed to use the table's KMS key, and only through DynamoDB (the service's task
    role).
  EOT
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition = alltrue([
      for arn in var.key_user_arns :
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", arn))
    ])
    error_message = "key_user_arns must hold IAM role ARNs without wildcards."
  }
}

variable "key_deletion_window_days" {
  description = <<-EOT
    Days a scheduled deletion of the KMS key waits before the key (and so the data) is gone.
  EOT
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.key_deletion_window_days >= 7 && var.key_deletion_window_days <= 30
    error_message = "key_deletion_window_days must be from 7 to 30."
  }
}
