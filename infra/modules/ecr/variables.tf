variable "name" {
  description = "Name of the ECR repository."
  type        = string
  nullable    = false

  validation {
    condition = (
      can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.name))
      && length(var.name) <= 256
    )
    error_message = <<-EOT
      name must be a lowercase ECR repository name (letters, digits, '.', '_', '-' and '/'), at most
      256 characters.
    EOT
  }
}

variable "keep_image_count" {
  description = <<-EOT
    Images kept in the repository; older ones expire. Deploys and rollbacks can use only kept
    images.
  EOT
  type        = number
  default     = 100
  nullable    = false

  validation {
    condition     = var.keep_image_count >= 10 && var.keep_image_count <= 10000
    error_message = "keep_image_count must be from 10 to 10000 (keep enough for rollbacks)."
  }
}

variable "untagged_expiry_days" {
  description = "Days an untagged image (a layer set left by an interrupted push) is kept."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.untagged_expiry_days >= 1 && var.untagged_expiry_days <= 365
    error_message = "untagged_expiry_days must be from 1 to 365."
  }
}

variable "force_delete" {
  description = "Allow Terraform to delete the repository while it still holds images."
  type        = bool
  default     = false
  nullable    = false
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
  nullable    = false
}
